/// A block of four reflectors applied to four columns in two sweeps: the paired QR's trailing
/// update on long columns (`PairedHouseholderQR`, m ≥ `blockOfFourMinimumRows`). Once columns no
/// longer sit in L1, each sweep is bound by loading and storing the columns; the compact WY form
/// (I − V·Tᵀ·Vᵀ)·C with V = [v₀ v₁ v₂ v₃] loads and stores each element once per four reflectors
/// instead of once per two.

extension HouseholderKernels {
    /// The reference arithmetic of `applyReflectorBlock4`: every column's four inner products from
    /// the values before the update (so repeated columns store the same values), its gains
    /// g = Tᵀ·d in q order, the update row by row (c − g₀v₀ − g₁v₁ − g₂v₂ − g₃v₃), then the sums in
    /// row order.
    @inlinable
    public static func applyReflectorBlock4(
        _ n: Int, _ v: UnsafePointer<Scalar>, ldv: Int, t: UnsafePointer<Scalar>,
        _ c0: UnsafeMutablePointer<Scalar>, _ c1: UnsafeMutablePointer<Scalar>,
        _ c2: UnsafeMutablePointer<Scalar>, _ c3: UnsafeMutablePointer<Scalar>, carryFrom f: Int
    ) -> CarriedSums<Scalar> {
        let columns = [c0, c1, c2, c3]
        var gains = [[Scalar]](repeating: [0, 0, 0, 0], count: 4)
        for (j, c) in columns.enumerated() {
            var d: [Scalar] = [0, 0, 0, 0]
            for r in 0..<4 { for i in 0..<n { d[r] += v[i + r * ldv] * c[i] } }
            for r in 0..<4 {
                var s: Scalar = 0
                for q in 0...r { s += t[q + 4 * r] * d[q] }
                gains[j][r] = s
            }
        }
        for i in 0..<n {
            let y = (0..<4).map { j in
                var y = columns[j][i]
                for r in 0..<4 { y -= gains[j][r] * v[i + r * ldv] }
                return y
            }
            for j in (0..<4).reversed() { columns[j][i] = y[j] }
        }
        return CarriedSums(rowOrderOver: c0, c1, rows: max(f, 0)..<max(n, f))
    }
}

extension VectorKernels {
    /// g = Tᵀ·d for one column (T upper triangular, column-major 4 × 4), negated for the update.
    @inline(__always)
    static func negatedBlock4Gains(
        _ t: UnsafePointer<Scalar>, _ d0: Scalar, _ d1: Scalar, _ d2: Scalar, _ d3: Scalar
    ) -> (Scalar, Scalar, Scalar, Scalar) {
        let g0 = t[0] * d0
        let g1 = t[4] * d0 + t[5] * d1
        let g2 = t[8] * d0 + t[9] * d1 + t[10] * d2
        let g3 = t[12] * d0 + t[13] * d1 + t[14] * d2 + t[15] * d3
        return (-g0, -g1, -g2, -g3)
    }

