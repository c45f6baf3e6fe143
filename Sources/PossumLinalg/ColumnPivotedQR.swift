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
///
/// Reuse: `factor(_:tolerance:workspace:)` refills the same storage and
/// `solveMinimumNorm(_:into:workspace:)` takes its scratch from a ``QRWorkspace``, so a loop over
/// same-sized problems allocates nothing after its first pass.
public struct ColumnPivotedQR<Scalar: QRScalar>: Sendable {
    /// Rows m of A.
    public private(set) var rows: Int = 0
    /// Columns n of A.
    public private(set) var columns: Int = 0
    /// Column k of A·P is column `permutation[k]` of A.
    public private(set) var permutation: [Int] = []
    /// The numerical rank r: the number of k with |r_kk| > `tolerance`·|r₀₀|.
    public private(set) var rank: Int = 0
    /// The relative cutoff the rank was decided with.
    public private(set) var tolerance: Scalar = 0
    /// R on and above the diagonal, the reflectors' tails below (m × n, leading dimension m).
    var packed: [Scalar] = []
    /// τ of the min(m, n) reflectors.
    var tau: [Scalar] = []
    /// Z·S = [R₁₁ R₁₂]ᵀ when 0 < r < n (the minimum-norm solutions need it); unused otherwise.
    var complement = QRDecomposition<Scalar>()
    /// [R₁₁ R₁₂]ᵀ (n × r) before `complement` factors it, kept for its capacity.
    var upperRows: [Scalar] = []
    /// The column norms the pivoting downdates, and those last computed from scratch.
    var norms: [Scalar] = [], reference: [Scalar] = []

    /// max(m, n)·ε: see the type's documentation.
    public static func defaultTolerance(rows: Int, columns: Int) -> Scalar {
        Scalar(max(rows, columns)) * Scalar.ulpOfOne
    }

    /// An empty factorization, to be filled by `factor(_:tolerance:workspace:)`.
    public init() {}

    /// Factors `a` (any shape, finite entries); `tolerance` overrides
    /// ``defaultTolerance(rows:columns:)``.
    public init(factoring a: ColumnMajorMatrix<Scalar>, tolerance: Scalar? = nil) throws {
        var workspace = QRWorkspace()
        try a.withView { try factor($0, tolerance: tolerance, workspace: &workspace) }
    }

    /// Factors the matrix `a` views (any shape, finite entries; not modified).
    public init(factoring a: StridedMatrixView<Scalar>, tolerance: Scalar? = nil) throws {
        var workspace = QRWorkspace()
        try factor(a, tolerance: tolerance, workspace: &workspace)
    }

    /// Factors the matrix `a` views (any shape, finite entries; not modified), replacing the current
    /// factorization. Allocates nothing when this factorization and `workspace` have held one at
    /// least as large before.
    public mutating func factor(_ a: StridedMatrixView<Scalar>, tolerance: Scalar? = nil, workspace: inout QRWorkspace) throws {
        let (m, n) = (a.rows, a.columns)
        guard m >= 1, n >= 1 else { throw LinalgError.shapeMismatch("A is \(m)×\(n): it needs a row and a column") }
        if let (i, j) = firstNonFinite(a) { throw LinalgError.nonFinite(operand: "A", row: i, column: j) }
        let tol = tolerance ?? Self.defaultTolerance(rows: m, columns: n)
        guard tol >= 0, tol.isFinite else { throw LinalgError.shapeMismatch("the rank tolerance must be finite and ≥ 0") }
        let p = min(m, n)
        packed.removeAll(keepingCapacity: true)
        for j in 0..<n { packed.append(contentsOf: UnsafeBufferPointer(start: a.column(j), count: m)) }
        tau.removeAll(keepingCapacity: true)
        tau.append(contentsOf: repeatElement(0, count: p))
        permutation.removeAll(keepingCapacity: true)
        permutation.append(contentsOf: 0..<n)
        // The norm arrays move out for the loop (unique, so not copied) and back for their capacity.
        var (norms, reference) = (self.norms, self.reference)
        (self.norms, self.reference) = ([], [])
        packed.withUnsafeMutableBufferPointer { p in
            tau.withUnsafeMutableBufferPointer { t in
                withBaseAddress(p) { base in
                    withBaseAddress(t) { tauBase in
                        let v = StridedMatrixView(base: base, rows: m, columns: n, leadingDimension: m)
                        Self.factorWithPivoting(v, tau: tauBase, permutation: &permutation, norms: &norms,
                                                reference: &reference, workspace: &workspace)
                    }
                }
            }
        }
        (self.norms, self.reference) = (norms, reference)
        let first = abs(packed[0])
        var r = 0
        while r < p && first > 0 && abs(packed[r + r * m]) > tol * first { r += 1 }
        (rows, columns, rank, self.tolerance) = (m, n, r, tol)
        if r > 0 && r < n {
            // [R₁₁ R₁₂]ᵀ: n × r, lower trapezoidal.
            upperRows.removeAll(keepingCapacity: true)
            upperRows.append(contentsOf: repeatElement(0, count: n * r))
            for i in 0..<r { for j in i..<n { upperRows[j + i * n] = packed[i + j * m] } }
            try upperRows.withUnsafeMutableBufferPointer { u in
                try withBaseAddress(u) { base in
                    try complement.factor(StridedMatrixView(base: base, rows: n, columns: r, leadingDimension: n),
                                          workspace: &workspace)
                }
            }
        }
    }

