/// Blocks of inner products of long columns, Xᵀ·Y, register-blocked: `VectorKernels.innerProducts`,
/// the first product of TSQR's block reflector (W = V_Bᵀ·[V_B C_B], the Gram matrix of the
/// reflectors and VᵀC in one sweep). Reached only through the kernels (`ReferenceKernels` has the
/// scalar twin).
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
        // Few registers (AVX2): a 4 × 4 block's 16 sums are 32 ymm and live on the stack; the half-vector
        // blocks give every entry the same bits. Not on short columns (the paired QR's 2 × 2 Gram blocks
        // of 104 rows), where their set-up and joins cost more than the spills.
        if innerProductHalfVectors && n >= InnerProductHalves<SIMD4<Double>>.chunkRows {
            if T.self == Double.self {
                InnerProductHalves<SIMD4<Double>>.compute(rows: n, rebound(x), ldx: ldx, count: p, rebound(y), ldy: ldy,
                                                          count: q, into: rebound(out), ldo: ldo, skipBelowDiagonal: skipBelowDiagonal)
                return
            } else if T.self == Float.self {
                InnerProductHalves<SIMD8<Float>>.compute(rows: n, rebound(x), ldx: ldx, count: p, rebound(y), ldy: ldy,
                                                         count: q, into: rebound(out), ldo: ldo, skipBelowDiagonal: skipBelowDiagonal)
                return
            }
        }
        wideBlocks(rows: n, x, ldx: ldx, count: p, y, ldy: ldy, count: q, into: out, ldo: ldo,
                   skipBelowDiagonal: skipBelowDiagonal)
    }

    /// `compute` by 4 × 4 blocks of whole vectors (16 sums: for 32 vector registers).
    @inline(__always)
    static func wideBlocks(
        rows n: Int, _ x: UnsafePointer<T>, ldx: Int, count p: Int, _ y: UnsafePointer<T>, ldy: Int, count q: Int,
        into out: UnsafeMutablePointer<T>, ldo: Int, skipBelowDiagonal: Bool
    ) {
        var j0 = 0
        while j0 < q {
            var i0 = 0
            while i0 < p {
                if !(skipBelowDiagonal && j0 + 4 <= i0) {
                    // A last group of one or two columns (b beside a panel) takes the 4 × 2 block:
                    // half the loads and FMAs of a 4 × 4 block padded with repeats, the same bits.
                    if q - j0 <= 2 {
                        narrowBlock(rows: n, x + i0 * ldx, ldx: ldx, count: min(4, p - i0), y + j0 * ldy, ldy: ldy,
                                    count: q - j0, into: out + i0 + j0 * ldo, ldo: ldo)
                    } else {
                        block(rows: n, x + i0 * ldx, ldx: ldx, count: min(4, p - i0), y + j0 * ldy, ldy: ldy,
                              count: min(4, q - j0), into: out + i0 + j0 * ldo, ldo: ldo)
                    }
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

extension InnerProductBlock {
    /// `block` for up to 4 × 2 entries (q ≤ 2): each entry summed exactly as `block` sums it.
    @inline(__always)
    static func narrowBlock(
        rows n: Int, _ x: UnsafePointer<T>, ldx: Int, count p: Int, _ y: UnsafePointer<T>, ldy: Int, count q: Int,
        into out: UnsafeMutablePointer<T>, ldo: Int
    ) {
        let x0 = x, x1 = x + min(1, p - 1) * ldx, x2 = x + min(2, p - 1) * ldx, x3 = x + min(3, p - 1) * ldx
        let y0 = y, y1 = y + min(1, q - 1) * ldy
        var s00 = T.zeroVector, s10 = T.zeroVector, s20 = T.zeroVector, s30 = T.zeroVector
        var s01 = T.zeroVector, s11 = T.zeroVector, s21 = T.zeroVector, s31 = T.zeroVector
        var r = 0
        while r + T.lanes <= n {
            let a0 = T.load(x0 + r), a1 = T.load(x1 + r), a2 = T.load(x2 + r), a3 = T.load(x3 + r)
            let b0 = T.load(y0 + r)
            s00 = T.fma(s00, a0, b0); s10 = T.fma(s10, a1, b0); s20 = T.fma(s20, a2, b0); s30 = T.fma(s30, a3, b0)
            let b1 = T.load(y1 + r)
            s01 = T.fma(s01, a0, b1); s11 = T.fma(s11, a1, b1); s21 = T.fma(s21, a2, b1); s31 = T.fma(s31, a3, b1)
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
    }
}

/// `InnerProductBlock.compute` on half vectors R (one ymm: `SIMD4<Double>`, `SIMD8<Float>`). Entry (i, j)'s
/// vector sum has lane l summing rows ≡ l (mod lanes) in ascending order; its low half (lanes 0..<lanes/2)
/// and high half never meet until the final sum, so they are accumulated in two passes over a chunk of
/// rows (low, then high, the chunk still in L1), 3 × 3 entries at a time: 9 sums, 3 Y halves and an X
/// half in 16 registers, with room to spare (4 × 3, all 16, came out of the register allocator with
/// spills and copies and measured slower; Benchmarks/incoming-ts32.md). Then the halves are joined
/// into the whole vector and summed as `InnerProductBlock.block` does: the same bits.
enum InnerProductHalves<R: AVX2Register> {
    typealias S = R.Scalar
    /// Rows per chunk: both passes over 6 columns of it stay in a 32 KiB L1 (6 × 256 `Double`s = 12 KiB).
    /// A multiple of every vector's lanes.
    static var chunkRows: Int { 256 }

    @inline(__always)
    static func compute(
        rows n: Int, _ x: UnsafePointer<S>, ldx: Int, count p: Int, _ y: UnsafePointer<S>, ldy: Int, count q: Int,
        into out: UnsafeMutablePointer<S>, ldo: Int, skipBelowDiagonal: Bool
    ) {
        withUnsafeTemporaryAllocation(of: R.self, capacity: 18) { buffer in
            guard let sums = buffer.baseAddress else { return }
            var j0 = 0
            while j0 < q {
                let qb = min(3, q - j0)
                var i0 = 0
                while i0 < p {
                    // Only the entries with j ≥ i are promised: skip blocks wholly below the diagonal.
                    if !(skipBelowDiagonal && j0 + qb <= i0) {
                        block(rows: n, x + i0 * ldx, ldx: ldx, count: min(3, p - i0), y + j0 * ldy, ldy: ldy, count: qb,
                              into: out + i0 + j0 * ldo, ldo: ldo, sums: sums)
                    }
                    i0 += 3
                }
                j0 += qb
            }
        }
    }

    /// Up to 3 × 3 entries; missing columns repeat the last real one (only the real entries are
    /// stored). `sums`: room for 18 halves, entry (i, j)'s low half at i + 3j, its high half 9 further.
    @inline(__always)
    static func block(
        rows n: Int, _ x: UnsafePointer<S>, ldx: Int, count p: Int, _ y: UnsafePointer<S>, ldy: Int, count q: Int,
        into out: UnsafeMutablePointer<S>, ldo: Int, sums: UnsafeMutablePointer<R>
    ) {
        let half = R.scalarCount, lanes = 2 * half
        precondition(lanes == S.lanes, "two half vectors make a vector")
        let xs = (x, x + min(1, p - 1) * ldx, x + min(2, p - 1) * ldx)
        let ys = (y, y + min(1, q - 1) * ldy, y + min(2, q - 1) * ldy)
        sums.update(repeating: R(), count: 18)
        let whole = n - n % lanes
        var c0 = 0
        while c0 < whole {
            let c1 = min(whole, c0 + chunkRows)
            pass(from: c0, to: c1, step: lanes, xs, ys, sums)
            pass(from: c0 + half, to: c1, step: lanes, xs, ys, sums + 9)
            c0 = c1
        }
        withUnsafeTemporaryAllocation(of: S.self, capacity: lanes) { joined in
            guard let v = joined.baseAddress else { return }
            for j in 0..<q {
                let yj = j == 0 ? ys.0 : j == 1 ? ys.1 : ys.2
                for i in 0..<p {
                    let xi = i == 0 ? xs.0 : i == 1 ? xs.1 : xs.2
                    R.store(sums[i + 3 * j], v)
                    R.store(sums[9 + i + 3 * j], v + half)
                    var total = S.sum(S.load(v))
                    var t = whole
                    while t < n { total += xi[t] * yj[t]; t += 1 }
                    out[i + j * ldo] = total
                }
            }
        }
    }

    /// One half of the 3 × 3 sums over rows r, r + step, … < end (r from `start`): the sums in registers.
    /// Out of line: inlined, the compiler keeps both halves' sums live across the chunks and spills.
    @inline(never)
    static func pass(
        from start: Int, to end: Int, step: Int, _ xs: (UnsafePointer<S>, UnsafePointer<S>, UnsafePointer<S>),
        _ ys: (UnsafePointer<S>, UnsafePointer<S>, UnsafePointer<S>), _ sums: UnsafeMutablePointer<R>
    ) {
        var s00 = sums[0], s10 = sums[1], s20 = sums[2]
        var s01 = sums[3], s11 = sums[4], s21 = sums[5]
        var s02 = sums[6], s12 = sums[7], s22 = sums[8]
        var r = start
        while r < end {
            let b0 = R.load(ys.0 + r), b1 = R.load(ys.1 + r), b2 = R.load(ys.2 + r)
            let a0 = R.load(xs.0 + r)
            s00 = R.fma(s00, a0, b0); s01 = R.fma(s01, a0, b1); s02 = R.fma(s02, a0, b2)
            let a1 = R.load(xs.1 + r)
            s10 = R.fma(s10, a1, b0); s11 = R.fma(s11, a1, b1); s12 = R.fma(s12, a1, b2)
            let a2 = R.load(xs.2 + r)
            s20 = R.fma(s20, a2, b0); s21 = R.fma(s21, a2, b1); s22 = R.fma(s22, a2, b2)
            r += step
        }
        sums[0] = s00; sums[1] = s10; sums[2] = s20
        sums[3] = s01; sums[4] = s11; sums[5] = s21
        sums[6] = s02; sums[7] = s12; sums[8] = s22
    }
}

/// C += V·W for a tall V (n × k, k ≤ 8 at a time) and a short W (k × q): `VectorKernels.rankUpdate`,
/// the last product of TSQR's block reflector, C_B += V_B·W'. Why not the micro-kernel: with k = 8 its tile does 48
/// FMAs per call around one load and store of a 8 × 6 block of C, and broadcasts every W entry once
/// per row strip. Here two columns of W (2k broadcasts) stay in registers while the row strips of
/// V and C stream past: per strip k + 2 loads, 2k FMAs, 2 stores. Each C entry gets its k terms
/// V[i,p]·W[p,j] added one at a time, p ascending: error ≤ γ_{k}·(|C[i,j]| + Σₚ|V[i,p]·W[p,j]|), the
/// micro-kernel's bound.
enum RankUpdateBlock<T: QRScalar> {
    /// Rows per strip: every column pair of C re-reads V's 8 columns, so V is taken a strip at a
    /// time (8 × 256 `Double`s = 16 KiB) that stays in L1 for all the pairs instead of streaming
    /// from L2 once per pair. A multiple of every `T.lanes`: each entry keeps its vector or scalar
    /// arithmetic, so the strips change no bits.
    static var stripRows: Int { 256 }

    @inline(__always)
    static func accumulate(
        rows n: Int, _ v: UnsafePointer<T>, ldv: Int, count k: Int, _ w: UnsafePointer<T>, ldw: Int,
        into c: UnsafeMutablePointer<T>, ldc: Int, columns q: Int
    ) {
        // Few registers (AVX2): `pair`'s 16 broadcast weights do not fit; tiles of C in registers instead,
        // each entry's terms added in `pair`'s order.
        if rankUpdateTiles {
            if T.self == Double.self {
                RankUpdateTiles<SIMD4<Double>>.accumulate(rows: n, rebound(v), ldv: ldv, count: k, rebound(w), ldw: ldw,
                                                          into: rebound(c), ldc: ldc, columns: q)
                return
            } else if T.self == Float.self {
                RankUpdateTiles<SIMD8<Float>>.accumulate(rows: n, rebound(v), ldv: ldv, count: k, rebound(w), ldw: ldw,
                                                         into: rebound(c), ldc: ldc, columns: q)
                return
            }
        }
        pairs(rows: n, v, ldv: ldv, count: k, w, ldw: ldw, into: c, ldc: ldc, columns: q)
    }

    /// `accumulate` by `pair`s of columns (two columns' 16 weights and 2 sums: for 32 vector registers).
    @inline(__always)
    static func pairs(
        rows n: Int, _ v: UnsafePointer<T>, ldv: Int, count k: Int, _ w: UnsafePointer<T>, ldw: Int,
        into c: UnsafeMutablePointer<T>, ldc: Int, columns q: Int
    ) {
        var i0 = 0
        while i0 < n {
            let len = min(stripRows, n - i0)
            let vs = v + i0, cs = c + i0
            var p0 = 0
            while p0 < k {
                let kb = min(8, k - p0)
                var j = 0
                while j + 1 < q {
                    pair(rows: len, vs + p0 * ldv, ldv: ldv, count: kb, w + p0 + j * ldw, w + p0 + (j + 1) * ldw,
                         cs + j * ldc, cs + (j + 1) * ldc)
                    j += 2
                }
                // An odd last column (b beside a panel) alone: half a pair's work, the same bits.
                if j < q { single(rows: len, vs + p0 * ldv, ldv: ldv, count: kb, w + p0 + j * ldw, cs + j * ldc) }
                p0 += kb
            }
            i0 += len
        }
    }

    /// c0 += V·w0, c1 += V·w1 over n rows, V with kb ≤ 8 columns (missing ones weigh exactly 0).
    @inline(__always)
    static func pair(
        rows n: Int, _ v: UnsafePointer<T>, ldv: Int, count kb: Int, _ w0: UnsafePointer<T>, _ w1: UnsafePointer<T>,
        _ c0: UnsafeMutablePointer<T>, _ c1: UnsafeMutablePointer<T>
    ) {
        @inline(__always) func column(_ p: Int) -> UnsafePointer<T> { v + min(p, kb - 1) * ldv }
        @inline(__always) func weight(_ w: UnsafePointer<T>, _ p: Int) -> T { p < kb ? w[p] : 0 }
        let v0 = column(0), v1 = column(1), v2 = column(2), v3 = column(3)
        let v4 = column(4), v5 = column(5), v6 = column(6), v7 = column(7)
        let a0 = T.splat(weight(w0, 0)), a1 = T.splat(weight(w0, 1)), a2 = T.splat(weight(w0, 2)), a3 = T.splat(weight(w0, 3))
        let a4 = T.splat(weight(w0, 4)), a5 = T.splat(weight(w0, 5)), a6 = T.splat(weight(w0, 6)), a7 = T.splat(weight(w0, 7))
        let b0 = T.splat(weight(w1, 0)), b1 = T.splat(weight(w1, 1)), b2 = T.splat(weight(w1, 2)), b3 = T.splat(weight(w1, 3))
        let b4 = T.splat(weight(w1, 4)), b5 = T.splat(weight(w1, 5)), b6 = T.splat(weight(w1, 6)), b7 = T.splat(weight(w1, 7))
        var i = 0
        while i + T.lanes <= n {
            var s = T.load(c0 + i), t = T.load(c1 + i)
            let x0 = T.load(v0 + i), x1 = T.load(v1 + i), x2 = T.load(v2 + i), x3 = T.load(v3 + i)
            s = T.fma(s, x0, a0); t = T.fma(t, x0, b0)
            s = T.fma(s, x1, a1); t = T.fma(t, x1, b1)
            s = T.fma(s, x2, a2); t = T.fma(t, x2, b2)
            s = T.fma(s, x3, a3); t = T.fma(t, x3, b3)
            let x4 = T.load(v4 + i), x5 = T.load(v5 + i), x6 = T.load(v6 + i), x7 = T.load(v7 + i)
            s = T.fma(s, x4, a4); t = T.fma(t, x4, b4)
            s = T.fma(s, x5, a5); t = T.fma(t, x5, b5)
            s = T.fma(s, x6, a6); t = T.fma(t, x6, b6)
            s = T.fma(s, x7, a7); t = T.fma(t, x7, b7)
            T.store(s, c0 + i)
            T.store(t, c1 + i)
            i += T.lanes
        }
        while i < n {
            var s = c0[i], t = c1[i]
            for p in 0..<kb {
                let x = v[i + p * ldv]
                s += x * w0[p]; t += x * w1[p]
            }
            c0[i] = s; c1[i] = t
            i += 1
        }
    }

    /// `pair` for one column: c0 += V·w0, each entry's terms added in `pair`'s order.
    @inline(__always)
    static func single(
        rows n: Int, _ v: UnsafePointer<T>, ldv: Int, count kb: Int, _ w0: UnsafePointer<T>, _ c0: UnsafeMutablePointer<T>
    ) {
        @inline(__always) func column(_ p: Int) -> UnsafePointer<T> { v + min(p, kb - 1) * ldv }
        @inline(__always) func weight(_ p: Int) -> T { p < kb ? w0[p] : 0 }
        let v0 = column(0), v1 = column(1), v2 = column(2), v3 = column(3)
        let v4 = column(4), v5 = column(5), v6 = column(6), v7 = column(7)
        let a0 = T.splat(weight(0)), a1 = T.splat(weight(1)), a2 = T.splat(weight(2)), a3 = T.splat(weight(3))
        let a4 = T.splat(weight(4)), a5 = T.splat(weight(5)), a6 = T.splat(weight(6)), a7 = T.splat(weight(7))
        var i = 0
        while i + T.lanes <= n {
            var s = T.load(c0 + i)
            s = T.fma(s, T.load(v0 + i), a0); s = T.fma(s, T.load(v1 + i), a1)
            s = T.fma(s, T.load(v2 + i), a2); s = T.fma(s, T.load(v3 + i), a3)
            s = T.fma(s, T.load(v4 + i), a4); s = T.fma(s, T.load(v5 + i), a5)
            s = T.fma(s, T.load(v6 + i), a6); s = T.fma(s, T.load(v7 + i), a7)
            T.store(s, c0 + i)
            i += T.lanes
        }
        while i < n {
            var s = c0[i]
            for p in 0..<kb { s += v[i + p * ldv] * w0[p] }
            c0[i] = s
            i += 1
        }
    }
}

/// `RankUpdateBlock.accumulate` by tiles of C held in registers: 2 half vectors R (one ymm each: a whole
/// vector's rows) × 6 columns, 12 sums, while the kb ≤ 8 terms go past (per term two V halves and six
/// broadcast weights). Each entry of C gets `pair`'s operations in `pair`'s order — its 8 terms (those
/// past kb weighing exactly 0, on a repeated column) fused one at a time, p ascending, on the whole-vector
/// rows, and `pair`'s scalar loop on the rows past them — so the same bits; strips as in `accumulate`.
enum RankUpdateTiles<R: AVX2Register> {
    typealias S = R.Scalar

    @inline(__always)
    static func accumulate(
        rows n: Int, _ v: UnsafePointer<S>, ldv: Int, count k: Int, _ w: UnsafePointer<S>, ldw: Int,
        into c: UnsafeMutablePointer<S>, ldc: Int, columns q: Int
    ) {
        let lanes = 2 * R.scalarCount
        precondition(lanes == S.lanes, "two half vectors make a vector")
        withUnsafeTemporaryAllocation(of: S.self, capacity: 48) { weightBuffer in
            withUnsafeTemporaryAllocation(of: UnsafePointer<S>.self, capacity: 8) { columnBuffer in
                guard let weights = weightBuffer.baseAddress, let columns = columnBuffer.baseAddress else { return }
                var i0 = 0
                while i0 < n {
                    let len = min(RankUpdateBlock<S>.stripRows, n - i0)
                    let whole = len - len % lanes
                    let vs = v + i0, cs = c + i0
                    var p0 = 0
                    while p0 < k {
                        let kb = min(8, k - p0)
                        for p in 0..<8 { columns[p] = vs + (p0 + min(p, kb - 1)) * ldv }
                        var j = 0
                        while q - j >= 3 {
                            let qb = min(6, q - j)
                            // Missing columns repeat the last real one: the same values stored twice.
                            for t in 0..<6 {
                                let wj = w + p0 + (j + min(t, qb - 1)) * ldw
                                for p in 0..<8 { weights[p + 8 * t] = p < kb ? wj[p] : 0 }
                            }
                            let cj = cs + j * ldc
                            tiles(rows: whole, step: lanes, columns, weights,
                                  (cj, cj + min(1, qb - 1) * ldc, cj + min(2, qb - 1) * ldc, cj + min(3, qb - 1) * ldc,
                                   cj + min(4, qb - 1) * ldc, cj + min(5, qb - 1) * ldc))
                            if whole < len {
                                for t in 0..<qb {
                                    RankUpdateBlock<S>.single(rows: len - whole, vs + whole + p0 * ldv, ldv: ldv, count: kb,
                                                              w + p0 + (j + t) * ldw, cj + whole + t * ldc)
                                }
                            }
                            j += qb
                        }
                        if q - j == 2 {
                            RankUpdateBlock<S>.pair(rows: len, vs + p0 * ldv, ldv: ldv, count: kb, w + p0 + j * ldw,
                                                    w + p0 + (j + 1) * ldw, cs + j * ldc, cs + (j + 1) * ldc)
                        } else if q - j == 1 {
                            RankUpdateBlock<S>.single(rows: len, vs + p0 * ldv, ldv: ldv, count: kb, w + p0 + j * ldw, cs + j * ldc)
                        }
                        p0 += kb
                    }
                    i0 += len
                }
            }
        }
    }

    /// C[i, 0..<6] += Σₚ V[i, p]·W[p, 0..<6] for rows i < n (a multiple of `step`, a whole vector), the
    /// terms fused one at a time, p = 0…7; `weights[p + 8t]` is W[p, t], `columns[p]` V's column p.
    /// Out of line, so that its 12 sums, two V halves and a weight have the 16 registers to themselves.
    @inline(never)
    static func tiles(
        rows n: Int, step: Int, _ columns: UnsafePointer<UnsafePointer<S>>, _ weights: UnsafePointer<S>,
        _ c: (UnsafeMutablePointer<S>, UnsafeMutablePointer<S>, UnsafeMutablePointer<S>, UnsafeMutablePointer<S>,
              UnsafeMutablePointer<S>, UnsafeMutablePointer<S>)
    ) {
        let half = R.scalarCount
        var i = 0
        while i < n {
            var l0 = R.load(c.0 + i), l1 = R.load(c.1 + i), l2 = R.load(c.2 + i)
            var l3 = R.load(c.3 + i), l4 = R.load(c.4 + i), l5 = R.load(c.5 + i)
            var h0 = R.load(c.0 + i + half), h1 = R.load(c.1 + i + half), h2 = R.load(c.2 + i + half)
            var h3 = R.load(c.3 + i + half), h4 = R.load(c.4 + i + half), h5 = R.load(c.5 + i + half)
            for p in 0..<8 {
                let column = columns[p], wp = weights + p
                let lo = R.load(column + i), hi = R.load(column + i + half)
                var b = R(repeating: wp[0]); l0 = R.fma(l0, lo, b); h0 = R.fma(h0, hi, b)
                b = R(repeating: wp[8]); l1 = R.fma(l1, lo, b); h1 = R.fma(h1, hi, b)
                b = R(repeating: wp[16]); l2 = R.fma(l2, lo, b); h2 = R.fma(h2, hi, b)
                b = R(repeating: wp[24]); l3 = R.fma(l3, lo, b); h3 = R.fma(h3, hi, b)
                b = R(repeating: wp[32]); l4 = R.fma(l4, lo, b); h4 = R.fma(h4, hi, b)
                b = R(repeating: wp[40]); l5 = R.fma(l5, lo, b); h5 = R.fma(h5, hi, b)
            }
            R.store(l0, c.0 + i); R.store(l1, c.1 + i); R.store(l2, c.2 + i)
            R.store(l3, c.3 + i); R.store(l4, c.4 + i); R.store(l5, c.5 + i)
            R.store(h0, c.0 + i + half); R.store(h1, c.1 + i + half); R.store(h2, c.2 + i + half)
            R.store(h3, c.3 + i + half); R.store(h4, c.4 + i + half); R.store(h5, c.5 + i + half)
            i += step
        }
    }
}

