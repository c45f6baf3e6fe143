/// Householder QR, A = Q·R, of an m × n matrix with m ≥ n (LAPACK `dgeqr2` layout).
///
/// `packed` holds R on and above the diagonal and the tail of reflector k below the diagonal of
/// column k; Q = H₀·H₁·…·H₍ₙ₋₁₎ with Hₖ = I − τₖ·vₖ·vₖᵀ is never formed unless asked for
/// (`thinQ`): applying Qᵀ to a vector costs 4mn flops against 4mn² to form it.
///
/// Backward stability: the computed R is the exact R of A + ΔA with ‖ΔA‖_F ≤ c·m·n·ε·‖A‖_F for a
/// small constant c (Higham, *Accuracy and Stability*, Thm. 19.4) — whatever the kernels, since
/// they differ only in summation order.
///
/// The factorization object is `Double` (it stores a `Matrix`); `eliminate`, the step every QR
/// path is built from, is generic over the kernels' scalar, so `Float` paths share it.
public struct HouseholderQR<Kernels: HouseholderKernels> {
    /// R on and above the diagonal, the reflectors' tails v (v₀ = 1 implied) below (LAPACK's `dgeqrf` layout).
    public private(set) var packed: Matrix
    /// τ of each reflector H = I − τ·v·vᵀ.
    public private(set) var tau: [Double]

    /// Rows m of A.
    public var rows: Int { packed.rows }
    /// Columns n of A.
    public var columns: Int { packed.columns }

    /// Factors `a`; `a` must have at least as many rows as columns and only finite entries.
    public init(factoring a: Matrix) throws where Kernels.Scalar == Double {
        try validateLeastSquaresShape(a)
        packed = a
        tau = [Double](repeating: 0, count: a.columns)
        let n = a.columns
        tau.withUnsafeMutableBufferPointer { tauBuffer in
            packed.withMutableView { view in
                for k in 0..<n { Self.eliminate(column: k, of: view, tau: &tauBuffer[k]) }
            }
        }
    }

    /// Generates reflector k from A[k..., k] and applies it to the columns to its right: one step
    /// of `dgeqr2`, the level-2 loop body of every unpivoted panel.
    @inline(__always)
    static func eliminate(column k: Int, of a: StridedMatrixView<Kernels.Scalar>, tau: inout Kernels.Scalar) {
        let len = a.rows - k
        let x = a.column(k) + k
        let (beta, t) = Householder<Kernels>.generate(alpha: x[0], tail: x + 1, count: len - 1)
        tau = t
        guard t != 0 else { return }  // already upper triangular: H = I
        x[0] = beta
        if k + 1 < a.columns {
            Kernels.applyReflector(UnsafePointer(x), tau: t,
                                   to: a.block(row: k, column: k + 1, rows: len, columns: a.columns - k - 1))
        }
    }
}

extension HouseholderQR: QRFactorization where Kernels.Scalar == Double {
    /// The n × n upper-triangular factor R.
    public var r: Matrix { upperTriangle(packed) }

    /// Q as its reflectors.
    var q: HouseholderSequence<Kernels> { HouseholderSequence(packed: packed, tau: tau, layout: .packed) }

    /// Qᵀ·b, applying the reflectors in order; b has `rows` entries.
    public func applyQTranspose(_ b: [Double]) -> [Double] { q.applyTranspose(b) }

    /// The first n columns of Q (m × n, orthonormal columns), accumulated backwards as `dorg2r`
    /// does: at step k only columns k… of the partial product differ from the identity.
    public func thinQ() -> Matrix { q.thinQ() }

    /// Solves R·x = c[0..<n] by back substitution.
    public func solveUpper(_ c: [Double]) -> [Double] {
        backSubstitute(packed, c)
    }
}

/// Solves U·x = c for the upper triangle U of the leading n × n block of `u` (n = u.columns).
public func backSubstitute(_ u: Matrix, _ c: [Double]) -> [Double] {
    let n = u.columns
    precondition(c.count >= n && u.rows >= n, "right-hand side too short")
    var x = Array(c[0..<n])
    u.elements.withUnsafeBufferPointer { ub in
        x.withUnsafeMutableBufferPointer { xb in
            guard let base = ub.baseAddress, let xs = xb.baseAddress else { return }
            let view = StridedMatrixView(base: UnsafeMutablePointer(mutating: base), rows: u.rows, columns: n,
                                         leadingDimension: u.rows)
            solveUpperTriangular(view, count: n, xs)
        }
    }
    return x
}

/// √(a² + b²) without overflow or harmful underflow.
@inlinable
func pythagoras<T: FloatingPoint>(_ a: T, _ b: T) -> T {
    let s = max(abs(a), abs(b))
    guard s != 0 else { return 0 }
    let (x, y) = (a / s, b / s)
    return s * (x * x + y * y).squareRoot()
}

/// Throws unless `a` is m × n with m ≥ n ≥ 1 and every entry finite.
func validateLeastSquaresShape(_ a: Matrix) throws {
    guard a.columns >= 1 else { throw LinalgError.shapeMismatch("A has no columns") }
    guard a.rows >= a.columns else { throw LinalgError.underdetermined(rows: a.rows, columns: a.columns) }
    if let (i, j) = a.firstNonFinite() { throw LinalgError.nonFinite(operand: "A", row: i, column: j) }
}
