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
    static func generate(
        alpha: T, tail x: UnsafeMutablePointer<T>, count n: Int, wholeVectorsFrom p: Int = 0, oneSquareRoot: Bool = false
    ) -> (beta: T, tau: T) {
        let made = generate(alpha: alpha, tail: x, count: n, wholeVectorsFrom: p,
                            sumOfSquares: sumOfSquares(x, count: n, wholeVectorsFrom: p), oneSquareRoot: oneSquareRoot)
        return (made.beta, made.tau)
    }

    /// `generate` from the tail's sum of squares s, already at hand (the paired QR carries it out of
    /// the sweep that wrote the tail), returning also the factor 1/(α − β) the tail was scaled by
    /// (0 when H = I). When s is not safe (`isSafeSumOfSquares`) ‖x‖ is taken by `norm2`'s scaled loop.
    ///
    /// `oneSquareRoot` (the paired QR: on its short columns the scaled form's two roots and
    /// divisions are the serial chain each reflector waits on): ‖(α, x)‖ = √(α² + s), α² + s
    /// rounded once, when s is safe and the sum is finite (an α² that underflows is then below
    /// ε·s). The other factorizations keep the scaled form, whose rounding the accuracy floors
    /// (AccuracyRegressionTests) were measured with.
    @inline(__always)
    static func generate(
        alpha: T, tail x: UnsafeMutablePointer<T>, count n: Int, wholeVectorsFrom p: Int, sumOfSquares s: T, oneSquareRoot: Bool
    ) -> (beta: T, tau: T, scale: T) {
        var length: T = 0
        if oneSquareRoot && K.isSafeSumOfSquares(s, count: n) { length = s.addingProduct(alpha, alpha).squareRoot() }
        if !(length.isFinite && length > 0) {
            let tailNorm = K.norm2(n, x, sumOfSquares: s)
            guard tailNorm != 0 else { return (alpha, 0, 0) }
            length = pythagoras(alpha, tailNorm)
        }
        let (beta, scale, tau) = coefficients(alpha: alpha, length: length)
        for i in 0..<p { x[i] *= scale }
        K.scale(n - p, scale, x + p)
        return (beta, tau, scale)
    }

    /// β = −sign(α)·‖(α, x)‖, the tail's factor 1/(α − β) and τ = (β − α)/β of the reflector taking
    /// (α, x) to (β, 0), from `length` = ‖(α, x)‖ > 0: the one place every factorization forms them
    /// (the TSQR leaves, which scale the tail later, in a sweep, call it directly).
    @inline(__always)
    static func coefficients(alpha: T, length: T) -> (beta: T, scale: T, tau: T) {
        let beta = alpha >= 0 ? -length : length
        return (beta, 1 / (alpha - beta), (beta - alpha) / beta)
    }

    /// Σxᵢ² over n entries, unscaled; x[p..<n] whole vectors (see `generate`).
    @inline(__always)
    static func sumOfSquares(_ x: UnsafePointer<T>, count n: Int, wholeVectorsFrom p: Int) -> T {
        var s: T = 0
        for i in 0..<p { s += x[i] * x[i] }
        return s + K.sumOfSquares(n - p, x + p)
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
}

extension Householder {
    /// Elements of scratch `applyStructuredBlockReflector` needs for `columns` columns of C and
    /// panels of nb reflectors.
    static func structuredBlockReflectorScratch(columns n: Int, blockSize nb: Int) -> Int {
        // [G | W] (nb × (nb + n)), T (nb × nb), W' (nb × n)
        nb * (nb + n) + nb * nb + nb * n
    }

    /// Applies (H₀⋯H₍jb−1₎)ᵀ = I − V·Tᵀ·Vᵀ for TSQR's [I; V_B] to [C_R; C_B] (`head` = C_R, jb × nc;
    /// `c` = C_B), at once (the role of `dlarft` + `dlarfb`; the blocked QR's packed `dgeqrf` shape
    /// is `PackedBlockReflector`). Since the identity part is orthonormal, V's Gram matrix is
    /// I + V_BᵀV_B and W = C_R + V_BᵀC_B (C_R added last: the long sum starts from zero instead of
    /// carrying R's entries, often the largest, through every rounding). The Gram matrix (for T)
    /// and W = V_BᵀC_B come from one sweep over the block by `K.innerProducts` when C_B's columns
    /// follow V_B's in storage (as in a TSQR block step), then W += C_R, W' = −Tᵀ·W, C_R += W',
    /// and C_B += V_B·W' by `K.rankUpdate`, V_B read where it stands. No copy of V_B.
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
            // C_R added after the long sum (see this function's documentation).
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

/// The three products of a `PackedBlockReflector` on a range of C's columns (a value, not a
/// closure, so the one-thread path allocates no closure context: steady state).
struct BlockReflectorUpdate<K: HouseholderKernels> {
    typealias T = K.Scalar
    let vt: UnsafeMutablePointer<T>, vp: UnsafeMutablePointer<T>
    let w: UnsafeMutablePointer<T>, w2: UnsafeMutablePointer<T>, negTt: UnsafeMutablePointer<T>
    let c: StridedMatrixView<T>
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

    /// W = VᵀC, W' = −Tᵀ·W, C += V·W' for columns j0..<j0+count.
    func block(_ j0: Int, _ count: Int) {
        let rows = c.rows
        let wj = w + ld * j0, w2j = w2 + ld * j0, cj = c.column(j0)
        wj.update(repeating: 0, count: ld * count)
        w2j.update(repeating: 0, count: ld * count)
        K.Tile.accumulateProduct(m: ld, n: count, k: rows, vt, lda: ld, cj, ldb: c.leadingDimension, wj, ldc: ld,
                                 kc: reflectorProductChunk)
        // −Tᵀ is lower triangular: strip s of its rows (mr of them) has no entries past column
        // (s + 1)·mr, so its inner dimension stops there (only exact zeros are skipped).
        let mr = K.Tile.mr
        var s0 = 0
        while s0 < ld {
            K.Tile.accumulateProduct(m: min(mr, ld - s0), n: count, k: min(jb, s0 + mr), negTt + s0, lda: ld, wj, ldb: ld,
                                     w2j + s0, ldc: ld)
            s0 += mr
        }
        K.Tile.accumulatePackedProduct(m: rows, n: count, k: jb, vp, w2j, ldb: ld, cj, ldc: c.leadingDimension)
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
