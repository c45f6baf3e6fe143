// Where a pair sweep's cycles go (Benchmarks/README.md, "104 × 17": the split of a call): the
// paired QR's four-column sweep (`applyReflectorPair4`, two reflectors on four 104-row columns, all
// in L1) taken apart — its dot phase, its horizontal sums, its update phase — beside loops with the
// same loads, stores and FMAs and no arithmetic dependences, so each is read against its count.
// Cycles come from an FMA-throughput loop in the same round (12 independent chains of 256 bits,
// 2 FMAs a cycle, no spills with 16 registers or 32); each figure is (thread CPU time × that
// round's clock) / calls, the lowest round's and the median's (on a shared guest the lowest is
// the intrinsic cost: neighbours only add).
//
//   swiftc -O -target-cpu native Benchmarks/roof-engines/sweep-lab.swift -o /tmp/sweep-lab && /tmp/sweep-lab 41
import Glibc

typealias V = SIMD8<Double>
@inline(__always) func ld(_ p: UnsafePointer<Double>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }
@inline(__always) func st(_ v: V, _ p: UnsafeMutablePointer<Double>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self) }
func cpu() -> Double { var ts = timespec(); clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9 }
func median(_ x: [Double]) -> Double { x.sorted()[x.count / 2] }

let rounds = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 41 : 41
/// Rows (13 vectors, 104 × 17's first pairs) and the columns' distance, as in the paired QR's copy.
let len = 104, ldA = 104, columns = 20
let buffer = UnsafeMutableRawPointer.allocate(byteCount: ldA * columns * 8, alignment: 64)
    .bindMemory(to: Double.self, capacity: ldA * columns)
for i in 0..<(ldA * columns) { buffer[i] = Double(i % 17) * 0.01 - 0.05 }
let v1 = UnsafePointer(buffer), v2 = UnsafePointer(buffer + ldA)
/// τ read from the command line's absence: 0 keeps every value fixed, and the compiler cannot fold it.
let tau = Double(CommandLine.arguments.count > 2 ? CommandLine.arguments[2] : "0") ?? 0
func c(_ j: Int) -> UnsafeMutablePointer<Double> { buffer + ldA * (2 + j) }
typealias Gains = (Double, Double, Double, Double, Double, Double, Double, Double)

@inline(__always) func dots(_ c0: UnsafePointer<Double>, _ c1: UnsafePointer<Double>, _ c2: UnsafePointer<Double>,
                            _ c3: UnsafePointer<Double>) -> (V, V, V, V, V, V, V, V) {
    var s10 = V(), s20 = V(), s11 = V(), s21 = V(), s12 = V(), s22 = V(), s13 = V(), s23 = V()
    var i = 0
    while i < len {
        let x1 = ld(v1 + i), x2 = ld(v2 + i)
        let y0 = ld(c0 + i), y1 = ld(c1 + i), y2 = ld(c2 + i), y3 = ld(c3 + i)
        s10 = s10.addingProduct(x1, y0); s20 = s20.addingProduct(x2, y0)
        s11 = s11.addingProduct(x1, y1); s21 = s21.addingProduct(x2, y1)
        s12 = s12.addingProduct(x1, y2); s22 = s22.addingProduct(x2, y2)
        s13 = s13.addingProduct(x1, y3); s23 = s23.addingProduct(x2, y3)
        i &+= 8
    }
    return (s10, s20, s11, s21, s12, s22, s13, s23)
}
@inline(__always) func sums(_ s: (V, V, V, V, V, V, V, V)) -> Gains {
    (s.0.sum(), s.1.sum(), s.2.sum(), s.3.sum(), s.4.sum(), s.5.sum(), s.6.sum(), s.7.sum())
}
/// The eight sums as a tree over the vectors' halves (meant as three shuffle–add levels for all
/// eight; the compiler turns it into scalar extracts and adds, as many instructions as `sum()`).
@inline(__always) func transposedSums(_ s: (V, V, V, V, V, V, V, V)) -> Gains {
    func fold(_ a: V, _ b: V) -> V { V(lowHalf: a.evenHalf + a.oddHalf, highHalf: b.evenHalf + b.oddHalf) }
    let r = fold(fold(fold(s.0, s.1), fold(s.2, s.3)), fold(fold(s.4, s.5), fold(s.6, s.7)))
    return (r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7])
}
@inline(__always) func gains(_ d: Gains) -> Gains {
    let w10 = tau * d.0, w11 = tau * d.2, w12 = tau * d.4, w13 = tau * d.6
    return (w10, tau * (d.1 - 0.5 * w10), w11, tau * (d.3 - 0.5 * w11), w12, tau * (d.5 - 0.5 * w12), w13, tau * (d.7 - 0.5 * w13))
}
@inline(__always) func update(_ w: Gains, _ c0: UnsafeMutablePointer<Double>, _ c1: UnsafeMutablePointer<Double>,
                              _ c2: UnsafeMutablePointer<Double>, _ c3: UnsafeMutablePointer<Double>) {
    let n10 = V(repeating: -w.0), n20 = V(repeating: -w.1), n11 = V(repeating: -w.2), n21 = V(repeating: -w.3)
    let n12 = V(repeating: -w.4), n22 = V(repeating: -w.5), n13 = V(repeating: -w.6), n23 = V(repeating: -w.7)
    var i = 0
    while i < len {
        let x1 = ld(v1 + i), x2 = ld(v2 + i)
        st(ld(c0 + i).addingProduct(n10, x1).addingProduct(n20, x2), c0 + i)
        st(ld(c1 + i).addingProduct(n11, x1).addingProduct(n21, x2), c1 + i)
        st(ld(c2 + i).addingProduct(n12, x1).addingProduct(n22, x2), c2 + i)
        st(ld(c3 + i).addingProduct(n13, x1).addingProduct(n23, x2), c3 + i)
        i &+= 8
    }
}

