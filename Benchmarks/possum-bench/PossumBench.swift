import ArgumentParser
import Foundation
import PossumLinalg
import PossumOpenBLAS
import PossumProgress

#if canImport(Glibc)
import Glibc
#endif

/// One line of the report and one record of the JSON output.
struct Record {
    var op: Op
    var solver: SolverName
    var shape: Shape
    var threads: Int
    var dtype = "float64"
    /// The dtype's machine epsilon (the /(nε) column).
    var epsilon = Double.ulpOfOne
    var medianSeconds: Double
    var minSeconds: Double
    var backwardError: Double
    var errorKind: ErrorKind
    /// OpenBLAS's median for the same op and shape divided by ours (> 1: we are faster).
    var speedup: Double
    /// The label of a `--lapack` peer (then `solver` is .openblas, the kind of library it is).
    var peer: String? = nil

    var gflops: Double { shape.flops / medianSeconds / 1e9 }

    var json: String {
        func num(_ x: Double) -> String { x.isFinite ? "\(x)" : "null" }
        return """
            {"op": "\(op.rawValue)", "solver": "\(peer.map { "lapack:" + $0 } ?? solver.recordName)", "m": \(shape.m), "n": \(shape.n), \
            "threads": \(threads), "dtype": "\(dtype)", "median_s": \(num(medianSeconds)), \
            "min_s": \(num(minSeconds)), "gflops": \(num(gflops)), "backward_error": \(num(backwardError))}
            """
    }
}

