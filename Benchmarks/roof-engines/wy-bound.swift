// A bound, not the engine (Benchmarks/README.md, "104 × 17": the compact-WY bound): the trailing-update
// sweeps of the paired QR of a 104 × 18 [A | b] — reflectors two per sweep, as PossumLinalg's
// PairedHouseholderQR schedules them — against compact WY over blocks of 4 (and 8) reflectors, four
// (eight) reflectors per load and store of each element, with no reflector chain at all: fixed
// explicit reflectors, A copied in before each call (a batch of copies alone subtracted), the
// thread's CPU clock, the variants interleaved and rotated each round beside an FMA-throughput roof.
//
//   swiftc -O -target-cpu native Benchmarks/roof-engines/wy-bound.swift -o /tmp/wy-bound && /tmp/wy-bound 104 15
import Foundation
typealias V = SIMD8<Double>
@inline(__always) func ld(_ p: UnsafePointer<Double>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }
@inline(__always) func st(_ v: V, _ p: UnsafeMutablePointer<Double>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self) }
func cpu() -> Double { var ts = timespec(); clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9 }

let m = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 104 : 104, n = 17, total = 18, L = 8
let rounds = CommandLine.arguments.count > 2 ? Int(CommandLine.arguments[2]) ?? 15 : 15
let a = UnsafeMutableRawPointer.allocate(byteCount: m * total * 8, alignment: 64).bindMemory(to: Double.self, capacity: m * total)
let src = UnsafeMutablePointer<Double>.allocate(capacity: m * total)
let vs = UnsafeMutableRawPointer.allocate(byteCount: m * total * 8, alignment: 64).bindMemory(to: Double.self, capacity: m * total) // explicit reflectors
var taus = [Double](repeating: 0, count: total)
var seed: UInt64 = 7
func rnd() -> Double { seed = seed &* 6364136223846793005 &+ 1442695040888963407; return Double(seed >> 11) / Double(1 << 53) - 0.5 }
for i in 0..<(m * total) { src[i] = rnd() }
for k in 0..<total { var s = 1.0; for r in 0..<m { vs[k * m + r] = r < k ? 0 : r == k ? 1 : rnd() * 0.1; if r > k { s += vs[k*m+r]*vs[k*m+r] } }; taus[k] = 2 / s }
let v21s = (0..<total).map { k in k + 1 < total ? (0..<m).reduce(0.0) { $0 + vs[k*m+$1] * vs[(k+1)*m+$1] } : 0 }

