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
    /// The columns in passes of at most `structuredPairPassWidth` (KernelSelection.swift: what the
    /// architecture's vector registers hold), each one sweep over the rows: x₁ and x₂ loaded (y
    /// formed in a register), every column updated by two FMAs and stored, then its inner products
    /// with the first two updated columns (the first pass's are still in registers; later passes
    /// read them back) accumulated by two more. x₁ and x₂ are scaled in the last pass.
    @inline(__always)
    public static func applyStructuredPair(
        _ c: StridedMatrixView<Scalar>, first x1: UnsafeMutablePointer<Scalar>, second x2: UnsafeMutablePointer<Scalar>,
        crossGain g: Scalar, gains1: UnsafePointer<Scalar>, gains2: UnsafePointer<Scalar>, scale1: Scalar, scale2: Scalar,
        carry: Bool, firstDots: UnsafeMutablePointer<Scalar>, secondDots: UnsafeMutablePointer<Scalar>
    ) {
        applyStructuredPair(c, first: x1, second: x2, crossGain: g, gains1: gains1, gains2: gains2, scale1: scale1,
                            scale2: scale2, carry: carry, firstDots: firstDots, secondDots: secondDots,
                            widestPass: structuredPairPassWidth)
    }

    /// `applyStructuredPair` in passes of at most `widestPass` (2…8) columns: 5…8 by
    /// `structuredPairWideGroup` and `structuredPairGroup`, 2…4 by `structuredPairNarrowPasses`.
    /// Each column gets the same operations in the same order whatever the passes (the tests hold
    /// every width to the bits of width 8).
    @inline(__always)
    static func applyStructuredPair(
        _ c: StridedMatrixView<Scalar>, first x1: UnsafeMutablePointer<Scalar>, second x2: UnsafeMutablePointer<Scalar>,
        crossGain g: Scalar, gains1: UnsafePointer<Scalar>, gains2: UnsafePointer<Scalar>, scale1: Scalar, scale2: Scalar,
        carry: Bool, firstDots: UnsafeMutablePointer<Scalar>, secondDots: UnsafeMutablePointer<Scalar>, widestPass: Int
    ) {
        let q = c.columns
        guard q > 0 else {
            structuredPairGroup(c, from: 0, count: 0, x1, x2, g, gains1, gains2, scale1, scale2, scaleX: true, carry: false,
                                firstDots, secondDots)
            return
        }
        // Passes of at most `widest` columns, as even as they come (widest 8: 9 = 5 + 4, 13 = 7 + 6):
        // every pass reloads x₁, x₂ and, after the first, the dots' partners.
        let widest = max(2, min(8, widestPass))
        if widest <= 4 && q > 1 {
            structuredPairNarrowPasses(c, widest: widest, x1, x2, g, gains1, gains2, scale1, scale2, carry: carry,
                                       firstDots, secondDots)
            return
        }
        var j0 = 0
        while j0 < q {
            let left = q - j0, passes = (left + widest - 1) / widest
            let cnt = (left + passes - 1) / passes
            let last = j0 + cnt >= q
            if j0 == 0 {
                switch cnt {
                case 8: structuredPairWideGroup(c, from: 0, count: 8, partnersInRegisters: true, x1, x2, g, gains1, gains2, scale1, scale2, scaleX: last, carry: carry, firstDots, secondDots)
                case 7: structuredPairWideGroup(c, from: 0, count: 7, partnersInRegisters: true, x1, x2, g, gains1, gains2, scale1, scale2, scaleX: last, carry: carry, firstDots, secondDots)
                case 6: structuredPairWideGroup(c, from: 0, count: 6, partnersInRegisters: true, x1, x2, g, gains1, gains2, scale1, scale2, scaleX: last, carry: carry, firstDots, secondDots)
                case 5: structuredPairWideGroup(c, from: 0, count: 5, partnersInRegisters: true, x1, x2, g, gains1, gains2, scale1, scale2, scaleX: last, carry: carry, firstDots, secondDots)
                case 4: structuredPairGroup(c, from: 0, count: 4, x1, x2, g, gains1, gains2, scale1, scale2, scaleX: last, carry: carry, firstDots, secondDots)
                case 3: structuredPairGroup(c, from: 0, count: 3, x1, x2, g, gains1, gains2, scale1, scale2, scaleX: last, carry: carry, firstDots, secondDots)
                case 2: structuredPairGroup(c, from: 0, count: 2, x1, x2, g, gains1, gains2, scale1, scale2, scaleX: last, carry: carry, firstDots, secondDots)
                default: structuredPairGroup(c, from: 0, count: 1, x1, x2, g, gains1, gains2, scale1, scale2, scaleX: last, carry: carry, firstDots, secondDots)
                }
            } else {
                switch cnt {
                case 8: structuredPairWideGroup(c, from: j0, count: 8, partnersInRegisters: false, x1, x2, g, gains1, gains2, scale1, scale2, scaleX: last, carry: carry, firstDots, secondDots)
                case 7: structuredPairWideGroup(c, from: j0, count: 7, partnersInRegisters: false, x1, x2, g, gains1, gains2, scale1, scale2, scaleX: last, carry: carry, firstDots, secondDots)
                case 6: structuredPairWideGroup(c, from: j0, count: 6, partnersInRegisters: false, x1, x2, g, gains1, gains2, scale1, scale2, scaleX: last, carry: carry, firstDots, secondDots)
                case 5: structuredPairWideGroup(c, from: j0, count: 5, partnersInRegisters: false, x1, x2, g, gains1, gains2, scale1, scale2, scaleX: last, carry: carry, firstDots, secondDots)
                case 4: structuredPairGroup(c, from: j0, count: 4, x1, x2, g, gains1, gains2, scale1, scale2, scaleX: last, carry: carry, firstDots, secondDots)
                case 3: structuredPairGroup(c, from: j0, count: 3, x1, x2, g, gains1, gains2, scale1, scale2, scaleX: last, carry: carry, firstDots, secondDots)
                case 2: structuredPairGroup(c, from: j0, count: 2, x1, x2, g, gains1, gains2, scale1, scale2, scaleX: last, carry: carry, firstDots, secondDots)
                default: structuredPairGroup(c, from: j0, count: 1, x1, x2, g, gains1, gains2, scale1, scale2, scaleX: last, carry: carry, firstDots, secondDots)
                }
            }
            j0 += cnt
        }
    }

    /// One group of `count` (0…4, a constant at each call site) columns from `j0`; the dots'
    /// partners p₀ = column 0 and p₁ = column 1 come from this group's registers when j0 = 0.
    /// `@_transparent`, not `@inline(__always)`: the optimizer kept the latter out of line, with
    /// `count` a run-time value tested in the loop (both groups; Benchmarks/README.md: the roof, tall-skinny).
    @_transparent
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
            if count > 0 { n0 = T.fma(T.fma(T.load(c0 + i), T.splat(gains1[j0 + 0]), xa), T.splat(gains2[j0 + 0]), y) }
            if count > 1 { n1 = T.fma(T.fma(T.load(c1 + i), T.splat(gains1[j0 + 1]), xa), T.splat(gains2[j0 + 1]), y) }
            if count > 2 { n2 = T.fma(T.fma(T.load(c2 + i), T.splat(gains1[j0 + 2]), xa), T.splat(gains2[j0 + 2]), y) }
            if count > 3 { n3 = T.fma(T.fma(T.load(c3 + i), T.splat(gains1[j0 + 3]), xa), T.splat(gains2[j0 + 3]), y) }
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

    /// `structuredPairGroup` for 5…8 columns from `j0` in one pass (`count` and
    /// `partnersInRegisters`, j0 = 0, constants at each call site): every pass reloads x₁ and x₂,
    /// and a pass after the first the dots' partners. Same arithmetic per column. The gains are
    /// read inside the loop (one broadcast load each) rather than held in 16 registers, which
    /// would push the 15–16 dot sums out to the stack.
    @_transparent
    static func structuredPairWideGroup(
        _ c: StridedMatrixView<Scalar>, from j0: Int, count: Int, partnersInRegisters: Bool,
        _ x1: UnsafeMutablePointer<Scalar>, _ x2: UnsafeMutablePointer<Scalar>, _ g: Scalar,
        _ gains1: UnsafePointer<Scalar>, _ gains2: UnsafePointer<Scalar>, _ scale1: Scalar, _ scale2: Scalar,
        scaleX: Bool, carry: Bool, _ firstDots: UnsafeMutablePointer<Scalar>, _ secondDots: UnsafeMutablePointer<Scalar>
    ) {
        typealias T = Scalar
        let n = c.rows
        // Unused slots point at the last column and are never loaded or stored.
        func column(_ k: Int) -> UnsafeMutablePointer<Scalar> { c.column(j0 + min(k, count - 1)) }
        let c0 = column(0), c1 = column(1), c2 = column(2), c3 = column(3), c4 = column(4), c5 = column(5), c6 = column(6), c7 = column(7)
        let p0 = c.column(0), p1 = c.column(1)
        let h1 = gains1 + j0, h2 = gains2 + j0
        let vg = T.splat(g)
        // e_k = p₀ᵀc_k, f_k = p₁ᵀc_k of the updated columns (f₀ of the first pass, p₁ᵀp₀, is not needed).
        var e0 = T.zeroVector, e1 = T.zeroVector, e2 = T.zeroVector, e3 = T.zeroVector, e4 = T.zeroVector, e5 = T.zeroVector, e6 = T.zeroVector, e7 = T.zeroVector
        var f0 = T.zeroVector, f1 = T.zeroVector, f2 = T.zeroVector, f3 = T.zeroVector, f4 = T.zeroVector, f5 = T.zeroVector, f6 = T.zeroVector, f7 = T.zeroVector
        var i = 0
        while i + T.lanes <= n {
            let xa = T.load(x1 + i)
            let y = T.fma(T.load(x2 + i), vg, xa)
            let n0 = T.fma(T.fma(T.load(c0 + i), T.splat(h1[0]), xa), T.splat(h2[0]), y)
            let n1 = T.fma(T.fma(T.load(c1 + i), T.splat(h1[1]), xa), T.splat(h2[1]), y)
            let n2 = T.fma(T.fma(T.load(c2 + i), T.splat(h1[2]), xa), T.splat(h2[2]), y)
            let n3 = T.fma(T.fma(T.load(c3 + i), T.splat(h1[3]), xa), T.splat(h2[3]), y)
            let n4 = T.fma(T.fma(T.load(c4 + i), T.splat(h1[4]), xa), T.splat(h2[4]), y)
            var n5 = T.zeroVector, n6 = T.zeroVector, n7 = T.zeroVector
            if count > 5 { n5 = T.fma(T.fma(T.load(c5 + i), T.splat(h1[5]), xa), T.splat(h2[5]), y) }
            if count > 6 { n6 = T.fma(T.fma(T.load(c6 + i), T.splat(h1[6]), xa), T.splat(h2[6]), y) }
            if count > 7 { n7 = T.fma(T.fma(T.load(c7 + i), T.splat(h1[7]), xa), T.splat(h2[7]), y) }
            if count > 7 { T.store(n7, c7 + i) }
            if count > 6 { T.store(n6, c6 + i) }
            if count > 5 { T.store(n5, c5 + i) }
            T.store(n4, c4 + i); T.store(n3, c3 + i); T.store(n2, c2 + i); T.store(n1, c1 + i); T.store(n0, c0 + i)
            if carry {
                let u0 = partnersInRegisters ? n0 : T.load(p0 + i), u1 = partnersInRegisters ? n1 : T.load(p1 + i)
                e0 = T.fma(e0, u0, n0); e1 = T.fma(e1, u0, n1); e2 = T.fma(e2, u0, n2); e3 = T.fma(e3, u0, n3); e4 = T.fma(e4, u0, n4)
                if count > 5 { e5 = T.fma(e5, u0, n5) }
                if count > 6 { e6 = T.fma(e6, u0, n6) }
                if count > 7 { e7 = T.fma(e7, u0, n7) }
                if !partnersInRegisters { f0 = T.fma(f0, u1, n0) }
                f1 = T.fma(f1, u1, n1); f2 = T.fma(f2, u1, n2); f3 = T.fma(f3, u1, n3); f4 = T.fma(f4, u1, n4)
                if count > 5 { f5 = T.fma(f5, u1, n5) }
                if count > 6 { f6 = T.fma(f6, u1, n6) }
                if count > 7 { f7 = T.fma(f7, u1, n7) }
            }
            if scaleX {
                T.store(T.scaled(xa, scale1), x1 + i)
                T.store(T.scaled(y, scale2), x2 + i)
            }
            i += T.lanes
        }
        var s = (T.sum(e0), T.sum(e1), T.sum(e2), T.sum(e3), T.sum(e4), T.sum(e5), T.sum(e6), T.sum(e7))
        var t = (T.sum(f0), T.sum(f1), T.sum(f2), T.sum(f3), T.sum(f4), T.sum(f5), T.sum(f6), T.sum(f7))
        while i < n {
            let xa = x1[i]
            let y = x2[i] + g * xa
            let m0 = (c0[i] + h1[0] * xa) + h2[0] * y; c0[i] = m0
            let m1 = (c1[i] + h1[1] * xa) + h2[1] * y; c1[i] = m1
            let m2 = (c2[i] + h1[2] * xa) + h2[2] * y; c2[i] = m2
            let m3 = (c3[i] + h1[3] * xa) + h2[3] * y; c3[i] = m3
            let m4 = (c4[i] + h1[4] * xa) + h2[4] * y; c4[i] = m4
            var m5: T = 0, m6: T = 0, m7: T = 0
            if count > 5 { m5 = (c5[i] + h1[5] * xa) + h2[5] * y; c5[i] = m5 }
            if count > 6 { m6 = (c6[i] + h1[6] * xa) + h2[6] * y; c6[i] = m6 }
            if count > 7 { m7 = (c7[i] + h1[7] * xa) + h2[7] * y; c7[i] = m7 }
            if carry {
                let u0 = p0[i], u1 = p1[i]
                s.0 += u0 * m0; s.1 += u0 * m1; s.2 += u0 * m2; s.3 += u0 * m3; s.4 += u0 * m4; s.5 += u0 * m5; s.6 += u0 * m6; s.7 += u0 * m7
                t.0 += u1 * m0; t.1 += u1 * m1; t.2 += u1 * m2; t.3 += u1 * m3; t.4 += u1 * m4; t.5 += u1 * m5; t.6 += u1 * m6; t.7 += u1 * m7
            }
            if scaleX { x1[i] = scale1 * xa; x2[i] = scale2 * y }
            i += 1
        }
        guard carry else { return }
        let d = firstDots + j0, e = secondDots + j0
        d[0] = s.0; d[1] = s.1; d[2] = s.2; d[3] = s.3; d[4] = s.4
        if count > 5 { d[5] = s.5 }
        if count > 6 { d[6] = s.6 }
        if count > 7 { d[7] = s.7 }
        if !partnersInRegisters { e[0] = t.0 }
        e[1] = t.1; e[2] = t.2; e[3] = t.3; e[4] = t.4
        if count > 5 { e[5] = t.5 }
        if count > 6 { e[6] = t.6 }
        if count > 7 { e[7] = t.7 }
    }

    /// Passes of at most `widest` (2…4) columns for q ≥ 2, each pass's flags (first pass: partners in
    /// registers; carry; last pass: x₁, x₂ scaled) constants of its own loop, so that no test sits
    /// in the loop and the dot sums stay in registers where they fit (16 ymm: two SIMD8<Double> per
    /// column). The same operations per element as `structuredPairGroup`.
    @inline(__always)
    static func structuredPairNarrowPasses(
        _ c: StridedMatrixView<Scalar>, widest: Int,
        _ x1: UnsafeMutablePointer<Scalar>, _ x2: UnsafeMutablePointer<Scalar>, _ g: Scalar,
        _ gains1: UnsafePointer<Scalar>, _ gains2: UnsafePointer<Scalar>, _ scale1: Scalar, _ scale2: Scalar,
        carry: Bool, _ firstDots: UnsafeMutablePointer<Scalar>, _ secondDots: UnsafeMutablePointer<Scalar>
    ) {
        let q = c.columns
        var j0 = 0
        while j0 < q {
            let left = q - j0, passes = (left + widest - 1) / widest
            let cnt = (left + passes - 1) / passes
            let last = j0 + cnt >= q
            if j0 == 0 {
                switch cnt {
                case 4: structuredPairNarrowFlags(c, from: 0, count: 4, first: true, last: last, carry: carry, x1, x2, g, gains1, gains2, scale1, scale2, firstDots, secondDots)
                case 3: structuredPairNarrowFlags(c, from: 0, count: 3, first: true, last: last, carry: carry, x1, x2, g, gains1, gains2, scale1, scale2, firstDots, secondDots)
                default: structuredPairNarrowFlags(c, from: 0, count: 2, first: true, last: last, carry: carry, x1, x2, g, gains1, gains2, scale1, scale2, firstDots, secondDots)
                }
            } else {
                switch cnt {
                case 4: structuredPairNarrowFlags(c, from: j0, count: 4, first: false, last: last, carry: carry, x1, x2, g, gains1, gains2, scale1, scale2, firstDots, secondDots)
                case 3: structuredPairNarrowFlags(c, from: j0, count: 3, first: false, last: last, carry: carry, x1, x2, g, gains1, gains2, scale1, scale2, firstDots, secondDots)
                case 2: structuredPairNarrowFlags(c, from: j0, count: 2, first: false, last: last, carry: carry, x1, x2, g, gains1, gains2, scale1, scale2, firstDots, secondDots)
                default: structuredPairNarrowFlags(c, from: j0, count: 1, first: false, last: last, carry: carry, x1, x2, g, gains1, gains2, scale1, scale2, firstDots, secondDots)
                }
            }
            j0 += cnt
        }
    }

    /// `last` and `carry` made constants for `structuredPairNarrowGroup` (`count` and `first` already are).
    @_transparent
    static func structuredPairNarrowFlags(
        _ c: StridedMatrixView<Scalar>, from j0: Int, count: Int, first: Bool, last: Bool, carry: Bool,
        _ x1: UnsafeMutablePointer<Scalar>, _ x2: UnsafeMutablePointer<Scalar>, _ g: Scalar,
        _ gains1: UnsafePointer<Scalar>, _ gains2: UnsafePointer<Scalar>, _ scale1: Scalar, _ scale2: Scalar,
        _ firstDots: UnsafeMutablePointer<Scalar>, _ secondDots: UnsafeMutablePointer<Scalar>
    ) {
        switch (carry, last) {
        case (true, false): structuredPairNarrowGroup(c, from: j0, count: count, partnersInRegisters: first, carry: true, scaleX: false, x1, x2, g, gains1, gains2, scale1, scale2, firstDots, secondDots)
        case (true, true): structuredPairNarrowGroup(c, from: j0, count: count, partnersInRegisters: first, carry: true, scaleX: true, x1, x2, g, gains1, gains2, scale1, scale2, firstDots, secondDots)
        case (false, false): structuredPairNarrowGroup(c, from: j0, count: count, partnersInRegisters: first, carry: false, scaleX: false, x1, x2, g, gains1, gains2, scale1, scale2, firstDots, secondDots)
        case (false, true): structuredPairNarrowGroup(c, from: j0, count: count, partnersInRegisters: first, carry: false, scaleX: true, x1, x2, g, gains1, gains2, scale1, scale2, firstDots, secondDots)
        }
    }

    /// One pass over `count` (1…4) columns from `j0`, every argument after `c` but the pointers and
    /// scalars a constant at its call site. With `partnersInRegisters` (j0 = 0, count ≥ 2) the dots'
    /// partners are this pass's first two updated columns; otherwise they are read back.
    @_transparent
    static func structuredPairNarrowGroup(
        _ c: StridedMatrixView<Scalar>, from j0: Int, count: Int, partnersInRegisters: Bool, carry: Bool, scaleX: Bool,
        _ x1: UnsafeMutablePointer<Scalar>, _ x2: UnsafeMutablePointer<Scalar>, _ g: Scalar,
        _ gains1: UnsafePointer<Scalar>, _ gains2: UnsafePointer<Scalar>, _ scale1: Scalar, _ scale2: Scalar,
        _ firstDots: UnsafeMutablePointer<Scalar>, _ secondDots: UnsafeMutablePointer<Scalar>
    ) {
        typealias T = Scalar
        let n = c.rows
        func column(_ k: Int) -> UnsafeMutablePointer<Scalar> { c.column(j0 + min(k, count - 1)) }
        let c0 = column(0), c1 = column(1), c2 = column(2), c3 = column(3)
        let p0 = c.column(0), p1 = c.column(1)
        let h1 = gains1 + j0, h2 = gains2 + j0
        let vg = T.splat(g)
        var e0 = T.zeroVector, e1 = T.zeroVector, e2 = T.zeroVector, e3 = T.zeroVector
        var f0 = T.zeroVector, f1 = T.zeroVector, f2 = T.zeroVector, f3 = T.zeroVector
        var i = 0
        while i + T.lanes <= n {
            let xa = T.load(x1 + i)
            let y = T.fma(T.load(x2 + i), vg, xa)
            let n0 = T.fma(T.fma(T.load(c0 + i), T.splat(h1[0]), xa), T.splat(h2[0]), y)
            var n1 = T.zeroVector, n2 = T.zeroVector, n3 = T.zeroVector
            if count > 1 { n1 = T.fma(T.fma(T.load(c1 + i), T.splat(h1[1]), xa), T.splat(h2[1]), y) }
            if count > 2 { n2 = T.fma(T.fma(T.load(c2 + i), T.splat(h1[2]), xa), T.splat(h2[2]), y) }
            if count > 3 { n3 = T.fma(T.fma(T.load(c3 + i), T.splat(h1[3]), xa), T.splat(h2[3]), y) }
            if count > 3 { T.store(n3, c3 + i) }
            if count > 2 { T.store(n2, c2 + i) }
            if count > 1 { T.store(n1, c1 + i) }
            T.store(n0, c0 + i)
            if carry {
                let u0 = partnersInRegisters ? n0 : T.load(p0 + i)
                e0 = T.fma(e0, u0, n0)
                if count > 1 { e1 = T.fma(e1, u0, n1) }
                if count > 2 { e2 = T.fma(e2, u0, n2) }
                if count > 3 { e3 = T.fma(e3, u0, n3) }
                let u1 = partnersInRegisters ? n1 : T.load(p1 + i)
                if !partnersInRegisters { f0 = T.fma(f0, u1, n0) }
                if count > 1 { f1 = T.fma(f1, u1, n1) }
                if count > 2 { f2 = T.fma(f2, u1, n2) }
                if count > 3 { f3 = T.fma(f3, u1, n3) }
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
            var m1: T = 0, m2: T = 0, m3: T = 0
            let m0 = (c0[i] + h1[0] * xa) + h2[0] * y; c0[i] = m0
            if count > 1 { m1 = (c1[i] + h1[1] * xa) + h2[1] * y; c1[i] = m1 }
            if count > 2 { m2 = (c2[i] + h1[2] * xa) + h2[2] * y; c2[i] = m2 }
            if count > 3 { m3 = (c3[i] + h1[3] * xa) + h2[3] * y; c3[i] = m3 }
            if carry {
                let u0 = p0[i], u1 = p1[i]
                e.0 += u0 * m0; e.1 += u0 * m1; e.2 += u0 * m2; e.3 += u0 * m3
                f.0 += u1 * m0; f.1 += u1 * m1; f.2 += u1 * m2; f.3 += u1 * m3
            }
            if scaleX { x1[i] = scale1 * xa; x2[i] = scale2 * y }
            i += 1
        }
        guard carry else { return }
        let d = firstDots + j0, s = secondDots + j0
        d[0] = e.0
        if count > 1 { d[1] = e.1 }
        if count > 2 { d[2] = e.2 }
        if count > 3 { d[3] = e.3 }
        if !partnersInRegisters { s[0] = f.0 }
        if count > 1 { s[1] = f.1 }
        if count > 2 { s[2] = f.2 }
        if count > 3 { s[3] = f.3 }
    }
}
