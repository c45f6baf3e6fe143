/// Hand-vectorized kernels over `Scalar.Vector` — `SIMD8<Double>` or `SIMD16<Float>`, 64 bytes:
/// one AVX-512 register, two AVX2 registers, four NEON registers — with `Tile` as their level-3
/// micro-kernel (KernelSelection.swift picks it per architecture).
///
/// Built with `-target-cpu native` these become `vfmadd…` on full-width registers; at the x86-64
/// baseline they would degrade to scalar `fma` calls (see Package.swift). Generic only through
/// `QRScalar`'s requirements, so each specialization is the concrete SIMD code (see QRScalar.swift).
public enum VectorKernels<Scalar: QRScalar, Tile: MicroKernel>: HouseholderKernels where Tile.Scalar == Scalar {
    @usableFromInline typealias V = Scalar.Vector

    @inlinable @inline(__always)
    static func load(_ p: UnsafePointer<Scalar>) -> V { Scalar.load(p) }

    @inlinable @inline(__always)
    static func store(_ v: V, _ p: UnsafeMutablePointer<Scalar>) { Scalar.store(v, p) }

    public static func dot(_ n: Int, _ x: UnsafePointer<Scalar>, _ y: UnsafePointer<Scalar>) -> Scalar {
        // Two independent accumulators hide the FMA latency.
        var a0 = Scalar.zeroVector, a1 = Scalar.zeroVector
        var i = 0
        while i + 2 * Scalar.lanes <= n {
            a0 = Scalar.fma(a0, load(x + i), load(y + i))
            a1 = Scalar.fma(a1, load(x + i + Scalar.lanes), load(y + i + Scalar.lanes))
            i += 2 * Scalar.lanes
        }
        if i + Scalar.lanes <= n {
            a0 = Scalar.fma(a0, load(x + i), load(y + i))
            i += Scalar.lanes
        }
        var s = Scalar.sum(Scalar.add(a0, a1))
        while i < n { s += x[i] * y[i]; i += 1 }
        return s
    }

    public static func sumOfSquares(_ n: Int, _ x: UnsafePointer<Scalar>) -> Scalar {
        dot(n, x, x)
    }

    @inlinable
    public static func scale(_ n: Int, _ alpha: Scalar, _ x: UnsafeMutablePointer<Scalar>) {
        var i = 0
        while i + Scalar.lanes <= n {
            store(Scalar.scaled(load(x + i), alpha), x + i)
            i += Scalar.lanes
        }
        while i < n { x[i] *= alpha; i += 1 }
    }

    public static func applyReflector(_ v: UnsafePointer<Scalar>, tau: Scalar, to c: StridedMatrixView<Scalar>) {
        let m = c.rows
        guard m > 0, tau != 0 else { return }
        var j = 0
        // Four columns per sweep: v is loaded once for four dot products and four updates.
        while j + 4 <= c.columns {
            applyReflector4(v, tau: tau, m, c.column(j), c.column(j + 1), c.column(j + 2), c.column(j + 3))
            j += 4
        }
        // Two leftover columns share one sweep too: on narrow matrices (104 × 17) the leftovers
        // are a large share of all columns.
        if j + 2 <= c.columns {
            applyReflector2(v, tau: tau, m, c.column(j), c.column(j + 1))
            j += 2
        }
        while j < c.columns {
            let col = c.column(j)
            let w = tau * (col[0] + dot(m - 1, v + 1, col + 1))
            col[0] -= w
            axpy(m - 1, -w, v + 1, col + 1)
            j += 1
        }
    }