struct PossumBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "possum-bench",
        abstract: "Time possum's SIMD Householder QR against OpenBLAS's LAPACK (dgeqrf/dgels, sgeqrf/sgels).",
        discussion: """
            For every shape and operation the solvers run interleaved, one call each per repetition, \
            and the report gives the median and minimum time per call, GFLOP/s (counting \
            2mn² − 2n³/3 flops for both operations), the speed-up over OpenBLAS (its median / ours), \
            and the backward error of the result. The naive solver is skipped above 1e8 flops.
            """)

    static let defaultShapes = ShapeList(argument: "104x17,1000x50,100000x32,1000000x16,1000x1000,2000x2000,4000x4000")!
    static let quickShapes = ShapeList(argument: "104x17,1000x50,100000x32,1000x1000")!

    @Option(help: "Comma-separated m×n shapes, e.g. 104x17,1000x50 (default: the issue's table).")
    var shapes: ShapeList?

    @Option(help: "Threads for OpenBLAS, the --lapack peers and possum's simd solver (default: the cores available to this process; each record says how many simd used). With 2 or more, simd on 1 thread is timed too (simd-1t), for the speed-up. E.g. --threads 1 for the single-core comparison.")
    var threads: Int = CPUFeatures.coresAvailable

    @Option(help: "Precisions to time: float64 (vs dgeqrf/dgels), float32 (vs sgeqrf/sgels).")
    var dtype: EnumList<DType> = EnumList(DType.allCases)

    @Option(name: .customLong("repeat"), help: "Timed repetitions per solver (the median is reported).")
    var repetitions: Int = 7

    @Option(help: "Operations to time.")
    var ops: EnumList<Op> = EnumList(Op.allCases)

    @Option(help: "Solvers to time (openblas is the reference of the speed-up column).")
    var solvers: EnumList<SolverName> = EnumList(SolverName.defaults)

    @Option(name: .customLong("lapack"), help: ArgumentHelp(
        "Also time this LAPACK, loaded by path (repeatable): dgeqrf for qr, dgeqrf+dormqr+dtrtrs for lstsq, Float64, "
            + "on --threads threads. OPTIONS (comma-separated): prefix=P, suffix=S, int=32|64, name=LABEL, lstsq=gels. "
            + "See Benchmarks/README.md, Peers. E.g. --lapack .build-peers/numpy/numpy.libs/libscipy_openblas64_-32a4b2a6.so",
        valueName: "path[:options]"))
    var lapack: [String] = []

    @Option(help: "Write the records as a JSON list to this file.")
    var json: String?

    @Flag(help: "Small shapes and at most 3 repetitions: finishes in well under a minute.")
    var quick = false

    @Flag(name: .shortAndLong, help: "No progress on stderr: neither the progress line (cases done of total, on a terminal) nor the step messages.")
    var quiet = false

    @Option(help: ArgumentHelp(
        "For tuning: the factorization the simd solver times for `qr` (default, unblocked, blocked:NB, tsqr:MB[:NB]), on the solver's threads.",
        visibility: .hidden))
    var simdVariant: String = "default"

    @Option(help: ArgumentHelp(
        "Run N in-place qr factorizations and N in-place solves of the first shape, then exit (no timing): "
            + "compare the heap-allocation counts of two N under valgrind to see the steady state allocates nothing.",
        visibility: .hidden))
    var steadyStateCalls: Int?

    @Flag(help: ArgumentHelp("Print the micro-kernel's GFLOP/s on L1-resident operands (the roofline's compute roof) and exit.",
                             visibility: .hidden))
    var kernelPeak = false

    mutating func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard simdVariant == "default" || SIMDSolver.Path(simdVariant) != nil else {
            throw ValidationError("--simd-variant must be default, unblocked, blocked[:NB] or tsqr[:MB[:NB]]")
        }
        guard repetitions >= 1 else { throw ValidationError("--repeat must be at least 1") }
    }

    func run() throws {
        let shapeList = (shapes ?? (quick ? Self.quickShapes : Self.defaultShapes)).shapes
        if kernelPeak {
            kernelRoof()
            return
        }
        if let calls = steadyStateCalls {
            try steadyState(shapeList[0], calls: calls)
            return
        }
        let reps = quick ? min(repetitions, 3) : repetitions
        setOpenBLASThreads(threads)
        let peers = try Peers(lapack, threads: threads)
        let simd = SIMDSolver(threads: threads)
        print("possum-bench: \(reps) repetitions, \(threads) thread(s), \(dtype.values.map(\.rawValue).joined(separator: ", "))")
        print("OpenBLAS: \(openBLASConfiguration)")
        print("possum simd: \(simd.configurationDescription)")
        print("kernels: \(KernelBuild.description); \(KernelBuild.summary)")
        peers.printSummary()
        if let coretype = getenv("OPENBLAS_CORETYPE") { print("OPENBLAS_CORETYPE=\(String(cString: coretype))") }
        if threads > 1 {
            print("note: possum shares blocked trailing updates among threads (with look-ahead) and runs TSQR qr and lstsq over "
                  + "row leaves where there is enough work; each record says how many threads it used; simd-1t is "
                  + "the simd solver on 1 thread, timed interleaved with the rest")
        }
        print("")
        printHeader(solverWidth: peers.solverWidth)

        benchProgress = BenchProgress(reporter: TerminalProgress.standardError(quiet: quiet), quiet: quiet)
        defer { benchProgress.reporter.finish() }
        benchProgress.reporter.begin("possum-bench", total: shapeList.count * dtype.values.count * ops.values.count, unit: .items("cases"))
        var records: [Record] = []
        for shape in shapeList {
            progress("generating \(shape)")
            let problem = Problem(shape, seed: UInt64(shape.m &* 1_000_003 &+ shape.n))
            for d in dtype.values {
                switch d {
                case .float64: records += try time(Double.self, shape, problem, simd, peers, repetitions: reps)
                case .float32: records += try time(Float.self, shape, problem, simd, peers, repetitions: reps)
                }
            }
        }
        benchProgress.reporter.finish()
        if let path = json {
            let text = "[\n" + records.map { "  " + $0.json }.joined(separator: ",\n") + "\n]\n"
            try writeFile(path, text)
            progress("wrote \(records.count) records to \(path)")
        }
    }

    /// Times every op of one shape in precision T, solvers interleaved; prints and returns the
    /// records. The problem is rounded to T once (the Float32 problem is the Float64 one rounded).
    /// `naive` (Float64 reference kernels) is timed for Float64 only.
    func time<T: BenchScalar>(
        _ type: T.Type, _ shape: Shape, _ problem: Problem, _ simd: SIMDSolver, _ peers: Peers, repetitions reps: Int
    ) throws -> [Record] {
        var records: [Record] = []
        for op in ops.values {
            var active = solvers.values.filter { $0 != .naive || (shape.flops <= 1e8 && T.self == Double.self) }
            if threads >= 2 && active.contains(.simd) && !active.contains(.simdOneThread) { active.append(.simdOneThread) }
            benchProgress.reporter.update(completed: benchProgress.casesDone, detail: "\(op.rawValue) \(shape) \(T.dtypeName)")
            progress("\(op.rawValue) \(shape) \(T.dtypeName): timing \(active.map(\.rawValue).joined(separator: ", "))")
            let buffers = Buffers<T>(problem, tauCount: SIMDSolver.tauCount(rows: shape.m, columns: shape.n))
            defer { buffers.release() }
            let peerRuns = try peers.runs(op, buffers)
            let contenders = active.map { contender(op, $0, problem, simd, buffers) } + peerRuns.map(\.contender)
            let samples = try measure(contenders, repetitions: reps)
            let reference = samples.median(.openblas)
            for s in active {
                progress("\(op.rawValue) \(shape) \(T.dtypeName): backward error of \(s.rawValue)")
                let solver = s == .simdOneThread ? SIMDSolver(threads: 1) : simd
                let (err, kind) = try backwardError(op, s == .simdOneThread ? .simd : s, problem, solver, buffers)
                let record = Record(
                    op: op, solver: s, shape: shape,
                    threads: s == .openblas ? threads
                        : s == .simd ? simd.threadsUsed(op == .qr ? .factor : .solve, rows: shape.m, columns: shape.n) : 1,
                    dtype: T.dtypeName, epsilon: Double(T.ulpOfOne),
                    medianSeconds: samples.median(s), minSeconds: samples.min(s),
                    backwardError: err, errorKind: kind, speedup: reference / samples.median(s))
                records.append(record)
                benchProgress.reporter.interleave { printRow(record, solverWidth: peers.solverWidth) }
            }
            if active.contains(.simdOneThread) {
                benchProgress.reporter.interleave {
                    print("       \(op.rawValue) \(shape) \(T.dtypeName): simd speed-up with \(threads) threads over 1 thread: "
                          + fixed(samples.median(.simdOneThread) / samples.median(.simd), 2) + "× (medians)")
                }
            }
            records += try peers.report(op, shape, problem, peerRuns, samples, buffers, threads: threads)
            benchProgress.casesDone += 1
            benchProgress.reporter.update(completed: benchProgress.casesDone, detail: "\(op.rawValue) \(shape) \(T.dtypeName)")
        }
        return records
    }

    /// The timed call of one solver: only the factorization or the solve, on storage allocated
    /// once per shape into which A (and b) are copied before each call, outside the timed
    /// region (see `Buffers`). `naive` goes through its `Matrix` API, copies included: it is the
    /// correctness baseline, not a contender for speed.
    func contender<T: BenchScalar>(_ op: Op, _ s: SolverName, _ p: Problem, _ simd: SIMDSolver, _ buffers: Buffers<T>) -> Contender {
        if s == .simdOneThread {
            var c = contender(op, .simd, p, SIMDSolver(threads: 1), buffers)
            c.solver = s
            return c
        }
        switch (op, s) {
        case (.qr, .simd):
            let view = buffers.view(augmented: false)
            if let path = simdPath {
                return Contender(solver: s, prepare: buffers.loadA) {
                    path.factor(inPlace: view, tau: buffers.tau, threads: simd.threads, workspace: &buffers.workspace)
                }
            }
            return Contender(solver: s, prepare: buffers.loadA) {
                simd.factor(inPlace: view, tau: buffers.tau, workspace: &buffers.workspace)
            }
        case (.lstsq, .simd):
            let view = buffers.view(augmented: true)
            return Contender(solver: s, prepare: buffers.loadAB) {
                blackHole(try simd.solve(inPlace: view, tau: buffers.tau, solution: buffers.x, workspace: &buffers.workspace))
            }
        case (.qr, .openblas):
            return Contender(solver: s, prepare: buffers.loadA) { try buffers.geqrf() }
        case (.lstsq, .openblas):
            return Contender(solver: s, prepare: buffers.loadAB) { try buffers.gels() }
        case (.qr, .naive): return Contender(solver: s) { blackHole(try NaiveSolver().factorize(p.a)) }
        case (.lstsq, .naive): return Contender(solver: s) { blackHole(try NaiveSolver().solve(p.a, p.b)) }
        case (_, .simdOneThread): fatalError("handled above")
        }
    }

    /// The attainable FMA throughput of this architecture's `NativeTile` in both precisions: a
    /// tile-high × 256 A and a 256 × nr B (L1-resident), the tile accumulated 20 000 times; median of 7.
    func kernelRoof() {
        print("kernels: \(KernelBuild.description); \(KernelBuild.summary)")
        kernelRoof(Double.self)
        kernelRoof(Float.self)
    }

    func kernelRoof<T: QRScalar>(_: T.Type) {
        let k = 256, calls = 20_000, mr = NativeTile<T>.mr, nr = NativeTile<T>.nr
        let a = UnsafeMutablePointer<T>.allocate(capacity: mr * k)
        let b = UnsafeMutablePointer<T>.allocate(capacity: k * nr)
        let c = UnsafeMutablePointer<T>.allocate(capacity: mr * nr)
        defer { a.deallocate(); b.deallocate(); c.deallocate() }
        a.initialize(repeating: 1e-3, count: mr * k)
        b.initialize(repeating: 1e-3, count: k * nr)
        c.initialize(repeating: 0, count: mr * nr)
        let clock = ContinuousClock()
        var times: [Double] = []
        for _ in 0..<7 {
            times.append(seconds(clock.measure {
                for _ in 0..<calls { NativeTile<T>.accumulateTile(k: k, a, lda: mr, b, ldb: k, c, ldc: mr) }
            }))
        }
        blackHole(c[0])
        let t = times.sorted()[3]
        print("micro-kernel \(mr)x\(nr) \(T.dtypeName), k = \(k), L1-resident: "
              + "\(fixed(Double(2 * mr * nr * k * calls) / t / 1e9, 2)) GFLOP/s (median of 7)")
    }

    /// `calls` in-place factorizations and solves on buffers and a workspace allocated before
    /// the first: everything after the first call is the steady state.
    func steadyState(_ shape: Shape, calls: Int) throws {
        let problem = Problem(shape, seed: 1)
        let buffers = Buffers<Double>(problem, tauCount: SIMDSolver.tauCount(rows: shape.m, columns: shape.n))
        defer { buffers.release() }
        let simd = SIMDSolver()
        let (m, n) = (shape.m, shape.n)
        var residual = 0.0
        for _ in 0..<calls {
            buffers.loadA()
            simd.factor(inPlace: MutableMatrixView(base: buffers.a, rows: m, columns: n, leadingDimension: m),
                        tau: buffers.tau, workspace: &buffers.workspace)
            buffers.loadAB()
            residual += try simd.solve(inPlace: MutableMatrixView(base: buffers.a, rows: m, columns: n + 1, leadingDimension: m),
                                       tau: buffers.tau, solution: buffers.x, workspace: &buffers.workspace)
        }
        print("steady state: \(calls) qr + \(calls) lstsq of \(shape), mean residual \(residual / Double(max(calls, 1)))")
    }

    /// The simd factorization, or the path chosen with `--simd-variant` (block-size tuning).
    func simdFactorize(_ a: Matrix, _ simd: SIMDSolver) throws -> any QRFactorization {
        try simdPath?.factorize(a) ?? simd.factorize(a)
    }

    /// The path `--simd-variant` names (nil: the solver's own choice by shape).
    var simdPath: SIMDSolver.Path? { simdVariant == "default" ? nil : SIMDSolver.Path(simdVariant) }

    /// The backward error of one solver's result on the problem in precision T. Float64: through
    /// the `Matrix` APIs. Float32: the in-place Float32 call on a fresh copy of A (and b), its
    /// result widened to Float64 exactly, and the error measured in Float64 against the rounded
    /// problem; Q of a Float32 factorization is formed from its reflectors by OpenBLAS's
    /// `dorgqr`/`dormqr` (an oracle independent of our code), or for our TSQR layout (not
    /// LAPACK's) by `TallSkinnyQR` in Float64.
    func backwardError<T: BenchScalar>(
        _ op: Op, _ s: SolverName, _ p: Problem, _ simd: SIMDSolver, _ buffers: Buffers<T>
    ) throws -> (Double, ErrorKind) {
        if T.self == Double.self { return try backwardError(op, s, p, simd) }
        let (m, n) = (buffers.m, buffers.n)
        let a = buffers.widenedA
        switch op {
        case .qr:
            buffers.loadA()
            if s == .simd { simd.factor(inPlace: buffers.view(augmented: false), tau: buffers.tau, workspace: &buffers.workspace) }
            else { try buffers.geqrf() }
            let packed = Matrix(rows: m, columns: n, columnMajor: (0..<(m * n)).map { Double(buffers.a[$0]) })
            if s == .simd, simdPath == nil, let tree = simd.tallSkinnyTree(rows: m, columns: n) {
                // The tree's layout (a TSQR per leaf, then the combinations): Q formed in Float64.
                let qr = TallSkinnyTreeQR(packed: packed, tau: (0..<tree.tauCount).map { Double(buffers.tau[$0]) }, tree: tree)
                return qrBackwardError(a, qr)
            }
            if s == .simd, case .tallSkinny(let mb, _) = simdPath ?? SIMDSolver.path(rows: m, columns: n) {
                // TSQR layout (a triangle per row block): Q formed by TallSkinnyQR in Float64.
                let count = n * TallSkinnyQR.blockCount(rows: m, columns: n, blockRows: mb)
                let qr = TallSkinnyQR(packed: packed, tau: (0..<count).map { Double(buffers.tau[$0]) }, blockRows: mb)
                return qrBackwardError(a, qr)
            }
            let qr = OpenBLASQR(packed: packed, tau: (0..<n).map { Double(buffers.tau[$0]) })
            return qrBackwardError(a, qr)
        case .lstsq:
            buffers.loadAB()
            if s == .simd {
                _ = try simd.solve(inPlace: buffers.view(augmented: true), tau: buffers.tau, solution: buffers.x,
                                   workspace: &buffers.workspace)
            } else {
                try buffers.gels()
                buffers.x.update(from: buffers.b, count: n)
            }
            let x = (0..<n).map { Double(buffers.x[$0]) }
            return (leastSquaresBackwardError(a, buffers.widenedB, x), .normal)
        }
    }

    func backwardError(_ op: Op, _ s: SolverName, _ p: Problem, _ simd: SIMDSolver) throws -> (Double, ErrorKind) {
        switch op {
        case .qr:
            let qr: any QRFactorization
            switch s {
            case .simd, .simdOneThread: qr = try simdFactorize(p.a, simd)
            case .openblas: qr = try OpenBLASQR(factoring: p.a)
            case .naive: qr = try NaiveSolver().factorize(p.a)
            }
            return qrBackwardError(p.a, qr)
        case .lstsq:
            let x: [Double]
            switch s {
            case .simd, .simdOneThread: x = try simd.solve(p.a, p.b).x
            case .openblas: x = try OpenBLASSolver().dgels(p.a, p.b)
            case .naive: x = try NaiveSolver().solve(p.a, p.b).x
            }
            return (leastSquaresBackwardError(p.a, p.b, x), .normal)
        }
    }
}

