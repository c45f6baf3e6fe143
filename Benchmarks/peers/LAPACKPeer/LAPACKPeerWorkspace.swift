import PossumLAPACKLoader

/// Everything one peer's calls on an m × n problem need, allocated once (integer arguments of the library's
/// width, LAPACK's queried workspace, tau), so a timed call allocates nothing — like possum-bench's `Buffers`.
public final class LAPACKPeerWorkspace {
    public let peer: LAPACKPeer
    public let rows: Int, columns: Int
    /// The Householder scalars of the last factorization (n of them).
    public let tau: UnsafeMutablePointer<Double>
    private var work: UnsafeMutablePointer<Double>
    /// Integer arguments, 8 bytes each (an LP64 library reads the first 4).
    private let integers: UnsafeMutableRawPointer
    /// 'L', 'T', 'N', 'U': the CHARACTER arguments.
    private let characters: UnsafeMutablePointer<UInt8>

    private enum Slot: Int, CaseIterable { case m, n, lda, ldb, nrhs, lwork, info, query }

    public init(_ peer: LAPACKPeer, rows m: Int, columns n: Int) throws(LAPACKPeerError) {
        (self.peer, rows, columns) = (peer, m, n)
        integers = .allocate(byteCount: 8 * Slot.allCases.count, alignment: 8)
        integers.initializeMemory(as: UInt8.self, repeating: 0, count: 8 * Slot.allCases.count)
        characters = .allocate(capacity: 4)
        characters.initialize(from: [UInt8(ascii: "L"), UInt8(ascii: "T"), UInt8(ascii: "N"), UInt8(ascii: "U")], count: 4)
        tau = .allocate(capacity: max(n, 1))
        tau.initialize(repeating: 0, count: max(n, 1))
        work = .allocate(capacity: 1)
        work.initialize(to: 0)
        try store(.m, m); try store(.n, n); try store(.lda, max(m, 1)); try store(.ldb, max(m, 1))
        try store(.nrhs, 1); try store(.query, -1)
        // Workspace queries (lwork = −1) of every routine used; the largest answer is allocated.
        var answer = 1.0
        for routine in ["dgeqrf", "dormqr", "dgels"] {
            work.pointee = 0
            try call(routine, query: true, a: tau, b: tau, work: work)
            answer = max(answer, work.pointee)
        }
        let count = Int(exactly: answer.rounded(.up)) ?? max(64 * max(n, 1), m)
        work.deallocate()
        work = .allocate(capacity: count)
        work.initialize(repeating: 0, count: count)
        try store(.lwork, count)
    }

    deinit {
        integers.deallocate(); characters.deallocate(); tau.deallocate(); work.deallocate()
    }

    /// dgeqrf on the m × n column-major `a` (leading dimension m): R above the diagonal, reflectors below, `tau`.
    public func factor(_ a: UnsafeMutablePointer<Double>) throws(LAPACKPeerError) {
        try call("dgeqrf", query: false, a: a, b: a, work: work)
    }

    /// min‖Ax − b‖₂: x in b[0..<n]. A and b are overwritten. dgeqrf, dormqr (Qᵀb), dtrtrs (R x = (Qᵀb)₁),
    /// or one dgels with `lstsq=gels`.
    public func solve(_ a: UnsafeMutablePointer<Double>, _ b: UnsafeMutablePointer<Double>) throws(LAPACKPeerError) {
        if peer.spec.leastSquares == .gels {
            try call("dgels", query: false, a: a, b: b, work: work)
            return
        }
        try call("dgeqrf", query: false, a: a, b: b, work: work)
        try call("dormqr", query: false, a: a, b: b, work: work)
        try call("dtrtrs", query: false, a: a, b: b, work: work)
    }

    /// Convenience for tests: the least-squares solution of a column-major m × n `a` and `b`.
    public func solve(columnMajor a: [Double], _ b: [Double]) throws(LAPACKPeerError) -> [Double] {
        precondition(a.count == rows * columns && b.count == rows, "shape mismatch")
        let pa = UnsafeMutablePointer<Double>.allocate(capacity: max(a.count, 1))
        let pb = UnsafeMutablePointer<Double>.allocate(capacity: max(b.count, 1))
        defer { pa.deallocate(); pb.deallocate() }
        pa.initialize(from: a, count: a.count)
        pb.initialize(from: b, count: b.count)
        try solve(pa, pb)
        return Array(UnsafeBufferPointer(start: pb, count: columns))
    }

    // MARK: - Arguments of the library's integer width

    private func slot(_ s: Slot) -> UnsafeMutableRawPointer { integers + 8 * s.rawValue }

    private func store(_ s: Slot, _ value: Int) throws(LAPACKPeerError) {
        switch peer.integerWidth {
        case .ilp64:
            slot(s).storeBytes(of: Int64(value), as: Int64.self)
        case .lp64:
            guard let narrow = Int32(exactly: value) else { throw .tooLarge(path: peer.spec.path, value: value) }
            slot(s).storeBytes(of: Int64(0), as: Int64.self)
            slot(s).storeBytes(of: narrow, as: Int32.self)
        }
    }

    private func load(_ s: Slot) -> Int {
        switch peer.integerWidth {
        case .ilp64: Int(slot(s).load(as: Int64.self))
        case .lp64: Int(slot(s).load(as: Int32.self))
        }
    }

    private func call(_ routine: String, query: Bool, a: UnsafeMutablePointer<Double>, b: UnsafeMutablePointer<Double>,
                      work: UnsafeMutablePointer<Double>) throws(LAPACKPeerError) {
        let (m, n, lda, ldb, nrhs, info) = (slot(.m), slot(.n), slot(.lda), slot(.ldb), slot(.nrhs), slot(.info))
        let lwork = slot(query ? .query : .lwork)
        let (left, transpose, none, upper) = (characters, characters + 1, characters + 2, characters + 3)
        let (a, b, tau, work) = (LAPACKRoutine.Out(a), LAPACKRoutine.Out(b), LAPACKRoutine.Out(self.tau), LAPACKRoutine.Out(work))
        try store(.info, 0)
        switch routine {
        case "dgeqrf": peer.geqrf(m, n, a, lda, tau, work, lwork, info)
        case "dormqr": peer.ormqr(left, transpose, m, nrhs, n, a, lda, tau, b, ldb, work, lwork, info, 1, 1)
        case "dtrtrs": peer.trtrs(upper, none, none, n, nrhs, a, lda, b, ldb, info, 1, 1, 1)
        default: peer.gels(none, m, n, nrhs, a, lda, b, ldb, work, lwork, info, 1)
        }
        let result = load(.info)
        if result != 0 { throw .info(path: peer.spec.path, routine: routine, info: result) }
    }
}
