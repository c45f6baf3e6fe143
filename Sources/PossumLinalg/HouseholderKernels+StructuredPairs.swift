/// Two structured reflectors of a TSQR block step in one sweep (`TallSkinnyQR.factorPanelPaired`).
/// The one-reflector sweep (`updateColumns`) loads and stores every element of the trailing columns
/// for 4 flops, which leaves it store-bound; applying reflectors k and k + 1 together, and taking
/// both next reflectors' inner products out of the same sweep, does 8 flops per load and store.
///
/// The reflectors' heads (eₖ on the triangle's rows) are a few scalars the caller handles; here
/// only the block rows: x₁ is reflector k's unscaled tail, x₂ column k + 1's tail before
/// reflector k, so reflector k + 1's unscaled tail is y = x₂ + g·x₁.

extension HouseholderKernels {
    /// The reference arithmetic of `applyStructuredPair`: y, each column's two updates in that
    /// order, x₁ and x₂ scaled, then the inner products in row order.
    @inlinable
    public static func applyStructuredPair(
        _ c: StridedMatrixView<Scalar>, first x1: UnsafeMutablePointer<Scalar>, second x2: UnsafeMutablePointer<Scalar>,
        crossGain g: Scalar, gains1: UnsafePointer<Scalar>, gains2: UnsafePointer<Scalar>, scale1: Scalar, scale2: Scalar,
        carry: Bool, firstDots: UnsafeMutablePointer<Scalar>, secondDots: UnsafeMutablePointer<Scalar>
    ) {
        let n = c.rows, q = c.columns
        for i in 0..<n {
            let a = x1[i]
            let y = x2[i] + g * a
            for j in 0..<q {
                let cj = c.column(j)
                cj[i] = (cj[i] + gains1[j] * a) + gains2[j] * y
            }
            x1[i] = scale1 * a
            x2[i] = scale2 * y
        }
        guard carry, q > 0 else { return }
        let p0 = c.column(0)
        for j in 0..<q {
            let cj = c.column(j)
            var s: Scalar = 0
            for i in 0..<n { s += p0[i] * cj[i] }
            firstDots[j] = s
        }
        guard q > 1 else { return }
        let p1 = c.column(1)
        for j in 1..<q {
            let cj = c.column(j)
            var s: Scalar = 0
            for i in 0..<n { s += p1[i] * cj[i] }
            secondDots[j] = s
        }
    }
}

extension VectorKernels {
    /// Five to eight columns in one pass over the rows (`structuredPairWideGroup`); otherwise
    /// groups of up to four columns, each one pass: x₁ and x₂ loaded (y formed in a register),
    /// every column updated by two FMAs and stored, then its inner products with the group's first
    /// two updated columns (the first group's are still in registers; later groups read them back)
    /// accumulated by two more. x₁ and x₂ are scaled in the last group's pass.
    @inline(__always)
    public static func applyStructuredPair(
        _ c: StridedMatrixView<Scalar>, first x1: UnsafeMutablePointer<Scalar>, second x2: UnsafeMutablePointer<Scalar>,
        crossGain g: Scalar, gains1: UnsafePointer<Scalar>, gains2: UnsafePointer<Scalar>, scale1: Scalar, scale2: Scalar,
        carry: Bool, firstDots: UnsafeMutablePointer<Scalar>, secondDots: UnsafeMutablePointer<Scalar>
    ) {
        let q = c.columns
        guard q > 0 else {
            structuredPairGroup(c, from: 0, count: 0, x1, x2, g, gains1, gains2, scale1, scale2, scaleX: true, carry: false,
                                firstDots, secondDots)
            return
        }
        switch q {
        case 8: structuredPairWideGroup(c, count: 8, x1, x2, g, gains1, gains2, scale1, scale2, carry: carry, firstDots, secondDots); return
        case 7: structuredPairWideGroup(c, count: 7, x1, x2, g, gains1, gains2, scale1, scale2, carry: carry, firstDots, secondDots); return
        case 6: structuredPairWideGroup(c, count: 6, x1, x2, g, gains1, gains2, scale1, scale2, carry: carry, firstDots, secondDots); return
        case 5: structuredPairWideGroup(c, count: 5, x1, x2, g, gains1, gains2, scale1, scale2, carry: carry, firstDots, secondDots); return
        default: break
        }
        var j0 = 0
        while j0 < q {
            let cnt = min(4, q - j0)
            let last = j0 + cnt >= q
            switch cnt {
            case 4: structuredPairGroup(c, from: j0, count: 4, x1, x2, g, gains1, gains2, scale1, scale2, scaleX: last,
                                        carry: carry, firstDots, secondDots)
            case 3: structuredPairGroup(c, from: j0, count: 3, x1, x2, g, gains1, gains2, scale1, scale2, scaleX: last,
                                        carry: carry, firstDots, secondDots)
            case 2: structuredPairGroup(c, from: j0, count: 2, x1, x2, g, gains1, gains2, scale1, scale2, scaleX: last,
                                        carry: carry, firstDots, secondDots)
            default: structuredPairGroup(c, from: j0, count: 1, x1, x2, g, gains1, gains2, scale1, scale2, scaleX: last,
                                         carry: carry, firstDots, secondDots)
            }
            j0 += cnt
        }
    }

