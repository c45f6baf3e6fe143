/// Minimum-norm solutions of wide (m < n) least-squares problems in O(m²n) time and O(mn) memory.
///
/// The general rank-deficient path (`removingNullSpaceComponent`) orthogonalizes an n × (n − r)
/// null-space basis: n² memory and n³ time, hopeless for 2 × 20000. A wide A has a row space of
/// dimension r ≤ m instead, and the minimum-norm x is the solution that lies in it:
/// - rank m (the usual case): A = L·Q through the QR of Aᵀ = Q·R; Rᵀ·z = b, x = Q·z
///   (Higham, *Accuracy and Stability*, §21.3: backward stable, error ≲ κ(A)·n·ε).
/// - rank r < m: the same with the rank-r row basis the pivoted QR found, M = R₁·Pᵀ·D⁻¹
///   (A ≈ Q₁·M): the minimum-norm solution of M·x = (Qᵀb)[0..<r], through the QR of Mᵀ.
extension PivotedHouseholderQR {
    /// The minimum-norm solution of a wide problem (rows < columns) of numerical rank `rank` ≥ 1;
    /// `c` is Qᵀb of this factorization.
    func wideMinimumNormSolution(_ a: Matrix, _ b: [Double], c: [Double], rank r: Int) throws -> [Double] {
        precondition(rows < columns && r >= 1 && r <= rows, "wide problems of rank ≥ 1 only")
        if r == rows, let x = try fullRowRankSolution(a, b) { return x }
        return try rowBasisSolution(c, rank: r)
    }

    /// Aᵀ = Q·R with A's rows equilibrated by powers of two first (D·A·x = D·b has the same
    /// solutions, and the scaling is exact); nil when R has a zero on its diagonal, i.e. when the
    /// rows are dependent in a way the pivoted rank test did not call (then the row basis is used).
    private func fullRowRankSolution(_ a: Matrix, _ b: [Double]) throws -> [Double]? {
        var transposed = a.transposed
        var scaledB = b
        transposed.withMutableView { v in
            for i in 0..<rows {
                let s = equilibratingScale(Kernels.self, count: v.rows, v.column(i))
                Kernels.scale(v.rows, s, v.column(i))
                scaledB[i] *= s
            }
        }
        return try Self.solveTransposedSystem(transposed, scaledB)
    }

    /// M = R₁·Pᵀ·D⁻¹ (r × n) from the first r rows of R; Mᵀ's entry (permutation[k], i) is
    /// R[i, k]/d_k. It is built as d_min·M (entries ≤ |R[i, k]|, so no overflow where A's
    /// columns are near Double's largest), and its columns are equilibrated like A's rows above:
    /// row scalings of M·x = c₁, exact powers of two, applied to c₁ in one product.
    private func rowBasisSolution(_ c: [Double], rank r: Int) throws -> [Double] {
        let smallestScale = columnScale.min() ?? 1
        var basis = Matrix(rows: columns, columns: r)
        for k in 0..<columns {
            let inverseScale = smallestScale / columnScale[k]
            for i in 0..<min(r, k + 1) { basis[permutation[k], i] = packed[i, k] * inverseScale }
        }
        var rhs = Array(c[0..<r])
        basis.withMutableView { v in
            for i in 0..<r {
                let s = equilibratingScale(Kernels.self, count: v.rows, v.column(i))
                Kernels.scale(v.rows, s, v.column(i))
                rhs[i] *= s * smallestScale
            }
        }
        // The leading r × r block of R₁ is nonsingular (rank r), so Mᵀ has full column rank; a zero
        // left on R's diagonal by rounding would mean there is no solution to give.
        guard let x = try Self.solveTransposedSystem(basis, rhs) else {
            throw LinalgError.backend("minimum-norm solve: the row basis of A lost its rank (a zero pivot)")
        }
        return x
    }

    /// For tall T (n × r, n ≥ r): the minimum-norm x with Tᵀ·x = g. T = Q·R, Rᵀ·z = g by forward
    /// substitution, x = Q·[z; 0]. nil when R has a zero diagonal entry.
    private static func solveTransposedSystem(_ t: Matrix, _ g: [Double]) throws -> [Double]? {
        let qr = try HouseholderQR<Kernels>(factoring: t)
        let r = qr.r
        for i in 0..<r.columns where r[i, i] == 0 { return nil }
        let z = forwardSubstituteTransposed(r, g)
        return qr.q.apply(z + [Double](repeating: 0, count: t.rows - t.columns))
    }
}

/// The power of two that brings a nonzero vector's 2-norm into [1, 2): exact scaling (only
/// exponents change). When the norm overflows (entries near Double's largest) the largest entry
/// is brought to [1, 2) instead, and a scale that would overflow itself (a subnormal norm) is
/// capped at 2^1023. 1 for a zero vector.
func equilibratingScale<K: HouseholderKernels>(_: K.Type, count n: Int, _ x: UnsafePointer<Double>) -> Double where K.Scalar == Double {
    equilibratingScale(norm: K.norm2(n, x)) { largestMagnitude(n, x) }
}

/// max |xᵢ| (0 for n = 0).
func largestMagnitude(_ n: Int, _ x: UnsafePointer<Double>) -> Double {
    var largest = 0.0
    for i in 0..<n { largest = max(largest, abs(x[i])) }
    return largest
}

/// `equilibratingScale` given the norm; `largestMagnitude` is only evaluated when it overflowed.
func equilibratingScale(norm: Double, largestMagnitude: () -> Double) -> Double {
    let reference = norm.isFinite ? norm : largestMagnitude()
    guard reference > 0 else { return 1 }
    let exponent = min(-reference.exponent, Double.greatestFiniteMagnitude.exponent)
    return Double(sign: .plus, exponent: exponent, significand: 1)
}
