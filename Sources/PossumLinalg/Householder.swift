import Dispatch

/// The Householder layer every QR in this module is built from (Eigen's model: the variants differ
/// only in how they loop over these): one reflector generator, one reflector application with a
/// separate head row, one triangular factor T, one block-reflector update, one back substitution.
/// Generic over the kernels, so that every factorization runs with `ReferenceKernels` in the tests.
enum Householder<K: HouseholderKernels> {
    typealias T = K.Scalar

    /// The reflector H = I − τ·v·vᵀ with H·[α; x] = [β; 0] (the role of `dlarfg`): overwrites the
    /// tail x (n entries) with v's tail (v's head is an implicit 1) and returns β and τ. When x is
    /// already 0, H = I: τ = 0, β = α, x unchanged. ‖x‖ has `norm2`'s guard: rescaled when the
    /// plain sum of squares over- or underflows.
    ///
    /// `wholeVectorsFrom` p: x[p..<n] is a whole number of vectors (the paired QR's zero-padded
    /// columns), so x[0..<p] is summed and scaled alone and the kernels never reach a scalar tail.
    @inline(__always)
    static func generate(alpha: T, tail x: UnsafeMutablePointer<T>, count n: Int, wholeVectorsFrom p: Int = 0) -> (beta: T, tau: T) {
        var s: T = 0
        for i in 0..<p { s += x[i] * x[i] }
        s += K.sumOfSquares(n - p, x + p)
        let tailNorm = K.norm2(n, x, sumOfSquares: s)
        guard tailNorm != 0 else { return (alpha, 0) }
        let beta = alpha >= 0 ? -pythagoras(alpha, tailNorm) : pythagoras(alpha, tailNorm)
        let scale = 1 / (alpha - beta)
        for i in 0..<p { x[i] *= scale }
        K.scale(n - p, scale, x + p)
        return (beta, (beta - alpha) / beta)
    }

    /// C ← (I − τ·v·vᵀ)·C for every column of `c`, where v is 1 on row `head` (none when nil) and
    /// v[0..<len] on rows tailRow..<tailRow+len (disjoint from `head`), 0 elsewhere. Four columns
    /// per sweep, so that each vector of v is loaded once for four dot products and four updates.
    @inline(__always)
    static func applyReflector(
        _ v: UnsafePointer<T>, count len: Int, tau: T, head: Int?, tailRow r0: Int, to c: StridedMatrixView<T>
    ) {
        guard tau != 0 else { return }
        var j = 0
        while j + 4 <= c.columns {
            let c0 = c.column(j), c1 = c.column(j + 1), c2 = c.column(j + 2), c3 = c.column(j + 3)
            let (d0, d1, d2, d3) = K.dot4(len, v, c0 + r0, c1 + r0, c2 + r0, c3 + r0)
            var w0 = tau * d0, w1 = tau * d1, w2 = tau * d2, w3 = tau * d3
            if let k = head {
                // The head entry is added after the long sum, as `applyReflector` adds c[0].
                w0 = tau * (c0[k] + d0); w1 = tau * (c1[k] + d1); w2 = tau * (c2[k] + d2); w3 = tau * (c3[k] + d3)
                c0[k] -= w0; c1[k] -= w1; c2[k] -= w2; c3[k] -= w3
            }
            K.axpy4(len, v, -w0, c0 + r0, -w1, c1 + r0, -w2, c2 + r0, -w3, c3 + r0)
            j += 4
        }
        while j < c.columns {
            let cj = c.column(j)
            let d = K.dot(len, v, cj + r0)
            var w = tau * d
            if let k = head {
                w = tau * (cj[k] + d)
                cj[k] -= w
            }
            K.axpy(len, -w, v, cj + r0)
            j += 1
        }
    }

    /// The upper-triangular T of H₀⋯H₍jb−1₎ = I − V·T·Vᵀ (`dlarft`, forward, columnwise):
    /// T[i,i] = τᵢ and T[0..<i, i] = −τᵢ·T[0..<i, 0..<i]·(V[:, 0..<i]ᵀ·vᵢ), with vⱼᵀvᵢ = `gram(j, i)`
    /// (j < i). The inner products are the kernels' dot products, not a Gram product through the
    /// tile: an error in T goes straight into the backward error, and the tile's single FMA chains
    /// measured less accurate (Benchmarks/README.md: the T factor).
    @inline(__always)
    static func formTriangularFactor(count jb: Int, tau: UnsafePointer<T>, into t: UnsafeMutablePointer<T>, gram: (Int, Int) -> T) {
        t.update(repeating: 0, count: jb * jb)
        for i in 0..<jb {
            t[i + i * jb] = tau[i]
            guard i > 0, tau[i] != 0 else { continue }
            // y_j = vⱼᵀvᵢ, stored in T's column i for now.
            let ti = t + i * jb
            for j in 0..<i { ti[j] = gram(j, i) }
            // T[0..<i, i] = −τᵢ·T[0..<i,0..<i]·y, top down: row r needs y_q for q ≥ r only.
            for r in 0..<i {
                var s: T = 0
                for q in r..<i { s += t[r + q * jb] * ti[q] }
                ti[r] = -tau[i] * s
            }
        }
    }