    /// One group of `count` (0…4, a constant at each call site) columns from `j0`; the dots'
    /// partners p₀ = column 0 and p₁ = column 1 come from this group's registers when j0 = 0.
    @inline(__always)
    static func structuredPairGroup(
        _ c: StridedMatrixView<Scalar>, from j0: Int, count: Int,
        _ x1: UnsafeMutablePointer<Scalar>, _ x2: UnsafeMutablePointer<Scalar>, _ g: Scalar,
        _ gains1: UnsafePointer<Scalar>, _ gains2: UnsafePointer<Scalar>, _ scale1: Scalar, _ scale2: Scalar,
        scaleX: Bool, carry: Bool, _ firstDots: UnsafeMutablePointer<Scalar>, _ secondDots: UnsafeMutablePointer<Scalar>
    ) {
        typealias T = Scalar
        let n = c.rows, q = c.columns
        let hasSecond = q > 1
        // Unused slots point at column j0 and are never loaded or stored.
        let c0 = c.column(j0), c1 = c.column(j0 + min(1, max(count - 1, 0)))
        let c2 = c.column(j0 + min(2, max(count - 1, 0))), c3 = c.column(j0 + min(3, max(count - 1, 0)))
        let p0 = q > 0 ? c.column(0) : c0, p1 = hasSecond ? c.column(1) : p0
        func gain(_ gains: UnsafePointer<Scalar>, _ k: Int) -> Scalar { count > k ? gains[j0 + k] : 0 }
        let a0 = gain(gains1, 0), a1 = gain(gains1, 1), a2 = gain(gains1, 2), a3 = gain(gains1, 3)
        let b0 = gain(gains2, 0), b1 = gain(gains2, 1), b2 = gain(gains2, 2), b3 = gain(gains2, 3)
        let va0 = T.splat(a0), va1 = T.splat(a1), va2 = T.splat(a2), va3 = T.splat(a3)
        let vb0 = T.splat(b0), vb1 = T.splat(b1), vb2 = T.splat(b2), vb3 = T.splat(b3)
        let vg = T.splat(g)
        // e_k = p₀ᵀcⱼ₀₊ₖ, f_k = p₁ᵀcⱼ₀₊ₖ of the updated columns (f₀ of group 0, p₁ᵀp₀, is not needed).
        var e0 = T.zeroVector, e1 = T.zeroVector, e2 = T.zeroVector, e3 = T.zeroVector
        var f0 = T.zeroVector, f1 = T.zeroVector, f2 = T.zeroVector, f3 = T.zeroVector
        let inRegisters = j0 == 0, dots = carry && count > 0
        var i = 0
        while i + T.lanes <= n {
            let xa = T.load(x1 + i)
            let y = T.fma(T.load(x2 + i), vg, xa)
            var n0 = T.zeroVector, n1 = T.zeroVector, n2 = T.zeroVector, n3 = T.zeroVector
            if count > 0 { n0 = T.fma(T.fma(T.load(c0 + i), va0, xa), vb0, y) }
            if count > 1 { n1 = T.fma(T.fma(T.load(c1 + i), va1, xa), vb1, y) }
            if count > 2 { n2 = T.fma(T.fma(T.load(c2 + i), va2, xa), vb2, y) }
            if count > 3 { n3 = T.fma(T.fma(T.load(c3 + i), va3, xa), vb3, y) }
            if count > 3 { T.store(n3, c3 + i) }
            if count > 2 { T.store(n2, c2 + i) }
            if count > 1 { T.store(n1, c1 + i) }
            if count > 0 { T.store(n0, c0 + i) }
            if dots {
                let u0 = inRegisters ? n0 : T.load(p0 + i)
                e0 = T.fma(e0, u0, n0)
                if count > 1 { e1 = T.fma(e1, u0, n1) }
                if count > 2 { e2 = T.fma(e2, u0, n2) }
                if count > 3 { e3 = T.fma(e3, u0, n3) }
                if hasSecond {
                    let u1 = inRegisters ? n1 : T.load(p1 + i)
                    if !inRegisters { f0 = T.fma(f0, u1, n0) }
                    if count > 1 { f1 = T.fma(f1, u1, n1) }
                    if count > 2 { f2 = T.fma(f2, u1, n2) }
                    if count > 3 { f3 = T.fma(f3, u1, n3) }
                }
            }
            if scaleX {
                T.store(T.scaled(xa, scale1), x1 + i)
                T.store(T.scaled(y, scale2), x2 + i)
            }
            i += T.lanes
        }
        var e = (T.sum(e0), T.sum(e1), T.sum(e2), T.sum(e3))
        var f = (T.sum(f0), T.sum(f1), T.sum(f2), T.sum(f3))
        while i < n {
            let xa = x1[i]
            let y = x2[i] + g * xa
            var m0: T = 0, m1: T = 0, m2: T = 0, m3: T = 0
            if count > 0 { m0 = (c0[i] + a0 * xa) + b0 * y; c0[i] = m0 }
            if count > 1 { m1 = (c1[i] + a1 * xa) + b1 * y; c1[i] = m1 }
            if count > 2 { m2 = (c2[i] + a2 * xa) + b2 * y; c2[i] = m2 }
            if count > 3 { m3 = (c3[i] + a3 * xa) + b3 * y; c3[i] = m3 }
            if dots {
                let u0 = p0[i]
                e.0 += u0 * m0; e.1 += u0 * m1; e.2 += u0 * m2; e.3 += u0 * m3
                if hasSecond {
                    let u1 = p1[i]
                    f.0 += u1 * m0; f.1 += u1 * m1; f.2 += u1 * m2; f.3 += u1 * m3
                }
            }
            if scaleX { x1[i] = scale1 * xa; x2[i] = scale2 * y }
            i += 1
        }
        guard dots else { return }
        firstDots[j0] = e.0
        if count > 1 { firstDots[j0 + 1] = e.1 }
        if count > 2 { firstDots[j0 + 2] = e.2 }
        if count > 3 { firstDots[j0 + 3] = e.3 }
        guard hasSecond else { return }
        if j0 > 0 { secondDots[j0] = f.0 }
        if count > 1 { secondDots[j0 + 1] = f.1 }
        if count > 2 { secondDots[j0 + 2] = f.2 }
        if count > 3 { secondDots[j0 + 3] = f.3 }
    }

