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
    public private(set) var packed: Matrix
    public private(set) var tau: [Double]

    public var rows: Int { packed.rows }
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

    /// Generates reflector k from A[k..., k] (the role of `dlarfg`) and applies it to the
    /// columns to its right.
    @inline(__always)
    static func eliminate(column k: Int, of a: StridedMatrixView<Kernels.Scalar>, tau: inout Kernels.Scalar) {
        let len = a.rows - k
        let x = a.column(k) + k
        let alpha = x[0]
        let tailNorm = Kernels.norm2(len - 1, x + 1)
        guard tailNorm != 0 else { tau = 0; return }  // already upper triangular: H = I
        let beta = alpha >= 0 ? -pythagoras(alpha, tailNorm) : pythagoras(alpha, tailNorm)
        tau = (beta - alpha) / beta
        Kernels.scale(len - 1, 1 / (alpha - beta), x + 1)
        x[0] = beta
        if k + 1 < a.columns {
            Kernels.applyReflector(UnsafePointer(x), tau: tau,
                                   to: a.block(row: k, column: k + 1, rows: len, columns: a.columns - k - 1))
        }
    }
}

extension HouseholderQR: QRFactorization where Kernels.Scalar == Double {
    /// The n × n upper-triangular factor R.
    public var r: Matrix { PackedReflectors<Kernels>.r(packed) }

    /// Qᵀ·b, applying the reflectors in order; b has `rows` entries.
    public func applyQTranspose(_ b: [Double]) -> [Double] {
        PackedReflectors<Kernels>.applyQTranspose(packed, tau, b)
    }

    /// The first n columns of Q (m × n, orthonormal columns), accumulated backwards as `dorg2r`
    /// does: at step k only columns k… of the partial product differ from the identity.
    public func thinQ() -> Matrix { PackedReflectors<Kernels>.thinQ(packed, tau) }

    /// Solves R·x = c[0..<n] by back substitution.
    public func solveUpper(_ c: [Double]) -> [Double] {
        backSubstitute(packed, c)
    }
}

/// Solves U·x = c for the upper triangle U of the leading n × n block of `u` (n = u.columns),
/// column-oriented so the inner loop is unit-stride.
public func backSubstitute(_ u: Matrix, _ c: [Double]) -> [Double] {
    let n = u.columns
    precondition(c.count >= n, "right-hand side too short")
    var x = Array(c[0..<n])
    for j in stride(from: n - 1, through: 0, by: -1) {
        x[j] /= u[j, j]
        let xj = x[j]
        for i in 0..<j { x[i] -= u[i, j] * xj }
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