    /// Elements of scratch `applyBlockReflector` needs for `rows` rows of V, `columns` columns of
    /// C and panels of nb reflectors.
    static func blockReflectorScratch(rows m: Int, columns n: Int, blockSize nb: Int) -> Int {
        let mr = K.Tile.mr
        let ld = roundUp(nb, T.lanes)
        // Vᵀ (ld × m), V in micro-panels (m rounded up to whole strips × nb), W and W' (ld × n
        // each), −Tᵀ (ld × ld), T (nb × nb)
        return ld * m + roundUp(m, mr) * nb + 2 * ld * n + ld * ld + nb * nb
    }

    /// Applies (H₀⋯H₍jb−1₎)ᵀ = I − V·Tᵀ·Vᵀ for the jb reflectors whose vectors are the columns of
    /// `v` to C, at once (the role of `dlarft` + `dlarfb`): W = VᵀC, W' = −Tᵀ·W, C += V·W'.
    ///
    /// Two shapes of V, the only difference between the blocked QR and a TSQR block step:
    /// - `head == nil` (packed, `dgeqrf` layout): V's first jb rows are the unit lower triangle
    ///   (the entries stored on and above the diagonal of `v` are R's and are not read); C has the
    ///   rows of `v`.
    /// - `head` = C_R (jb × nc), TSQR's [I; V_B]: V is the identity on the jb rows of C_R and `v`
    ///   (dense) on the rows of `c` = C_B; since the identity part is orthonormal, V's Gram matrix
    ///   is I + V_BᵀV_B, W = C_R + V_BᵀC_B (C_R added last: the long sum starts from zero instead of
    ///   carrying R's entries, often the largest, through every rounding) and C_R += W'. This shape
    ///   goes to `applyStructuredBlockReflector` (no packing; one thread).
    ///
    /// V is packed as Vᵀ with `mr` reflectors' entries of a row contiguous (A of W = VᵀC), and also
    /// in micro-panels, mr rows × jb contiguous with the triangle explicit (A of C += V·W'), so that
    /// the tile streams both from consecutive addresses (BLIS-style). With `threads` ≥ 2, the columns
    /// of C are split into `BlockedHouseholderQR.updateGroups` groups updated concurrently; every
    /// column gets the same operations in the same order either way. TSQR's [I; V_B] (`head` given)
    /// goes to `applyStructuredBlockReflector`.
    ///
    /// `scratch` holds at least `blockReflectorScratch(rows: v.rows, columns: c.columns, blockSize: jb)`
    /// (`structuredBlockReflectorScratch(columns: c.columns, blockSize: jb)` for the TSQR shape).
    static func applyBlockReflector(
        _ v: StridedMatrixView<T>, tau: UnsafePointer<T>, to c: StridedMatrixView<T>, head: StridedMatrixView<T>?,
        scratch: UnsafeMutablePointer<T>, threads: Int = 1
    ) {
        if let head {
            applyStructuredBlockReflector(v, tau: tau, to: c, head: head, scratch: scratch)
            return
        }
        let (rows, jb, nc) = (v.rows, v.columns, c.columns)
        let mr = K.Tile.mr
        // Whole vectors, not whole tiles: a tile's partial strip reads only the vectors it stores.
        let ld = roundUp(jb, T.lanes)
        let vt = scratch                    // ld × rows: Vᵀ, padding rows 0
        let vp = vt + ld * rows             // roundUp(rows, mr) × jb in micro-panels: V
        let w = vp + roundUp(rows, mr) * jb // ld × nc
        let w2 = w + ld * nc                // ld × nc
        let negTt = w2 + ld * nc            // ld × ld: −Tᵀ, zero-padded
        let t = negTt + ld * ld             // jb × jb
        // Rows of `v` that hold the unit triangle rather than V's entries.
        let triangle = head == nil ? jb : 0

        // Padding rows of Vᵀ (reflectors jb..<ld) and of the last micro-panel (rows ≥ `rows`) are 0.
        // Below the triangle V is `v` itself, copied without tests.
        @inline(__always) func vEntry(_ r: Int, _ i: Int) -> T {
            r >= rows ? 0 : r >= triangle ? v[r, i] : r < i ? 0 : r == i ? 1 : v[r, i]
        }
        for r in 0..<rows {
            let dst = vt + r * ld
            if r < triangle {
                for i in 0..<jb { dst[i] = vEntry(r, i) }
            } else {
                for i in 0..<jb { dst[i] = v[r, i] }
            }
            for i in jb..<ld { dst[i] = 0 }
        }
        var r0 = 0
        while head == nil && r0 < rows {
            let strip = vp + r0 * jb
            for i in 0..<jb {
                if mr % T.lanes == 0 && r0 >= triangle && r0 + mr <= rows {
                    for q in stride(from: 0, to: mr, by: T.lanes) {
                        T.store(T.load(v.column(i) + r0 + q), strip + i * mr + q)
                    }
                } else {
                    for q in 0..<mr { strip[i * mr + q] = vEntry(r0 + q, i) }
                }
            }
            r0 += mr
        }
        if head == nil {
            // vᵢ is 0 above row i and 1 at row i.
            formTriangularFactor(count: jb, tau: tau, into: t) { j, i in
                v[i, j] + K.dot(rows - i - 1, v.column(j) + i + 1, v.column(i) + i + 1)
            }
        } else {
            formTriangularFactor(count: jb, tau: tau, into: t) { j, i in K.dot(rows, v.column(j), v.column(i)) }
        }
        for p in 0..<ld {
            for i in 0..<ld { negTt[i + p * ld] = i < jb && p <= i ? -t[p + i * jb] : 0 }
        }

        let update = BlockReflectorUpdate<K>(vt: vt, vp: vp, v: v, w: w, w2: w2, negTt: negTt, c: c, head: head, jb: jb, ld: ld)
        let groups = BlockedHouseholderQR.updateGroups(rows: rows, columns: nc, threads: threads)
        guard groups >= 2 else {
            update.columns(0, nc)
            return
        }
        // Whole tiles in each group; which thread does a column does not change its bits.
        let shared = SharedWithWorker(value: update)
        DispatchQueue.concurrentPerform(iterations: groups) { g in
            let j0 = BlockedHouseholderQR.groupStart(g, of: groups, columns: nc, tile: K.Tile.nr)
            let j1 = BlockedHouseholderQR.groupStart(g + 1, of: groups, columns: nc, tile: K.Tile.nr)
            shared.value.columns(j0, j1 - j0)
        }
    }
}