    /// `structuredPairGroup` for 5…8 columns in one pass (a constant at each call site): the
    /// leaf's sweeps have 1–7 trailing columns (plus b), and every extra group reloads x₁, x₂ and
    /// the dots' partners. Same arithmetic per column.
    @inline(__always)
    static func structuredPairWideGroup(
        _ c: StridedMatrixView<Scalar>, count: Int,
        _ x1: UnsafeMutablePointer<Scalar>, _ x2: UnsafeMutablePointer<Scalar>, _ g: Scalar,
        _ gains1: UnsafePointer<Scalar>, _ gains2: UnsafePointer<Scalar>, _ scale1: Scalar, _ scale2: Scalar,
        carry: Bool, _ firstDots: UnsafeMutablePointer<Scalar>, _ secondDots: UnsafeMutablePointer<Scalar>
    ) {
        typealias T = Scalar
        let n = c.rows
        // Unused slots point at the last column and are never loaded or stored.
        let c0 = c.column(min(0, count - 1)), c1 = c.column(min(1, count - 1)), c2 = c.column(min(2, count - 1)), c3 = c.column(min(3, count - 1)), c4 = c.column(min(4, count - 1)), c5 = c.column(min(5, count - 1)), c6 = c.column(min(6, count - 1)), c7 = c.column(min(7, count - 1))
        func gain(_ gains: UnsafePointer<Scalar>, _ k: Int) -> Scalar { count > k ? gains[k] : 0 }
        let a0 = gain(gains1, 0), a1 = gain(gains1, 1), a2 = gain(gains1, 2), a3 = gain(gains1, 3), a4 = gain(gains1, 4), a5 = gain(gains1, 5), a6 = gain(gains1, 6), a7 = gain(gains1, 7)
        let b0 = gain(gains2, 0), b1 = gain(gains2, 1), b2 = gain(gains2, 2), b3 = gain(gains2, 3), b4 = gain(gains2, 4), b5 = gain(gains2, 5), b6 = gain(gains2, 6), b7 = gain(gains2, 7)
        let va0 = T.splat(a0), va1 = T.splat(a1), va2 = T.splat(a2), va3 = T.splat(a3), va4 = T.splat(a4), va5 = T.splat(a5), va6 = T.splat(a6), va7 = T.splat(a7)
        let vb0 = T.splat(b0), vb1 = T.splat(b1), vb2 = T.splat(b2), vb3 = T.splat(b3), vb4 = T.splat(b4), vb5 = T.splat(b5), vb6 = T.splat(b6), vb7 = T.splat(b7)
        let vg = T.splat(g)
        var e0 = T.zeroVector, e1 = T.zeroVector, e2 = T.zeroVector, e3 = T.zeroVector, e4 = T.zeroVector, e5 = T.zeroVector, e6 = T.zeroVector, e7 = T.zeroVector
        var f1 = T.zeroVector, f2 = T.zeroVector, f3 = T.zeroVector, f4 = T.zeroVector, f5 = T.zeroVector, f6 = T.zeroVector, f7 = T.zeroVector
        var i = 0
        while i + T.lanes <= n {
            let xa = T.load(x1 + i)
            let y = T.fma(T.load(x2 + i), vg, xa)
            var n0 = T.zeroVector, n1 = T.zeroVector, n2 = T.zeroVector, n3 = T.zeroVector, n4 = T.zeroVector, n5 = T.zeroVector, n6 = T.zeroVector, n7 = T.zeroVector
            if count > 0 { n0 = T.fma(T.fma(T.load(c0 + i), va0, xa), vb0, y) }
            if count > 1 { n1 = T.fma(T.fma(T.load(c1 + i), va1, xa), vb1, y) }
            if count > 2 { n2 = T.fma(T.fma(T.load(c2 + i), va2, xa), vb2, y) }
            if count > 3 { n3 = T.fma(T.fma(T.load(c3 + i), va3, xa), vb3, y) }
            if count > 4 { n4 = T.fma(T.fma(T.load(c4 + i), va4, xa), vb4, y) }
            if count > 5 { n5 = T.fma(T.fma(T.load(c5 + i), va5, xa), vb5, y) }
            if count > 6 { n6 = T.fma(T.fma(T.load(c6 + i), va6, xa), vb6, y) }
            if count > 7 { n7 = T.fma(T.fma(T.load(c7 + i), va7, xa), vb7, y) }
            if count > 7 { T.store(n7, c7 + i) }
            if count > 6 { T.store(n6, c6 + i) }
            if count > 5 { T.store(n5, c5 + i) }
            if count > 4 { T.store(n4, c4 + i) }
            if count > 3 { T.store(n3, c3 + i) }
            if count > 2 { T.store(n2, c2 + i) }
            if count > 1 { T.store(n1, c1 + i) }
            if count > 0 { T.store(n0, c0 + i) }
            if carry {
                e0 = T.fma(e0, n0, n0)
                e1 = T.fma(e1, n0, n1)
                e2 = T.fma(e2, n0, n2)
                e3 = T.fma(e3, n0, n3)
                e4 = T.fma(e4, n0, n4)
                if count > 5 { e5 = T.fma(e5, n0, n5) }
                if count > 6 { e6 = T.fma(e6, n0, n6) }
                if count > 7 { e7 = T.fma(e7, n0, n7) }
                f1 = T.fma(f1, n1, n1)
                f2 = T.fma(f2, n1, n2)
                f3 = T.fma(f3, n1, n3)
                f4 = T.fma(f4, n1, n4)
                if count > 5 { f5 = T.fma(f5, n1, n5) }
                if count > 6 { f6 = T.fma(f6, n1, n6) }
                if count > 7 { f7 = T.fma(f7, n1, n7) }
            }
            T.store(T.scaled(xa, scale1), x1 + i)
            T.store(T.scaled(y, scale2), x2 + i)
            i += T.lanes
        }
        var s0 = T.sum(e0), s1 = T.sum(e1), s2 = T.sum(e2), s3 = T.sum(e3), s4 = T.sum(e4), s5 = T.sum(e5), s6 = T.sum(e6), s7 = T.sum(e7)
        var t1 = T.sum(f1), t2 = T.sum(f2), t3 = T.sum(f3), t4 = T.sum(f4), t5 = T.sum(f5), t6 = T.sum(f6), t7 = T.sum(f7)
        while i < n {
            let xa = x1[i]
            let y = x2[i] + g * xa
            var m0: T = 0, m1: T = 0, m2: T = 0, m3: T = 0, m4: T = 0, m5: T = 0, m6: T = 0, m7: T = 0
            if count > 0 { m0 = (c0[i] + a0 * xa) + b0 * y; c0[i] = m0 }
            if count > 1 { m1 = (c1[i] + a1 * xa) + b1 * y; c1[i] = m1 }
            if count > 2 { m2 = (c2[i] + a2 * xa) + b2 * y; c2[i] = m2 }
            if count > 3 { m3 = (c3[i] + a3 * xa) + b3 * y; c3[i] = m3 }
            if count > 4 { m4 = (c4[i] + a4 * xa) + b4 * y; c4[i] = m4 }
            if count > 5 { m5 = (c5[i] + a5 * xa) + b5 * y; c5[i] = m5 }
            if count > 6 { m6 = (c6[i] + a6 * xa) + b6 * y; c6[i] = m6 }
            if count > 7 { m7 = (c7[i] + a7 * xa) + b7 * y; c7[i] = m7 }
            if carry {
                s0 += m0 * m0; s1 += m0 * m1; s2 += m0 * m2; s3 += m0 * m3; s4 += m0 * m4; s5 += m0 * m5; s6 += m0 * m6; s7 += m0 * m7
                t1 += m1 * m1; t2 += m1 * m2; t3 += m1 * m3; t4 += m1 * m4; t5 += m1 * m5; t6 += m1 * m6; t7 += m1 * m7
            }
            x1[i] = scale1 * xa; x2[i] = scale2 * y
            i += 1
        }
        guard carry else { return }
        firstDots[0] = s0; firstDots[1] = s1; firstDots[2] = s2; firstDots[3] = s3; firstDots[4] = s4
        if count > 5 { firstDots[5] = s5 }
        if count > 6 { firstDots[6] = s6 }
        if count > 7 { firstDots[7] = s7 }
        secondDots[1] = t1; secondDots[2] = t2; secondDots[3] = t3; secondDots[4] = t4
        if count > 5 { secondDots[5] = t5 }
        if count > 6 { secondDots[6] = t6 }
        if count > 7 { secondDots[7] = t7 }
    }
}
