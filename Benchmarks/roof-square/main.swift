// Old against new in one process (build.sh): the engine at a base commit (module PossumBase) and
// this worktree's (PossumLinalg), interleaved with the rotation of the order each round, so that
// both see the same machine. 1 thread: the thread's CPU clock, GFLOP/s as a share of the tile's
// L1-resident rate measured in the same round. P threads: wall clock, speed-ups over 1 thread.
//
//     roof-square qr|lstsq M N ROUNDS            1 thread, base vs new, % of the roof
//     roof-square qr|lstsq M N ROUNDS threadsP   1 and P threads, base vs new, speed-ups
//     roof-square products M N ROUNDS       one trailing update's two products, base vs new
//     roof-square peak ROUNDS                    the tile with A 64-byte aligned and 48 bytes off
//     roof-square tiles ROUNDS                   the AVX2 tiles in L1, interleaved
//     roof-square gemm ROUNDS LIBRARY...         any BLAS's dgemm on the update's shapes against the roof
//                                                (LIBRARY: PATH[:prefix=P,suffix=S,int=64,name=N]; gemm.swift)
//
// A is 64-byte aligned plus OFFSET bytes (environment, default 16: what malloc gives a large
// buffer, as in possum-bench); it is copied in before every call, outside the clock.
import Glibc
import PossumBase
import PossumLinalg

func cpuSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

func wallSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

func median(_ x: [Double]) -> Double { x.sorted()[x.count / 2] }

/// `count` doubles at 64-byte alignment + `offset` bytes (a multiple of 8).
func buffer(_ count: Int, offset: Int) -> UnsafeMutablePointer<Double> {
    let raw = UnsafeMutableRawPointer.allocate(byteCount: count * 8 + 64, alignment: 64)
    return (raw + offset).bindMemory(to: Double.self, capacity: count)
}

/// The tile's GFLOP/s on L1-resident operands, A and B `offset` bytes past a cache line.
func peak(offset: Int) -> Double {
    let k = 256, calls = 20_000, mr = PossumLinalg.NativeTile<Double>.mr, nr = PossumLinalg.NativeTile<Double>.nr
    let a = buffer(mr * k, offset: offset), b = buffer(k * nr, offset: offset), c = buffer(mr * nr, offset: 0)
    a.initialize(repeating: 1e-3, count: mr * k)
    b.initialize(repeating: 1e-3, count: k * nr)
    c.initialize(repeating: 0, count: mr * nr)
    var times: [Double] = []
    for _ in 0..<5 {
        let t0 = cpuSeconds()
        for _ in 0..<calls { PossumLinalg.NativeTile<Double>.accumulateTile(k: k, a, lda: mr, b, ldb: k, c, ldc: mr) }
        times.append(cpuSeconds() - t0)
    }
    if c[0] == 42 { print("") }
    return Double(2 * mr * nr * k * calls) / median(times) / 1e9
}

/// One engine's solver: factors (qr) or solves (lstsq) the m × columns matrix at `a` in place.
typealias Engine = (_ a: UnsafeMutablePointer<Double>, _ m: Int, _ n: Int, _ lstsq: Bool, _ threads: Int) -> Void

final class Scratch {
    var tau: [Double] = [], x: [Double] = []
    var base = PossumBase.QRWorkspace(), new = PossumLinalg.QRWorkspace()
}
let scratch = Scratch()

