// The roof harness: AVX2Tile against AVX512Tile in one binary, timed by the thread's CPU time, so
// that other processes sharing the cores do not enter the figures (only cache sharing does).
// Compiled together with the engine's sources as one module, to reach the kernels-generic
// factorizations (Benchmarks/README.md, "The roof: tile and square"):
//
//   swiftc -O -wmo -module-name PossumLinalg -target-cpu native Sources/PossumLinalg/*.swift \
//       Benchmarks/roof-tiles/main.swift -o .build/roof-tiles
//   .build/roof-tiles tile 15            # both tiles, both dtypes, L1-resident, median of 15
//   .build/roof-tiles qr 2000 2000 5     # the SIMDSolver path for the shape, each tile, median of 5
//   .build/roof-tiles lstsq 2000 2000 5
import Glibc

func cpuSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

@inline(never) func keep<T>(_ x: T) { withExtendedLifetime(x) {} }

func median(_ x: [Double]) -> Double { x.sorted()[x.count / 2] }

/// GFLOP/s of M's full tile on L1-resident operands (k = 256, as `possum-bench --kernel-peak`).
func tileRate<M: MicroKernel>(_: M.Type, k: Int = 256, calls: Int = 4000) -> Double {
    typealias T = M.Scalar
    let (mr, nr) = (M.mr, M.nr)
    let a = [T](repeating: 1e-3, count: mr * k), b = [T](repeating: 1e-3, count: k * nr)
    var c = [T](repeating: 0, count: mr * nr)
    let start = cpuSeconds()
    for _ in 0..<calls { M.accumulateTile(k: k, a, lda: mr, b, ldb: k, &c, ldc: mr) }
    let seconds = cpuSeconds() - start
    keep(c)
    return Double(2 * mr * nr * k * calls) / seconds / 1e9
}

var workspaces: [String: QRWorkspace] = [:]

/// CPU seconds of one in-place qr (the path `SIMDSolver` takes for the shape) or lstsq with K.
func solveSeconds<K: HouseholderKernels>(_: K.Type, _ source: [K.Scalar], m: Int, n: Int, lstsq: Bool) -> Double {
    var a = source
    a.withUnsafeMutableBufferPointer { $0[0] = source[0] }  // the copy happens here, not in the timing
    var tau = [K.Scalar](repeating: 0, count: SIMDSolver.tauCount(rows: m, columns: n + 1) + n + 1)
    var x = [K.Scalar](repeating: 0, count: n)
    var workspace = workspaces["\(K.self)"] ?? QRWorkspace()
    defer { workspaces["\(K.self)"] = workspace }
    let start = cpuSeconds()
    a.withUnsafeMutableBufferPointer { ab in
        tau.withUnsafeMutableBufferPointer { t in
            if lstsq {
                let view = StridedMatrixView<K.Scalar>(base: ab.baseAddress!, rows: m, columns: n + 1, leadingDimension: m)
                x.withUnsafeMutableBufferPointer { xb in
                    do {
                        _ = try SIMDSolver(threads: 1).solve(inPlace: view, tau: t.baseAddress!, solution: xb.baseAddress!,
                                                             workspace: &workspace, kernels: K.self)
                    } catch { fatalError("\(error)") }
                }
            } else {
                let view = StridedMatrixView<K.Scalar>(base: ab.baseAddress!, rows: m, columns: n, leadingDimension: m)
                SIMDSolver.path(rows: m, columns: n).factor(inPlace: view, tau: t.baseAddress!, threads: 1,
                                                            workspace: &workspace, kernels: K.self)
            }
        }
    }
    let seconds = cpuSeconds() - start
    keep(a)
    return seconds
}

let arguments = CommandLine.arguments
let mode = arguments.count > 1 ? arguments[1] : "tile"
func number(_ i: Int, _ fallback: Int) -> Int { arguments.count > i ? Int(arguments[i]) ?? fallback : fallback }

if mode == "tile" {
    var rates: [String: [Double]] = [:]
    for _ in 0..<number(2, 15) {  // interleaved
        rates["AVX2Tile   8x6 float64", default: []].append(tileRate(AVX2Tile<Double>.self))
        rates["AVX512Tile 16x6 float64", default: []].append(tileRate(AVX512Tile<Double>.self))
        rates["AVX2Tile   16x6 float32", default: []].append(tileRate(AVX2Tile<Float>.self))
        rates["AVX512Tile 32x6 float32", default: []].append(tileRate(AVX512Tile<Float>.self))
    }
    for (name, r) in rates.sorted(by: { $0.key < $1.key }) {
        print(name, "GFLOP/s (CPU time): median", median(r), "max", r.max() ?? 0)
    }
} else if mode == "qr" || mode == "lstsq" {
    let (m, n, repetitions) = (number(2, 1000), number(3, 1000), number(4, 5))
    var state: UInt64 = 42
    let source = (0..<(m * (n + 1))).map { _ -> Double in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Double(state >> 11) / Double(1 << 53) - 0.5
    }
    let flops = 2 * Double(m) * Double(n) * Double(n) - 2 * Double(n) * Double(n) * Double(n) / 3
    var times: [String: [Double]] = [:]
    for repetition in 0...repetitions {  // the first round warms the workspaces and is dropped
        if repetition == 1 { times = [:] }
        times["AVX2Tile", default: []].append(solveSeconds(VectorKernels<Double, AVX2Tile<Double>>.self, source, m: m, n: n, lstsq: mode == "lstsq"))
        times["AVX512Tile", default: []].append(solveSeconds(VectorKernels<Double, AVX512Tile<Double>>.self, source, m: m, n: n, lstsq: mode == "lstsq"))
    }
    for (name, t) in times.sorted(by: { $0.key < $1.key }) {
        print(mode, "\(m)x\(n) float64", name, "median ms (CPU time):", median(t) * 1e3, "GFLOP/s:", flops / median(t) / 1e9)
    }
}
