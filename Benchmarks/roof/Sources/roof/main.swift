// Same-process ratios to the micro-kernel's roof, timed by the thread's CPU clock
// (CLOCK_THREAD_CPUTIME_ID), so that time the scheduler gives to other processes on a shared
// machine counts for neither side. Rounds alternate: kernel peak, then every variant.
//
//     roof DTYPE M N OP VARIANTS ROUNDS
//     roof float64 1000000 16 qr default,tsqr:2048:8,tsqr:1024:4 5
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
/// elements processed; A (and b) are copied in before every call, outside the clock.
func gflops<T: QRScalar>(_: T.Type, m: Int, n: Int, path: SIMDSolver.Path?, lstsq: Bool, reps: Int) -> Double {
    let columns = lstsq ? n + 1 : n
    var rng = SplitMix64(seed: 7)
    let source = (0..<(m * columns)).map { _ in T(Double.random(in: -1..<1, using: &rng)) }
    var a = source
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
            for i in a.indices { a[i] = source[i] }
            a.withUnsafeMutableBufferPointer { buffer in
                tau.withUnsafeMutableBufferPointer { t in
                    x.withUnsafeMutableBufferPointer { xb in
                        guard let base = buffer.baseAddress, let tb = t.baseAddress, let xp = xb.baseAddress else { return }
                        let view = StridedMatrixView(base: base, rows: m, columns: columns, leadingDimension: m)
                        let t0 = cpuSeconds()
                        if lstsq && path == nil {
                            _ = try? solver.solve(inPlace: view, tau: tb, solution: xp, workspace: &workspace)
                        } else {
                            chosen.factor(inPlace: view, reflectors: n, tau: tb, workspace: &workspace)
                        }
                        total += cpuSeconds() - t0
                    }
                }
            }
        }
        times.append(total / Double(inner))
    }
    let flops = 2 * Double(m) * Double(n * n) - 2 * Double(n * n * n) / 3
    return flops / median(times) / 1e9
}

let arguments = CommandLine.arguments
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
for v in variants where v != "default" {
    guard let path = SIMDSolver.Path(v) else { print("roof: not a path: \(v)"); exit(2) }
    paths[v] = path
}
var ratios: [String: [Double]] = [:]
var peaks: [Double] = []
for _ in 0..<rounds {
    let peak = isFloat ? kernelPeak(Float.self) : kernelPeak(Double.self)
    peaks.append(peak)
    for v in variants {
        let g = isFloat ? gflops(Float.self, m: m, n: n, path: paths[v], lstsq: lstsq, reps: 3)
                        : gflops(Double.self, m: m, n: n, path: paths[v], lstsq: lstsq, reps: 3)
        ratios[v, default: []].append(g / peak)
    }
}
func percent(_ r: Double) -> String { String(Int((r * 100).rounded())) }
print("\(arguments[1]) \(m)x\(n) \(arguments[4]): kernel roof \(Int(median(peaks).rounded())) GFLOP/s (median of \(rounds), thread CPU time)")
for v in variants {
    let r = ratios[v] ?? []
    print("  \(v): \(percent(median(r)))% of the roof (rounds: \(r.map(percent).joined(separator: " ")))")
}
