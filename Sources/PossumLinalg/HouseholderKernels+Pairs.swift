/// A pair of reflectors applied to four columns in one sweep: the paired QR's trailing update
/// (`PairedHouseholderQR`). On a 104-row column the two-column sweep's dot phase is four FMA
/// chains 13 vectors long, which wait on the FMA latency; four columns give eight independent
/// chains, enough to keep two FMA pipes busy, and load v₁ and v₂ once per four columns.

extension HouseholderKernels {
    /// The reference arithmetic: `applyReflectorPair` on (c₀, c₁), then on (c₂, c₃) — the same
    /// operation in the same order, so kernels without a four-column loop (the reference and the
    /// compensated ones) are exactly their two-column selves.
    @inlinable
    public static func applyReflectorPair4(
        _ n: Int, _ v1: UnsafePointer<Scalar>, tau1: Scalar, _ v2: UnsafePointer<Scalar>, tau2: Scalar, v21: Scalar,
        _ c0: UnsafeMutablePointer<Scalar>, _ c1: UnsafeMutablePointer<Scalar>,
        _ c2: UnsafeMutablePointer<Scalar>, _ c3: UnsafeMutablePointer<Scalar>
    ) {
        applyReflectorPair(n, v1, tau1: tau1, v2, tau2: tau2, v21: v21, c0, c1)
        applyReflectorPair(n, v1, tau1: tau1, v2, tau2: tau2, v21: v21, c2, c3)
    }
}

extension VectorKernels {
    /// The whole vectors' accumulators of v₁ᵀc₀, v₂ᵀc₀, v₁ᵀc₁, v₂ᵀc₁: half of `pairGains4`'s dot phase.
    @inline(__always)
    static func pairDots2(
        _ n: Int, _ v1: UnsafePointer<Scalar>, _ v2: UnsafePointer<Scalar>, _ c0: UnsafePointer<Scalar>, _ c1: UnsafePointer<Scalar>
    ) -> (Scalar.Vector, Scalar.Vector, Scalar.Vector, Scalar.Vector) {
        typealias T = Scalar
        var s10 = T.zeroVector, s20 = T.zeroVector, s11 = T.zeroVector, s21 = T.zeroVector
        var i = 0
        while i + T.lanes <= n {
            let x1 = T.load(v1 + i), x2 = T.load(v2 + i)
            let y0 = T.load(c0 + i), y1 = T.load(c1 + i)
            s10 = T.fma(s10, x1, y0); s20 = T.fma(s20, x2, y0)
            s11 = T.fma(s11, x1, y1); s21 = T.fma(s21, x2, y1)
            i += T.lanes
        }
        return (s10, s20, s11, s21)
    }

    /// Adds rows `from..<to` (whole vectors) of v₁ᵀc₀, v₂ᵀc₀, v₁ᵀc₁, v₂ᵀc₁ to their accumulators:
    /// a quarter of `applyReflectorBlock4`'s dot phase on a chunk of rows.
    @inline(__always)
    static func pairDots2(
        from start: Int, to end: Int, _ v1: UnsafePointer<Scalar>, _ v2: UnsafePointer<Scalar>,
        _ c0: UnsafePointer<Scalar>, _ c1: UnsafePointer<Scalar>,
        _ s10: inout Scalar.Vector, _ s20: inout Scalar.Vector, _ s11: inout Scalar.Vector, _ s21: inout Scalar.Vector
    ) {
        typealias T = Scalar
        var (a10, a20, a11, a21) = (s10, s20, s11, s21)
        var i = start
        while i < end {
            let x1 = T.load(v1 + i), x2 = T.load(v2 + i)
            let y0 = T.load(c0 + i), y1 = T.load(c1 + i)
            a10 = T.fma(a10, x1, y0); a20 = T.fma(a20, x2, y0)
            a11 = T.fma(a11, x1, y1); a21 = T.fma(a21, x2, y1)
            i += T.lanes
        }
        (s10, s20, s11, s21) = (a10, a20, a11, a21)
    }

