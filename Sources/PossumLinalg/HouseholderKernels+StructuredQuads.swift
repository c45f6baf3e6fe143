/// Four structured reflectors of a TSQR block step in one sweep (`TallSkinnyQR.factorPanelQuad`).
/// The paired sweep (`applyStructuredPair`) loads and stores each trailing element once per two
/// reflectors for 8 flops; this one applies reflectors k…k + 3 and takes the next four reflectors'
/// inner products in the same pass, 16 flops per load and store.
///
/// Only the block rows are touched (the heads, eₖ on the triangle's rows, are scalars the caller
/// handles). x₁…x₄ are columns k…k + 3 as the sweep finds them: x₁ is reflector k's unscaled tail,
/// x₂…x₄ are their columns before reflector k. The reflectors' unscaled tails are formed row by row,
/// u₁ = x₁, u₂ = x₂ + l₂₁u₁, u₃ = x₃ + l₃₁u₁ + l₃₂u₂, u₄ = x₄ + l₄₁u₁ + l₄₂u₂ + l₄₃u₃ (lᵣₛ: reflector
/// s's gain on column r), and stored back scaled.

extension HouseholderKernels {
    /// The reference arithmetic of `applyStructuredQuad`: row by row the tails u₁…u₄, each column's
    /// four updates in reflector order, the tails scaled; then the inner products in row order.
    @inlinable
    public static func applyStructuredQuad(
        _ c: StridedMatrixView<Scalar>, reflectors x: StridedMatrixView<Scalar>, lower l: UnsafePointer<Scalar>,
        gains: UnsafePointer<Scalar>, ldg: Int, scales: UnsafePointer<Scalar>, carry: Bool,
        dots: UnsafeMutablePointer<Scalar>, ldd: Int
    ) {
        let n = c.rows, q = c.columns
        let x1 = x.column(0), x2 = x.column(1), x3 = x.column(2), x4 = x.column(3)
        for i in 0..<n {
            let u1 = x1[i]
            let u2 = x2[i] + l[0] * u1
            let u3 = (x3[i] + l[1] * u1) + l[2] * u2
            let u4 = ((x4[i] + l[3] * u1) + l[4] * u2) + l[5] * u3
            for j in 0..<q {
                let cj = c.column(j)
                cj[i] = (((cj[i] + gains[j] * u1) + gains[j + ldg] * u2) + gains[j + 2 * ldg] * u3) + gains[j + 3 * ldg] * u4
            }
            x1[i] = scales[0] * u1
            x2[i] = scales[1] * u2
            x3[i] = scales[2] * u3
            x4[i] = scales[3] * u4
        }
        guard carry else { return }
        for r in 0..<min(4, q) {
            let p = c.column(r)
            for j in r..<q {
                let cj = c.column(j)
                var s: Scalar = 0
                for i in 0..<n { s += p[i] * cj[i] }
                dots[j + r * ldd] = s
            }
        }
    }
}

extension VectorKernels {
    /// Rows per strip: the sweep runs over the block strip by strip, every column group of a strip
    /// before the next, so that the tails u₁…u₄ and the dots' partners, reloaded by each group,
    /// come from L1 (8 columns of a strip: 16 KiB of Double) while the trailing columns stream.
    @usableFromInline static var structuredQuadStripRows: Int { 32 * Scalar.lanes }