let baseEngine: Engine = { a, m, n, lstsq, threads in
    scratch.tau.withUnsafeMutableBufferPointer { t in
        scratch.x.withUnsafeMutableBufferPointer { x in
            let view = PossumBase.StridedMatrixView(base: a, rows: m, columns: lstsq ? n + 1 : n, leadingDimension: m)
            if lstsq {
                _ = try? PossumBase.SIMDSolver(threads: threads).solve(inPlace: view, tau: t.baseAddress!, solution: x.baseAddress!,
                                                                        workspace: &scratch.base)
            } else {
                PossumBase.SIMDSolver.path(rows: m, columns: n).factor(inPlace: view, tau: t.baseAddress!, threads: threads,
                                                                       workspace: &scratch.base)
            }
        }
    }
}
let newEngine: Engine = { a, m, n, lstsq, threads in
    scratch.tau.withUnsafeMutableBufferPointer { t in
        scratch.x.withUnsafeMutableBufferPointer { x in
            let view = PossumLinalg.StridedMatrixView(base: a, rows: m, columns: lstsq ? n + 1 : n, leadingDimension: m)
            if lstsq {
                _ = try? PossumLinalg.SIMDSolver(threads: threads).solve(inPlace: view, tau: t.baseAddress!, solution: x.baseAddress!,
                                                                          workspace: &scratch.new)
            } else {
                PossumLinalg.SIMDSolver.path(rows: m, columns: n).factor(inPlace: view, tau: t.baseAddress!, threads: threads,
                                                                         workspace: &scratch.new)
            }
        }
    }
}

let arguments = CommandLine.arguments
func f(_ x: Double, _ digits: Int = 2) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    return String(Double(Int((x * scale).rounded())) / scale)
}

/// L1-resident GFLOP/s of the AVX2 tiles (k = 256), interleaved, each round's ratios to the
/// lanes × 6 tile.
func tiles(rounds: Int) {
    let k = 256, calls = 20_000
    let a = buffer(16 * k, offset: 0), b = buffer(k * 6, offset: 0), c = buffer(16 * 6, offset: 0)
    a.initialize(repeating: 1e-3, count: 16 * k)
    b.initialize(repeating: 1e-3, count: k * 6)
    c.initialize(repeating: 0, count: 16 * 6)
    func rate(_ flopsPerCall: Int, _ body: () -> Void) -> Double {
        let t0 = cpuSeconds()
        for _ in 0..<calls { body() }
        return Double(flopsPerCall * calls) / (cpuSeconds() - t0) / 1e9
    }
    typealias D = Double
    let kernels: [(String, () -> Double)] = [
        ("AVX2Tile 8x6", { rate(2 * 8 * 6 * k) { PossumLinalg.AVX2Tile<D>.accumulateTile(k: k, a, lda: 8, b, ldb: k, c, ldc: 16) } }),
        ("AVX2TallTile 16x3", { rate(2 * 16 * 3 * k) { PossumLinalg.AVX2TallTile<D>.accumulateTile(k: k, a, lda: 16, b, ldb: k, c, ldc: 16) } }),
    ]
    var rates: [[Double]] = Array(repeating: [], count: kernels.count), ratios = rates
    for round in 0..<rounds {
        var here = Array(repeating: 0.0, count: kernels.count)
        for e in 0..<kernels.count {
            let i = (e + round) % kernels.count
            here[i] = kernels[i].1()
        }
        for i in 0..<kernels.count { rates[i].append(here[i]); ratios[i].append(here[i] / here[0]) }
    }
    if c[0] == 42 { print("") }
    for i in 0..<kernels.count {
        print("\(kernels[i].0): \(f(median(rates[i]), 1)) GFLOP/s, \(f(median(ratios[i]), 3))x the 8x6 tile (median of \(rounds) rounds)")
    }
}

if arguments.count == 3 && arguments[1] == "tiles", let rounds = Int(arguments[2]) {
    tiles(rounds: rounds)
    exit(0)
}

if arguments.count == 3 && arguments[1] == "peak", let rounds = Int(arguments[2]) {
    var aligned: [Double] = [], off: [Double] = []
    for _ in 0..<rounds {
        aligned.append(peak(offset: 0))
        off.append(peak(offset: 48))
    }
    print("tile \(PossumLinalg.NativeTile<Double>.mr)x\(PossumLinalg.NativeTile<Double>.nr) float64, L1-resident: aligned \(f(median(aligned), 1)) GFLOP/s, "
          + "48 bytes off \(f(median(off), 1)) GFLOP/s (median of \(rounds))")
    exit(0)
}