extension Householder {
    /// Elements of scratch `applyStructuredBlockReflector` needs for `columns` columns of C and
    /// panels of nb reflectors.
    static func structuredBlockReflectorScratch(columns n: Int, blockSize nb: Int) -> Int {
        // [G | W] (nb × (nb + n)), T (nb × nb), W' (nb × n)
        nb * (nb + n) + nb * nb + nb * n
    }

    /// `applyBlockReflector` for TSQR's [I; V_B] (`head` = C_R): the Gram matrix V_BᵀV_B (for T)
    /// and W = V_BᵀC_B in one sweep over the block by `K.innerProducts` when C_B's columns follow
    /// V_B's in storage (as in a TSQR block step), W += C_R, W' = −Tᵀ·W, C_R += W', then
    /// C_B += V_B·W' by `K.rankUpdate`, V_B read where it stands. No copy of V_B.
    static func applyStructuredBlockReflector(
        _ v: StridedMatrixView<T>, tau: UnsafePointer<T>, to c: StridedMatrixView<T>, head: StridedMatrixView<T>,
        scratch: UnsafeMutablePointer<T>
    ) {
        let (rows, jb, nc) = (v.rows, v.columns, c.columns)
        let gw = scratch                    // jb × (jb + nc): G, then W
        let w = gw + jb * jb
        let t = w + jb * nc                 // jb × jb
        let w2 = t + jb * jb                // jb × nc
        let ld = v.leadingDimension
        if nc > 0 && c.leadingDimension == ld && UnsafePointer(c.base) == UnsafePointer(v.base) + jb * ld {
            K.innerProducts(rows: rows, v.base, ldx: ld, count: jb, v.base, ldy: ld, count: jb + nc,
                            into: gw, ldo: jb, skipBelowDiagonal: true)
        } else {
            K.innerProducts(rows: rows, v.base, ldx: ld, count: jb, v.base, ldy: ld, count: jb,
                            into: gw, ldo: jb, skipBelowDiagonal: true)
            K.innerProducts(rows: rows, v.base, ldx: ld, count: jb, c.base, ldy: c.leadingDimension,
                            count: nc, into: w, ldo: jb, skipBelowDiagonal: false)
        }
        formTriangularFactor(count: jb, tau: tau, into: t) { j, i in gw[j + i * jb] }
        for j in 0..<nc {
            // C_R added after the long sum (see `applyBlockReflector`).
            let hj = head.column(j), wc = w + j * jb, w2c = w2 + j * jb
            for i in 0..<jb { wc[i] += hj[i] }
            // W' = −Tᵀ·W, T upper triangular.
            for i in 0..<jb {
                var s: T = 0
                for q in 0...i { s += t[q + i * jb] * wc[q] }
                w2c[i] = -s
            }
            for i in 0..<jb { hj[i] += w2c[i] }
        }
        K.rankUpdate(rows: rows, v.base, ldv: ld, count: jb, w2, ldw: jb, into: c.base, ldc: c.leadingDimension,
                     columns: nc)
    }
}