// MARK: - Output

/// The progress line (cases — an op, a shape and a precision — done of total) and whether the
/// step messages are wanted; set once by `run()` before any work, read on the same thread.
struct BenchProgress {
    var reporter: any ProgressReporter = SilentProgress()
    var quiet = false
    var casesDone = 0
}

nonisolated(unsafe) var benchProgress = BenchProgress()

/// A step message on stderr (none with --quiet), above the progress line when there is one.
func progress(_ message: String) {
    guard !benchProgress.quiet else { return }
    var line = "possum-bench: \(message)\n"
    benchProgress.reporter.interleave {
        line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    }
}

func writeFile(_ path: String, _ text: String) throws {
    guard let f = fopen(path, "w") else { throw ValidationError("cannot open \(path) for writing") }
    defer { fclose(f) }
    guard fputs(text, f) >= 0 else { throw ValidationError("cannot write \(path)") }
}

func pad(_ s: String, _ width: Int) -> String {
    s.count >= width ? s : String(repeating: " ", count: width - s.count) + s
}

/// x with `digits` significant digits, in the unit that keeps it between 1 and 1000.
func formatTime(_ t: Double) -> String {
    guard t.isFinite else { return "–" }
    let (v, unit): (Double, String) = t < 1e-3 ? (t * 1e6, "µs") : t < 1 ? (t * 1e3, "ms") : (t, "s")
    return fixed(v, v < 10 ? 2 : v < 100 ? 1 : 0) + " " + unit
}