    /// `applyReflector4` for two columns.
    @inline(__always)
    static func applyReflector2(
        _ v: UnsafePointer<Scalar>, tau: Scalar, _ m: Int,
        _ c0: UnsafeMutablePointer<Scalar>, _ c1: UnsafeMutablePointer<Scalar>
    ) {
        var s0 = Scalar.zeroVector, s1 = Scalar.zeroVector
        var i = 1
        while i + Scalar.lanes <= m {
            let vv = load(v + i)
            s0 = Scalar.fma(s0, vv, load(c0 + i))
            s1 = Scalar.fma(s1, vv, load(c1 + i))
            i += Scalar.lanes
        }
        var w0 = Scalar.sum(s0), w1 = Scalar.sum(s1)
        var t = i
        while t < m {
            w0 += v[t] * c0[t]; w1 += v[t] * c1[t]
            t += 1
        }
        w0 = tau * (w0 + c0[0]); w1 = tau * (w1 + c1[0])
        c0[0] -= w0; c1[0] -= w1
        let n0 = Scalar.splat(-w0), n1 = Scalar.splat(-w1)
        i = 1
        while i + Scalar.lanes <= m {
            let vv = load(v + i)
            store(Scalar.fma(load(c0 + i), n0, vv), c0 + i)
            store(Scalar.fma(load(c1 + i), n1, vv), c1 + i)
            i += Scalar.lanes
        }
        while i < m {
            c0[i] -= w0 * v[i]; c1[i] -= w1 * v[i]
            i += 1
        }
    }

    /// y ← y + α·x. Inlinable: other modules (RidgeCV's row blocks) call it in their loops, and
    /// only an inlinable generic is specialized there.
    @inlinable
    public static func axpy(_ n: Int, _ alpha: Scalar, _ x: UnsafePointer<Scalar>, _ y: UnsafeMutablePointer<Scalar>) {
        let a = Scalar.splat(alpha)
        var i = 0
        while i + Scalar.lanes <= n {
            store(Scalar.fma(load(y + i), a, load(x + i)), y + i)
            i += Scalar.lanes
        }
        while i < n { y[i] += alpha * x[i]; i += 1 }
    }

    /// (vᵀc₀, vᵀc₁, vᵀc₂, vᵀc₃) in one sweep over v, two vector accumulators per column so that the
    /// FMA latency is hidden (four chains alone would wait on it).
    @inline(__always)
    public static func dot4(
        _ n: Int, _ v: UnsafePointer<Scalar>, _ c0: UnsafePointer<Scalar>, _ c1: UnsafePointer<Scalar>,
        _ c2: UnsafePointer<Scalar>, _ c3: UnsafePointer<Scalar>
    ) -> (Scalar, Scalar, Scalar, Scalar) {
        typealias T = Scalar
        var s0 = T.zeroVector, s1 = T.zeroVector, s2 = T.zeroVector, s3 = T.zeroVector
        var u0 = T.zeroVector, u1 = T.zeroVector, u2 = T.zeroVector, u3 = T.zeroVector
        var i = 0
        while i + 2 * T.lanes <= n {
            let xv = T.load(v + i), xu = T.load(v + i + T.lanes)
            s0 = T.fma(s0, xv, T.load(c0 + i)); u0 = T.fma(u0, xu, T.load(c0 + i + T.lanes))
            s1 = T.fma(s1, xv, T.load(c1 + i)); u1 = T.fma(u1, xu, T.load(c1 + i + T.lanes))
            s2 = T.fma(s2, xv, T.load(c2 + i)); u2 = T.fma(u2, xu, T.load(c2 + i + T.lanes))
            s3 = T.fma(s3, xv, T.load(c3 + i)); u3 = T.fma(u3, xu, T.load(c3 + i + T.lanes))
            i += 2 * T.lanes
        }
        if i + T.lanes <= n {
            let xv = T.load(v + i)
            s0 = T.fma(s0, xv, T.load(c0 + i)); s1 = T.fma(s1, xv, T.load(c1 + i))
            s2 = T.fma(s2, xv, T.load(c2 + i)); s3 = T.fma(s3, xv, T.load(c3 + i))
            i += T.lanes
        }
        var d0 = T.sum(T.add(s0, u0)), d1 = T.sum(T.add(s1, u1)), d2 = T.sum(T.add(s2, u2)), d3 = T.sum(T.add(s3, u3))
        while i < n {
            let vi = v[i]
            d0 += vi * c0[i]; d1 += vi * c1[i]; d2 += vi * c2[i]; d3 += vi * c3[i]
            i += 1
        }
        return (d0, d1, d2, d3)
    }

