/// The rank-revealing QR factorization A·P = Q·R with column pivoting (Businger–Golub, LAPACK
/// `dgeqp2`), of an m × n matrix of any shape, and the minimum-norm least-squares solutions it
/// gives when A does not have full rank.
///
/// ```swift
/// let qr = try ColumnPivotedQR<Float>(factoring: a)     // any m × n
/// print(qr.rank)                                        // the numerical rank r
/// let x = try qr.solveMinimumNorm(b)                    // b: m × k → x: n × k
/// ```
///
/// At step k the remaining column of largest norm is moved to position k, so |r₀₀| ≥ |r₁₁| ≥ …
/// (up to rounding), and the rank is the number of k with |r_kk| > tolerance·|r₀₀|. The default
/// ``defaultTolerance(rows:columns:)``, max(m, n)·ε with ε = `Scalar.ulpOfOne`, is the size of the
/// rounding errors of the factorization itself relative to ‖A‖₂ (Higham Thm 19.4): a smaller r_kk
/// cannot be told apart from zero. It is numpy's `lstsq` cutoff; `dgelsy` calls it RCOND.
///
/// With rank r < n, R = [R₁₁ R₁₂; 0 R₂₂] and R₂₂ is dropped. The minimum-norm solution of the
/// remaining r × n system [R₁₁ R₁₂]·z = (QᵀB)[0..<r] comes from a second QR,
/// [R₁₁ R₁₂]ᵀ = Z·S (the complete orthogonal decomposition of `dgelsy`): z = Z·S⁻ᵀ·(QᵀB)[0..<r],
/// and x = P·z. Each column of the result is the x of least 2-norm among the minimizers of
/// ‖A_r·x − b‖₂, A_r being A with R₂₂ set to zero.
///
/// Each step generates its reflector and updates the trailing columns through the package's
/// in-cache QR path (``SIMDSolver/Path/unblocked``) on the trailing block, one column at a time:
/// the pivot choice needs the updated norms before the next column. Norms are downdated as in
/// LAPACK (`dlaqp2`, with the recomputation of Drmač and Bujanović when cancellation makes a
/// downdated norm unreliable).
public struct ColumnPivotedQR<Scalar: QRScalar>: Sendable {
    /// Rows m of A.
    public let rows: Int
    /// Columns n of A.
    public let columns: Int
    /// Column k of A·P is column `permutation[k]` of A.
    public private(set) var permutation: [Int]
    /// The numerical rank r: the number of k with |r_kk| > `tolerance`·|r₀₀|.
    public let rank: Int
    /// The relative cutoff the rank was decided with.
    public let tolerance: Scalar
    /// R on and above the diagonal, the reflectors' tails below (m × n, leading dimension m).
    var packed: [Scalar]
    /// τ of the min(m, n) reflectors.
    var tau: [Scalar]
    /// Z·S = [R₁₁ R₁₂]ᵀ when 0 < r < n (the minimum-norm solutions need it), else nil.
    var complement: QRDecomposition<Scalar>?

    /// max(m, n)·ε: see the type's documentation.
    public static func defaultTolerance(rows: Int, columns: Int) -> Scalar {
        Scalar(max(rows, columns)) * Scalar.ulpOfOne
    }

    /// Factors `a` (any shape, finite entries); `tolerance` overrides
    /// ``defaultTolerance(rows:columns:)``.
    public init(factoring a: ColumnMajorMatrix<Scalar>, tolerance: Scalar? = nil) throws {
        self = try a.withView { try ColumnPivotedQR(factoring: $0, tolerance: tolerance) }
    }

    /// Factors the matrix `a` views (any shape, finite entries; not modified).
    public init(factoring a: StridedMatrixView<Scalar>, tolerance: Scalar? = nil) throws {
        let (m, n) = (a.rows, a.columns)
        guard m >= 1, n >= 1 else { throw LinalgError.shapeMismatch("A is \(m)×\(n): it needs a row and a column") }
        if let (i, j) = firstNonFinite(a) { throw LinalgError.nonFinite(operand: "A", row: i, column: j) }
        let tol = tolerance ?? Self.defaultTolerance(rows: m, columns: n)
        guard tol >= 0, tol.isFinite else { throw LinalgError.shapeMismatch("the rank tolerance must be finite and ≥ 0") }
        var packed = ColumnMajorMatrix<Scalar>(a).elements
        var tau = [Scalar](repeating: 0, count: n)
        var permutation = Array(0..<n)
        var workspace = QRWorkspace()
        packed.withUnsafeMutableBufferPointer { p in
            tau.withUnsafeMutableBufferPointer { t in
                withBaseAddress(p) { base in
                    withBaseAddress(t) { tauBase in
                        let v = StridedMatrixView(base: base, rows: m, columns: n, leadingDimension: m)
                        Self.factorWithPivoting(v, tau: tauBase, permutation: &permutation, workspace: &workspace)
                    }
                }
            }
        }
        let p = min(m, n)
        let first = abs(packed[0])
        var r = 0
        while r < p && first > 0 && abs(packed[r + r * m]) > tol * first { r += 1 }
        (rows, columns, rank, self.tolerance) = (m, n, r, tol)
        (self.packed, self.tau, self.permutation) = (packed, Array(tau.prefix(p)), permutation)
        if r > 0 && r < n {
            // [R₁₁ R₁₂]ᵀ: n × r, lower trapezoidal.
            var upperRows = ColumnMajorMatrix<Scalar>(rows: n, columns: r)
            for i in 0..<r { for j in i..<n { upperRows[j, i] = packed[i + j * m] } }
            complement = try QRDecomposition(factoring: upperRows)
        }
    }