func fixed(_ x: Double, _ decimals: Int) -> String {
    guard x.isFinite else { return "–" }
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let r = (abs(x) * scale).rounded()
    let whole = Int(r / scale)
    let frac = Int(r - Double(whole) * scale)
    let sign = x < 0 && r != 0 ? "-" : ""
    if decimals == 0 { return sign + "\(whole)" }
    let f = String(frac)
    return sign + "\(whole)." + String(repeating: "0", count: decimals - f.count) + f
}

func scientific(_ x: Double) -> String {
    guard x.isFinite, x != 0 else { return x == 0 ? "0" : "–" }
    var e = 0
    var v = abs(x)
    while v >= 10 { v /= 10; e += 1 }
    while v < 1 { v *= 10; e -= 1 }
    return fixed(v, 1) + "e" + (e < 0 ? "-" : "+") + (abs(e) < 10 ? "0" : "") + "\(abs(e))"
}

func printHeader(solverWidth: Int = 8) {
    print([pad("op", 5), pad("m×n", 12), pad("dtype", 7), pad("solver", solverWidth), pad("median", 10), pad("min", 10),
           pad("GFLOP/s", 8), pad("vs OpenBLAS", 11), pad("bwd error", 10), pad("/(nε)", 7)].joined(separator: " "))
}

func printRow(_ r: Record, solverWidth: Int = 8) {
    let ratio = r.backwardError / (Double(r.shape.n) * r.epsilon)
    print([pad(r.op.rawValue, 5), pad(r.shape.description, 12), pad(r.dtype, 7), pad(r.peer ?? r.solver.rawValue, solverWidth),
           pad(formatTime(r.medianSeconds), 10), pad(formatTime(r.minSeconds), 10),
           pad(fixed(r.gflops, 2), 8), pad(fixed(r.speedup, 2) + "×", 11),
           pad(scientific(r.backwardError) + r.errorKind.rawValue, 10), pad(fixed(ratio, 2), 7)]
        .joined(separator: " "))
    fflush(nil)  // flush stdout (nil: every stream; `stdout` itself is not concurrency-safe)
}