/// The three products of `Householder.applyBlockReflector` on a range of C's columns (a value,
/// not a closure, so the one-thread path allocates no closure context: steady state).
struct BlockReflectorUpdate<K: HouseholderKernels> {
    typealias T = K.Scalar
    let vt: UnsafeMutablePointer<T>, vp: UnsafeMutablePointer<T>, v: StridedMatrixView<T>
    let w: UnsafeMutablePointer<T>, w2: UnsafeMutablePointer<T>, negTt: UnsafeMutablePointer<T>
    let c: StridedMatrixView<T>
    let head: StridedMatrixView<T>?
    let jb: Int, ld: Int

    /// Columns j0..<j0+count, `K.Tile.columnBlock` at a time: column j of W, W' and the update
    /// depend only on column j of C, so a block of C is read by W = VᵀC and updated by C += V·W'
    /// while it is still in cache. A remainder narrower than a tile joins the block before it (a
    /// block of its own would run whole tiles for it). Each column's entries are the same bits
    /// whichever block or tile computes them (the tile contract), so any split gives one result.
    func columns(_ j0: Int, _ count: Int) {
        var j = j0
        while j < j0 + count {
            let remaining = j0 + count - j
            let width = remaining < K.Tile.columnBlock + K.Tile.nr ? remaining : K.Tile.columnBlock
            block(j, width)
            j += width
        }
    }

    /// W = VᵀC (+ C_R), W' = −Tᵀ·W, (C_R += W'), C += V·W' for columns j0..<j0+count.
    func block(_ j0: Int, _ count: Int) {
        let rows = c.rows
        let wj = w + ld * j0, w2j = w2 + ld * j0, cj = c.column(j0)
        wj.update(repeating: 0, count: ld * count)
        w2j.update(repeating: 0, count: ld * count)
        K.Tile.accumulateProduct(m: ld, n: count, k: rows, vt, lda: ld, cj, ldb: c.leadingDimension, wj, ldc: ld,
                                 kc: reflectorProductChunk)
        if let head {
            for j in 0..<count {
                let hj = head.column(j0 + j), wc = wj + j * ld
                for i in 0..<jb { wc[i] += hj[i] }
            }
        }
        // −Tᵀ is lower triangular: strip s of its rows (mr of them) has no entries past column
        // (s + 1)·mr, so its inner dimension stops there (only exact zeros are skipped).
        let mr = K.Tile.mr
        var s0 = 0
        while s0 < ld {
            K.Tile.accumulateProduct(m: min(mr, ld - s0), n: count, k: min(jb, s0 + mr), negTt + s0, lda: ld, wj, ldb: ld,
                                     w2j + s0, ldc: ld)
            s0 += mr
        }
        if let head {
            for j in 0..<count {
                let hj = head.column(j0 + j), wc = w2j + j * ld
                for i in 0..<jb { hj[i] += wc[i] }
            }
        }
        if head == nil {
            K.Tile.accumulatePackedProduct(m: rows, n: count, k: jb, vp, w2j, ldb: ld, cj, ldc: c.leadingDimension)
        } else {
            K.Tile.accumulateProduct(m: rows, n: count, k: jb, v.base, lda: v.leadingDimension, w2j, ldb: ld, cj,
                                     ldc: c.leadingDimension)
        }
    }
}

/// x ← U⁻¹·x for the upper triangle U of the first n columns of `u` (x holds the right-hand side
/// on entry): column-oriented back substitution, unit-stride inner loop. Every triangular solve of
/// the QR paths is this one.
@inline(__always)
func solveUpperTriangular<T: QRScalar>(_ u: StridedMatrixView<T>, count n: Int, _ x: UnsafeMutablePointer<T>) {
    for j in stride(from: n - 1, through: 0, by: -1) {
        x[j] /= u[j, j]
        let xj = x[j]
        let uj = u.column(j)
        for i in 0..<j { x[i] -= uj[i] * xj }
    }
}