    /// One sweep of sixteen independent dot chains (four reflectors × four columns, eight loads a
    /// vector of rows), the gains, then one sweep applying the four reflectors to each column, the
    /// second also summing ‖c₀'‖², c₀'ᵀc₁' and ‖c₁'‖² over the whole vectors at or past f (as
    /// `applyReflectorPairCarrying`). Each vector's four columns are loaded before any is stored,
    /// so columns may repeat.
    @inline(__always)
    public static func applyReflectorBlock4(
        _ n: Int, _ v: UnsafePointer<Scalar>, ldv: Int, t: UnsafePointer<Scalar>,
        _ c0: UnsafeMutablePointer<Scalar>, _ c1: UnsafeMutablePointer<Scalar>,
        _ c2: UnsafeMutablePointer<Scalar>, _ c3: UnsafeMutablePointer<Scalar>, carryFrom f: Int
    ) -> CarriedSums<Scalar> {
        typealias T = Scalar
        let lanes = T.lanes
        let vectorEnd = n / lanes * lanes
        let v0 = v, v1 = v + ldv, v2 = v + 2 * ldv, v3 = v + 3 * ldv
        // sRC: reflector R against column C.
        var s00 = T.zeroVector, s10 = T.zeroVector, s20 = T.zeroVector, s30 = T.zeroVector
        var s01 = T.zeroVector, s11 = T.zeroVector, s21 = T.zeroVector, s31 = T.zeroVector
        var s02 = T.zeroVector, s12 = T.zeroVector, s22 = T.zeroVector, s32 = T.zeroVector
        var s03 = T.zeroVector, s13 = T.zeroVector, s23 = T.zeroVector, s33 = T.zeroVector
        var i = 0
        // Rows a chunk of the split sweeps below takes: its 4 + 4 columns (8 KiB) stay in L1
        // between the passes.
        let chunk = 16 * lanes
        if nativeVectorRegisters >= 24 {
            while i < vectorEnd {
                let x0 = T.load(v0 + i), x1 = T.load(v1 + i), x2 = T.load(v2 + i), x3 = T.load(v3 + i)
                let y0 = T.load(c0 + i), y1 = T.load(c1 + i), y2 = T.load(c2 + i), y3 = T.load(c3 + i)
                s00 = T.fma(s00, x0, y0); s10 = T.fma(s10, x1, y0); s20 = T.fma(s20, x2, y0); s30 = T.fma(s30, x3, y0)
                s01 = T.fma(s01, x0, y1); s11 = T.fma(s11, x1, y1); s21 = T.fma(s21, x2, y1); s31 = T.fma(s31, x3, y1)
                s02 = T.fma(s02, x0, y2); s12 = T.fma(s12, x1, y2); s22 = T.fma(s22, x2, y2); s32 = T.fma(s32, x3, y2)
                s03 = T.fma(s03, x0, y3); s13 = T.fma(s13, x1, y3); s23 = T.fma(s23, x2, y3); s33 = T.fma(s33, x3, y3)
                i += lanes
            }
        } else {
            // Sixteen accumulators do not fit (AVX2: 32 of 16 ymm): per chunk of rows, four passes
            // of two reflectors by two columns, each accumulator summing the same products in the
            // same order.
            while i < vectorEnd {
                let e = min(i + chunk, vectorEnd)
                pairDots2(from: i, to: e, v0, v1, c0, c1, &s00, &s10, &s01, &s11)
                pairDots2(from: i, to: e, v2, v3, c0, c1, &s20, &s30, &s21, &s31)
                pairDots2(from: i, to: e, v0, v1, c2, c3, &s02, &s12, &s03, &s13)
                pairDots2(from: i, to: e, v2, v3, c2, c3, &s22, &s32, &s23, &s33)
                i = e
            }
        }
        var d00 = T.sum(s00), d10 = T.sum(s10), d20 = T.sum(s20), d30 = T.sum(s30)
        var d01 = T.sum(s01), d11 = T.sum(s11), d21 = T.sum(s21), d31 = T.sum(s31)
        var d02 = T.sum(s02), d12 = T.sum(s12), d22 = T.sum(s22), d32 = T.sum(s32)
        var d03 = T.sum(s03), d13 = T.sum(s13), d23 = T.sum(s23), d33 = T.sum(s33)
        while i < n {
            let a0 = v0[i], a1 = v1[i], a2 = v2[i], a3 = v3[i]
            d00 += a0 * c0[i]; d10 += a1 * c0[i]; d20 += a2 * c0[i]; d30 += a3 * c0[i]
            d01 += a0 * c1[i]; d11 += a1 * c1[i]; d21 += a2 * c1[i]; d31 += a3 * c1[i]
            d02 += a0 * c2[i]; d12 += a1 * c2[i]; d22 += a2 * c2[i]; d32 += a3 * c2[i]
            d03 += a0 * c3[i]; d13 += a1 * c3[i]; d23 += a2 * c3[i]; d33 += a3 * c3[i]
            i += 1
        }
        let (g00, g10, g20, g30) = negatedBlock4Gains(t, d00, d10, d20, d30)
        let (g01, g11, g21, g31) = negatedBlock4Gains(t, d01, d11, d21, d31)
        let (g02, g12, g22, g32) = negatedBlock4Gains(t, d02, d12, d22, d32)
        let (g03, g13, g23, g33) = negatedBlock4Gains(t, d03, d13, d23, d33)
        let n00 = T.splat(g00), n10 = T.splat(g10), n20 = T.splat(g20), n30 = T.splat(g30)
        let n01 = T.splat(g01), n11 = T.splat(g11), n21 = T.splat(g21), n31 = T.splat(g31)
        let n02 = T.splat(g02), n12 = T.splat(g12), n22 = T.splat(g22), n32 = T.splat(g32)
        let n03 = T.splat(g03), n13 = T.splat(g13), n23 = T.splat(g23), n33 = T.splat(g33)
        let firstWhole = min(max(f, 0) + lanes - 1, vectorEnd) / lanes * lanes
        var q00 = T.zeroVector, q01 = T.zeroVector, q11 = T.zeroVector
        i = 0
        if nativeVectorRegisters >= 24 {
            while i < vectorEnd {
                let x0 = T.load(v0 + i), x1 = T.load(v1 + i), x2 = T.load(v2 + i), x3 = T.load(v3 + i)
                let y0 = T.fma(T.fma(T.fma(T.fma(T.load(c0 + i), n00, x0), n10, x1), n20, x2), n30, x3)
                let y1 = T.fma(T.fma(T.fma(T.fma(T.load(c1 + i), n01, x0), n11, x1), n21, x2), n31, x3)
                let y2 = T.fma(T.fma(T.fma(T.fma(T.load(c2 + i), n02, x0), n12, x1), n22, x2), n32, x3)
                let y3 = T.fma(T.fma(T.fma(T.fma(T.load(c3 + i), n03, x0), n13, x1), n23, x2), n33, x3)
                T.store(y3, c3 + i); T.store(y2, c2 + i); T.store(y1, c1 + i); T.store(y0, c0 + i)
                if i >= firstWhole { q00 = T.fma(q00, y0, y0); q01 = T.fma(q01, y0, y1); q11 = T.fma(q11, y1, y1) }
                i += lanes
            }
        } else {
            // Sixteen gains do not fit (AVX2): per chunk of rows, c₀, c₁ and the sums, then c₂, c₃ —
            // the same values, since a column that repeats c₀ or c₁ has its gains and is stored already.
            let repeats2 = c2 == c0 || c2 == c1, repeats3 = c3 == c0 || c3 == c1
            let (d2, m02, m12, m22, m32) = repeats2 ? (c3, n03, n13, n23, n33) : (c2, n02, n12, n22, n32)
            let (d3, m03, m13, m23, m33) = repeats3 ? (d2, m02, m12, m22, m32) : (c3, n03, n13, n23, n33)
            while i < vectorEnd {
                let e = min(i + chunk, vectorEnd)
                var r = i
                while r < e {
                    let x0 = T.load(v0 + r), x1 = T.load(v1 + r), x2 = T.load(v2 + r), x3 = T.load(v3 + r)
                    let y0 = T.fma(T.fma(T.fma(T.fma(T.load(c0 + r), n00, x0), n10, x1), n20, x2), n30, x3)
                    let y1 = T.fma(T.fma(T.fma(T.fma(T.load(c1 + r), n01, x0), n11, x1), n21, x2), n31, x3)
                    T.store(y1, c1 + r); T.store(y0, c0 + r)
                    if r >= firstWhole { q00 = T.fma(q00, y0, y0); q01 = T.fma(q01, y0, y1); q11 = T.fma(q11, y1, y1) }
                    r += lanes
                }
                if !(repeats2 && repeats3) {
                    r = i
                    while r < e {
                        let x0 = T.load(v0 + r), x1 = T.load(v1 + r), x2 = T.load(v2 + r), x3 = T.load(v3 + r)
                        let y2 = T.fma(T.fma(T.fma(T.fma(T.load(d2 + r), m02, x0), m12, x1), m22, x2), m32, x3)
                        let y3 = T.fma(T.fma(T.fma(T.fma(T.load(d3 + r), m03, x0), m13, x1), m23, x2), m33, x3)
                        T.store(y3, d3 + r); T.store(y2, d2 + r)
                        r += lanes
                    }
                }
                i = e
            }
        }
        var sums = CarriedSums<Scalar>(squares: T.sum(q00), cross: T.sum(q01), nextSquares: T.sum(q11))
        sums.add(rowOrderOver: c0, c1, rows: max(f, 0)..<max(firstWhole, f))
        while i < n {
            let a0 = v0[i], a1 = v1[i], a2 = v2[i], a3 = v3[i]
            let y0 = c0[i] + g00 * a0 + g10 * a1 + g20 * a2 + g30 * a3
            let y1 = c1[i] + g01 * a0 + g11 * a1 + g21 * a2 + g31 * a3
            let y2 = c2[i] + g02 * a0 + g12 * a1 + g22 * a2 + g32 * a3
            let y3 = c3[i] + g03 * a0 + g13 * a1 + g23 * a2 + g33 * a3
            c3[i] = y3; c2[i] = y2; c1[i] = y1; c0[i] = y0
            if i >= f { sums.add(y0, y1) }
            i += 1
        }
        return sums
    }
}
