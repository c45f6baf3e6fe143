// Same-process ratios to the micro-kernel's roof, timed by the thread's CPU clock
// (CLOCK_THREAD_CPUTIME_ID), so that time the scheduler gives to other processes on a shared
// machine counts for neither side. Rounds alternate: kernel peak, then every variant.
//
//     roof DTYPE M N OP VARIANTS ROUNDS
//     roof float64 1000000 16 qr default,tsqr:2048:8,tsqr:1024:4 5
//     roof float64 1000000 16 qr default,default@64 5      (A 32 bytes past a 64-byte line, as a Swift array's, or on one)
//     roof float64 1000000 16 qr leaf:2048:8:8@64,leaf:2048:16:4@64 5   (TSQR with row blocks MB, panels NB, leaves L)
//     roof float64 20000 16 qr single:2048:16:8@64,leaf:2048:16:8@64 5  (`single`: leaves sweep one reflector at a time)
//     roof float64 2048 16 kernels                        (the leaf's kernel ops on one cached block)
//     roof float64 1000000 16 lstsq threads2 5     (1 vs 2 threads: wall and process-CPU time)
//     roof float64 stream 1000000 16               (one read pass and one read-write pass over A: the memory floor)
//
// DTYPE float64|float32, OP qr|lstsq, VARIANTS comma-separated `SIMDSolver.Path` texts or
// `default` (the solver's own path; for lstsq `SIMDSolver(threads: 1).solve(inPlace:…)`).
// GFLOP/s count 2mn² − 2n³/3 flops for both operations, as possum-bench does.
import Glibc
import PossumLinalg

func cpuSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

func median(_ x: [Double]) -> Double { x.sorted()[x.count / 2] }

/// The micro-kernel on L1-resident operands, as `possum-bench --kernel-peak`.
func kernelPeak<T: QRScalar>(_: T.Type) -> Double {
    let k = 256, calls = 20_000, mr = NativeTile<T>.mr, nr = NativeTile<T>.nr
    let a = [T](repeating: 1e-3, count: mr * k), b = [T](repeating: 1e-3, count: k * nr)
    var c = [T](repeating: 0, count: mr * nr)
    var times: [Double] = []
    for _ in 0..<5 {
        let t0 = cpuSeconds()
        for _ in 0..<calls { NativeTile<T>.accumulateTile(k: k, a, lda: mr, b, ldb: k, &c, ldc: mr) }
        times.append(cpuSeconds() - t0)
    }
    if c[0] == 42 { print("") }  // keeps the calls
    return Double(2 * mr * nr * k * calls) / median(times) / 1e9
}

/// GFLOP/s of one path: median of `reps` samples, each the mean over enough calls for ≥ 2 M
/// elements processed; A (and b) are copied in before every call, outside the clock. A sits
/// `offsetBytes` past a 64-byte boundary: 32 is where a Swift array's elements start (its storage
/// is 16-byte aligned, the elements 32 bytes in), 0 puts every SIMD8<Double> access in one line.
func gflops<T: QRScalar>(_: T.Type, m: Int, n: Int, path: SIMDSolver.Path?, lstsq: Bool, reps: Int,
                         offsetBytes: Int = 32, leafWidth: Int? = nil,
                         leafSweep: TallSkinnyQR.LeafSweep = .paired) -> Double {
    let columns = lstsq ? n + 1 : n
    var rng = SplitMix64(seed: 7)
    let source = (0..<(m * columns)).map { _ in T(Double.random(in: -1..<1, using: &rng)) }
    let raw = UnsafeMutableRawPointer.allocate(byteCount: m * columns * MemoryLayout<T>.stride + 128, alignment: 64)
    defer { raw.deallocate() }
    let base = (raw + offsetBytes).bindMemory(to: T.self, capacity: m * columns)
    let chosen = path ?? SIMDSolver.path(rows: m, columns: n)
    var tau = [T](repeating: 0, count: chosen.tauCount(rows: m, columns: n))
    var x = [T](repeating: 0, count: n)
    var workspace = QRWorkspace()
    let solver = SIMDSolver(threads: 1)
    let inner = max(1, 2_000_000 / (m * n))
    var times: [Double] = []
    for _ in 0..<reps {
        var total = 0.0
        for _ in 0..<inner {
            source.withUnsafeBufferPointer { s in
                guard let sb = s.baseAddress else { return }
                base.update(from: sb, count: m * columns)
            }
            tau.withUnsafeMutableBufferPointer { t in
                x.withUnsafeMutableBufferPointer { xb in
                    guard let tb = t.baseAddress, let xp = xb.baseAddress else { return }
                    let view = StridedMatrixView(base: base, rows: m, columns: columns, leadingDimension: m)
                    let t0 = cpuSeconds()
                    if let leafWidth, case .tallSkinny(let mb, let nb) = chosen {
                        TallSkinnyQR.factor(view, reflectors: n, tau: tb, blockRows: mb, panelWidth: nb, leafWidth: leafWidth,
                                            leafSweep: leafSweep, workspace: &workspace)
                    } else if lstsq && path == nil {
                        _ = try? solver.solve(inPlace: view, tau: tb, solution: xp, workspace: &workspace)
                    } else {
                        chosen.factor(inPlace: view, reflectors: n, tau: tb, workspace: &workspace)
                    }
                    total += cpuSeconds() - t0
                }
            }
        }
        times.append(total / Double(inner))
    }
    let flops = 2 * Double(m) * Double(n * n) - 2 * Double(n * n * n) / 3
    return flops / median(times) / 1e9
}

