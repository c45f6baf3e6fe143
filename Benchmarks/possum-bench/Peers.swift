import PossumLAPACKPeer
import PossumLinalg
import PossumOpenBLAS

/// The `--lapack` peers: other LAPACKs loaded by path, timed (Float64) interleaved with ours and OpenBLAS.
struct Peers {
    let peers: [LAPACKPeer]

    /// Loads every `PATH[:OPTIONS]`; labels made unique (a second `libopenblas.so.0` becomes `libopenblas.so.0#2`).
    init(_ arguments: [String], threads: Int) throws {
        var loaded: [LAPACKPeer] = []
        var seen: [String: Int] = [:]
        for argument in arguments {
            var spec = try LAPACKPeerSpec(parsing: argument)
            let peer = try LAPACKPeer(spec, threads: threads)
            seen[peer.label, default: 0] += 1
            if let count = seen[peer.label], count > 1 {
                spec.name = "\(peer.label)#\(count)"
                loaded.append(try LAPACKPeer(spec, threads: threads))
            } else {
                loaded.append(peer)
            }
        }
        peers = loaded
    }

    var isEmpty: Bool { peers.isEmpty }

    /// The report's solver column: wide enough for every peer's label.
    var solverWidth: Int { peers.map(\.label.count).reduce(8, max) }

    func printSummary() {
        for peer in peers { print("peer \(peer.summary)") }
    }

    /// One peer's calls on one shape: its workspace and its contender.
    struct Run {
        var peer: LAPACKPeer
        var workspace: LAPACKPeerWorkspace
        var contender: Contender
    }

    /// The peers' contenders for `op` on the shape of `buffers` (Float64 only: none for Float32).
    func runs<T: BenchScalar>(_ op: Op, _ buffers: Buffers<T>) throws -> [Run] {
        guard T.self == Double.self else { return [] }
        let a = UnsafeMutableRawPointer(buffers.a).assumingMemoryBound(to: Double.self)
        let b = UnsafeMutableRawPointer(buffers.b).assumingMemoryBound(to: Double.self)
        return try peers.map { peer in
            let workspace = try LAPACKPeerWorkspace(peer, rows: buffers.m, columns: buffers.n)
            let contender = switch op {
            case .qr: Contender(solver: .openblas, prepare: buffers.loadA, run: { try workspace.factor(a) }, peer: peer.label)
            case .lstsq: Contender(solver: .openblas, prepare: buffers.loadAB, run: { try workspace.solve(a, b) }, peer: peer.label)
            }
            return Run(peer: peer, workspace: workspace, contender: contender)
        }
    }

    /// Prints and returns the peers' records, then one line of our speed-up over each (peer median / ours).
    func report<T: BenchScalar>(
        _ op: Op, _ shape: Shape, _ problem: Problem, _ runs: [Run], _ samples: Samples, _ buffers: Buffers<T>,
        threads: Int
    ) throws -> [Record] {
        guard !runs.isEmpty else { return [] }
        let reference = samples.median(.openblas), ours = samples.median(.simd)
        var records: [Record] = []
        for run in runs {
            progress("\(op.rawValue) \(shape) float64: backward error of \(run.peer.label)")
            let a = UnsafeMutableRawPointer(buffers.a).assumingMemoryBound(to: Double.self)
            let b = UnsafeMutableRawPointer(buffers.b).assumingMemoryBound(to: Double.self)
            let (m, n) = (shape.m, shape.n)
            let error: (Double, ErrorKind)
            switch op {
            case .qr:
                // Q formed from the peer's reflectors by the system OpenBLAS (dorgqr/dormqr): an independent oracle.
                buffers.loadA()
                try run.workspace.factor(a)
                let packed = Matrix(rows: m, columns: n, columnMajor: Array(UnsafeBufferPointer(start: a, count: m * n)))
                let qr = OpenBLASQR(packed: packed, tau: Array(UnsafeBufferPointer(start: run.workspace.tau, count: n)))
                error = qrBackwardError(problem.a, qr)
            case .lstsq:
                buffers.loadAB()
                try run.workspace.solve(a, b)
                error = (leastSquaresBackwardError(problem.a, problem.b, Array(UnsafeBufferPointer(start: b, count: n))), .normal)
            }
            let median = samples.median(peer: run.peer.label)
            let record = Record(
                op: op, solver: .openblas, shape: shape, threads: threads,
                medianSeconds: median, minSeconds: samples.min(peer: run.peer.label),
                backwardError: error.0, errorKind: error.1, speedup: reference / median, peer: run.peer.label)
            records.append(record)
            benchProgress.reporter.interleave { printRow(record, solverWidth: solverWidth) }
        }
        let speedups = runs.map { "\($0.peer.label) " + fixed(samples.median(peer: $0.peer.label) / ours, 2) + "×" }
        benchProgress.reporter.interleave {
            print("       \(op.rawValue) \(shape) float64: simd speed-up over each peer (peer median / ours): " + speedups.joined(separator: ", "))
        }
        return records
    }
}