/// The sweep as `applyReflectorPair4` does it, on group g (columns 4g…4g + 3).
@inline(never) func pair4(_ g: Int) {
    update(gains(sums(dots(c(4 * g), c(4 * g + 1), c(4 * g + 2), c(4 * g + 3)))), c(4 * g), c(4 * g + 1), c(4 * g + 2), c(4 * g + 3))
}
@inline(never) func pair4Transposed(_ g: Int) {
    update(gains(transposedSums(dots(c(4 * g), c(4 * g + 1), c(4 * g + 2), c(4 * g + 3)))), c(4 * g), c(4 * g + 1), c(4 * g + 2), c(4 * g + 3))
}
/// Four groups, group g + 1's dots and sums issued before group g's update.
@inline(never) func pipelined4() {
    var w = gains(sums(dots(c(0), c(1), c(2), c(3))))
    for g in 0..<4 {
        let this = w
        if g < 3 { w = gains(sums(dots(c(4 * g + 4), c(4 * g + 5), c(4 * g + 6), c(4 * g + 7)))) }
        update(this, c(4 * g), c(4 * g + 1), c(4 * g + 2), c(4 * g + 3))
    }
}
@inline(never) func dotPhase() -> Double {
    let s = dots(c(0), c(1), c(2), c(3))
    return (s.0 + s.1 + s.2 + s.3 + s.4 + s.5 + s.6 + s.7)[0]
}
@inline(never) func dotPhaseAndSums() -> Double {
    let d = sums(dots(c(0), c(1), c(2), c(3)))
    return d.0 + d.1 + d.2 + d.3 + d.4 + d.5 + d.6 + d.7
}
@inline(never) func updatePhase() { update((tau, tau, tau, tau, tau, tau, tau, tau), c(0), c(1), c(2), c(3)) }
/// The update's loads and FMAs, its four stores replaced by sums in registers.
@inline(never) func updateWithoutStores() -> Double {
    let n1 = V(repeating: tau), n2 = V(repeating: -tau)
    var a = V(), b = V(), e = V(), d = V()
    var i = 0
    while i < len {
        let x1 = ld(v1 + i), x2 = ld(v2 + i)
        a += ld(c(0) + i).addingProduct(n1, x1).addingProduct(n2, x2)
        b += ld(c(1) + i).addingProduct(n1, x1).addingProduct(n2, x2)
        e += ld(c(2) + i).addingProduct(n1, x1).addingProduct(n2, x2)
        d += ld(c(3) + i).addingProduct(n1, x1).addingProduct(n2, x2)
        i &+= 8
    }
    return (a + b + e + d)[0]
}
/// Four columns loaded and stored elsewhere: the update's memory traffic less v₁ and v₂ and the FMAs.
@inline(never) func copyFour() {
    var i = 0
    while i < len {
        st(ld(c(0) + i), c(8) + i); st(ld(c(1) + i), c(9) + i); st(ld(c(2) + i), c(10) + i); st(ld(c(3) + i), c(11) + i)
        i &+= 8
    }
}
/// Four stores a vector of rows and nothing else.
@inline(never) func storeFour(_ x: V) {
    var i = 0
    while i < len { st(x, c(0) + i); st(x, c(1) + i); st(x, c(2) + i); st(x, c(3) + i); i &+= 8 }
}
/// cⱼ += g·v₁ on four columns (`axpy4`: five loads, four FMAs, four stores a vector of rows).
@inline(never) func axpyFour() {
    let n1 = V(repeating: tau)
    var i = 0
    while i < len {
        let x1 = ld(v1 + i)
        st(ld(c(0) + i).addingProduct(n1, x1), c(0) + i); st(ld(c(1) + i).addingProduct(n1, x1), c(1) + i)
        st(ld(c(2) + i).addingProduct(n1, x1), c(2) + i); st(ld(c(3) + i).addingProduct(n1, x1), c(3) + i)
        i &+= 8
    }
}
/// The dot phase as two passes of two columns (4 accumulators each): same sums, same order.
@inline(__always) func dotsSplit(_ c0: UnsafePointer<Double>, _ c1: UnsafePointer<Double>, _ c2: UnsafePointer<Double>,
                            _ c3: UnsafePointer<Double>) -> (V, V, V, V, V, V, V, V) {
    var s10 = V(), s20 = V(), s11 = V(), s21 = V()
    var i = 0
    while i < len {
        let x1 = ld(v1 + i), x2 = ld(v2 + i)
        let y0 = ld(c0 + i), y1 = ld(c1 + i)
        s10 = s10.addingProduct(x1, y0); s20 = s20.addingProduct(x2, y0)
        s11 = s11.addingProduct(x1, y1); s21 = s21.addingProduct(x2, y1)
        i &+= 8
    }
    var s12 = V(), s22 = V(), s13 = V(), s23 = V()
    i = 0
    while i < len {
        let x1 = ld(v1 + i), x2 = ld(v2 + i)
        let y2 = ld(c2 + i), y3 = ld(c3 + i)
        s12 = s12.addingProduct(x1, y2); s22 = s22.addingProduct(x2, y2)
        s13 = s13.addingProduct(x1, y3); s23 = s23.addingProduct(x2, y3)
        i &+= 8
    }
    return (s10, s20, s11, s21, s12, s22, s13, s23)
}
@inline(__always) func updateSplit(_ w: Gains, _ c0: UnsafeMutablePointer<Double>, _ c1: UnsafeMutablePointer<Double>,
                              _ c2: UnsafeMutablePointer<Double>, _ c3: UnsafeMutablePointer<Double>) {
    do {
        let n10 = V(repeating: -w.0), n20 = V(repeating: -w.1), n11 = V(repeating: -w.2), n21 = V(repeating: -w.3)
        var i = 0
        while i < len {
            let x1 = ld(v1 + i), x2 = ld(v2 + i)
            st(ld(c0 + i).addingProduct(n10, x1).addingProduct(n20, x2), c0 + i)
            st(ld(c1 + i).addingProduct(n11, x1).addingProduct(n21, x2), c1 + i)
            i &+= 8
        }
    }
    let n12 = V(repeating: -w.4), n22 = V(repeating: -w.5), n13 = V(repeating: -w.6), n23 = V(repeating: -w.7)
    var i = 0
    while i < len {
        let x1 = ld(v1 + i), x2 = ld(v2 + i)
        st(ld(c2 + i).addingProduct(n12, x1).addingProduct(n22, x2), c2 + i)
        st(ld(c3 + i).addingProduct(n13, x1).addingProduct(n23, x2), c3 + i)
        i &+= 8
    }
}
@inline(never) func pair4Split(_ g: Int) {
    updateSplit(gains(sums(dotsSplit(c(4 * g), c(4 * g + 1), c(4 * g + 2), c(4 * g + 3)))), c(4 * g), c(4 * g + 1), c(4 * g + 2), c(4 * g + 3))
}
@inline(never) func pair4SplitDots(_ g: Int) {
    update(gains(sums(dotsSplit(c(4 * g), c(4 * g + 1), c(4 * g + 2), c(4 * g + 3)))), c(4 * g), c(4 * g + 1), c(4 * g + 2), c(4 * g + 3))
}
@inline(never) func dotPhaseSplit() -> Double {
    let s = dotsSplit(c(0), c(1), c(2), c(3))
    return (s.0 + s.1 + s.2 + s.3 + s.4 + s.5 + s.6 + s.7)[0]
}
@inline(never) func updatePhaseSplit() { updateSplit((tau, tau, tau, tau, tau, tau, tau, tau), c(0), c(1), c(2), c(3)) }
/// 12 independent FMA chains of 4 lanes (12 ymm: fits AVX2's 16 and AVX-512's 32): 2 FMAs a cycle,
/// so iterations × 6 = cycles.
@inline(never) func fmaRoof4(_ n: Int, _ x: SIMD4<Double>) -> SIMD4<Double> {
    let m = SIMD4<Double>(repeating: 0.999999), e = SIMD4<Double>(repeating: 1e-9)
    var a0 = x, a1 = x, a2 = x, a3 = x, a4 = x, a5 = x, a6 = x, a7 = x, a8 = x, a9 = x, a10 = x, a11 = x
    for _ in 0..<n {
        a0 = e.addingProduct(a0, m); a1 = e.addingProduct(a1, m); a2 = e.addingProduct(a2, m); a3 = e.addingProduct(a3, m)
        a4 = e.addingProduct(a4, m); a5 = e.addingProduct(a5, m); a6 = e.addingProduct(a6, m); a7 = e.addingProduct(a7, m)
        a8 = e.addingProduct(a8, m); a9 = e.addingProduct(a9, m); a10 = e.addingProduct(a10, m); a11 = e.addingProduct(a11, m)
    }
    return a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11
}