    /// The trailing columns' first four (the next reflectors' columns, partners of every dot) in
    /// one group, which also forms the tails; the others in groups of two (a group of four would
    /// need 16 gains and 16 dot sums in registers beside the tails and partners).
    @inline(__always)
    public static func applyStructuredQuad(
        _ c: StridedMatrixView<Scalar>, reflectors x: StridedMatrixView<Scalar>, lower l: UnsafePointer<Scalar>,
        gains: UnsafePointer<Scalar>, ldg: Int, scales: UnsafePointer<Scalar>, carry: Bool,
        dots: UnsafeMutablePointer<Scalar>, ldd: Int
    ) {
        typealias T = Scalar
        let n = c.rows, q = c.columns, lanes = T.lanes
        let vectorEnd = n / lanes * lanes
        let strip = structuredQuadStripRows
        let width = max(q, 1)
        withUnsafeTemporaryAllocation(of: T.self, capacity: 8 * width) { gainBuffer in
            withUnsafeTemporaryAllocation(of: T.Vector.self, capacity: 4 * width) { sumBuffer in
                guard let g = gainBuffer.baseAddress, let acc = sumBuffer.baseAddress else { return }
                let sums = g + 4 * width
                // Gains copied first: `dots` may share their slots.
                for r in 0..<4 { for j in 0..<q { g[j + r * width] = gains[j + r * ldg] } }
                acc.initialize(repeating: T.zeroVector, count: 4 * width)
                let tails = QuadTails(x1: x.column(0), x2: x.column(1), x3: x.column(2), x4: x.column(3))
                let lower = (l[0], l[1], l[2], l[3], l[4], l[5])
                let scale = (scales[0], scales[1], scales[2], scales[3])
                var i0 = 0
                while i0 < vectorEnd {
                    let i1 = min(i0 + strip, vectorEnd)
                    if q < 4 {
                        structuredQuadHeadNarrow(c, rows: i0, to: i1, tails, lower, g, width, scale, carry: carry, acc)
                        i0 = i1
                        continue
                    }
                    structuredQuadForm(rows: i0, to: i1, tails, lower)
                    // Columns 0, 1 (their own dots), 2, 3 (with 0, 1 reloaded), then the rest (with 0…3).
                    structuredQuadGroup(c, from: 0, count: 2, partners: 0, selfDots: true, rows: i0, to: i1, tails, g, width,
                                        scale, scaleTails: false, carry: carry, acc)
                    structuredQuadGroup(c, from: 2, count: 2, partners: 2, selfDots: true, rows: i0, to: i1, tails, g, width,
                                        scale, scaleTails: q == 4, carry: carry, acc)
                    var j = 4
                    while j < q {
                        let last = j + 2 >= q
                        if q - j >= 2 {
                            structuredQuadGroup(c, from: j, count: 2, partners: 4, selfDots: false, rows: i0, to: i1, tails, g,
                                                width, scale, scaleTails: last, carry: carry, acc)
                        } else {
                            structuredQuadGroup(c, from: j, count: 1, partners: 4, selfDots: false, rows: i0, to: i1, tails, g,
                                                width, scale, scaleTails: last, carry: carry, acc)
                        }
                        j += 2
                    }
                    i0 = i1
                }
                if carry {
                    for r in 0..<min(4, q) { for j in r..<q { sums[j + r * width] = T.sum(acc[j + r * width]) } }
                }
                // Rows past the last whole vector: the reference arithmetic, the sums continued.
                for i in vectorEnd..<n {
                    let u1 = tails.x1[i]
                    let u2 = tails.x2[i] + lower.0 * u1
                    let u3 = (tails.x3[i] + lower.1 * u1) + lower.2 * u2
                    let u4 = ((tails.x4[i] + lower.3 * u1) + lower.4 * u2) + lower.5 * u3
                    for j in 0..<q {
                        let cj = c.column(j)
                        cj[i] = (((cj[i] + g[j] * u1) + g[j + width] * u2) + g[j + 2 * width] * u3) + g[j + 3 * width] * u4
                    }
                    tails.x1[i] = scale.0 * u1
                    tails.x2[i] = scale.1 * u2
                    tails.x3[i] = scale.2 * u3
                    tails.x4[i] = scale.3 * u4
                    if carry {
                        for r in 0..<min(4, q) {
                            let p = c.column(r)[i]
                            for j in r..<q { sums[j + r * width] += p * c.column(j)[i] }
                        }
                    }
                }
                if carry {
                    for r in 0..<min(4, q) { for j in r..<q { dots[j + r * ldd] = sums[j + r * width] } }
                }
            }
        }
    }

    /// The four reflector columns of a quad sweep.
    @usableFromInline
    struct QuadTails {
        let x1, x2, x3, x4: UnsafeMutablePointer<Scalar>
    }

