/// Blocks of inner products of long columns, Xᵀ·Y, register-blocked: the first product of TSQR's
/// block reflector (W = V_Bᵀ·[V_B C_B], the Gram matrix of the reflectors and VᵀC in one sweep).
///
/// Why not the micro-kernel: its A operand wants Vᵀ with a reflector's entries `mr` apart, a
/// transposing copy of the whole block per panel, and its single FMA chain per entry rounds like a
/// sum of k terms. Here every entry keeps `T.lanes` partial sums in one vector over the common
/// dimension, 4 × 4 entries at a time (16 accumulators: each loaded vector feeds four FMAs), reading
/// X and Y where they are. Error: each entry is a dot product summed lane-wise, then across the
/// lanes, then the scalar tail: |computed − exact| ≤ γ_{⌈n/lanes⌉ + log₂lanes + n mod lanes}·Σ|xᵢyᵢ|
/// (Higham §3.1), the bound of `VectorKernels.dot` up to a few terms.
enum InnerProductBlock<T: QRScalar> {
    /// out[i + j·ldo] = Σ_{r < n} X[r, i]·Y[r, j] for i < p, j < q, X[r, i] = x[r + i·ldx],
    /// Y[r, j] = y[r + j·ldy]. `skipBelowDiagonal`: only the entries with j ≥ i are promised (blocks
    /// wholly below the diagonal are skipped; callers of a Gram matrix read j ≥ i only).
    @inline(__always)
    static func compute(
        rows n: Int, _ x: UnsafePointer<T>, ldx: Int, count p: Int, _ y: UnsafePointer<T>, ldy: Int, count q: Int,
        into out: UnsafeMutablePointer<T>, ldo: Int, skipBelowDiagonal: Bool = false
    ) {
        var j0 = 0
        while j0 < q {
            var i0 = 0
            while i0 < p {
                if !(skipBelowDiagonal && j0 + 4 <= i0) {
                    block(rows: n, x + i0 * ldx, ldx: ldx, count: min(4, p - i0), y + j0 * ldy, ldy: ldy,
                          count: min(4, q - j0), into: out + i0 + j0 * ldo, ldo: ldo)
                }
                i0 += 4
            }
            j0 += 4
        }
    }

    /// One block of up to 4 × 4 entries. Missing columns of X or Y repeat the last real one (the
    /// same loop for every block; only the real entries are stored).
    @inline(__always)
    static func block(
        rows n: Int, _ x: UnsafePointer<T>, ldx: Int, count p: Int, _ y: UnsafePointer<T>, ldy: Int, count q: Int,
        into out: UnsafeMutablePointer<T>, ldo: Int
    ) {
        let x0 = x, x1 = x + min(1, p - 1) * ldx, x2 = x + min(2, p - 1) * ldx, x3 = x + min(3, p - 1) * ldx
        let y0 = y, y1 = y + min(1, q - 1) * ldy, y2 = y + min(2, q - 1) * ldy, y3 = y + min(3, q - 1) * ldy
        var s00 = T.zeroVector, s10 = T.zeroVector, s20 = T.zeroVector, s30 = T.zeroVector
        var s01 = T.zeroVector, s11 = T.zeroVector, s21 = T.zeroVector, s31 = T.zeroVector
        var s02 = T.zeroVector, s12 = T.zeroVector, s22 = T.zeroVector, s32 = T.zeroVector
        var s03 = T.zeroVector, s13 = T.zeroVector, s23 = T.zeroVector, s33 = T.zeroVector
        var r = 0
        while r + T.lanes <= n {
            let a0 = T.load(x0 + r), a1 = T.load(x1 + r), a2 = T.load(x2 + r), a3 = T.load(x3 + r)
            let b0 = T.load(y0 + r)
            s00 = T.fma(s00, a0, b0); s10 = T.fma(s10, a1, b0); s20 = T.fma(s20, a2, b0); s30 = T.fma(s30, a3, b0)
            let b1 = T.load(y1 + r)
            s01 = T.fma(s01, a0, b1); s11 = T.fma(s11, a1, b1); s21 = T.fma(s21, a2, b1); s31 = T.fma(s31, a3, b1)
            let b2 = T.load(y2 + r)
            s02 = T.fma(s02, a0, b2); s12 = T.fma(s12, a1, b2); s22 = T.fma(s22, a2, b2); s32 = T.fma(s32, a3, b2)
            let b3 = T.load(y3 + r)
            s03 = T.fma(s03, a0, b3); s13 = T.fma(s13, a1, b3); s23 = T.fma(s23, a2, b3); s33 = T.fma(s33, a3, b3)
            r += T.lanes
        }
        @inline(__always) func put(_ s: T.Vector, _ i: Int, _ j: Int, _ xi: UnsafePointer<T>, _ yj: UnsafePointer<T>) {
            guard i < p && j < q else { return }
            var total = T.sum(s)
            var t = r
            while t < n { total += xi[t] * yj[t]; t += 1 }
            out[i + j * ldo] = total
        }
        put(s00, 0, 0, x0, y0); put(s10, 1, 0, x1, y0); put(s20, 2, 0, x2, y0); put(s30, 3, 0, x3, y0)
        put(s01, 0, 1, x0, y1); put(s11, 1, 1, x1, y1); put(s21, 2, 1, x2, y1); put(s31, 3, 1, x3, y1)
        put(s02, 0, 2, x0, y2); put(s12, 1, 2, x1, y2); put(s22, 2, 2, x2, y2); put(s32, 3, 2, x3, y2)
        put(s03, 0, 3, x0, y3); put(s13, 1, 3, x1, y3); put(s23, 2, 3, x2, y3); put(s33, 3, 3, x3, y3)
    }
}
