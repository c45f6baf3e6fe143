/// The level-1/level-2 kernels a Householder QR is built from, and the micro-kernel (`Tile`) of
/// its level-3 updates: the only door through which the factorizations reach arithmetic loops.
///
/// Contract shared by every conformer (BLIS-style: the algorithm above is portable, only these
/// few routines are specialised):
/// - Pointers address `n` contiguous `Scalar`s; they may be unaligned; `n` may be 0.
/// - `applyReflector` applies H = I − τ·v·vᵀ from the left to every column of `c`, where
///   v = (1, v[1], …, v[c.rows − 1]). `v[0]` is *never read*: the implicit leading 1 lets the
///   factorization keep βₖ on the diagonal while the reflector tail sits below it.
/// - Results agree with `ReferenceKernels` up to floating-point reassociation: each dot product
///   satisfies |computed − exact| ≤ γₙ Σ|xᵢ yᵢ| with γₙ = nε/(1 − nε), for any summation order,
///   ε being `Scalar.ulpOfOne` (so the same bounds hold for `Float` with its own ε).
///
/// A new instruction set is one new conformer (or one new `Tile`) and one line in
/// KernelSelection.swift.
public protocol HouseholderKernels: SendableMetatype {
    associatedtype Scalar: QRScalar
    /// The register-blocked tile of the level-3 updates that goes with these kernels.
    associatedtype Tile: MicroKernel where Tile.Scalar == Scalar
    /// Σᵢ xᵢ·yᵢ.
    static func dot(_ n: Int, _ x: UnsafePointer<Scalar>, _ y: UnsafePointer<Scalar>) -> Scalar
    /// Σᵢ xᵢ², unscaled: may overflow to +∞ or lose accuracy to underflow; callers check and fall
    /// back to `scaledNorm2`.
    static func sumOfSquares(_ n: Int, _ x: UnsafePointer<Scalar>) -> Scalar
    /// xᵢ ← α·xᵢ.
    static func scale(_ n: Int, _ alpha: Scalar, _ x: UnsafeMutablePointer<Scalar>)
    /// yᵢ ← yᵢ + α·xᵢ.
    static func axpy(_ n: Int, _ alpha: Scalar, _ x: UnsafePointer<Scalar>, _ y: UnsafeMutablePointer<Scalar>)
    /// (vᵀc₀, vᵀc₁, vᵀc₂, vᵀc₃): four dot products sharing one operand, in one sweep over it.
    static func dot4(
        _ n: Int, _ v: UnsafePointer<Scalar>, _ c0: UnsafePointer<Scalar>, _ c1: UnsafePointer<Scalar>,
        _ c2: UnsafePointer<Scalar>, _ c3: UnsafePointer<Scalar>
    ) -> (Scalar, Scalar, Scalar, Scalar)
    /// cⱼ ← cⱼ + αⱼ·v for four columns in one sweep over v.
    static func axpy4(
        _ n: Int, _ v: UnsafePointer<Scalar>,
        _ a0: Scalar, _ c0: UnsafeMutablePointer<Scalar>, _ a1: Scalar, _ c1: UnsafeMutablePointer<Scalar>,
        _ a2: Scalar, _ c2: UnsafeMutablePointer<Scalar>, _ a3: Scalar, _ c3: UnsafeMutablePointer<Scalar>
    )
    /// cⱼ ← cⱼ + gⱼ·x for every column cⱼ of `c` (`c.rows` entries each, gⱼ = `gains[j]`); then,
    /// if `scaleX` is given, x ← scaleX·x; then, if `next` is given, `dots[j]` = yᵀcⱼ of the updated
    /// columns for y = `next` (`c.rows` entries; it may be column 0 of `c`, read updated). The
    /// level-2 step of TSQR's panel: one reflector applied, the next one's inputs gathered.
    /// `gains` and `dots` may be the same buffer (every gain is read before any dot is written); x
    /// must not overlap `c` or `next`.
    static func updateColumns(
        _ c: StridedMatrixView<Scalar>, adding x: UnsafeMutablePointer<Scalar>, gains: UnsafePointer<Scalar>,
        scaleX: Scalar?, dotsWith next: UnsafePointer<Scalar>?, into dots: UnsafeMutablePointer<Scalar>
    )
    /// out[i + j·ldo] = Σ_{r < n} X[r, i]·Y[r, j] for i < p, j < q, with X[r, i] = x[r + i·ldx] and
    /// Y[r, j] = y[r + j·ldy]: a block of inner products of long columns (TSQR's Gram matrix and
    /// W = VᵀC). `skipBelowDiagonal`: only the entries with j ≥ i are promised.
    static func innerProducts(
        rows n: Int, _ x: UnsafePointer<Scalar>, ldx: Int, count p: Int, _ y: UnsafePointer<Scalar>, ldy: Int,
        count q: Int, into out: UnsafeMutablePointer<Scalar>, ldo: Int, skipBelowDiagonal: Bool
    )
    /// C += V·W for a tall V (n × k, V[i, p] = v[i + p·ldv]) and a short W (k × q, W[p, j] =
    /// w[p + j·ldw]) into C (n × q, C[i, j] = c[i + j·ldc]): TSQR's C_B += V_B·W'. Each C entry gets
    /// its k terms added one at a time, p ascending. C must not overlap V or W.
    static func rankUpdate(
        rows n: Int, _ v: UnsafePointer<Scalar>, ldv: Int, count k: Int, _ w: UnsafePointer<Scalar>, ldw: Int,
        into c: UnsafeMutablePointer<Scalar>, ldc: Int, columns q: Int
    )
    /// x ← x + g·v on n entries; returns Σ x'ᵢ² and Σ x'ᵢ·vᵢ over i ≥ f of the updated x (the paired
    /// QR's chain, HouseholderKernels+Chain.swift: the next reflector's norm and v₂ᵀv₁ carried
    /// out of the update of its column).
    static func updateCarrying(
        _ n: Int, _ x: UnsafeMutablePointer<Scalar>, adding g: Scalar, times v: UnsafePointer<Scalar>, carryFrom f: Int
    ) -> (squares: Scalar, cross: Scalar)
    /// `applyReflectorPair4` on c₀…c₃ (which may repeat), returning ‖c₀'‖², c₀'ᵀc₁' and ‖c₁'‖² over
    /// rows ≥ f of the updated columns (HouseholderKernels+Chain.swift).
    static func applyReflectorPairCarrying(
        _ n: Int, _ v1: UnsafePointer<Scalar>, tau1: Scalar, _ v2: UnsafePointer<Scalar>, tau2: Scalar, v21: Scalar,
        _ c0: UnsafeMutablePointer<Scalar>, _ c1: UnsafeMutablePointer<Scalar>,
        _ c2: UnsafeMutablePointer<Scalar>, _ c3: UnsafeMutablePointer<Scalar>, carryFrom f: Int
    ) -> CarriedSums<Scalar>
    /// (c₀, c₁, c₂, c₃) ← (I − V·Tᵀ·Vᵀ)·(c₀, c₁, c₂, c₃) on n rows for four explicit reflector
    /// vectors V[i, r] = v[i + r·ldv] and their upper-triangular T (column-major 4 × 4, `t[q + 4r]`):
    /// d = Vᵀcⱼ, g = Tᵀ·d, cⱼ −= V·g; returns ‖c₀'‖², c₀'ᵀc₁' and ‖c₁'‖² over rows ≥ f (none when
    /// f ≥ n). Columns may repeat (HouseholderKernels+Block4.swift).
    static func applyReflectorBlock4(
        _ n: Int, _ v: UnsafePointer<Scalar>, ldv: Int, t: UnsafePointer<Scalar>,
        _ c0: UnsafeMutablePointer<Scalar>, _ c1: UnsafeMutablePointer<Scalar>,
        _ c2: UnsafeMutablePointer<Scalar>, _ c3: UnsafeMutablePointer<Scalar>, carryFrom f: Int
    ) -> CarriedSums<Scalar>
    /// C ← (I − τ·v·vᵀ)·C, with v[0] ≡ 1 (see the contract above).
    static func applyReflector(_ v: UnsafePointer<Scalar>, tau: Scalar, to c: StridedMatrixView<Scalar>)
    /// (c₀, c₁) ← H₂·H₁·(c₀, c₁) on n rows, for explicit reflector vectors v₁, v₂ (no implicit
    /// 1) with `v21` = v₂ᵀv₁: wₖ = τ₁·v₁ᵀcₖ, w'ₖ = τ₂·(v₂ᵀcₖ − v21·wₖ), cₖ −= v₁·wₖ + v₂·w'ₖ.
    /// c₀ and c₁ may be the same column (each is computed from the values before the update).
    static func applyReflectorPair(
        _ n: Int, _ v1: UnsafePointer<Scalar>, tau1: Scalar, _ v2: UnsafePointer<Scalar>, tau2: Scalar, v21: Scalar,
        _ c0: UnsafeMutablePointer<Scalar>, _ c1: UnsafeMutablePointer<Scalar>
    )
    /// `applyReflectorPair` on four distinct columns at once (HouseholderKernels+Pairs.swift; the
    /// default there, two `applyReflectorPair` calls, is the reference arithmetic).
    static func applyReflectorPair4(
        _ n: Int, _ v1: UnsafePointer<Scalar>, tau1: Scalar, _ v2: UnsafePointer<Scalar>, tau2: Scalar, v21: Scalar,
        _ c0: UnsafeMutablePointer<Scalar>, _ c1: UnsafeMutablePointer<Scalar>,
        _ c2: UnsafeMutablePointer<Scalar>, _ c3: UnsafeMutablePointer<Scalar>
    )
    /// Two structured reflectors on the block rows in one sweep (TSQR's paired leaf,
    /// HouseholderKernels+StructuredPairs.swift): y = x₂ + g·x₁, then for every column cⱼ of `c`
    /// (`c.rows` entries) cⱼ ← (cⱼ + gains1[j]·x₁) + gains2[j]·y; x₁ ← scale1·x₁ and x₂ ← scale2·y.
    /// With `carry`, of the updated columns, firstDots[j] = c₀ᵀcⱼ for j ≥ 0 and secondDots[j] =
    /// c₁ᵀcⱼ for j ≥ 1 (secondDots[0] is left alone). A gain may share its slot with the dot
    /// written there (each is read first); x₁, x₂ must not overlap `c`.
    static func applyStructuredPair(
        _ c: StridedMatrixView<Scalar>, first x1: UnsafeMutablePointer<Scalar>, second x2: UnsafeMutablePointer<Scalar>,
        crossGain g: Scalar, gains1: UnsafePointer<Scalar>, gains2: UnsafePointer<Scalar>, scale1: Scalar, scale2: Scalar,
        carry: Bool, firstDots: UnsafeMutablePointer<Scalar>, secondDots: UnsafeMutablePointer<Scalar>
    )
}

