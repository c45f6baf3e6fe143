/// The T factor of an outer panel of the two-level blocked QR (`BlockedQRSteps` with an inner
/// block size): the trailing matrix gets one block reflector I − V·T·Vᵀ per outer panel of 128+
/// reflectors, so T is that wide, and the dot product per entry of the one-level `pack` (level 1,
/// kb²/2 of them) would cost as much as the update saves. Instead V's Gram matrix G = VᵀV goes
/// through the tile (the same chunked sums as W = VᵀC, error ≤ γ_{kc+⌈m/kc⌉}·Σ|terms| per entry),
/// the leaves of `leafSize` reflectors get `dlarft`'s recurrence, and the leaves are joined by the
/// recursive rule T = [T₁, −T₁·(V₁ᵀV₂)·T₂; 0, T₂] (Elmroth–Gustavson; LAPACK 3.12's recursive
/// `dlarft`), two small products through the tile.
struct TwoLevelTriangularFactor<K: HouseholderKernels> {
    typealias T = K.Scalar
    /// `scratchSize(blockSize:)` elements.
    let scratch: UnsafeMutablePointer<T>
    /// Reflectors of an outer panel (at most), and of a leaf.
    let blockSize: Int, leafSize: Int

    /// Elements of scratch for outer panels of `kb` reflectors: G (ld × kb), V's top kb × kb with
    /// its unit triangle explicit, a leaf's T and the joins' product (each ≤ kb × kb).
    static func scratchSize(blockSize kb: Int) -> Int { roundUp(kb, T.lanes) * kb + 3 * kb * kb }

    /// T (jb × jb, leading dimension jb) of the reflectors in the columns of `v` (jb ≤ `blockSize`;
    /// `dgeqrf` layout), with Vᵀ already packed at `vt` (ld × v.rows, the triangle explicit and
    /// padding rows 0: `PackedBlockReflector.pack`).
    func form(_ v: StridedMatrixView<T>, vt: UnsafePointer<T>, ld: Int, tau: UnsafePointer<T>, into t: UnsafeMutablePointer<T>) {
        let jb = v.columns, rows = v.rows
        precondition(jb <= blockSize && jb <= rows, "an outer panel is at most blockSize reflectors")
        let g = scratch, top = g + ld * jb
        // G's upper triangle, strip by strip of the tile's rows: the top jb rows of V (its unit
        // triangle, from an explicit copy) first, then the rows below straight from the matrix.
        for j in 0..<jb {
            for r in 0..<jb { top[r + j * jb] = r < j ? 0 : r == j ? 1 : v[r, j] }
        }
        g.update(repeating: 0, count: ld * jb)
        var i0 = 0
        while i0 < jb {
            let strip = min(K.Tile.mr, ld - i0)
            K.Tile.accumulateProduct(m: strip, n: jb - i0, k: jb, vt + i0, lda: ld, top + i0 * jb, ldb: jb,
                                     g + i0 + i0 * ld, ldc: ld)
            if rows > jb {
                K.Tile.accumulateProduct(m: strip, n: jb - i0, k: rows - jb, vt + i0 + jb * ld, lda: ld, v.column(i0) + jb,
                                         ldb: v.leadingDimension, g + i0 + i0 * ld, ldc: ld, kc: reflectorProductChunk)
            }
            i0 += K.Tile.mr
        }
        t.update(repeating: 0, count: jb * jb)
        triangle(0, jb, gram: g, ld: ld, tau: tau, t: t, ldt: jb, work: top + jb * jb)
    }

    /// T's diagonal block of reflectors lo..<hi (T zero there on entry): a leaf by `dlarft`'s
    /// recurrence, else both halves and T₁₂ = −T₁·(G₁₂·T₂).
    private func triangle(
        _ lo: Int, _ hi: Int, gram g: UnsafePointer<T>, ld: Int, tau: UnsafePointer<T>, t: UnsafeMutablePointer<T>, ldt: Int,
        work: UnsafeMutablePointer<T>
    ) {
        let n = hi - lo
        if n <= leafSize {
            Householder<K>.formTriangularFactor(count: n, tau: tau + lo, into: work) { j, i in g[lo + j + (lo + i) * ld] }
            for j in 0..<n {
                for i in 0...j { t[lo + i + (lo + j) * ldt] = work[i + j * n] }
            }
            return
        }
        let mid = lo + roundUp((n + 1) / 2, leafSize)  // whole leaves on the left; lo < mid < hi
        triangle(lo, mid, gram: g, ld: ld, tau: tau, t: t, ldt: ldt, work: work)
        triangle(mid, hi, gram: g, ld: ld, tau: tau, t: t, ldt: ldt, work: work)
        let (n1, n2) = (mid - lo, hi - mid)
        let x = work
        x.update(repeating: 0, count: n1 * n2)
        K.Tile.accumulateProduct(m: n1, n: n2, k: n2, g + lo + mid * ld, lda: ld, t + mid + mid * ldt, ldb: ldt, x, ldc: n1)
        for e in 0..<(n1 * n2) { x[e] = -x[e] }
        K.Tile.accumulateProduct(m: n1, n: n2, k: n1, t + lo + lo * ldt, lda: ldt, x, ldb: n1, t + lo + mid * ldt, ldc: ldt)
    }
}