/// Process CPU seconds (every thread's user + system time): what P threads spend in total.
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) * 1e-6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

func wallSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// The solver's own path on `threads` threads (the TSQR tree for P ≥ 2): median wall and
/// process-CPU seconds per call over `reps` calls, A copied in before each, outside the clocks.
func threaded<T: QRScalar>(_: T.Type, m: Int, n: Int, lstsq: Bool, threads: Int, reps: Int) -> (wall: Double, cpu: Double) {
    let columns = lstsq ? n + 1 : n
    var rng = SplitMix64(seed: 7)
    let source = (0..<(m * columns)).map { _ in T(Double.random(in: -1..<1, using: &rng)) }
    var a = source
    let solver = SIMDSolver(threads: threads)
    var tau = [T](repeating: 0, count: SIMDSolver.tauCount(rows: m, columns: n))
    var x = [T](repeating: 0, count: n)
    var workspace = QRWorkspace()
    var walls: [Double] = [], cpus: [Double] = []
    for _ in 0..<reps {
        for i in a.indices { a[i] = source[i] }
        a.withUnsafeMutableBufferPointer { buffer in
            tau.withUnsafeMutableBufferPointer { t in
                x.withUnsafeMutableBufferPointer { xb in
                    guard let base = buffer.baseAddress, let tb = t.baseAddress, let xp = xb.baseAddress else { return }
                    let view = StridedMatrixView(base: base, rows: m, columns: columns, leadingDimension: m)
                    let (w0, c0) = (wallSeconds(), processCPUSeconds())
                    if lstsq {
                        _ = try? solver.solve(inPlace: view, tau: tb, solution: xp, workspace: &workspace)
                    } else {
                        solver.factor(inPlace: view, tau: tb, workspace: &workspace)
                    }
                    walls.append(wallSeconds() - w0)
                    cpus.append(processCPUSeconds() - c0)
                }
            }
        }
    }
    return (median(walls), median(cpus))
}