    /// Four columns per sweep over x (`update4`); a last group of fewer takes `update2` and/or
    /// `update1`, so each column is loaded, updated and stored once.
    @inline(__always)
    public static func updateColumns(
        _ c: StridedMatrixView<Scalar>, adding x: UnsafeMutablePointer<Scalar>, gains: UnsafePointer<Scalar>,
        scaleX: Scalar?, dotsWith next: UnsafePointer<Scalar>?, into dots: UnsafeMutablePointer<Scalar>
    ) {
        let (n, q) = (c.rows, c.columns)
        var j0 = 0
        while j0 < q {
            // Groups of 4 columns, the last 1–3 as a group of 2 and/or 1: padding them to 4 with
            // repeated columns would load, update and store the repeats too (a panel's shrinking
            // trailing part is mostly such remainders). Each column's arithmetic is the same.
            let cnt = q - j0 >= 4 ? 4 : q - j0 >= 2 ? 2 : 1
            // The next column, when it is this group's first, is taken from the register just stored.
            let nextIsFirst = next.map { $0 == UnsafePointer(c.column(j0)) } ?? false
            let last = scaleX != nil && j0 + cnt >= q
            switch cnt {
            case 4:
                let (e0, e1, e2, e3) = update4(
                    n, x, scale: scaleX ?? 1, scaleX: last, next: next, nextIsFirst: nextIsFirst,
                    gains[j0], c.column(j0), gains[j0 + 1], c.column(j0 + 1), gains[j0 + 2], c.column(j0 + 2),
                    gains[j0 + 3], c.column(j0 + 3))
                if next != nil { dots[j0] = e0; dots[j0 + 1] = e1; dots[j0 + 2] = e2; dots[j0 + 3] = e3 }
            case 2:
                let (e0, e1) = update2(n, x, scale: scaleX ?? 1, scaleX: last, next: next, nextIsFirst: nextIsFirst,
                                       gains[j0], c.column(j0), gains[j0 + 1], c.column(j0 + 1))
                if next != nil { dots[j0] = e0; dots[j0 + 1] = e1 }
            default:
                let e0 = update1(n, x, scale: scaleX ?? 1, scaleX: last, next: next, nextIsFirst: nextIsFirst,
                                 gains[j0], c.column(j0))
                if next != nil { dots[j0] = e0 }
            }
            j0 += cnt
        }
    }

    /// `update4` for two columns (each column's operations and order as in `update4`).
    @inline(__always)
    static func update2(
        _ n: Int, _ x: UnsafeMutablePointer<Scalar>, scale: Scalar, scaleX: Bool, next: UnsafePointer<Scalar>?,
        nextIsFirst: Bool, _ g0: Scalar, _ c0: UnsafeMutablePointer<Scalar>, _ g1: Scalar, _ c1: UnsafeMutablePointer<Scalar>
    ) -> (Scalar, Scalar) {
        typealias T = Scalar
        let a0 = T.splat(g0), a1 = T.splat(g1)
        var e0 = T.zeroVector, e1 = T.zeroVector
        var i = 0
        while i + T.lanes <= n {
            let xv = T.load(x + i)
            let n0 = T.fma(T.load(c0 + i), xv, a0), n1 = T.fma(T.load(c1 + i), xv, a1)
            T.store(n1, c1 + i); T.store(n0, c0 + i)
            if let next {
                let y = nextIsFirst ? n0 : T.load(next + i)
                e0 = T.fma(e0, y, n0); e1 = T.fma(e1, y, n1)
            }
            if scaleX { T.store(T.scaled(xv, scale), x + i) }
            i += T.lanes
        }
        var s0 = T.sum(e0), s1 = T.sum(e1)
        while i < n {
            let xi = x[i]
            let n0 = c0[i] + g0 * xi, n1 = c1[i] + g1 * xi
            c1[i] = n1; c0[i] = n0
            if let next {
                let y = nextIsFirst ? n0 : next[i]
                s0 += y * n0; s1 += y * n1
            }
            if scaleX { x[i] = xi * scale }
            i += 1
        }
        return (s0, s1)
    }