@inline(__always) func pair4(_ len: Int, _ v1: UnsafePointer<Double>, _ t1: Double, _ v2: UnsafePointer<Double>, _ t2: Double, _ v21: Double,
                             _ c0: UnsafeMutablePointer<Double>, _ c1: UnsafeMutablePointer<Double>, _ c2: UnsafeMutablePointer<Double>, _ c3: UnsafeMutablePointer<Double>) {
    var s10 = V(), s20 = V(), s11 = V(), s21 = V(), s12 = V(), s22 = V(), s13 = V(), s23 = V()
    var i = 0
    while i < len {
        let x1 = ld(v1 + i), x2 = ld(v2 + i)
        let y0 = ld(c0 + i), y1 = ld(c1 + i), y2 = ld(c2 + i), y3 = ld(c3 + i)
        s10 = s10.addingProduct(x1, y0); s20 = s20.addingProduct(x2, y0)
        s11 = s11.addingProduct(x1, y1); s21 = s21.addingProduct(x2, y1)
        s12 = s12.addingProduct(x1, y2); s22 = s22.addingProduct(x2, y2)
        s13 = s13.addingProduct(x1, y3); s23 = s23.addingProduct(x2, y3)
        i += L
    }
    let w10 = t1 * s10.sum(), w11 = t1 * s11.sum(), w12 = t1 * s12.sum(), w13 = t1 * s13.sum()
    let w20 = t2 * (s20.sum() - v21 * w10), w21 = t2 * (s21.sum() - v21 * w11)
    let w22 = t2 * (s22.sum() - v21 * w12), w23 = t2 * (s23.sum() - v21 * w13)
    let n10 = V(repeating: -w10), n20 = V(repeating: -w20), n11 = V(repeating: -w11), n21 = V(repeating: -w21)
    let n12 = V(repeating: -w12), n22 = V(repeating: -w22), n13 = V(repeating: -w13), n23 = V(repeating: -w23)
    i = 0
    while i < len {
        let x1 = ld(v1 + i), x2 = ld(v2 + i)
        st(ld(c0 + i).addingProduct(n10, x1).addingProduct(n20, x2), c0 + i)
        st(ld(c1 + i).addingProduct(n11, x1).addingProduct(n21, x2), c1 + i)
        st(ld(c2 + i).addingProduct(n12, x1).addingProduct(n22, x2), c2 + i)
        st(ld(c3 + i).addingProduct(n13, x1).addingProduct(n23, x2), c3 + i)
        i += L
    }
}
@inline(__always) func pair2(_ len: Int, _ v1: UnsafePointer<Double>, _ t1: Double, _ v2: UnsafePointer<Double>, _ t2: Double, _ v21: Double,
                             _ c0: UnsafeMutablePointer<Double>, _ c1: UnsafeMutablePointer<Double>) {
    var s10 = V(), s20 = V(), s11 = V(), s21 = V()
    var i = 0
    while i < len {
        let x1 = ld(v1 + i), x2 = ld(v2 + i), y0 = ld(c0 + i), y1 = ld(c1 + i)
        s10 = s10.addingProduct(x1, y0); s20 = s20.addingProduct(x2, y0)
        s11 = s11.addingProduct(x1, y1); s21 = s21.addingProduct(x2, y1)
        i += L
    }
    let w10 = t1 * s10.sum(), w11 = t1 * s11.sum()
    let w20 = t2 * (s20.sum() - v21 * w10), w21 = t2 * (s21.sum() - v21 * w11)
    let n10 = V(repeating: -w10), n20 = V(repeating: -w20), n11 = V(repeating: -w11), n21 = V(repeating: -w21)
    i = 0
    while i < len {
        let x1 = ld(v1 + i), x2 = ld(v2 + i)
        st(ld(c0 + i).addingProduct(n10, x1).addingProduct(n20, x2), c0 + i)
        st(ld(c1 + i).addingProduct(n11, x1).addingProduct(n21, x2), c1 + i)
        i += L
    }
}
@inline(__always) func one(_ len: Int, _ v: UnsafePointer<Double>, _ t: Double, _ c: UnsafeMutablePointer<Double>) {
    var s = V(), i = 0
    while i < len { s = s.addingProduct(ld(v + i), ld(c + i)); i += L }
    let w = V(repeating: -t * s.sum()); i = 0
    while i < len { st(ld(c + i).addingProduct(w, ld(v + i)), c + i); i += L }
}

/// The present schedule: pair (k, k+1) over every column k+2..<18 (fours, then a two), then the last reflector.
@inline(never) func pairSweeps() {
    var k = 0
    while k + 1 < n {
        let start = k / L * L, len = m - start
        let v1 = vs + k * m + start, v2 = vs + (k + 1) * m + start
        var j = k + 2
        while j + 4 <= total { pair4(len, v1, taus[k], v2, taus[k+1], v21s[k], a + j*m + start, a + (j+1)*m + start, a + (j+2)*m + start, a + (j+3)*m + start); j += 4 }
        while j < total { pair2(len, v1, taus[k], v2, taus[k+1], v21s[k], a + j*m + start, a + min(j+1, total-1)*m + start); j += 2 }
        k += 2
    }
    one(m - k / L * L, vs + k * m + k / L * L, taus[k], a + (k + 1) * m + k / L * L)
}