/// One trailing update of the blocked QR's first step, m × n, through each engine's public products
/// (W = VᵀC, then C += V·W' per column block of `PossumLinalg.NativeTile.columnBlock`), each
/// product timed alone: the tile's rate in context.
func products(m: Int, n: Int, rounds: Int) {
    let jb = 32, mr = PossumLinalg.NativeTile<Double>.mr, block = PossumLinalg.NativeTile<Double>.columnBlock
    let offset = Int(getenv("OFFSET").map { String(cString: $0) } ?? "16") ?? 16
    let c = buffer(m * n, offset: offset)
    let voffset = Int(getenv("VOFFSET").map { String(cString: $0) } ?? "0") ?? 0
    let vt = buffer(jb * m, offset: voffset), vp = buffer((m + mr) * jb, offset: voffset)
    let w = buffer(jb * n, offset: 0), w2 = buffer(jb * n, offset: 0)
    var state: UInt64 = 7
    func next() -> Double {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Double(state >> 11) / Double(1 << 53) - 0.5
    }
    for i in 0..<(m * n) { c[i] = next() }
    for i in 0..<(jb * m) { vt[i] = next() * 0.01 }
    for i in 0..<((m + mr) * jb) { vp[i] = next() * 0.01 }
    for i in 0..<(jb * n) { w2[i] = next() * 0.01 }
    typealias Product = (_ j0: Int, _ count: Int) -> Void
    let engines: [(String, Product, Product)] = [
        ("base", { j0, count in
            PossumBase.accumulateProduct(m: jb, n: count, k: m, vt, lda: jb, c + j0 * m, ldb: m, w + j0 * jb, ldc: jb, kc: PossumBase.reflectorProductChunk)
        }, { j0, count in
            PossumBase.accumulatePackedProduct(m: m, n: count, k: jb, vp, w2 + j0 * jb, ldb: jb, c + j0 * m, ldc: m)
        }),
        ("new", { j0, count in
            PossumLinalg.accumulateProduct(m: jb, n: count, k: m, vt, lda: jb, c + j0 * m, ldb: m, w + j0 * jb, ldc: jb, kc: PossumLinalg.reflectorProductChunk)
        }, { j0, count in
            PossumLinalg.accumulatePackedProduct(m: m, n: count, k: jb, vp, w2 + j0 * jb, ldb: jb, c + j0 * m, ldc: m)
        }),
    ]
    var first: [String: [Double]] = [:], second: [String: [Double]] = [:], roofs: [Double] = []
    for round in 0..<rounds {
        roofs.append(peak(offset: 0))
        for e in 0..<engines.count {
            let (name, product1, product2) = engines[(e + round) % engines.count]
            var t1 = 0.0, t2 = 0.0
            var j0 = 0
            while j0 + block <= n {
                var t0 = cpuSeconds()
                product1(j0, block)
                t1 += cpuSeconds() - t0
                t0 = cpuSeconds()
                product2(j0, block)
                t2 += cpuSeconds() - t0
                j0 += block
            }
            let flops = 2 * Double(jb) * Double(m) * Double(j0) / 1e9
            first[name, default: []].append(flops / t1)
            second[name, default: []].append(flops / t2)
        }
    }
    // Diagnostics of W = VᵀC on the new engine: C already in cache (run twice, the second
    // timed), and the inner dimension in chunks of 256 instead of 64.
    var hot: [Double] = [], wide: [Double] = []
    for _ in 0..<rounds {
        var th = 0.0, tw = 0.0, j0 = 0
        while j0 + block <= n {
            PossumLinalg.accumulateProduct(m: jb, n: block, k: m, vt, lda: jb, c + j0 * m, ldb: m, w + j0 * jb, ldc: jb, kc: 64)
            var t0 = cpuSeconds()
            PossumLinalg.accumulateProduct(m: jb, n: block, k: m, vt, lda: jb, c + j0 * m, ldb: m, w + j0 * jb, ldc: jb, kc: 64)
            th += cpuSeconds() - t0
            t0 = cpuSeconds()
            PossumLinalg.accumulateProduct(m: jb, n: block, k: m, vt, lda: jb, c + j0 * m, ldb: m, w + j0 * jb, ldc: jb, kc: 256)
            tw += cpuSeconds() - t0
            j0 += block
        }
        let flops = 2 * Double(jb) * Double(m) * Double(j0) / 1e9
        hot.append(flops / th)
        wide.append(flops / tw)
    }
    let roof = median(roofs)
    for kc in [64, 256, 1024, m] {
        var cold: [Double] = []
        for _ in 0..<rounds {
            var t = 0.0, j0 = 0
            while j0 + block <= n {
                let t0 = cpuSeconds()
                PossumLinalg.accumulateProduct(m: jb, n: block, k: m, vt, lda: jb, c + j0 * m, ldb: m, w + j0 * jb, ldc: jb, kc: kc)
                t += cpuSeconds() - t0
                j0 += block
            }
            cold.append(2 * Double(jb) * Double(m) * Double(j0) / 1e9 / t)
        }
        print("  new, W = VᵀC, C cold, kc = \(kc): \(f(median(cold), 1)) GFLOP/s")
    }
    var cold2: [Double] = [], fused: [Double] = []
    for _ in 0..<rounds {
        var t = 0.0, j0 = 0
        while j0 + block <= n {
            let t0 = cpuSeconds()
            PossumLinalg.accumulatePackedProduct(m: m, n: block, k: jb, vp, w2 + j0 * jb, ldb: jb, c + j0 * m, ldc: m)
            t += cpuSeconds() - t0
            j0 += block
        }
        cold2.append(2 * Double(jb) * Double(m) * Double(j0) / 1e9 / t)
        // The fused order: C += V·W' (C cold), then the next step's W = VᵀC while C is hot.
        t = 0.0; j0 = 0
        while j0 + block <= n {
            let t0 = cpuSeconds()
            PossumLinalg.accumulatePackedProduct(m: m, n: block, k: jb, vp, w2 + j0 * jb, ldb: jb, c + j0 * m, ldc: m)
            PossumLinalg.accumulateProduct(m: jb, n: block, k: m, vt, lda: jb, c + j0 * m, ldb: m, w + j0 * jb, ldc: jb, kc: 64)
            t += cpuSeconds() - t0
            j0 += block
        }
        fused.append(4 * Double(jb) * Double(m) * Double(j0) / 1e9 / t)
    }
    var vhot: [Double] = []
    for _ in 0..<rounds {
        var t = 0.0, j0 = 0
        while j0 + 2 * block <= n {
            PossumLinalg.accumulateProduct(m: jb, n: block, k: m, vt, lda: jb, c + j0 * m, ldb: m, w + j0 * jb, ldc: jb, kc: 64)
            let t0 = cpuSeconds()
            PossumLinalg.accumulateProduct(m: jb, n: block, k: m, vt, lda: jb, c + (j0 + block) * m, ldb: m, w + (j0 + block) * jb, ldc: jb, kc: 64)
            t += cpuSeconds() - t0
            j0 += 2 * block
        }
        vhot.append(Double(jb) * Double(m) * Double(j0) / 1e9 / t)
    }
    print("  new, W = VᵀC with C cold and Vᵀ hot: \(f(median(vhot), 1)) GFLOP/s")
    print("  new, C += V·W' with C cold: \(f(median(cold2), 1)) GFLOP/s; fused (update cold, then W hot): \(f(median(fused), 1)) GFLOP/s")
    print("  new, W = VᵀC with C in cache: \(f(median(hot), 1)) GFLOP/s; with C in cache and kc = 256: \(f(median(wide), 1)) GFLOP/s")
    print("one trailing update \(m) x \(n), jb = \(jb), blocks of \(block) columns, C \(offset) bytes past a line; roof \(f(roof, 1)) GFLOP/s")
    for (name, _, _) in engines {
        let r1 = median(first[name] ?? []), r2 = median(second[name] ?? [])
        print("  \(name): both \(f(2 / (1 / r1 + 1 / r2), 1)) GFLOP/s, W = VᵀC \(f(r1, 1)) GFLOP/s (\(f(100 * r1 / roof, 1)) %), C += V·W' \(f(r2, 1)) GFLOP/s (\(f(100 * r2 / roof, 1)) %)")
    }
}