    /// `update4` for one column (its operations and order as in `update4`).
    @inline(__always)
    static func update1(
        _ n: Int, _ x: UnsafeMutablePointer<Scalar>, scale: Scalar, scaleX: Bool, next: UnsafePointer<Scalar>?,
        nextIsFirst: Bool, _ g0: Scalar, _ c0: UnsafeMutablePointer<Scalar>
    ) -> Scalar {
        typealias T = Scalar
        let a0 = T.splat(g0)
        var e0 = T.zeroVector
        var i = 0
        while i + T.lanes <= n {
            let xv = T.load(x + i)
            let n0 = T.fma(T.load(c0 + i), xv, a0)
            T.store(n0, c0 + i)
            if let next {
                let y = nextIsFirst ? n0 : T.load(next + i)
                e0 = T.fma(e0, y, n0)
            }
            if scaleX { T.store(T.scaled(xv, scale), x + i) }
            i += T.lanes
        }
        var s0 = T.sum(e0)
        while i < n {
            let xi = x[i]
            let n0 = c0[i] + g0 * xi
            c0[i] = n0
            if let next {
                let y = nextIsFirst ? n0 : next[i]
                s0 += y * n0
            }
            if scaleX { x[i] = xi * scale }
            i += 1
        }
        return s0
    }

    /// cⱼ += gⱼ·x for four columns, then optionally x ← scale·x; returns (yᵀc₀, yᵀc₁, yᵀc₂, yᵀc₃)
    /// of the updated columns for y = `next` (y = the updated c₀ when `nextIsFirst`), zeros when
    /// `next` is nil. Repeated columns must come with equal gains (they store identical values).
    @inline(__always)
    static func update4(
        _ n: Int, _ x: UnsafeMutablePointer<Scalar>, scale: Scalar, scaleX: Bool, next: UnsafePointer<Scalar>?,
        nextIsFirst: Bool, _ g0: Scalar, _ c0: UnsafeMutablePointer<Scalar>, _ g1: Scalar, _ c1: UnsafeMutablePointer<Scalar>,
        _ g2: Scalar, _ c2: UnsafeMutablePointer<Scalar>, _ g3: Scalar, _ c3: UnsafeMutablePointer<Scalar>
    ) -> (Scalar, Scalar, Scalar, Scalar) {
        typealias T = Scalar
        let a0 = T.splat(g0), a1 = T.splat(g1), a2 = T.splat(g2), a3 = T.splat(g3)
        var e0 = T.zeroVector, e1 = T.zeroVector, e2 = T.zeroVector, e3 = T.zeroVector
        var i = 0
        while i + T.lanes <= n {
            let xv = T.load(x + i)
            let n0 = T.fma(T.load(c0 + i), xv, a0), n1 = T.fma(T.load(c1 + i), xv, a1)
            let n2 = T.fma(T.load(c2 + i), xv, a2), n3 = T.fma(T.load(c3 + i), xv, a3)
            T.store(n3, c3 + i); T.store(n2, c2 + i); T.store(n1, c1 + i); T.store(n0, c0 + i)
            if let next {
                let y = nextIsFirst ? n0 : T.load(next + i)
                e0 = T.fma(e0, y, n0); e1 = T.fma(e1, y, n1); e2 = T.fma(e2, y, n2); e3 = T.fma(e3, y, n3)
            }
            if scaleX { T.store(T.scaled(xv, scale), x + i) }
            i += T.lanes
        }
        var s0 = T.sum(e0), s1 = T.sum(e1), s2 = T.sum(e2), s3 = T.sum(e3)
        while i < n {
            let xi = x[i]
            let n0 = c0[i] + g0 * xi, n1 = c1[i] + g1 * xi, n2 = c2[i] + g2 * xi, n3 = c3[i] + g3 * xi
            c3[i] = n3; c2[i] = n2; c1[i] = n1; c0[i] = n0
            if let next {
                let y = nextIsFirst ? n0 : next[i]
                s0 += y * n0; s1 += y * n1; s2 += y * n2; s3 += y * n3
            }
            if scaleX { x[i] = xi * scale }
            i += 1
        }
        return (s0, s1, s2, s3)
    }