    /// The pair's gains on four columns, w₁ⱼ = τ₁·v₁ᵀcⱼ and w₂ⱼ = τ₂·(v₂ᵀcⱼ − v₂₁·w₁ⱼ), from eight
    /// independent dot chains over six loads per vector of rows: the first sweep of
    /// `applyReflectorPair4` and of `applyReflectorPairCarrying`.
    @inline(__always)
    static func pairGains4(
        _ n: Int, _ v1: UnsafePointer<Scalar>, tau1: Scalar, _ v2: UnsafePointer<Scalar>, tau2: Scalar, v21: Scalar,
        _ c0: UnsafePointer<Scalar>, _ c1: UnsafePointer<Scalar>, _ c2: UnsafePointer<Scalar>, _ c3: UnsafePointer<Scalar>
    ) -> (w10: Scalar, w11: Scalar, w12: Scalar, w13: Scalar, w20: Scalar, w21: Scalar, w22: Scalar, w23: Scalar) {
        typealias T = Scalar
        var s10 = T.zeroVector, s20 = T.zeroVector, s11 = T.zeroVector, s21 = T.zeroVector
        var s12 = T.zeroVector, s22 = T.zeroVector, s13 = T.zeroVector, s23 = T.zeroVector
        var i = 0
        if nativeVectorRegisters >= 16 {
            while i + T.lanes <= n {
                let x1 = T.load(v1 + i), x2 = T.load(v2 + i)
                let y0 = T.load(c0 + i), y1 = T.load(c1 + i), y2 = T.load(c2 + i), y3 = T.load(c3 + i)
                s10 = T.fma(s10, x1, y0); s20 = T.fma(s20, x2, y0)
                s11 = T.fma(s11, x1, y1); s21 = T.fma(s21, x2, y1)
                s12 = T.fma(s12, x1, y2); s22 = T.fma(s22, x2, y2)
                s13 = T.fma(s13, x1, y3); s23 = T.fma(s23, x2, y3)
                i += T.lanes
            }
        } else {
            // Eight accumulators and v₁, v₂ do not fit (AVX2: 20 of 16 ymm): two passes of two
            // columns, each accumulator summing the same products in the same order.
            (s10, s20, s11, s21) = pairDots2(n, v1, v2, c0, c1)
            (s12, s22, s13, s23) = pairDots2(n, v1, v2, c2, c3)
            i = n / T.lanes * T.lanes
        }
        var d10 = T.sum(s10), d20 = T.sum(s20), d11 = T.sum(s11), d21 = T.sum(s21)
        var d12 = T.sum(s12), d22 = T.sum(s22), d13 = T.sum(s13), d23 = T.sum(s23)
        var t = i
        while t < n {
            let a1 = v1[t], a2 = v2[t]
            d10 += a1 * c0[t]; d20 += a2 * c0[t]; d11 += a1 * c1[t]; d21 += a2 * c1[t]
            d12 += a1 * c2[t]; d22 += a2 * c2[t]; d13 += a1 * c3[t]; d23 += a2 * c3[t]
            t += 1
        }
        let w10 = tau1 * d10, w11 = tau1 * d11, w12 = tau1 * d12, w13 = tau1 * d13
        let w20 = tau2 * (d20 - v21 * w10), w21 = tau2 * (d21 - v21 * w11)
        let w22 = tau2 * (d22 - v21 * w12), w23 = tau2 * (d23 - v21 * w13)
        return (w10, w11, w12, w13, w20, w21, w22, w23)
    }

    /// The eight gains (`pairGains4`), then the four updates in one more sweep (see the protocol
    /// for the arithmetic).
    @inline(__always)
    public static func applyReflectorPair4(
        _ n: Int, _ v1: UnsafePointer<Scalar>, tau1: Scalar, _ v2: UnsafePointer<Scalar>, tau2: Scalar, v21: Scalar,
        _ c0: UnsafeMutablePointer<Scalar>, _ c1: UnsafeMutablePointer<Scalar>,
        _ c2: UnsafeMutablePointer<Scalar>, _ c3: UnsafeMutablePointer<Scalar>
    ) {
        typealias T = Scalar
        let (w10, w11, w12, w13, w20, w21, w22, w23) = pairGains4(n, v1, tau1: tau1, v2, tau2: tau2, v21: v21, c0, c1, c2, c3)
        let n10 = T.splat(-w10), n20 = T.splat(-w20), n11 = T.splat(-w11), n21 = T.splat(-w21)
        let n12 = T.splat(-w12), n22 = T.splat(-w22), n13 = T.splat(-w13), n23 = T.splat(-w23)
        var i = 0
        while i + T.lanes <= n {
            let x1 = T.load(v1 + i), x2 = T.load(v2 + i)
            let y0 = T.fma(T.fma(T.load(c0 + i), n10, x1), n20, x2)
            let y1 = T.fma(T.fma(T.load(c1 + i), n11, x1), n21, x2)
            let y2 = T.fma(T.fma(T.load(c2 + i), n12, x1), n22, x2)
            let y3 = T.fma(T.fma(T.load(c3 + i), n13, x1), n23, x2)
            T.store(y0, c0 + i); T.store(y1, c1 + i); T.store(y2, c2 + i); T.store(y3, c3 + i)
            i += T.lanes
        }
        while i < n {
            let a1 = v1[i], a2 = v2[i]
            c0[i] = c0[i] - w10 * a1 - w20 * a2
            c1[i] = c1[i] - w11 * a1 - w21 * a2
            c2[i] = c2[i] - w12 * a1 - w22 * a2
            c3[i] = c3[i] - w13 * a1 - w23 * a2
            i += 1
        }
    }
}