/// GFLOP/s of the leaf's kernel ops on a ROWS × COLS block that stays in cache (L1 or L2 by its
/// size), each op repeated on the same block: what a TSQR leaf can reach per flop at best.
func kernelRates<T: QRScalar>(_: T.Type, rows: Int, columns: Int, offsetBytes: Int = 0) -> [(String, Double)] {
    typealias K = NativeKernels<T>
    // Columns 512 bytes apart modulo 4 KiB, as in a 1000000-row matrix (no 4K aliasing among a few columns).
    let ld = rows + 64, count = ld * (columns + 1)
    var rng = SplitMix64(seed: 11)
    var a = (0..<count).map { _ in T(Double.random(in: -1..<1, using: &rng) * 1e-3) }
    var out = [T](repeating: 0, count: 64 * (columns + 8))
    var gains = [T](repeating: 1e-3, count: columns + 8)
    let calls = max(1, 20_000_000 / (rows * columns))
    func time(_ flops: Double, _ body: () -> Void) -> Double {
        var samples: [Double] = []
        for _ in 0..<5 {
            let t0 = cpuSeconds()
            for _ in 0..<calls { body() }
            samples.append(cpuSeconds() - t0)
        }
        return flops * Double(calls) / median(samples) / 1e9
    }
    var results: [(String, Double)] = []
    // The block at a chosen distance from a 64-byte boundary (a Swift array's elements start 32
    // bytes into a 16-byte-aligned allocation): 0 = every SIMD8<Double> access within one line.
    let raw = UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<T>.stride + 128, alignment: 64)
    defer { raw.deallocate() }
    let aligned = (raw + offsetBytes).bindMemory(to: T.self, capacity: count)
    a.withUnsafeMutableBufferPointer { ab in
        guard let source = ab.baseAddress else { return }
        aligned.update(from: source, count: count)
    }
    a.withUnsafeMutableBufferPointer { _ in
        out.withUnsafeMutableBufferPointer { ob in
            gains.withUnsafeMutableBufferPointer { gb in
                guard let o = ob.baseAddress, let g = gb.baseAddress else { return }
                let base = aligned
                let x = base, c = StridedMatrixView(base: base + ld, rows: rows, columns: columns - 1, leadingDimension: ld)
                let q = Double(columns - 1), r = Double(rows)
                results.append(("updateColumns (1 reflector, dots of the next)", time(4 * r * q) {
                    K.updateColumns(c, adding: x, gains: g, scaleX: nil, dotsWith: UnsafePointer(c.column(0)), into: o)
                }))
                // x₁ and x₂ are the block's first two columns, the pair updates the others.
                let rest = StridedMatrixView(base: base + 2 * ld, rows: rows, columns: columns - 2, leadingDimension: ld)
                let q2 = Double(columns - 2)
                results.append(("applyStructuredPair (2 reflectors, dots of the next two)", time(8 * r * q2) {
                    K.applyStructuredPair(rest, first: base, second: base + ld, crossGain: 1e-3, gains1: g, gains2: g,
                                          scale1: 1, scale2: 1, carry: true, firstDots: o, secondDots: o + 32)
                }))
                results.append(("updateColumns (1 reflector, no dots)", time(2 * r * q) {
                    K.updateColumns(c, adding: x, gains: g, scaleX: nil, dotsWith: nil, into: o)
                }))
                let k = min(8, columns / 2), nc = columns - k
                results.append(("innerProducts \(k) x \(k + nc)", time(2 * r * Double(k * (k + nc))) {
                    K.innerProducts(rows: rows, base, ldx: ld, count: k, base, ldy: ld, count: k + nc, into: o, ldo: k,
                                    skipBelowDiagonal: false)
                }))
                results.append(("rankUpdate k = \(k), \(nc) columns", time(2 * r * Double(k * nc)) {
                    K.rankUpdate(rows: rows, base, ldv: ld, count: k, g, ldw: 0, into: base + k * ld, ldc: ld, columns: nc)
                }))
            }
        }
    }
    if a[0] == 42 { print("") }
    return results
}

/// Milliseconds (thread CPU time, median of 7) of one pass over m × n doubles on a 64-byte line:
/// reading every element (a sum), and reading and writing it back (each element times 1): the
/// memory floor of a path that reads A once, and of one that also writes it in place.
func streamSweeps(m: Int, n: Int) -> (read: Double, readWrite: Double) {
    let count = (m * n + 7) / 8
    let p = UnsafeMutablePointer<SIMD8<Double>>.allocate(capacity: count)
    defer { p.deallocate() }
    p.initialize(repeating: SIMD8<Double>(repeating: 1e-3), count: count)
    var reads: [Double] = [], writes: [Double] = []
    var keep = SIMD8<Double>()
    for _ in 0..<7 {
        var t0 = cpuSeconds()
        var s0 = SIMD8<Double>(), s1 = SIMD8<Double>()
        var i = 0
        while i + 1 < count { s0 += p[i]; s1 += p[i + 1]; i += 2 }
        keep += s0 + s1
        reads.append(cpuSeconds() - t0)
        let one = SIMD8<Double>(repeating: keep[0] == 42 ? 2 : 1)
        t0 = cpuSeconds()
        for j in 0..<count { p[j] = p[j] * one }
        writes.append(cpuSeconds() - t0)
    }
    if keep[0] == 42 || p[0][0] == 42 { print("") }
    return (median(reads) * 1e3, median(writes) * 1e3)
}