extension HouseholderKernels {
    /// ‖x‖₂ with the fast unscaled sum when it is safe, the scaled loop when it is not.
    @inlinable
    public static func norm2(_ n: Int, _ x: UnsafePointer<Scalar>) -> Scalar {
        norm2(n, x, sumOfSquares: sumOfSquares(n, x))
    }

    /// ‖x‖₂ given s = Σxᵢ² computed unscaled: √s when that is exact to rounding
    /// (`isSafeSumOfSquares`), else the scaled loop.
    @inlinable
    public static func norm2(_ n: Int, _ x: UnsafePointer<Scalar>, sumOfSquares s: Scalar) -> Scalar {
        if isSafeSumOfSquares(s, count: n) { return s.squareRoot() }
        return scaledNorm2(UnsafeBufferPointer(start: x, count: n))
    }

    /// Whether s = Σxᵢ² over n entries, summed unscaled, is exact to rounding: positive, finite, and
    /// not below n·(smallest normal)/ε, under which squares that underflowed could matter relatively.
    @inlinable
    public static func isSafeSumOfSquares(_ s: Scalar, count n: Int) -> Bool {
        s.isFinite && s > 0 && s >= Scalar.leastNormalMagnitude * Scalar(n) / Scalar.ulpOfOne
    }
}