    /// The Businger–Golub loop on `a` in place: pivot, then one reflector through the in-cache path.
    private static func factorWithPivoting(
        _ a: StridedMatrixView<Scalar>, tau: UnsafeMutablePointer<Scalar>, permutation: inout [Int],
        norms: inout [Scalar], reference: inout [Scalar], workspace: inout QRWorkspace
    ) {
        let (m, n) = (a.rows, a.columns)
        norms.removeAll(keepingCapacity: true)
        for j in 0..<n { norms.append(NativeKernels<Scalar>.norm2(m, a.column(j))) }
        reference.removeAll(keepingCapacity: true)
        reference.append(contentsOf: norms)  // the norms last computed from scratch, for the cancellation test
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
        try ColumnMajorMatrix.solution(rows: columns, for: b) { try solveMinimumNorm($0, into: $1, workspace: &$2) }
    }

    /// ``solveMinimumNorm(_:)`` on caller-owned storage: writes X to `x` (n × k), takes QᵀB and the
    /// pivoted solution (m × k and n × k) from `workspace`, and leaves `b` unmodified. Allocates
    /// nothing once `workspace` has served a solve as large.
    public func solveMinimumNorm(
        _ b: StridedMatrixView<Scalar>, into x: StridedMatrixView<Scalar>, workspace: inout QRWorkspace
    ) throws {
        let (m, n, k, r) = (rows, columns, b.columns, rank)
        guard m > 0 else { throw LinalgError.shapeMismatch("solve before any factorization") }
        guard b.rows == m else { throw LinalgError.shapeMismatch("B has \(b.rows) rows, A has \(m)") }
        guard x.rows == n, x.columns == k else {
            throw LinalgError.shapeMismatch("X is \(x.rows)×\(x.columns), needs \(n)×\(k)")
        }
        if let (i, j) = firstNonFinite(b) { throw LinalgError.nonFinite(operand: "B", row: i, column: j) }
        for j in 0..<k { for i in 0..<n { x[i, j] = 0 } }
        guard r > 0, k > 0 else { return }
        let (cCount, o1) = m.multipliedReportingOverflow(by: k)
        let (zCount, o2) = n.multipliedReportingOverflow(by: k)
        let (count, o3) = cCount.addingReportingOverflow(zCount)
        guard !(o1 || o2 || o3) else { throw LinalgError.shapeMismatch("B is too large (\(m)×\(k))") }
        workspace.withScratch(of: Scalar.self, count) { scratch in
            let c = StridedMatrixView(base: scratch, rows: m, columns: k, leadingDimension: m)
            let z = StridedMatrixView(base: scratch + cCount, rows: n, columns: k, leadingDimension: n)
            for j in 0..<k { c.column(j).update(from: b.column(j), count: m) }
            applyQTranspose(to: c)
            // z (n × k, in pivoted order): R₁₁·z = c[0..<r] when r = n, else z = Z·S⁻ᵀ·c[0..<r].
            for j in 0..<k { for i in 0..<n { z[i, j] = i < r ? c[i, j] : 0 } }
            if r < n {
                complement.withPacked { s in
                    for j in 0..<k {
                        for i in 0..<r {  // forward substitution with Sᵀ
                            var sum = z[i, j]
                            for l in 0..<i { sum -= s[l, i] * z[l, j] }
                            z[i, j] = sum / s[i, i]
                        }
                    }
                }
                complement.applyQ(to: z)
            } else {
                packed.withUnsafeBufferPointer { p in
                    guard let base = p.baseAddress else { return }
                    let view = StridedMatrixView(base: UnsafeMutablePointer(mutating: base), rows: m, columns: n, leadingDimension: m)
                    for j in 0..<k { solveUpperTriangular(view, count: n, z.column(j)) }
                }
            }
            for j in 0..<k { for i in 0..<n { x[permutation[i], j] = z[i, j] } }
        }
    }

    /// Elements held by the factorization's own storage (for the steady-state test).
    var storageCapacity: Int {
        packed.capacity + tau.capacity + permutation.capacity + upperRows.capacity + norms.capacity
            + reference.capacity + complement.storageCapacity
    }
}
