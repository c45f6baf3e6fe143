/// The Householder QR factorization A = Q·R of an m × n matrix (m ≥ n ≥ 1) of `Float` or
/// `Double`, computed once and then used for any number of solves (Eigen's compute/solve split).
///
/// ```swift
/// let qr = try QRDecomposition<Double>(factoring: a)   // a: ColumnMajorMatrix<Double>, m × n
/// let x = try qr.solve(b)                                // b: m × k → x: n × k
/// ```
///
/// Q = H₀·H₁⋯Hₙ₋₁ is kept as its reflectors Hₖ = I − τₖ·vₖ·vₖᵀ in LAPACK's `dgeqrf` layout (R on
/// and above the diagonal, the tail of vₖ below it), so Q is never formed unless ``thinQ`` asks:
/// applying Qᵀ costs about 4mnk flops for k columns. ``solve(_:)`` passes every right-hand side
/// through the reflectors in a single sweep — each Hₖ is applied to all k columns before Hₖ₊₁ —
/// then solves R·X = (QᵀB)[0..<n] by back substitution.
///
/// The factorization runs the package's SIMD kernels (the in-cache paired path, or the blocked
/// path for n above ``SIMDSolver/blockedCrossover``). Backward stable: the computed factors
/// satisfy A + ΔA = Q̂·R̂ with ‖ΔA‖_F ≤ c·m·n·u·‖A‖_F, u = `Scalar.ulpOfOne`/2 (Higham, *Accuracy
/// and Stability of Numerical Algorithms*, Thm 19.4), and the least-squares solution is the
/// exact solution of a problem with A and B perturbed by as much (Thm 20.3).
///
/// Reuse: `factor(_:workspace:)` refills the same storage and takes scratch from a
/// ``QRWorkspace``; with ``solve(_:into:workspace:)`` a loop over same-sized problems allocates
/// nothing after its first pass.
public struct QRDecomposition<Scalar: QRScalar>: Sendable {
    /// Rows m of the factored matrix (0 before the first factorization).
    public private(set) var rows = 0
    /// Columns n of the factored matrix.
    public private(set) var columns = 0
    /// R on and above the diagonal, the reflectors' tails below (m × n, leading dimension m).
    var packed: [Scalar] = []
    /// τₖ of each reflector.
    var tau: [Scalar] = []

    /// An empty decomposition, to be filled by `factor(_:workspace:)`.
    public init() {}

    /// Factors `a` (m ≥ n ≥ 1, finite entries).
    public init(factoring a: ColumnMajorMatrix<Scalar>) throws {
        var workspace = QRWorkspace()
        try factor(a, workspace: &workspace)
    }

    /// Factors the matrix `a` views (m ≥ n ≥ 1, finite entries); `a` is not modified.
    public init(factoring a: StridedMatrixView<Scalar>) throws {
        var workspace = QRWorkspace()
        try factor(a, workspace: &workspace)
    }

    /// Factors `a`, replacing the current factorization; see `factor(_:workspace:)`.
    public mutating func factor(_ a: ColumnMajorMatrix<Scalar>, workspace: inout QRWorkspace) throws {
        try a.withView { try factor($0, workspace: &workspace) }
    }

    /// Factors the matrix `a` views (m ≥ n ≥ 1, finite entries), replacing the current
    /// factorization. Allocates nothing when this decomposition and `workspace` have held a
    /// factorization at least as large before. `a` is not modified.
    ///
    /// Throws ``LinalgError/underdetermined(rows:columns:)`` when m < n,
    /// ``LinalgError/shapeMismatch(_:)`` when n = 0, ``LinalgError/nonFinite(operand:row:column:)``
    /// for a NaN or ±∞ entry. A rank-deficient A factors fine; ``solve(_:)`` then refuses it.
    public mutating func factor(_ a: StridedMatrixView<Scalar>, workspace: inout QRWorkspace) throws {
        let (m, n) = (a.rows, a.columns)
        guard m >= n else { throw LinalgError.underdetermined(rows: m, columns: n) }
        guard n >= 1 else { throw LinalgError.shapeMismatch("A has no columns") }
        if let (i, j) = firstNonFinite(a) { throw LinalgError.nonFinite(operand: "A", row: i, column: j) }
        packed.removeAll(keepingCapacity: true)
        for j in 0..<n { packed.append(contentsOf: UnsafeBufferPointer(start: a.column(j), count: m)) }
        tau.removeAll(keepingCapacity: true)
        tau.append(contentsOf: repeatElement(0, count: n))
        (rows, columns) = (m, n)
        // The packed-layout paths only: their reflectors are what `applyQTranspose` walks. (TSQR
        // keeps per-block reflectors; `LeastSquares.solve` uses it, factoring [A | B] together.)
        var path = SIMDSolver.path(rows: m, columns: n)
        if case .tallSkinny = path { path = .unblocked }
        packed.withUnsafeMutableBufferPointer { p in
            tau.withUnsafeMutableBufferPointer { t in
                withBaseAddress(p) { base in
                    withBaseAddress(t) { tauBase in
                        let view = StridedMatrixView(base: base, rows: m, columns: n, leadingDimension: m)
                        path.factor(inPlace: view, tau: tauBase, workspace: &workspace)
                    }
                }
            }
        }
    }