/// Block of 4 on four columns: 16 dots (one sweep), gains g = Tᵀ·(Vᵀc) (T given as its upper triangle), then c -= V·g.
@inline(__always) func block4x4(_ len: Int, _ v: UnsafePointer<Double>, _ t: UnsafePointer<Double>, _ c: UnsafeMutablePointer<Double>, _ cols: Int) {
    let v0 = v, v1 = v + m, v2 = v + 2*m, v3 = v + 3*m
    let c0 = c, c1 = c + m, c2 = c + (cols > 2 ? 2*m : 0), c3 = c + (cols > 3 ? 3*m : cols > 1 ? m : 0)
    var s00 = V(), s01 = V(), s02 = V(), s03 = V(), s10 = V(), s11 = V(), s12 = V(), s13 = V()
    var s20 = V(), s21 = V(), s22 = V(), s23 = V(), s30 = V(), s31 = V(), s32 = V(), s33 = V()
    var i = 0
    while i < len {
        let x0 = ld(v0 + i), x1 = ld(v1 + i), x2 = ld(v2 + i), x3 = ld(v3 + i)
        let y0 = ld(c0 + i), y1 = ld(c1 + i), y2 = ld(c2 + i), y3 = ld(c3 + i)
        s00 = s00.addingProduct(x0, y0); s01 = s01.addingProduct(x1, y0); s02 = s02.addingProduct(x2, y0); s03 = s03.addingProduct(x3, y0)
        s10 = s10.addingProduct(x0, y1); s11 = s11.addingProduct(x1, y1); s12 = s12.addingProduct(x2, y1); s13 = s13.addingProduct(x3, y1)
        s20 = s20.addingProduct(x0, y2); s21 = s21.addingProduct(x1, y2); s22 = s22.addingProduct(x2, y2); s23 = s23.addingProduct(x3, y2)
        s30 = s30.addingProduct(x0, y3); s31 = s31.addingProduct(x1, y3); s32 = s32.addingProduct(x2, y3); s33 = s33.addingProduct(x3, y3)
        i += L
    }
    // g = Tᵀ d per column (T upper triangular 4x4, row-major t[r*4+c]).
    func gains(_ d0: Double, _ d1: Double, _ d2: Double, _ d3: Double) -> (Double, Double, Double, Double) {
        let g0 = t[0] * d0
        let g1 = t[1] * d0 + t[5] * d1
        let g2 = t[2] * d0 + t[6] * d1 + t[10] * d2
        let g3 = t[3] * d0 + t[7] * d1 + t[11] * d2 + t[15] * d3
        return (-g0, -g1, -g2, -g3)
    }
    let (a00, a01, a02, a03) = gains(s00.sum(), s01.sum(), s02.sum(), s03.sum())
    let (a10, a11, a12, a13) = gains(s10.sum(), s11.sum(), s12.sum(), s13.sum())
    let (a20, a21, a22, a23) = gains(s20.sum(), s21.sum(), s22.sum(), s23.sum())
    let (a30, a31, a32, a33) = gains(s30.sum(), s31.sum(), s32.sum(), s33.sum())
    let g00 = V(repeating: a00), g01 = V(repeating: a01), g02 = V(repeating: a02), g03 = V(repeating: a03)
    let g10 = V(repeating: a10), g11 = V(repeating: a11), g12 = V(repeating: a12), g13 = V(repeating: a13)
    let g20 = V(repeating: a20), g21 = V(repeating: a21), g22 = V(repeating: a22), g23 = V(repeating: a23)
    let g30 = V(repeating: a30), g31 = V(repeating: a31), g32 = V(repeating: a32), g33 = V(repeating: a33)
    i = 0
    while i < len {
        let x0 = ld(v0 + i), x1 = ld(v1 + i), x2 = ld(v2 + i), x3 = ld(v3 + i)
        st(ld(c0 + i).addingProduct(g00, x0).addingProduct(g01, x1).addingProduct(g02, x2).addingProduct(g03, x3), c0 + i)
        st(ld(c1 + i).addingProduct(g10, x0).addingProduct(g11, x1).addingProduct(g12, x2).addingProduct(g13, x3), c1 + i)
        st(ld(c2 + i).addingProduct(g20, x0).addingProduct(g21, x1).addingProduct(g22, x2).addingProduct(g23, x3), c2 + i)
        st(ld(c3 + i).addingProduct(g30, x0).addingProduct(g31, x1).addingProduct(g32, x2).addingProduct(g33, x3), c3 + i)
        i += L
    }
}
let tmat = UnsafeMutablePointer<Double>.allocate(capacity: 16)
for i in 0..<16 { tmat[i] = i / 4 <= i % 4 ? 0.01 * Double(i + 1) : 0 }
/// Block-4 schedule: per block of 4 reflectors, pair (k, k+1) on the panel's columns k+2, k+3, one 4-dot
/// sweep for V₃₄ᵀV₁₂ (the T factor), then the block on every column k+4..<18; then the last reflector.
@inline(never) func blockSweeps(countTFactor: Bool) {
    var k = 0
    while k + 4 <= n {
        let start = k / L * L, len = m - start
        let v1 = vs + k * m + start, v2 = vs + (k + 1) * m + start
        pair2(len, v1, taus[k], v2, taus[k+1], v21s[k], a + (k+2)*m + start, a + (k+3)*m + start)
        if countTFactor {
            var s0 = V(), s1 = V(), s2 = V(), s3 = V(), i = 0
            let v3 = vs + (k + 2) * m + start, v4 = vs + (k + 3) * m + start
            while i < len { let x1 = ld(v1 + i), x2 = ld(v2 + i), x3 = ld(v3 + i), x4 = ld(v4 + i)
                s0 = s0.addingProduct(x1, x3); s1 = s1.addingProduct(x2, x3); s2 = s2.addingProduct(x1, x4); s3 = s3.addingProduct(x2, x4); i += L }
            tmat[2] = s0.sum() * 1e-3; tmat[6] = s1.sum() * 1e-3; tmat[3] = s2.sum() * 1e-3; tmat[7] = s3.sum() * 1e-3
        }
        var j = k + 4
        while j < total { block4x4(len, v1, tmat, a + j * m + start, min(4, total - j)); j += 4 }
        k += 4
    }
    one(m - k / L * L, vs + k * m + k / L * L, taus[k], a + (k + 1) * m + k / L * L)
}