/// The reference twin: plain loops in textbook order, no SIMD types. Every vectorized kernel is
/// tested against it, the `naive` solver is the QR algorithm instantiated with it, and every fast
/// path is tested instantiated with it.
public enum ReferenceKernels<Scalar: QRScalar>: HouseholderKernels {
    public typealias Tile = ReferenceTile<Scalar>

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
    public static func axpy(_ n: Int, _ alpha: Scalar, _ x: UnsafePointer<Scalar>, _ y: UnsafeMutablePointer<Scalar>) {
        for i in 0..<n { y[i] += alpha * x[i] }
    }

    public static func dot4(
        _ n: Int, _ v: UnsafePointer<Scalar>, _ c0: UnsafePointer<Scalar>, _ c1: UnsafePointer<Scalar>,
        _ c2: UnsafePointer<Scalar>, _ c3: UnsafePointer<Scalar>
    ) -> (Scalar, Scalar, Scalar, Scalar) {
        (dot(n, v, c0), dot(n, v, c1), dot(n, v, c2), dot(n, v, c3))
    }

    public static func axpy4(
        _ n: Int, _ v: UnsafePointer<Scalar>,
        _ a0: Scalar, _ c0: UnsafeMutablePointer<Scalar>, _ a1: Scalar, _ c1: UnsafeMutablePointer<Scalar>,
        _ a2: Scalar, _ c2: UnsafeMutablePointer<Scalar>, _ a3: Scalar, _ c3: UnsafeMutablePointer<Scalar>
    ) {
        axpy(n, a0, v, c0); axpy(n, a1, v, c1); axpy(n, a2, v, c2); axpy(n, a3, v, c3)
    }