    /// X (n × k) minimizing ‖A·X − B‖_F, i.e. each column xⱼ minimizing ‖A·xⱼ − bⱼ‖₂, for B with m
    /// rows and any number k of columns. Throws ``LinalgError/rankDeficient(column:ratio:)`` when
    /// |r_jj| ≤ max(m, n)·ε·max|r_ii| for some j (use ``ColumnPivotedQR`` for such A),
    /// ``LinalgError/shapeMismatch(_:)`` and ``LinalgError/nonFinite(operand:row:column:)`` for B.
    public func solve(_ b: ColumnMajorMatrix<Scalar>) throws -> ColumnMajorMatrix<Scalar> {
        try ColumnMajorMatrix.solution(rows: columns, for: b) { try solve($0, into: $1, workspace: &$2) }
    }

    /// ``solve(_:)`` on caller-owned storage: writes X to `x` (n × k), takes QᵀB's scratch (m × k)
    /// from `workspace`, and leaves `b` (m × k) unmodified. Allocates nothing once `workspace` has
    /// served a solve as large.
    public func solve(
        _ b: StridedMatrixView<Scalar>, into x: StridedMatrixView<Scalar>, workspace: inout QRWorkspace
    ) throws {
        let (m, n, k) = (rows, columns, b.columns)
        guard m > 0 else { throw LinalgError.shapeMismatch("solve before any factorization") }
        guard b.rows == m else { throw LinalgError.shapeMismatch("B has \(b.rows) rows, A has \(m)") }
        guard x.rows == n, x.columns == k else {
            throw LinalgError.shapeMismatch("X is \(x.rows)×\(x.columns), needs \(n)×\(k)")
        }
        if let (i, j) = firstNonFinite(b) { throw LinalgError.nonFinite(operand: "B", row: i, column: j) }
        try withPacked { r in try checkFullRank(rows: m, columns: n) { r[$0, $0] } }
        guard k > 0 else { return }
        let (count, overflow) = m.multipliedReportingOverflow(by: k)
        guard !overflow else { throw LinalgError.shapeMismatch("B is too large (\(m)×\(k))") }
        workspace.withScratch(of: Scalar.self, count) { scratch in
            let c = StridedMatrixView(base: scratch, rows: m, columns: k, leadingDimension: m)
            for j in 0..<k { c.column(j).update(from: b.column(j), count: m) }
            applyQTranspose(to: c)
            withPacked { r in
                for j in 0..<k {
                    solveUpperTriangular(r, count: n, c.column(j))
                    x.column(j).update(from: c.column(j), count: n)
                }
            }
        }
    }

    /// C ← Qᵀ·C in place, for C with m rows: the reflectors H₀, H₁, … in turn, each applied to
    /// every column of C before the next.
    public func applyQTranspose(to c: StridedMatrixView<Scalar>) {
        precondition(c.rows == rows, "Qᵀ·C needs C with \(rows) rows")
        withPacked { v in
            for k in 0..<tau.count where tau[k] != 0 {
                NativeKernels<Scalar>.applyReflector(
                    v.column(k) + k, tau: tau[k], to: c.block(row: k, column: 0, rows: rows - k, columns: c.columns))
            }
        }
    }

    /// C ← Q·C in place, for C with m rows: the reflectors in reverse order.
    public func applyQ(to c: StridedMatrixView<Scalar>) {
        precondition(c.rows == rows, "Q·C needs C with \(rows) rows")
        withPacked { v in
            for k in stride(from: tau.count - 1, through: 0, by: -1) where tau[k] != 0 {
                NativeKernels<Scalar>.applyReflector(
                    v.column(k) + k, tau: tau[k], to: c.block(row: k, column: 0, rows: rows - k, columns: c.columns))
            }
        }
    }

    /// Qᵀ·B for B with m rows (a new matrix; `applyQTranspose(to:)` works in place).
    public func applyQTranspose(_ b: ColumnMajorMatrix<Scalar>) -> ColumnMajorMatrix<Scalar> {
        var c = b
        c.withMutableView { applyQTranspose(to: $0) }
        return c
    }

    /// Q·C for C with m rows.
    public func applyQ(_ c: ColumnMajorMatrix<Scalar>) -> ColumnMajorMatrix<Scalar> {
        var q = c
        q.withMutableView { applyQ(to: $0) }
        return q
    }

    /// The n × n upper-triangular factor R.
    public var r: ColumnMajorMatrix<Scalar> {
        var r = ColumnMajorMatrix<Scalar>(rows: columns, columns: columns)
        for j in 0..<columns { for i in 0...j { r[i, j] = packed[i + j * rows] } }
        return r
    }

    /// The thin Q: the first n columns of Q (m × n, orthonormal columns), so that A = thinQ·R.
    public var thinQ: ColumnMajorMatrix<Scalar> {
        var q = ColumnMajorMatrix<Scalar>(rows: rows, columns: columns)
        for j in 0..<columns { q[j, j] = 1 }
        q.withMutableView { applyQ(to: $0) }
        return q
    }

    /// Calls `body` with a view of the packed factors (read only).
    func withPacked<R>(_ body: (StridedMatrixView<Scalar>) throws -> R) rethrows -> R {
        let (m, n) = (rows, columns)
        return try packed.withUnsafeBufferPointer { p in
            try withBaseAddress(UnsafeMutableBufferPointer(mutating: p)) { base in
                try body(StridedMatrixView(base: base, rows: m, columns: n, leadingDimension: max(m, 1)))
            }
        }
    }

    /// Elements of storage this decomposition holds (its factors and τ), for the no-allocation tests.
    var storageCapacity: Int { packed.capacity + tau.capacity }
}

/// The first NaN or ±∞ of a view, as (row, column).
func firstNonFinite<T: QRScalar>(_ a: StridedMatrixView<T>) -> (row: Int, column: Int)? {
    for j in 0..<a.columns {
        let column = a.column(j)
        for i in 0..<a.rows where !column[i].isFinite { return (i, j) }
    }
    return nil
}
