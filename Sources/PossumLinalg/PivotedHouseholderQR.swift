/// Householder QR with column pivoting, A·P = Q·R (the role of LAPACK's `dgeqp3`), on columns
/// equilibrated to unit norm first.
///
/// At step k the remaining column of largest norm is swapped to position k, so |r₀₀| ≥ |r₁₁| ≥ …
/// and a negligible trailing block of R shows a numerically rank-deficient A. (One exception, up
/// to a factor 2: a column already zero below the diagonal keeps its place when within a factor 2
/// of the largest; see `keepsReducedColumn`.) Column norms are
/// downdated after each reflector rather than recomputed (O(n) instead of O(mn) per step), with
/// the safeguard of LAPACK Working Note 176 (Drmač & Bujanović): when cancellation has eaten
/// more than half the digits of a downdated norm, it is recomputed from the column.
///
/// Why equilibrate: rank is a property of the directions of the columns, not of their units.
/// Scaling column j by a power of two, dⱼ ≈ 1/‖aⱼ‖, is exact, changes nothing about the
/// least-squares problem (x = D·y), and makes the rank test |r_kk| ≤ tol·|r₀₀| mean "linearly
/// dependent" rather than "measured in small units".
public struct PivotedHouseholderQR<Kernels: HouseholderKernels> where Kernels.Scalar == Double {
    /// R on and above the diagonal, reflector tails below (of the equilibrated, permuted A).
    public private(set) var packed: Matrix
    /// τ of each reflector H = I − τ·v·vᵀ.
    public private(set) var tau: [Double]
    /// Column k of A·P is column `permutation[k]` of A.
    public private(set) var permutation: [Int]
    /// The power-of-two column scales: the factored matrix is A·D·P, D = diag(columnScale).
    public private(set) var columnScale: [Double]

    /// Rows m of A.
    public var rows: Int { packed.rows }
    /// Columns n of A.
    public var columns: Int { packed.columns }

    /// Factors `a` (any shape, finite entries).
    public init(factoring a: Matrix) throws {
        guard a.columns >= 1, a.rows >= 1 else { throw LinalgError.shapeMismatch("A is empty (\(a.rows)×\(a.columns))") }
        if let (i, j) = a.firstNonFinite() { throw LinalgError.nonFinite(operand: "A", row: i, column: j) }
        let (m, n) = (a.rows, a.columns)
        var packed = a
        var columnScale = [Double](repeating: 1, count: n)
        var permutation = Array(0..<n)
        var tau = [Double](repeating: 0, count: min(m, n))
        var norms = [Double](repeating: 0, count: n)      // partial column norms (rows k…)
        var reference = [Double](repeating: 0, count: n)  // norms when last recomputed
        packed.withMutableView { v in
            for j in 0..<n {
                let norm = Kernels.norm2(m, v.column(j))
                if norm > 0 {
                    // A power of two keeps the scaling exact (only the exponent changes); an
                    // overflowed norm (entries near Double's largest) is recomputed after scaling.
                    let s = equilibratingScale(norm: norm) { largestMagnitude(m, v.column(j)) }
                    Kernels.scale(m, s, v.column(j))
                    columnScale[j] = s
                    norms[j] = norm.isFinite ? norm * s : Kernels.norm2(m, v.column(j))
                }
                reference[j] = norms[j]
            }
            let downdateThreshold = Double.ulpOfOne.squareRoot()
            for k in 0..<min(m, n) {
                // Pivot: bring the largest remaining column to position k, unless column k is
                // already reduced and as good a pivot (see `keepsReducedColumn`).
                var p = k
                for j in (k + 1)..<max(k + 1, n) where norms[j] > norms[p] { p = j }
                if p != k && !Self.keepsReducedColumn(v, k, norm: norms[k], largest: norms[p]) {
                    Self.swapColumns(v, k, p)
                    permutation.swapAt(k, p)
                    columnScale.swapAt(k, p)
                    norms[p] = norms[k]
                    reference[p] = reference[k]
                }
                HouseholderQR<Kernels>.eliminate(column: k, of: v, tau: &tau[k])
                // Downdate: removing row k's entry from each remaining column's norm.
                for j in (k + 1)..<max(k + 1, n) where norms[j] != 0 {
                    let ratio = abs(v[k, j]) / norms[j]
                    let shrink = max(0, (1 - ratio) * (1 + ratio))
                    let relative = shrink * (norms[j] / reference[j]) * (norms[j] / reference[j])
                    if relative <= downdateThreshold {
                        norms[j] = k + 1 < m ? Kernels.norm2(m - k - 1, v.column(j) + k + 1) : 0
                        reference[j] = norms[j]
                    } else {
                        norms[j] *= shrink.squareRoot()
                    }
                }
            }
        }
        (self.packed, self.tau, self.permutation, self.columnScale) = (packed, tau, permutation, columnScale)
    }