    @inline(never)
    public static func updateColumns(
        _ c: StridedMatrixView<Scalar>, adding x: UnsafeMutablePointer<Scalar>, gains: UnsafePointer<Scalar>,
        scaleX: Scalar?, dotsWith next: UnsafePointer<Scalar>?, into dots: UnsafeMutablePointer<Scalar>
    ) {
        let n = c.rows
        for j in 0..<c.columns { axpy(n, gains[j], x, c.column(j)) }
        if let scaleX { scale(n, scaleX, x) }
        if let next {
            for j in 0..<c.columns { dots[j] = dot(n, next, c.column(j)) }
        }
    }

    @inline(never)
    public static func innerProducts(
        rows n: Int, _ x: UnsafePointer<Scalar>, ldx: Int, count p: Int, _ y: UnsafePointer<Scalar>, ldy: Int,
        count q: Int, into out: UnsafeMutablePointer<Scalar>, ldo: Int, skipBelowDiagonal: Bool
    ) {
        for j in 0..<q {
            for i in 0..<p where !(skipBelowDiagonal && j < i) {
                out[i + j * ldo] = dot(n, x + i * ldx, y + j * ldy)
            }
        }
    }

    @inline(never)
    public static func rankUpdate(
        rows n: Int, _ v: UnsafePointer<Scalar>, ldv: Int, count k: Int, _ w: UnsafePointer<Scalar>, ldw: Int,
        into c: UnsafeMutablePointer<Scalar>, ldc: Int, columns q: Int
    ) {
        for j in 0..<q {
            for i in 0..<n {
                var s = c[i + j * ldc]
                for p in 0..<k { s += v[i + p * ldv] * w[p + j * ldw] }
                c[i + j * ldc] = s
            }
        }
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

    @inline(never)
    public static func applyReflectorPair(
        _ n: Int, _ v1: UnsafePointer<Scalar>, tau1: Scalar, _ v2: UnsafePointer<Scalar>, tau2: Scalar, v21: Scalar,
        _ c0: UnsafeMutablePointer<Scalar>, _ c1: UnsafeMutablePointer<Scalar>
    ) {
        let w10 = tau1 * dot(n, v1, c0), w11 = tau1 * dot(n, v1, c1)
        let w20 = tau2 * (dot(n, v2, c0) - v21 * w10), w21 = tau2 * (dot(n, v2, c1) - v21 * w11)
        for i in 0..<n {
            let y0 = c0[i] - w10 * v1[i] - w20 * v2[i]
            let y1 = c1[i] - w11 * v1[i] - w21 * v2[i]
            c1[i] = y1
            c0[i] = y0
        }
    }
}

/// The `Double` reference twin (the `naive` solver's kernels).
public typealias ScalarKernels = ReferenceKernels<Double>