let arguments = CommandLine.arguments
// roof DTYPE stream M N: one read pass and one read-write pass over A, against the roof.
if arguments.count == 5 && arguments[2] == "stream", let m = Int(arguments[3]), let n = Int(arguments[4]), m >= n, n >= 1 {
    let peak = kernelPeak(Double.self)
    let (read, readWrite) = streamSweeps(m: m, n: n)
    let flops = 2 * Double(m) * Double(n * n) - 2 * Double(n * n * n) / 3
    func f2(_ x: Double) -> String { String(Double(Int((x * 100).rounded())) / 100) }
    func cap(_ ms: Double) -> Int { Int((100 * flops / (ms * 1e-3) / 1e9 / peak).rounded()) }
    print("float64 \(m)x\(n) (\(m * n * 8 / 1_000_000) MB): kernel roof \(Int(peak.rounded())) GFLOP/s")
    print("  one read pass \(f2(read)) ms: a path doing nothing else would reach \(cap(read))% of the roof")
    print("  one read-write pass \(f2(readWrite)) ms: \(cap(readWrite))% of the roof")
    print("  the roof's 60% needs \(f2(flops / (0.6 * peak * 1e9) * 1e3)) ms for all the flops")
    exit(0)
}
// roof DTYPE kernels ROWS COLS: the leaf's kernel ops on one cache-resident block, against the roof.
if arguments.count == 5 && arguments[2] == "kernels", let rows = Int(arguments[3]), let columns = Int(arguments[4]),
   rows >= 8, columns >= 4 {
    let isFloat = arguments[1] == "float32"
    let peak = isFloat ? kernelPeak(Float.self) : kernelPeak(Double.self)
    print("\(arguments[1]) kernels on a \(rows) x \(columns) block (\(rows * columns * (isFloat ? 4 : 8) / 1024) KiB): roof \(Int(peak.rounded())) GFLOP/s")
    for offset in [0, 32] {
        let rates = isFloat ? kernelRates(Float.self, rows: rows, columns: columns, offsetBytes: offset)
                            : kernelRates(Double.self, rows: rows, columns: columns, offsetBytes: offset)
        for (name, g) in rates {
            print("  \(name), columns \(offset) B past a 64 B line: \(Int(g.rounded())) GFLOP/s, \(Int((100 * g / peak).rounded()))% of the roof")
        }
    }
    exit(0)
}
// roof DTYPE M N OP threadsP ROUNDS: 1 thread and P threads alternately, wall and process-CPU time.
if arguments.count == 7 && arguments[5].hasPrefix("threads"), let m = Int(arguments[2]), let n = Int(arguments[3]),
   let p = Int(arguments[5].dropFirst("threads".count)), p >= 2, let rounds = Int(arguments[6]), rounds >= 1 {
    let isFloat = arguments[1] == "float32", lstsq = arguments[4] == "lstsq"
    var speedups: [Double] = [], inflations: [Double] = [], one: [Double] = [], many: [Double] = []
    for _ in 0..<rounds {
        let r1 = isFloat ? threaded(Float.self, m: m, n: n, lstsq: lstsq, threads: 1, reps: 7)
                         : threaded(Double.self, m: m, n: n, lstsq: lstsq, threads: 1, reps: 7)
        let rp = isFloat ? threaded(Float.self, m: m, n: n, lstsq: lstsq, threads: p, reps: 7)
                         : threaded(Double.self, m: m, n: n, lstsq: lstsq, threads: p, reps: 7)
        speedups.append(r1.wall / rp.wall)
        inflations.append(rp.cpu / r1.cpu)
        one.append(r1.wall)
        many.append(rp.wall)
    }
    func f(_ x: Double) -> String { String(Double(Int((x * 100).rounded())) / 100) }
    print("\(arguments[1]) \(m)x\(n) \(arguments[4]) on \(p) threads vs 1 (median of \(rounds) rounds of 7 calls each):")
    print("  wall: 1 thread \(f(median(one) * 1e3)) ms, \(p) threads \(f(median(many) * 1e3)) ms, speed-up \(f(median(speedups)))x (rounds: \(speedups.map(f).joined(separator: " ")))")
    print("  process CPU time, \(p) threads / 1 thread: \(f(median(inflations))) (rounds: \(inflations.map(f).joined(separator: " ")))")
    exit(0)
}
guard arguments.count == 7, ["float64", "float32"].contains(arguments[1]), let m = Int(arguments[2]),
      let n = Int(arguments[3]), m >= n, n >= 1, ["qr", "lstsq"].contains(arguments[4]), let rounds = Int(arguments[6]),
      rounds >= 1
