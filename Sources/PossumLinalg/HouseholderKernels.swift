/// The level-1/level-2 kernels a Householder QR is built from.
///
/// Contract shared by every conformer (BLIS-style: the algorithm above is portable, only these
/// few routines are specialised):
/// - Pointers address `n` contiguous `Scalar`s; they may be unaligned; `n` may be 0.
/// - `applyReflector` applies H = I − τ·v·vᵀ from the left to every column of `c`, where
///   v = (1, v[1], …, v[c.rows − 1]). `v[0]` is *never read*: the implicit leading 1 lets the
///   factorization keep βₖ on the diagonal while the reflector tail sits below it.
/// - Results agree with `ScalarKernels` up to floating-point reassociation: each dot product
///   satisfies |computed − exact| ≤ γₙ Σ|xᵢ yᵢ| with γₙ = nε/(1 − nε), for any summation order,
///   ε being `Scalar.ulpOfOne` (so the same bounds hold for `Float` with its own ε).
public protocol HouseholderKernels {
    associatedtype Scalar: QRScalar
    /// Σᵢ xᵢ·yᵢ.
    static func dot(_ n: Int, _ x: UnsafePointer<Scalar>, _ y: UnsafePointer<Scalar>) -> Scalar
    /// Σᵢ xᵢ², unscaled: may overflow to +∞ or lose accuracy to underflow; callers check and fall
    /// back to `scaledNorm2`.
    static func sumOfSquares(_ n: Int, _ x: UnsafePointer<Scalar>) -> Scalar
    /// xᵢ ← α·xᵢ.
    static func scale(_ n: Int, _ alpha: Scalar, _ x: UnsafeMutablePointer<Scalar>)
    /// C ← (I − τ·v·vᵀ)·C, with v[0] ≡ 1 (see the contract above).
    static func applyReflector(_ v: UnsafePointer<Scalar>, tau: Scalar, to c: StridedMatrixView<Scalar>)
}

extension HouseholderKernels {
    /// ‖x‖₂ with the fast unscaled sum when it is safe, the scaled loop when it is not.
    ///
    /// The fast path is exact to rounding when the sum neither overflows nor drops below
    /// n·(smallest normal)/ε: below that, squares that underflowed could matter relatively.
    @inlinable
    public static func norm2(_ n: Int, _ x: UnsafePointer<Scalar>) -> Scalar {
        let s = sumOfSquares(n, x)
        let underflowGuard = Scalar.leastNormalMagnitude * Scalar(n) / Scalar.ulpOfOne
        if s.isFinite && s >= underflowGuard { return s.squareRoot() }
        return scaledNorm2(UnsafeBufferPointer(start: x, count: n))
    }
}

/// The reference twin: plain loops in textbook order, no SIMD types. Every vectorized kernel is
/// tested against it, and the `naive` solver is the QR algorithm instantiated with it.
public enum ReferenceKernels<Scalar: QRScalar>: HouseholderKernels {
    @inline(never)
    public static func dot(_ n: Int, _ x: UnsafePointer<Scalar>, _ y: UnsafePointer<Scalar>) -> Scalar {
        var s: Scalar = 0
        for i in 0..<n { s += x[i] * y[i] }
        return s
    }

    @inline(never)
    public static func sumOfSquares(_ n: Int, _ x: UnsafePointer<Scalar>) -> Scalar {
        var s: Scalar = 0
        for i in 0..<n { s += x[i] * x[i] }
        return s
    }

    @inline(never)
    public static func scale(_ n: Int, _ alpha: Scalar, _ x: UnsafeMutablePointer<Scalar>) {
        for i in 0..<n { x[i] *= alpha }
    }

    @inline(never)
    public static func applyReflector(_ v: UnsafePointer<Scalar>, tau: Scalar, to c: StridedMatrixView<Scalar>) {
        let m = c.rows
        guard m > 0 else { return }
        for j in 0..<c.columns {
            let col = c.column(j)
            var w = col[0]
            for i in 1..<m { w += v[i] * col[i] }
            w *= tau
            col[0] -= w
            for i in 1..<m { col[i] -= w * v[i] }
        }
    }
}

/// The `Double` reference twin (the `naive` solver's kernels).
public typealias ScalarKernels = ReferenceKernels<Double>