    /// The Businger–Golub loop on `a` in place: pivot, then one reflector through the in-cache path.
    private static func factorWithPivoting(
        _ a: StridedMatrixView<Scalar>, tau: UnsafeMutablePointer<Scalar>, permutation: inout [Int],
        workspace: inout QRWorkspace
    ) {
        let (m, n) = (a.rows, a.columns)
        var norms = (0..<n).map { NativeKernels<Scalar>.norm2(m, a.column($0)) }
        var reference = norms  // the norms last computed from scratch, for the cancellation test
        let cancellationLimit = Scalar.ulpOfOne.squareRoot()
        for k in 0..<min(m, n) {
            var pivot = k
            for j in k + 1..<n where norms[j] > norms[pivot] { pivot = j }
            if pivot != k {
                for i in 0..<m { (a[i, k], a[i, pivot]) = (a[i, pivot], a[i, k]) }
                permutation.swapAt(k, pivot)
                norms.swapAt(k, pivot)
                reference.swapAt(k, pivot)
            }
            SIMDSolver.Path.unblocked.factor(
                inPlace: a.block(row: k, column: k, rows: m - k, columns: n - k), reflectors: 1, tau: tau + k,
                workspace: &workspace)
            for j in k + 1..<n where norms[j] != 0 {
                // ‖a_j[k+1..<m]‖² = ‖a_j[k..<m]‖² − r_kj²; recompute when the difference has lost
                // more than half the digits.
                let ratio = abs(a[k, j]) / norms[j]
                let remaining = max(0, (1 - ratio) * (1 + ratio))
                let drift = remaining * (norms[j] / reference[j]) * (norms[j] / reference[j])
                if drift <= cancellationLimit {
                    norms[j] = k + 1 < m ? NativeKernels<Scalar>.norm2(m - k - 1, a.column(j) + k + 1) : 0
                    reference[j] = norms[j]
                } else {
                    norms[j] *= remaining.squareRoot()
                }
            }
        }
    }

    /// The min(m, n) × n upper-trapezoidal factor R (of A·P).
    public var r: ColumnMajorMatrix<Scalar> {
        let p = min(rows, columns)
        var r = ColumnMajorMatrix<Scalar>(rows: p, columns: columns)
        for j in 0..<columns { for i in 0...min(j, p - 1) { r[i, j] = packed[i + j * rows] } }
        return r
    }

    /// |r_kk| for k < min(m, n), non-increasing up to rounding.
    public var diagonalMagnitudes: [Scalar] { (0..<min(rows, columns)).map { abs(packed[$0 + $0 * rows]) } }

    /// C ← Qᵀ·C in place, for C with m rows.
    public func applyQTranspose(to c: StridedMatrixView<Scalar>) {
        precondition(c.rows == rows, "Qᵀ·C needs C with \(rows) rows")
        let m = rows
        packed.withUnsafeBufferPointer { p in
            guard let v = p.baseAddress else { return }
            for k in 0..<tau.count where tau[k] != 0 {
                NativeKernels<Scalar>.applyReflector(
                    v + k * m + k, tau: tau[k], to: c.block(row: k, column: 0, rows: m - k, columns: c.columns))
            }
        }
    }

    /// For each column b of B (m × k), the x of least 2-norm minimizing ‖A_r·x − b‖₂ (see the
    /// type's documentation); X is n × k. With r = 0 (A numerically zero), X = 0.
    public func solveMinimumNorm(_ b: ColumnMajorMatrix<Scalar>) throws -> ColumnMajorMatrix<Scalar> {
        guard b.rows == rows else { throw LinalgError.shapeMismatch("B has \(b.rows) rows, A has \(rows)") }
        if let (i, j) = b.firstNonFinite() { throw LinalgError.nonFinite(operand: "B", row: i, column: j) }
        let (n, k, r) = (columns, b.columns, rank)
        var x = ColumnMajorMatrix<Scalar>(rows: n, columns: k)
        guard r > 0, k > 0 else { return x }
        var c = b
        c.withMutableView { applyQTranspose(to: $0) }
        // z (n × k, in pivoted order): R₁₁·z = c[0..<r] when r = n, else z = Z·S⁻ᵀ·c[0..<r].
        var z = ColumnMajorMatrix<Scalar>(rows: n, columns: k)
        for j in 0..<k { for i in 0..<r { z[i, j] = c[i, j] } }
        if let complement {
            let s = complement.r
            for j in 0..<k {
                for i in 0..<r {  // forward substitution with Sᵀ
                    var sum = z[i, j]
                    for l in 0..<i { sum -= s[l, i] * z[l, j] }
                    z[i, j] = sum / s[i, i]
                }
            }
            z.withMutableView { complement.applyQ(to: $0) }
        } else {
            let m = rows
            packed.withUnsafeBufferPointer { p in
                guard let base = p.baseAddress else { return }
                let view = StridedMatrixView(base: UnsafeMutablePointer(mutating: base), rows: m, columns: n, leadingDimension: m)
                z.withMutableView { zView in
                    for j in 0..<k { solveUpperTriangular(view, count: n, zView.column(j)) }
                }
            }
        }
        for j in 0..<k { for i in 0..<n { x[permutation[i], j] = z[i, j] } }
        return x
    }
}