if arguments.count == 2 && ["--help", "-h", "help"].contains(arguments[1]) {
    print("""
    roof-square: the square QR against the tile's roof, old (a base commit) against new (this tree) in one process.
      roof-square qr|lstsq M N ROUNDS [threadsP]  1 thread: GFLOP/s and % of the roof; threadsP: speed-ups over 1 thread
      roof-square products M N ROUNDS             one trailing update's two products alone, base vs new
      roof-square peak ROUNDS                     the tile's L1-resident rate, A aligned and 48 bytes off
      roof-square tiles ROUNDS                    AVX2Tile and AVX2TallTile in L1, interleaved, ratios per round
      roof-square gemm ROUNDS LIBRARY...          any BLAS's dgemm (loaded by path) on a 2000² QR's update shapes
                                                  and on 2000³, beside our products and the roof; LIBRARY is
                                                  PATH[:prefix=P,suffix=S,int=64,name=N], the symbol P + "dgemm_" + S
    Example: BLIS_ARCH_TYPE=0 roof-square gemm 9 /usr/lib/x86_64-linux-gnu/libopenblas.so.0 \\
               .build-peers/mkl/lib/libmkl_rt.so.3:name=mkl .build-peers/flame/libblis.so.4:name=blis
    Environment: OFFSET (bytes past a cache line of A, default 16), NOPEAK=1 (no tile timing, for profiles).
    Build: Benchmarks/roof-square/build.sh [BASE]; Benchmarks/README.md, "Square and 104 × 17 against the roof".
    """)
    exit(0)
}