/// Block of B reflectors (B = 4 or 8, v's columns m apart) on two columns: 2B dots in one sweep, g = Tᵀd, c -= V·g.
@inline(__always) func blockBx2<let B: Int>(_ len: Int, _ v: UnsafePointer<Double>, _ t: UnsafePointer<Double>, _ c0: UnsafeMutablePointer<Double>, _ c1: UnsafeMutablePointer<Double>, _ b: InlineArray<B, Int>) {
    var s0 = InlineArray<B, V>(repeating: V()), s1 = InlineArray<B, V>(repeating: V())
    var i = 0
    while i < len {
        let y0 = ld(c0 + i), y1 = ld(c1 + i)
        for r in 0..<B { let x = ld(v + r * m + i); s0[r] = s0[r].addingProduct(x, y0); s1[r] = s1[r].addingProduct(x, y1) }
        i += L
    }
    var g0 = InlineArray<B, V>(repeating: V()), g1 = InlineArray<B, V>(repeating: V())
    for r in 0..<B {
        var a0 = 0.0, a1 = 0.0
        for q in 0...r { a0 += t[q * 8 + r] * s0[q].sum(); a1 += t[q * 8 + r] * s1[q].sum() }
        g0[r] = V(repeating: -a0); g1[r] = V(repeating: -a1)
    }
    i = 0
    while i < len {
        var y0 = ld(c0 + i), y1 = ld(c1 + i)
        for r in 0..<B { let x = ld(v + r * m + i); y0 = y0.addingProduct(g0[r], x); y1 = y1.addingProduct(g1[r], x) }
        st(y0, c0 + i); st(y1, c1 + i)
        i += L
    }
}
let t8 = UnsafeMutablePointer<Double>.allocate(capacity: 64)
for i in 0..<64 { t8[i] = i / 8 <= i % 8 ? 0.001 * Double(i + 1) : 0 }
/// Block-4 with a two-column remainder (no padded columns).
@inline(never) func block4NoWaste() {
    var k = 0
    while k + 4 <= n {
        let start = k / L * L, len = m - start
        let v1 = vs + k * m + start, v2 = vs + (k + 1) * m + start
        pair2(len, v1, taus[k], v2, taus[k+1], v21s[k], a + (k+2)*m + start, a + (k+3)*m + start)
        var s0 = V(), s1 = V(), s2 = V(), s3 = V(), i = 0
        let v3 = vs + (k + 2) * m + start, v4 = vs + (k + 3) * m + start
        while i < len { let x1 = ld(v1 + i), x2 = ld(v2 + i), x3 = ld(v3 + i), x4 = ld(v4 + i)
            s0 = s0.addingProduct(x1, x3); s1 = s1.addingProduct(x2, x3); s2 = s2.addingProduct(x1, x4); s3 = s3.addingProduct(x2, x4); i += L }
        tmat[2] = s0.sum() * 1e-3; tmat[6] = s1.sum() * 1e-3; tmat[3] = s2.sum() * 1e-3; tmat[7] = s3.sum() * 1e-3
        var j = k + 4
        while j + 4 <= total { block4x4(len, v1, tmat, a + j * m + start, 4); j += 4 }
        while j < total { blockBx2(len, v1, t8, a + j * m + start, a + min(j + 1, total - 1) * m + start, InlineArray<4, Int>(repeating: 0)); j += 2 }
        k += 4
    }
    one(m - k / L * L, vs + k * m + k / L * L, taus[k], a + (k + 1) * m + k / L * L)
}
/// Block-8: the panel of 8 by pairs (pair k on the panel's later columns), then 8 reflectors per sweep on
/// the trailing columns two at a time (T's 28 cross sums not counted).
@inline(never) func block8() {
    var k = 0
    while k + 8 <= n {
        let start = k / L * L, len = m - start
        var p = k
        while p + 2 < k + 8 {
            let v1 = vs + p * m + start, v2 = vs + (p + 1) * m + start
            var j = p + 2
            while j + 4 <= k + 8 { pair4(len, v1, taus[p], v2, taus[p+1], v21s[p], a + j*m + start, a + (j+1)*m + start, a + (j+2)*m + start, a + (j+3)*m + start); j += 4 }
            while j < k + 8 { pair2(len, v1, taus[p], v2, taus[p+1], v21s[p], a + j*m + start, a + (j+1)*m + start); j += 2 }
            p += 2
        }
        var j = k + 8
        while j < total { blockBx2(len, vs + k * m + start, t8, a + j * m + start, a + min(j + 1, total - 1) * m + start, InlineArray<8, Int>(repeating: 0)); j += 2 }
        k += 8
    }
    one(m - k / L * L, vs + k * m + k / L * L, taus[k], a + (k + 1) * m + k / L * L)
}
@inline(never) func fmaPeak() -> Double {
    var acc = (0..<12).map { _ in V(repeating: 0) }
    let x = V(repeating: 1e-9), y = V(repeating: 1e-9)
    let iters = 200_000
    let t0 = cpu()
    var a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3], a4 = acc[4], a5 = acc[5], a6 = acc[6], a7 = acc[7], a8 = acc[8], a9 = acc[9], a10 = acc[10], a11 = acc[11]
    for _ in 0..<iters {
        a0 = a0.addingProduct(x, y); a1 = a1.addingProduct(x, y); a2 = a2.addingProduct(x, y); a3 = a3.addingProduct(x, y)
        a4 = a4.addingProduct(x, y); a5 = a5.addingProduct(x, y); a6 = a6.addingProduct(x, y); a7 = a7.addingProduct(x, y)
        a8 = a8.addingProduct(x, y); a9 = a9.addingProduct(x, y); a10 = a10.addingProduct(x, y); a11 = a11.addingProduct(x, y)
    }
    let t = cpu() - t0
    acc = [a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11]
    if acc.reduce(V(), +).sum() == 42 { print("") }
    return Double(iters * 12 * 16) / t / 1e9
}
func copyIn() { a.update(from: src, count: m * total) }
func per(_ calls: Int, _ body: () -> Void) -> Double { let t0 = cpu(); for _ in 0..<calls { body() }; return (cpu() - t0) / Double(calls) }
let flops = 2.0 * Double(m) * 289 - 2.0 * 4913 / 3
let calls = 20000
func med(_ x: [Double]) -> Double { x.sorted()[x.count / 2] }
let variants: [(String, () -> Void)] = [
    ("pair sweeps (today's schedule)", pairSweeps),
    ("block-4, padded 4-column groups, + T sums", { blockSweeps(countTFactor: true) }),
    ("block-4, 2-column rest, + T sums", block4NoWaste),
    ("block-8, panel by pairs, no T sums", block8),
]
var peaks: [Double] = [], times = [[Double]](repeating: [], count: variants.count)
for round in 0..<rounds {
    peaks.append(fmaPeak())
    for step in 0..<variants.count {
        let v = (step + round) % variants.count
        let c = per(calls, copyIn)
        times[v].append(per(calls) { copyIn(); variants[v].1() } - c)
    }
}
let peak = med(peaks)
print(String(format: "%d x 18, FMA roof %.1f GFLOP/s, %d rounds (percent: the QR's 2mn² − 2n³/3 flops over the time)", m, peak, rounds))
for (v, variant) in variants.enumerated() {
    let t = med(times[v])
    let ratios = zip(times[0], times[v]).map { $0 / $1 }.sorted()
    let pct: Double = flops / t / 1e9 / peak * 100
    print(String(format: "%@: %.3f µs = %.1f %%; pair/this %.2f (rounds %.2f–%.2f)", variant.0, t * 1e6, pct,
                 med(ratios), ratios.first ?? 0, ratios.last ?? 0))
}
