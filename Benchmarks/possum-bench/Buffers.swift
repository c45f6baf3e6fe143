import PossumLAPACKLoader
import PossumLinalg
import PossumOpenBLAS

/// A precision the benchmark times: possum's generic solver and LAPACK's routine of that
/// precision (`dgeqrf`/`dgels` for Float64, `sgeqrf`/`sgels` for Float32), OpenBLAS's as possum loads
/// it (`OpenBLASRoutines`), called on our own buffers: no copies in the timed call.
protocol BenchScalar: QRScalar {
    static func geqrf(_ routines: OpenBLASRoutines) -> LAPACKRoutine.Geqrf
    static func gels(_ routines: OpenBLASRoutines) -> LAPACKRoutine.Gels
    /// "dgeqrf"/"sgeqrf" prefix letter.
    static var lapackPrefix: String { get }
}

extension Double: BenchScalar {
    static func geqrf(_ routines: OpenBLASRoutines) -> LAPACKRoutine.Geqrf { routines.dgeqrf }
    static func gels(_ routines: OpenBLASRoutines) -> LAPACKRoutine.Gels { routines.dgels }
    static var lapackPrefix: String { "d" }
}

extension Float: BenchScalar {
    static func geqrf(_ routines: OpenBLASRoutines) -> LAPACKRoutine.Geqrf { routines.sgeqrf }
    static func gels(_ routines: OpenBLASRoutines) -> LAPACKRoutine.Gels { routines.sgels }
    static var lapackPrefix: String { "s" }
}

/// OpenBLAS, loaded and prepared on first use (after `setOpenBLASThreads`, when the run sets a count).
let openBLASRoutines: OpenBLASRoutines = {
    do { return try OpenBLASRoutines.prepared() } catch { fatalError("possum-bench: \(error)") }
}()

/// Working storage of one shape and precision, allocated once: every timed call overwrites `a`
/// (and `b`) in place, and `loadA`/`loadAB` restore the problem's values before it, outside the
/// timed region. LAPACK's workspace is queried and allocated here too, so that neither side pays
/// for an allocation, a copy or a page fault inside the timing.
final class Buffers<T: BenchScalar> {
    let m: Int, n: Int
    /// The problem rounded to T (for Float64: the problem itself), column-major.
    let sourceA: [T], sourceB: [T]
    /// m × (n + 1): [A | b] for the simd solve, A (first m·n entries) for the others.
    let a: UnsafeMutablePointer<T>
    /// b for ?gels (overwritten with x).
    let b: UnsafeMutablePointer<T>
    let tau: UnsafeMutablePointer<T>
    let x: UnsafeMutablePointer<T>
    var workspace = QRWorkspace()
    /// T's ?geqrf and ?gels, fetched once so that a timed call is the call alone.
    private let lapackGeqrf: LAPACKRoutine.Geqrf, lapackGels: LAPACKRoutine.Gels
    private var lapackWork: UnsafeMutablePointer<T>
    private var lapackWorkCount: Int32

    init(_ p: Problem, tauCount: Int) {
        (m, n) = (p.a.rows, p.a.columns)
        sourceA = p.a.elements.map { T($0) }
        sourceB = p.b.map { T($0) }
        // Every column on a 64-byte line when m is a multiple of 8, as in SIMDSolver.solve's own copy
        // (AlignedColumns); LAPACK peers time on the same buffer.
        a = UnsafeMutableRawPointer.allocate(byteCount: m * (n + 1) * MemoryLayout<T>.stride, alignment: 64)
            .bindMemory(to: T.self, capacity: m * (n + 1))
        b = .allocate(capacity: m)
        tau = .allocate(capacity: max(tauCount, m + n))  // m + n: room for any TSQR block size (--simd-variant)
        x = .allocate(capacity: n)
        (lapackGeqrf, lapackGels) = (T.geqrf(openBLASRoutines), T.gels(openBLASRoutines))
        // Workspace queries (lwork = −1) for both routines; keep the larger.
        var mm = Int32(m), nn = Int32(n), lda = Int32(m), ldb = Int32(m), nrhs: Int32 = 1, info: Int32 = 0, lwork: Int32 = -1
        var q1: T = 0, q2: T = 0
        lapackGeqrf(&mm, &nn, a, &lda, tau, &q1, &lwork, &info)
        var trans = CChar(UInt8(ascii: "N"))
        lapackGels(&trans, &mm, &nn, &nrhs, a, &lda, b, &ldb, &q2, &lwork, &info, 1)
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
        sourceA.withUnsafeBufferPointer { a.update(from: $0.baseAddress!, count: m * n) }
    }

    /// a ← [A | b], b ← b.
    func loadAB() {
        loadA()
        sourceB.withUnsafeBufferPointer {
            (a + m * n).update(from: $0.baseAddress!, count: m)
            b.update(from: $0.baseAddress!, count: m)
        }
    }

    /// The view the simd solver works on: A (m × n) or [A | b] (m × (n + 1)).
    func view(augmented: Bool) -> StridedMatrixView<T> {
        StridedMatrixView(base: a, rows: m, columns: augmented ? n + 1 : n, leadingDimension: m)
    }

    /// ?geqrf on `a` (m × n).
    func geqrf() throws {
        var mm = Int32(m), nn = Int32(n), lda = Int32(m), info: Int32 = 0, lwork = lapackWorkCount
        lapackGeqrf(&mm, &nn, a, &lda, tau, lapackWork, &lwork, &info)
        if info != 0 { throw LinalgError.backend("\(T.lapackPrefix)geqrf: info = \(info)") }
    }

    /// ?gels on `a` (m × n) and `b`.
    func gels() throws {
        var mm = Int32(m), nn = Int32(n), lda = Int32(m), ldb = Int32(m), nrhs: Int32 = 1, info: Int32 = 0
        var lwork = lapackWorkCount
        var trans = CChar(UInt8(ascii: "N"))
        lapackGels(&trans, &mm, &nn, &nrhs, a, &lda, b, &ldb, lapackWork, &lwork, &info, 1)
        if info != 0 { throw LinalgError.backend("\(T.lapackPrefix)gels: info = \(info)") }
    }

    /// The Float64 matrix of `sourceA` (exact: every T value is a Double), for backward errors.
    var widenedA: Matrix { Matrix(rows: m, columns: n, columnMajor: sourceA.map { Double($0) }) }
    var widenedB: [Double] { sourceB.map { Double($0) } }
}
