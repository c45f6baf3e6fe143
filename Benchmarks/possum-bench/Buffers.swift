import COpenBLAS  // through PossumOpenBLAS: dgeqrf_/dgels_ on our own buffers, no copies in the timed call
import PossumLinalg

/// Working storage of one shape, allocated once: every timed call overwrites `a` (and `b`) in
/// place, and `loadA`/`loadAB` restore the problem's values before it, outside the timed
/// region. LAPACK's workspace is queried and allocated here too, so that neither side pays for
/// an allocation, a copy or a page fault inside the timing.
final class Buffers {
    let m: Int, n: Int
    let source: Problem
    /// m × (n + 1): [A | b] for the simd solve, A (first m·n entries) for the others.
    let a: UnsafeMutablePointer<Double>
    /// b for dgels (overwritten with x).
    let b: UnsafeMutablePointer<Double>
    let tau: UnsafeMutablePointer<Double>
    let x: UnsafeMutablePointer<Double>
    var workspace = QRWorkspace()
    private var lapackWork: UnsafeMutablePointer<Double>
    private var lapackWorkCount: Int32

    init(_ p: Problem, tauCount: Int) {
        source = p
        (m, n) = (p.a.rows, p.a.columns)
        a = .allocate(capacity: m * (n + 1))
        b = .allocate(capacity: m)
        tau = .allocate(capacity: max(tauCount, m + n))  // m + n: room for any TSQR block size (--simd-variant)
        x = .allocate(capacity: n)
        // Workspace queries (lwork = −1) for both routines; keep the larger.
        var mm = Int32(m), nn = Int32(n), lda = Int32(m), nrhs: Int32 = 1, info: Int32 = 0, lwork: Int32 = -1
        var q1 = 0.0, q2 = 0.0
        dgeqrf_(&mm, &nn, a, &lda, tau, &q1, &lwork, &info)
        var trans = CChar(UInt8(ascii: "N"))
        dgels_(&trans, &mm, &nn, &nrhs, a, &lda, b, &lda, &q2, &lwork, &info, 1)
        lapackWorkCount = Int32(max(q1, q2, 1))
        lapackWork = .allocate(capacity: Int(lapackWorkCount))
        lapackWork.initialize(repeating: 0, count: Int(lapackWorkCount))
        loadAB()
    }

    func release() {
        a.deallocate(); b.deallocate(); tau.deallocate(); x.deallocate(); lapackWork.deallocate()
    }

    /// a ← A.
    func loadA() {
        source.a.elements.withUnsafeBufferPointer { a.update(from: $0.baseAddress!, count: m * n) }
    }

    /// a ← [A | b], b ← b.
    func loadAB() {
        loadA()
        source.b.withUnsafeBufferPointer {
            (a + m * n).update(from: $0.baseAddress!, count: m)
            b.update(from: $0.baseAddress!, count: m)
        }
    }

    /// dgeqrf on `a` (m × n).
    func dgeqrf() throws {
        var mm = Int32(m), nn = Int32(n), lda = Int32(m), info: Int32 = 0, lwork = lapackWorkCount
        dgeqrf_(&mm, &nn, a, &lda, tau, lapackWork, &lwork, &info)
        if info != 0 { throw LinalgError.backend("dgeqrf: info = \(info)") }
    }

    /// dgels on `a` (m × n) and `b`.
    func dgels() throws {
        var mm = Int32(m), nn = Int32(n), lda = Int32(m), nrhs: Int32 = 1, info: Int32 = 0, lwork = lapackWorkCount
        var trans = CChar(UInt8(ascii: "N"))
        dgels_(&trans, &mm, &nn, &nrhs, a, &lda, b, &lda, lapackWork, &lwork, &info, 1)
        if info != 0 { throw LinalgError.backend("dgels: info = \(info)") }
    }
}