    /// u₂…u₄ formed from x on rows i0..<i1 and stored over x₂…x₄ (u₁ is x₁), unscaled: the
    /// column groups that follow read them.
    @inline(__always)
    static func structuredQuadForm(
        rows i0: Int, to i1: Int, _ x: QuadTails, _ l: (Scalar, Scalar, Scalar, Scalar, Scalar, Scalar)
    ) {
        typealias T = Scalar
        let l21 = T.splat(l.0), l31 = T.splat(l.1), l32 = T.splat(l.2), l41 = T.splat(l.3), l42 = T.splat(l.4), l43 = T.splat(l.5)
        var i = i0
        while i < i1 {
            let u1 = T.load(x.x1 + i)
            let u2 = T.fma(T.load(x.x2 + i), l21, u1)
            let u3 = T.fma(T.fma(T.load(x.x3 + i), l31, u1), l32, u2)
            let u4 = T.fma(T.fma(T.fma(T.load(x.x4 + i), l41, u1), l42, u2), l43, u3)
            T.store(u2, x.x2 + i)
            T.store(u3, x.x3 + i)
            T.store(u4, x.x4 + i)
            i += T.lanes
        }
    }

    /// Fewer than four trailing columns (a block step's last sweep): one pass, the columns in a
    /// loop; the tails are formed and stored scaled.
    static func structuredQuadHeadNarrow(
        _ c: StridedMatrixView<Scalar>, rows i0: Int, to i1: Int, _ x: QuadTails,
        _ l: (Scalar, Scalar, Scalar, Scalar, Scalar, Scalar), _ g: UnsafePointer<Scalar>, _ width: Int,
        _ s: (Scalar, Scalar, Scalar, Scalar), carry: Bool, _ acc: UnsafeMutablePointer<Scalar.Vector>
    ) {
        typealias T = Scalar
        let q = c.columns
        let l21 = T.splat(l.0), l31 = T.splat(l.1), l32 = T.splat(l.2), l41 = T.splat(l.3), l42 = T.splat(l.4), l43 = T.splat(l.5)
        var i = i0
        while i < i1 {
            let u1 = T.load(x.x1 + i)
            let u2 = T.fma(T.load(x.x2 + i), l21, u1)
            let u3 = T.fma(T.fma(T.load(x.x3 + i), l31, u1), l32, u2)
            let u4 = T.fma(T.fma(T.fma(T.load(x.x4 + i), l41, u1), l42, u2), l43, u3)
            for j in 0..<q {
                let cj = c.column(j) + i
                let nj = T.fma(T.fma(T.fma(T.fma(T.load(cj), T.splat(g[j]), u1), T.splat(g[j + width]), u2),
                                     T.splat(g[j + 2 * width]), u3), T.splat(g[j + 3 * width]), u4)
                T.store(nj, cj)
            }
            if carry {
                for r in 0..<q {
                    let p = T.load(c.column(r) + i)
                    for j in r..<q { acc[j + r * width] = T.fma(acc[j + r * width], p, T.load(c.column(j) + i)) }
                }
            }
            T.store(T.scaled(u1, s.0), x.x1 + i)
            T.store(T.scaled(u2, s.1), x.x2 + i)
            T.store(T.scaled(u3, s.2), x.x3 + i)
            T.store(T.scaled(u4, s.3), x.x4 + i)
            i += T.lanes
        }
    }