    /// 4 × 4 register-blocked inner products (`InnerProductBlock`).
    @inline(__always)
    public static func innerProducts(
        rows n: Int, _ x: UnsafePointer<Scalar>, ldx: Int, count p: Int, _ y: UnsafePointer<Scalar>, ldy: Int,
        count q: Int, into out: UnsafeMutablePointer<Scalar>, ldo: Int, skipBelowDiagonal: Bool
    ) {
        InnerProductBlock<Scalar>.compute(rows: n, x, ldx: ldx, count: p, y, ldy: ldy, count: q, into: out, ldo: ldo,
                                          skipBelowDiagonal: skipBelowDiagonal)
    }

    /// Two columns of W in registers while V and C stream past (`RankUpdateBlock`).
    @inline(__always)
    public static func rankUpdate(
        rows n: Int, _ v: UnsafePointer<Scalar>, ldv: Int, count k: Int, _ w: UnsafePointer<Scalar>, ldw: Int,
        into c: UnsafeMutablePointer<Scalar>, ldc: Int, columns q: Int
    ) {
        RankUpdateBlock<Scalar>.accumulate(rows: n, v, ldv: ldv, count: k, w, ldw: ldw, into: c, ldc: ldc, columns: q)
    }

    /// cⱼ ← cⱼ + αⱼ·v for four columns in one sweep over v.
    @inline(__always)
    public static func axpy4(
        _ n: Int, _ v: UnsafePointer<Scalar>,
        _ a0: Scalar, _ c0: UnsafeMutablePointer<Scalar>, _ a1: Scalar, _ c1: UnsafeMutablePointer<Scalar>,
        _ a2: Scalar, _ c2: UnsafeMutablePointer<Scalar>, _ a3: Scalar, _ c3: UnsafeMutablePointer<Scalar>
    ) {
        let n0 = Scalar.splat(a0), n1 = Scalar.splat(a1)
        let n2 = Scalar.splat(a2), n3 = Scalar.splat(a3)
        var i = 0
        while i + Scalar.lanes <= n {
            let vv = Scalar.load(v + i)
            Scalar.store(Scalar.fma(Scalar.load(c0 + i), n0, vv), c0 + i)
            Scalar.store(Scalar.fma(Scalar.load(c1 + i), n1, vv), c1 + i)
            Scalar.store(Scalar.fma(Scalar.load(c2 + i), n2, vv), c2 + i)
            Scalar.store(Scalar.fma(Scalar.load(c3 + i), n3, vv), c3 + i)
            i += Scalar.lanes
        }
        while i < n {
            let vi = v[i]
            c0[i] += a0 * vi; c1[i] += a1 * vi; c2[i] += a2 * vi; c3[i] += a3 * vi
            i += 1
        }
    }