else {
    print("usage: roof float64|float32 M N qr|lstsq default|PATH[,…] ROUNDS   (e.g. roof float64 1000000 16 qr default,tsqr:2048:8 5)")
    exit(2)
}
let isFloat = arguments[1] == "float32", lstsq = arguments[4] == "lstsq"
let variants = arguments[5].split(separator: ",").map(String.init)
var paths: [String: SIMDSolver.Path] = [:]
var leafWidths: [String: Int] = [:]
var singleSweeps: Set<String> = []
/// A variant ending in "@64" runs on A aligned to 64 bytes (see `gflops`).
func variantPath(_ v: String) -> (name: String, offset: Int) {
    v.hasSuffix("@64") ? (String(v.dropLast(3)), 0) : (v, 32)
}
for v in variants where variantPath(v).name != "default" {
    let name = variantPath(v).name
    // leaf:MB:NB:L — TallSkinnyQR.factor with leaves of L columns (L ≥ NB: no recursion);
    // single:MB:NB:L — the same with leaves that sweep one reflector at a time.
    if name.hasPrefix("leaf:") || name.hasPrefix("single:") {
        if name.hasPrefix("single:") { singleSweeps.insert(v) }
        let sizes = name.drop(while: { $0 != ":" }).dropFirst().split(separator: ":").compactMap { Int($0) }
        guard sizes.count == 3, sizes.allSatisfy({ $0 >= 1 }) else { print("roof: not leaf:MB:NB:L: \(v)"); exit(2) }
        paths[v] = .tallSkinny(blockRows: sizes[0], panelWidth: sizes[1])
        leafWidths[v] = sizes[2]
        continue
    }
    guard let path = SIMDSolver.Path(name) else { print("roof: not a path: \(v)"); exit(2) }
    paths[v] = path
}
var ratios: [String: [Double]] = [:]
var peaks: [Double] = []
for _ in 0..<rounds {
    let peak = isFloat ? kernelPeak(Float.self) : kernelPeak(Double.self)
    peaks.append(peak)
    for v in variants {
        let offset = variantPath(v).offset
        let sweep: TallSkinnyQR.LeafSweep = singleSweeps.contains(v) ? .single : .paired
        let g = isFloat ? gflops(Float.self, m: m, n: n, path: paths[v], lstsq: lstsq, reps: 3, offsetBytes: offset,
                                 leafWidth: leafWidths[v], leafSweep: sweep)
                        : gflops(Double.self, m: m, n: n, path: paths[v], lstsq: lstsq, reps: 3, offsetBytes: offset,
                                 leafWidth: leafWidths[v], leafSweep: sweep)
        ratios[v, default: []].append(g / peak)
    }
}
func percent(_ r: Double) -> String { String(Int((r * 100).rounded())) }
print("\(arguments[1]) \(m)x\(n) \(arguments[4]): kernel roof \(Int(median(peaks).rounded())) GFLOP/s (median of \(rounds), thread CPU time)")
for v in variants {
    let r = ratios[v] ?? []
    print("  \(v): \(percent(median(r)))% of the roof (rounds: \(r.map(percent).joined(separator: " ")))")
}
// Old against new: the time ratio within each round (the same roof), less noisy than the percentages.
if variants.count > 1, let first = ratios[variants[0]] {
    func f2(_ x: Double) -> String { String(Double(Int((x * 100).rounded())) / 100) }
    for v in variants.dropFirst() {
        let speed = zip(ratios[v] ?? [], first).map { $0 / $1 }
        print("  \(v) / \(variants[0]), speed per round: median \(f2(median(speed))) (rounds: \(speed.map(f2).joined(separator: " ")))")
    }
}
