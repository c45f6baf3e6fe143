/// A QR factorization A = Q·R of an m × n matrix (m ≥ n), with Q kept implicit.
public protocol QRFactorization {
    var rows: Int { get }
    var columns: Int { get }
    /// The n × n upper-triangular factor.
    var r: Matrix { get }
    /// Qᵀ·b for a vector of `rows` entries.
    func applyQTranspose(_ b: [Double]) -> [Double]
    /// The m × n matrix of the first n columns of Q.
    func thinQ() -> Matrix
    /// x with R·x = c[0..<n].
    func solveUpper(_ c: [Double]) -> [Double]
}

/// The solution of min‖A·x − b‖₂ and what it cost to trust it.
public struct LeastSquaresSolution: Sendable, Equatable {
    /// The minimizer x (n entries).
    public var x: [Double]
    /// ‖b − A·x‖₂, read off Qᵀb (the part of b outside range(A)).
    public var residualNorm: Double
}

/// Something that factors A = QR. Everything else (least squares, ridge) is built on that, so
/// that the three backends differ only where they should: in the factorization kernels.
public protocol LeastSquaresSolver: Sendable {
    /// The name a user selects it by (`--solver NAME`).
    var name: String { get }
    func factorize(_ a: Matrix) throws -> any QRFactorization
    /// min‖A·x − b‖₂ for full-column-rank A. A requirement (not only an extension method) so that
    /// a backend's own fused path — factoring [A | b] in one pass — is used through
    /// `any LeastSquaresSolver` too; the extension below is the generic default.
    func solve(_ a: Matrix, _ b: [Double]) throws -> LeastSquaresSolution
}

extension LeastSquaresSolver {
    /// min‖A·x − b‖₂ for full-column-rank A, via x = R⁻¹·(Qᵀb)[0..<n].
    ///
    /// Refuses a rank-deficient A rather than return a meaningless x: column k is declared
    /// dependent when |r_kk| ≤ max(m, n)·ε·max|r_ii|, the threshold below which r_kk is
    /// indistinguishable from the rounding errors of the factorization itself.
    public func solve(_ a: Matrix, _ b: [Double]) throws -> LeastSquaresSolution {
        guard b.count == a.rows else {
            throw LinalgError.shapeMismatch("b has \(b.count) entries, A has \(a.rows) rows")
        }
        if let i = b.firstIndex(where: { !$0.isFinite }) {
            throw LinalgError.nonFinite(operand: "b", row: i, column: 0)
        }
        let qr = try factorize(a)
        try checkFullRank(qr)
        let c = qr.applyQTranspose(b)
        let x = qr.solveUpper(c)
        return LeastSquaresSolution(x: x, residualNorm: scaledNorm2(c[a.columns...]))
    }
}

/// Throws `rankDeficient` when some diagonal entry of R is negligible (see `solve`).
public func checkFullRank(_ qr: any QRFactorization) throws {
    let r = qr.r
    try checkFullRank(rows: qr.rows, columns: qr.columns) { r[$0, $0] }
}

/// The rank test of every least-squares path: column k of an m × n A counts as dependent when
/// |r_kk| ≤ max(m, n)·ε·max|r_ii|, the size of the rounding errors QR itself commits relative
/// to ‖A‖. Throws `rankDeficient` for the first such k; `diagonal(k)` is r_kk.
@inline(__always)
func checkFullRank<T: QRScalar>(rows m: Int, columns n: Int, diagonal r: (Int) -> T) throws {
    var largest: T = 0
    for i in 0..<n { largest = max(largest, abs(r(i))) }
    let tolerance = T(max(m, n)) * T.ulpOfOne * largest
    for k in 0..<n where abs(r(k)) <= tolerance {
        throw LinalgError.rankDeficient(column: k, ratio: largest == 0 ? 0 : Double(abs(r(k)) / largest))
    }
}

/// Our hand-vectorized Householder QR (`SIMD8<Double>` kernels, no BLAS), choosing the fastest
/// of its paths by shape (see `SIMDSolver+Paths.swift`).
public struct SIMDSolver: LeastSquaresSolver {
    /// Threads the factorizations and solves may use (any P ≥ 1): tall-skinny QR and least
    /// squares run a TSQR reduction tree over up to P row leaves, the blocked QR splits the columns
    /// of each trailing update into up to P groups (see `threadsUsed` in `SIMDSolver+InPlace.swift`);
    /// small problems run on one. The result is bit-for-bit the same on every run for a given P
    /// (on the blocked path, for every P), so pass a fixed P where results must match across
    /// machines. The default is every CPU this process may use (`CPUFeatures.coresAvailable`).
    public var threads: Int
    /// A solver on `threads` threads (≥ 1; default: the CPUs in this process's affinity mask).
    public init(threads: Int = CPUFeatures.coresAvailable) {
        precondition(threads >= 1, "threads must be at least 1")
        self.threads = threads
    }
    public var name: String { "simd" }
    public func factorize(_ a: Matrix) throws -> any QRFactorization {
        try factorizeFast(a)
    }
}

/// The same algorithm with the plain scalar reference kernels: the correctness baseline.
public struct NaiveSolver: LeastSquaresSolver {
    /// The reference solver (one thread, scalar kernels).
    public init() {}
    public var name: String { "naive" }
    public func factorize(_ a: Matrix) throws -> any QRFactorization {
        try HouseholderQR<ScalarKernels>(factoring: a)
    }
}
