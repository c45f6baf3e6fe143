/// Hand-vectorized kernels over `SIMD8<Double>` (one AVX-512 register; two AVX2 registers).
///
/// Built with `-target-cpu native` these become `vfmadd…pd` on zmm registers; at the x86-64
/// baseline they would degrade to scalar `fma` calls (see Package.swift).
public enum SIMDKernels: HouseholderKernels {
    @inlinable @inline(__always)
    static func load8(_ p: UnsafePointer<Double>) -> SIMD8<Double> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Double>.self)
    }

    @inlinable @inline(__always)
    static func store8(_ v: SIMD8<Double>, _ p: UnsafeMutablePointer<Double>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Double>.self)
    }

    public static func dot(_ n: Int, _ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>) -> Double {
        // Two independent accumulators hide the FMA latency.
        var a0 = SIMD8<Double>(), a1 = SIMD8<Double>()
        var i = 0
        while i + 16 <= n {
            a0.addProduct(load8(x + i), load8(y + i))
            a1.addProduct(load8(x + i + 8), load8(y + i + 8))
            i += 16
        }
        if i + 8 <= n {
            a0.addProduct(load8(x + i), load8(y + i))
            i += 8
        }
        var s = (a0 + a1).sum()
        while i < n { s += x[i] * y[i]; i += 1 }
        return s
    }

    public static func sumOfSquares(_ n: Int, _ x: UnsafePointer<Double>) -> Double {
        dot(n, x, x)
    }

    public static func scale(_ n: Int, _ alpha: Double, _ x: UnsafeMutablePointer<Double>) {
        var i = 0
        while i + 8 <= n {
            store8(load8(x + i) * alpha, x + i)
            i += 8
        }
        while i < n { x[i] *= alpha; i += 1 }
    }

    public static func applyReflector(_ v: UnsafePointer<Double>, tau: Double, to c: MutableMatrixView) {
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
        _ v: UnsafePointer<Double>, tau: Double, _ m: Int,
        _ c0: UnsafeMutablePointer<Double>, _ c1: UnsafeMutablePointer<Double>
    ) {
        var s0 = SIMD8<Double>(), s1 = SIMD8<Double>()
        var i = 1
        while i + 8 <= m {
            let vv = load8(v + i)
            s0.addProduct(vv, load8(c0 + i))
            s1.addProduct(vv, load8(c1 + i))
            i += 8
        }
        var w0 = s0.sum(), w1 = s1.sum()
        var t = i
        while t < m {
            w0 += v[t] * c0[t]; w1 += v[t] * c1[t]
            t += 1
        }
        w0 = tau * (w0 + c0[0]); w1 = tau * (w1 + c1[0])
        c0[0] -= w0; c1[0] -= w1
        let n0 = SIMD8<Double>(repeating: -w0), n1 = SIMD8<Double>(repeating: -w1)
        i = 1
        while i + 8 <= m {
            let vv = load8(v + i)
            store8(load8(c0 + i).addingProduct(n0, vv), c0 + i)
            store8(load8(c1 + i).addingProduct(n1, vv), c1 + i)
            i += 8
        }
        while i < m {
            c0[i] -= w0 * v[i]; c1[i] -= w1 * v[i]
            i += 1
        }
    }

    /// y ← y + α·x.
    @inlinable
    public static func axpy(_ n: Int, _ alpha: Double, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>) {
        let a = SIMD8<Double>(repeating: alpha)
        var i = 0
        while i + 8 <= n {
            store8(load8(y + i).addingProduct(a, load8(x + i)), y + i)
            i += 8
        }
        while i < n { y[i] += alpha * x[i]; i += 1 }
    }

    @inline(__always)
    static func applyReflector4(
        _ v: UnsafePointer<Double>, tau: Double, _ m: Int,
        _ c0: UnsafeMutablePointer<Double>, _ c1: UnsafeMutablePointer<Double>,
        _ c2: UnsafeMutablePointer<Double>, _ c3: UnsafeMutablePointer<Double>
    ) {
        // w = τ·Cᵀv, rows 1..<m vectorized, row 0 (v₀ = 1) added separately.
        var s0 = SIMD8<Double>(), s1 = SIMD8<Double>(), s2 = SIMD8<Double>(), s3 = SIMD8<Double>()
        var i = 1
        while i + 8 <= m {
            let vv = load8(v + i)
            s0.addProduct(vv, load8(c0 + i))
            s1.addProduct(vv, load8(c1 + i))
            s2.addProduct(vv, load8(c2 + i))
            s3.addProduct(vv, load8(c3 + i))
            i += 8
        }
        var w0 = s0.sum(), w1 = s1.sum(), w2 = s2.sum(), w3 = s3.sum()
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
        let n0 = SIMD8<Double>(repeating: -w0), n1 = SIMD8<Double>(repeating: -w1)
        let n2 = SIMD8<Double>(repeating: -w2), n3 = SIMD8<Double>(repeating: -w3)
        i = 1
        while i + 8 <= m {
            let vv = load8(v + i)
            store8(load8(c0 + i).addingProduct(n0, vv), c0 + i)
            store8(load8(c1 + i).addingProduct(n1, vv), c1 + i)
            store8(load8(c2 + i).addingProduct(n2, vv), c2 + i)
            store8(load8(c3 + i).addingProduct(n3, vv), c3 + i)
            i += 8
        }
        while i < m {
            let vt = v[i]
            c0[i] -= w0 * vt; c1[i] -= w1 * vt; c2[i] -= w2 * vt; c3[i] -= w3 * vt
            i += 1
        }
    }
}