    /// Whether step k keeps column k although column p's remaining norm is larger: when column k
    /// is zero below row k (its reflector is H = I, an exact step) and within a factor 2 of the
    /// largest. A factor 2 is what the power-of-two equilibration blurs anyway (a column of norm
    /// 1 − ε is scaled by 2, one of norm 1 by 1), so "larger" within it is noise; a swap would spend
    /// a reflector and its rounding errors on it. On an upper-triangular A (Kahan's matrix:
    /// every trailing column of equal norm in exact arithmetic) strict pivoting turned a QR that
    /// does no arithmetic into a full orthogonal reduction and lost 0.67 digits on average
    /// against unpivoted QR (`possum accuracy --trials 100 --family kahan`). Rank revelation
    /// survives: |r_kk| ≥ ½·‖trailing column j‖ for every j > k, so a small r_kk still means a
    /// small trailing block. Columns that need a reflector are pivoted strictly, as before.
    static func keepsReducedColumn(_ v: MutableMatrixView, _ k: Int, norm: Double, largest: Double) -> Bool {
        guard largest <= 2 * norm else { return false }
        let column = v.column(k)
        for i in (k + 1)..<max(k + 1, v.rows) where column[i] != 0 { return false }
        return true
    }

    private static func swapColumns(_ v: MutableMatrixView, _ a: Int, _ b: Int) {
        let (x, y) = (v.column(a), v.column(b))
        for i in 0..<v.rows { (x[i], y[i]) = (y[i], x[i]) }
    }

    /// The diagonal of R, in pivot order (non-increasing in magnitude up to rounding).
    public var diagonal: [Double] { (0..<min(rows, columns)).map { packed[$0, $0] } }

    /// The numerical rank: the number of k with |r_kk| > tolerance·|r₀₀|.
    ///
    /// The default tolerance, max(m, n)·ε, is the size of the rounding errors the factorization
    /// itself commits relative to ‖A·D‖ (Higham Thm 19.4): a smaller r_kk cannot be told apart from
    /// zero. It is numpy's `lstsq` default; `dgelsy` users pass it as RCOND.
    public func rank(tolerance: Double? = nil) -> Int {
        let tol = tolerance ?? Self.defaultTolerance(rows: rows, columns: columns)
        let d = diagonal.map(abs)
        guard let first = d.first, first > 0 else { return 0 }
        return d.prefix { $0 > tol * first }.count
    }

    /// max(m, n)·ε, the rounding error of the factorization relative to ‖A‖ (as `ColumnPivotedQR`).
    public static func defaultTolerance(rows: Int, columns: Int) -> Double {
        Double(max(rows, columns)) * .ulpOfOne
    }

    /// Q as its reflectors.
    private var q: HouseholderSequence<Kernels> { HouseholderSequence(packed: packed, tau: tau, layout: .packed) }

    /// Qᵀ·b.
    public func applyQTranspose(_ b: [Double]) -> [Double] { q.applyTranspose(b) }

    /// Q·c (c has `rows` entries).
    public func applyQ(_ c: [Double]) -> [Double] { q.apply(c) }

    /// The leading r × n block of R (upper trapezoid).
    public func r(rank r: Int) -> Matrix {
        var t = Matrix(rows: r, columns: columns)
        for j in 0..<columns { for i in 0..<min(r, j + 1) { t[i, j] = packed[i, j] } }
        return t
    }
}