let calls = 50_000
var sink = 0.0
var cycles: [String: [Double]] = [:]
let cases: [(String, Int, () -> Void)] = [
    ("pair sweep, 4 columns (applyReflectorPair4)", 1, { pair4(0) }),
    ("  its dot phase alone", 1, { sink += dotPhase() }),
    ("  its dot phase and the 8 horizontal sums", 1, { sink += dotPhaseAndSums() }),
    ("  its update phase alone", 1, { updatePhase() }),
    ("  the update phase without its stores", 1, { sink += updateWithoutStores() }),
    ("4 loads + 4 stores a vector (a copy)", 1, { copyFour() }),
    ("4 stores a vector", 1, { storeFour(V(repeating: sink)) }),
    ("5 loads + 4 FMAs + 4 stores a vector (axpy4)", 1, { axpyFour() }),
    ("pair sweep, sums as a tree over halves", 1, { pair4Transposed(0) }),
    ("pair sweeps on 4 groups, one after another (per group)", 4, { for g in 0..<4 { pair4(g) } }),
    ("pair sweeps on 4 groups, g + 1's dots before g's update (per group)", 4, { pipelined4() }),
    ("pair sweep, dots and update as two 2-column passes", 1, { pair4Split(0) }),
    ("pair sweep, dots as two 2-column passes", 1, { pair4SplitDots(0) }),
    ("  dot phase as two 2-column passes", 1, { sink += dotPhaseSplit() }),
    ("  update phase as two 2-column passes", 1, { updatePhaseSplit() }),
]
for round in 0..<rounds {
    let t0 = cpu()
    sink += fmaRoof4(500_000, SIMD4(repeating: 1))[0]
    let hertz = 500_000.0 * 6 / (cpu() - t0)
    cycles["clock (GHz)", default: []].append(hertz / 1e9)
    // Rotated each round, so no case always runs right after the calibration.
    for index in 0..<cases.count {
        let (name, perCall, body) = cases[(index + round) % cases.count]
        let t = cpu()
        for _ in 0..<calls { body() }
        cycles[name, default: []].append((cpu() - t) * hertz / Double(calls * perCall))
    }
}
print("13 vectors of rows (104), columns in L1; count at 2 FMAs, 2 loads and 1 store a cycle of 512 bits")
print("  (AVX-512): dot phase 52 (8 FMAs a vector), update phase 52 (4 stores, 8 FMAs), sweep 104 cycles;")
print("  with 256-bit registers (AVX2) every count doubles: 104, 104, 208")
for name in ["clock (GHz)"] + cases.map(\.0) {
    guard let values = cycles[name] else { continue }
    let low = values.min() ?? 0, high = values.max() ?? 0
    print("\(name): lowest \((low * 10).rounded() / 10), median \((median(values) * 10).rounded() / 10), highest \(Int(high.rounded()))")
}
if sink == 42 { print(sink) }