    @inline(__always)
    static func applyReflector4(
        _ v: UnsafePointer<Scalar>, tau: Scalar, _ m: Int,
        _ c0: UnsafeMutablePointer<Scalar>, _ c1: UnsafeMutablePointer<Scalar>,
        _ c2: UnsafeMutablePointer<Scalar>, _ c3: UnsafeMutablePointer<Scalar>
    ) {
        // w = τ·Cᵀv, rows 1..<m vectorized, row 0 (v₀ = 1) added separately.
        var s0 = Scalar.zeroVector, s1 = Scalar.zeroVector, s2 = Scalar.zeroVector, s3 = Scalar.zeroVector
        var i = 1
        while i + Scalar.lanes <= m {
            let vv = load(v + i)
            s0 = Scalar.fma(s0, vv, load(c0 + i))
            s1 = Scalar.fma(s1, vv, load(c1 + i))
            s2 = Scalar.fma(s2, vv, load(c2 + i))
            s3 = Scalar.fma(s3, vv, load(c3 + i))
            i += Scalar.lanes
        }
        var w0 = Scalar.sum(s0), w1 = Scalar.sum(s1), w2 = Scalar.sum(s2), w3 = Scalar.sum(s3)
        var t = i
        while t < m {
            let vt = v[t]
            w0 += vt * c0[t]; w1 += vt * c1[t]; w2 += vt * c2[t]; w3 += vt * c3[t]
            t += 1
        }
        w0 = tau * (w0 + c0[0]); w1 = tau * (w1 + c1[0])
        w2 = tau * (w2 + c2[0]); w3 = tau * (w3 + c3[0])
        c0[0] -= w0; c1[0] -= w1; c2[0] -= w2; c3[0] -= w3
        // C ← C − v·wᵀ
        let n0 = Scalar.splat(-w0), n1 = Scalar.splat(-w1)
        let n2 = Scalar.splat(-w2), n3 = Scalar.splat(-w3)
        i = 1
        while i + Scalar.lanes <= m {
            let vv = load(v + i)
            store(Scalar.fma(load(c0 + i), n0, vv), c0 + i)
            store(Scalar.fma(load(c1 + i), n1, vv), c1 + i)
            store(Scalar.fma(load(c2 + i), n2, vv), c2 + i)
            store(Scalar.fma(load(c3 + i), n3, vv), c3 + i)
            i += Scalar.lanes
        }
        while i < m {
            let vt = v[i]
            c0[i] -= w0 * vt; c1[i] -= w1 * vt; c2[i] -= w2 * vt; c3[i] -= w3 * vt
            i += 1
        }
    }

    /// Two columns per sweep over v₁ and v₂: four dot products from four loads per vector of rows,
    /// then both updates in one more sweep (see the protocol for the arithmetic).
    @inline(__always)
    public static func applyReflectorPair(
        _ n: Int, _ v1: UnsafePointer<Scalar>, tau1: Scalar, _ v2: UnsafePointer<Scalar>, tau2: Scalar, v21: Scalar,
        _ c0: UnsafeMutablePointer<Scalar>, _ c1: UnsafeMutablePointer<Scalar>
    ) {
        var s10 = Scalar.zeroVector, s20 = Scalar.zeroVector, s11 = Scalar.zeroVector, s21 = Scalar.zeroVector
        var i = 0
        while i + Scalar.lanes <= n {
            let x1 = load(v1 + i), x2 = load(v2 + i)
            let y0 = load(c0 + i), y1 = load(c1 + i)
            s10 = Scalar.fma(s10, x1, y0); s20 = Scalar.fma(s20, x2, y0)
            s11 = Scalar.fma(s11, x1, y1); s21 = Scalar.fma(s21, x2, y1)
            i += Scalar.lanes
        }
        var d10 = Scalar.sum(s10), d20 = Scalar.sum(s20), d11 = Scalar.sum(s11), d21 = Scalar.sum(s21)
        var t = i
        while t < n {
            d10 += v1[t] * c0[t]; d20 += v2[t] * c0[t]; d11 += v1[t] * c1[t]; d21 += v2[t] * c1[t]
            t += 1
        }
        let w10 = tau1 * d10, w11 = tau1 * d11
        let w20 = tau2 * (d20 - v21 * w10), w21 = tau2 * (d21 - v21 * w11)
        let n10 = Scalar.splat(-w10), n20 = Scalar.splat(-w20), n11 = Scalar.splat(-w11), n21 = Scalar.splat(-w21)
        i = 0
        while i + Scalar.lanes <= n {
            let x1 = load(v1 + i), x2 = load(v2 + i)
            let y0 = Scalar.fma(Scalar.fma(load(c0 + i), n10, x1), n20, x2)
            let y1 = Scalar.fma(Scalar.fma(load(c1 + i), n11, x1), n21, x2)
            store(y1, c1 + i)
            store(y0, c0 + i)
            i += Scalar.lanes
        }
        while i < n {
            let y0 = c0[i] - w10 * v1[i] - w20 * v2[i]
            let y1 = c1[i] - w11 * v1[i] - w21 * v2[i]
            c1[i] = y1
            c0[i] = y0
            i += 1
        }
    }
}

/// The `Double` kernels every `Double` fast path runs with on this architecture.
public typealias SIMDKernels = NativeKernels<Double>