if arguments.count >= 3 && arguments[1] == "gemm", let rounds = Int(arguments[2]), rounds >= 1 {
    gemmBound(rounds: rounds, specs: Array(arguments.dropFirst(3)))
    exit(0)
}

if arguments.count == 5 && arguments[1] == "products", let m = Int(arguments[2]), let n = Int(arguments[3]), let rounds = Int(arguments[4]) {
    products(m: m, n: n, rounds: rounds)
    exit(0)
}

guard arguments.count >= 5, ["qr", "lstsq"].contains(arguments[1]), let m = Int(arguments[2]), let n = Int(arguments[3]),
      m >= n, n > 64, let rounds = Int(arguments[4]), rounds >= 1
else {
    print("usage: roof-square qr|lstsq M N ROUNDS [threadsP] | products M N ROUNDS | peak ROUNDS | gemm ROUNDS LIBRARY...")
    exit(2)
}
let lstsq = arguments[1] == "lstsq"
let offset = Int(getenv("OFFSET").map { String(cString: $0) } ?? "16") ?? 16
let columns = lstsq ? n + 1 : n
var state: UInt64 = 42
let source = (0..<(m * columns)).map { _ -> Double in
    state = state &* 6364136223846793005 &+ 1442695040888963407
    return Double(state >> 11) / Double(1 << 53) - 0.5
}
let a = buffer(m * columns, offset: offset)
scratch.tau = [Double](repeating: 0, count: n + 1)
scratch.x = [Double](repeating: 0, count: n)
let flops = 2 * Double(m) * Double(n) * Double(n) - 2 * Double(n) * Double(n) * Double(n) / 3
let engines: [(String, Engine)] = [("base", baseEngine), ("new", newEngine)]

/// Process CPU seconds (every thread's user + system time).
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) * 1e-6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// Wall and process-CPU seconds of one call on `threads` threads (A copied in first).
func measureBoth(_ engine: Engine, threads: Int) -> (wall: Double, cpu: Double) {
    source.withUnsafeBufferPointer { a.update(from: $0.baseAddress!, count: source.count) }
    let (w0, c0) = (wallSeconds(), processCPUSeconds())
    engine(a, m, n, lstsq, threads)
    return (wallSeconds() - w0, processCPUSeconds() - c0)
}