    /// Columns j0..<j0+count (1 or 2) on rows i0..<i1 with the tails u₁…u₄ already formed:
    /// updates the columns and adds to `acc` their inner products with the updated columns
    /// 0..<partners (reloaded) and, with `selfDots`, with the group's own columns (r ≤ j). The
    /// last group scales the tails. `count`, `partners` and `selfDots` are constants at each call.
    @_transparent
    static func structuredQuadGroup(
        _ c: StridedMatrixView<Scalar>, from j0: Int, count: Int, partners np: Int, selfDots: Bool,
        rows i0: Int, to i1: Int, _ x: QuadTails,
        _ g: UnsafePointer<Scalar>, _ width: Int, _ s: (Scalar, Scalar, Scalar, Scalar), scaleTails: Bool, carry: Bool,
        _ acc: UnsafeMutablePointer<Scalar.Vector>
    ) {
        typealias T = Scalar
        let c0 = c.column(j0), c1 = c.column(j0 + min(1, count - 1))
        let p0 = c.column(0), p1 = c.column(min(1, c.columns - 1)), p2 = c.column(min(2, c.columns - 1)), p3 = c.column(min(3, c.columns - 1))
        func gain(_ r: Int, _ k: Int) -> T.Vector { T.splat(count > k ? g[j0 + k + r * width] : 0) }
        let a0 = gain(0, 0), a1 = gain(0, 1), b0 = gain(1, 0), b1 = gain(1, 1)
        let d0 = gain(2, 0), d1 = gain(2, 1), e0 = gain(3, 0), e1 = gain(3, 1)
        // sRK: partner r (a loaded column r < np) against group column k; tAB: group columns a ≤ b.
        func slot(_ r: Int, _ k: Int) -> Int { count > k ? j0 + k + r * width : j0 + r * width }
        var s00 = acc[slot(0, 0)], s10 = acc[slot(1, 0)], s20 = acc[slot(2, 0)], s30 = acc[slot(3, 0)]
        var s01 = acc[slot(0, 1)], s11 = acc[slot(1, 1)], s21 = acc[slot(2, 1)], s31 = acc[slot(3, 1)]
        // Own dots: column j0 with itself, j0 with j0 + 1, j0 + 1 with itself (rows j0, j0 + 1).
        let own00 = j0 + j0 * width, own01 = j0 + min(1, count - 1) + j0 * width
        let own11 = j0 + min(1, count - 1) + (j0 + min(1, count - 1)) * width
        var t00 = acc[own00], t01 = acc[own01], t11 = acc[own11]
        let dots = carry
        var i = i0
        while i < i1 {
            let u1 = T.load(x.x1 + i), u2 = T.load(x.x2 + i), u3 = T.load(x.x3 + i), u4 = T.load(x.x4 + i)
            let n0 = T.fma(T.fma(T.fma(T.fma(T.load(c0 + i), a0, u1), b0, u2), d0, u3), e0, u4)
            var n1 = T.zeroVector
            if count > 1 { n1 = T.fma(T.fma(T.fma(T.fma(T.load(c1 + i), a1, u1), b1, u2), d1, u3), e1, u4) }
            if count > 1 { T.store(n1, c1 + i) }
            T.store(n0, c0 + i)
            if dots {
                if np > 0 {
                    let q0 = T.load(p0 + i), q1 = T.load(p1 + i)
                    s00 = T.fma(s00, q0, n0); s10 = T.fma(s10, q1, n0)
                    if count > 1 { s01 = T.fma(s01, q0, n1); s11 = T.fma(s11, q1, n1) }
                }
                if np > 2 {
                    let q2 = T.load(p2 + i), q3 = T.load(p3 + i)
                    s20 = T.fma(s20, q2, n0); s30 = T.fma(s30, q3, n0)
                    if count > 1 { s21 = T.fma(s21, q2, n1); s31 = T.fma(s31, q3, n1) }
                }
                if selfDots {
                    t00 = T.fma(t00, n0, n0)
                    if count > 1 { t01 = T.fma(t01, n0, n1); t11 = T.fma(t11, n1, n1) }
                }
            }
            if scaleTails {
                T.store(T.scaled(u1, s.0), x.x1 + i)
                T.store(T.scaled(u2, s.1), x.x2 + i)
                T.store(T.scaled(u3, s.2), x.x3 + i)
                T.store(T.scaled(u4, s.3), x.x4 + i)
            }
            i += T.lanes
        }
        guard dots else { return }
        if np > 0 {
            acc[slot(0, 0)] = s00; acc[slot(1, 0)] = s10
            if count > 1 { acc[slot(0, 1)] = s01; acc[slot(1, 1)] = s11 }
        }
        if np > 2 {
            acc[slot(2, 0)] = s20; acc[slot(3, 0)] = s30
            if count > 1 { acc[slot(2, 1)] = s21; acc[slot(3, 1)] = s31 }
        }
        if selfDots {
            acc[own00] = t00
            if count > 1 { acc[own01] = t01; acc[own11] = t11 }
        }
    }
}