/// Seconds of one call (A copied in first), on the thread clock or the wall clock.
func measure(_ engine: Engine, threads: Int, wall: Bool) -> Double {
    source.withUnsafeBufferPointer { a.update(from: $0.baseAddress!, count: source.count) }
    let t0 = wall ? wallSeconds() : cpuSeconds()
    engine(a, m, n, lstsq, threads)
    return (wall ? wallSeconds() : cpuSeconds()) - t0
}

// Bits: base and new must agree when the arithmetic is meant to be unchanged (the packed storage
// and τ; lstsq: the solution too).
var results: [[Double]] = []
for (_, engine) in engines {
    _ = measure(engine, threads: 1, wall: false)
    results.append(Array(UnsafeBufferPointer(start: a, count: m * columns)) + scratch.tau + scratch.x)
}
let sameBits = zip(results[0], results[1]).allSatisfy { $0.bitPattern == $1.bitPattern }
print("\(arguments[1]) \(m)x\(n) float64, A \(offset) bytes past a cache line; base and new give the same bits (A, τ, x): \(sameBits)")

if arguments.count == 6, arguments[5].hasPrefix("threads"), let p = Int(arguments[5].dropFirst("threads".count)), p >= 2 {
    var one: [String: [Double]] = [:], many: [String: [Double]] = [:], speedups: [String: [Double]] = [:]
    var inflation: [String: [Double]] = [:]
    for round in 0..<rounds {
        for e in 0..<engines.count {
            let (name, engine) = engines[(e + round) % engines.count]
            let r1 = (0..<3).map { _ in measureBoth(engine, threads: 1) }
            let rp = (0..<3).map { _ in measureBoth(engine, threads: p) }
            let t1 = median(r1.map(\.wall)), tp = median(rp.map(\.wall))
            one[name, default: []].append(t1)
            many[name, default: []].append(tp)
            speedups[name, default: []].append(t1 / tp)
            inflation[name, default: []].append(median(rp.map(\.cpu)) / median(r1.map(\.cpu)))
        }
    }
    for (name, _) in engines {
        let s = speedups[name] ?? []
        print("  \(name): 1 thread \(f(median(one[name] ?? []) * 1e3, 1)) ms, \(p) threads \(f(median(many[name] ?? []) * 1e3, 1)) ms, "
              + "speed-up \(f(median(s)))x (rounds: \(s.map { f($0) }.joined(separator: " "))); "
              + "process CPU time \(p) threads / 1 thread \(f(median(inflation[name] ?? [])))")
    }
    let ratio = zip(many["base"] ?? [], many["new"] ?? []).map { $0 / $1 }
    print("  base / new, \(p) threads: \(f(median(ratio), 3))x (rounds: \(ratio.map { f($0, 3) }.joined(separator: " ")))")
} else {
    var rates: [String: [Double]] = [:], roofs: [Double] = [], ratio: [Double] = []
    for round in 0..<rounds {
        // NOPEAK=1 (for a profile of the engines alone): no tile timing, the roof reads as 1.
        roofs.append(getenv("NOPEAK") == nil ? peak(offset: 0) : 1)
        var seconds: [String: Double] = [:]
        for e in 0..<engines.count {
            let (name, engine) = engines[(e + round) % engines.count]
            seconds[name] = median((0..<3).map { _ in measure(engine, threads: 1, wall: false) })
            rates[name, default: []].append(flops / (seconds[name] ?? 1) / 1e9)
        }
        ratio.append((seconds["base"] ?? 0) / (seconds["new"] ?? 1))
    }
    let roof = median(roofs)
    print("  roof (tile, aligned, L1): \(f(roof, 1)) GFLOP/s")
    for (name, _) in engines {
        let r = rates[name] ?? []
        print("  \(name): \(f(median(r), 1)) GFLOP/s, \(f(100 * median(r) / roof, 1)) % of the roof "
              + "(rounds: \(r.map { f(100 * $0 / roof, 0) }.joined(separator: " ")))")
    }
    print("  base time / new time: \(f(median(ratio), 3))x (rounds: \(ratio.map { f($0, 3) }.joined(separator: " ")))")
}
