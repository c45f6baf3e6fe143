/// Error-free transformations and compensated dot products (Ogita, Rump & Oishi 2005, "Accurate
/// sum and dot product"). With them a residual b − A·x is computed as if in twice the working
/// precision, which is what iterative refinement needs: a residual computed in working precision
/// is mostly rounding noise once A·x ≈ b to many digits.

/// s + e = a + b exactly, s = fl(a + b) (Knuth's TwoSum; no branch, any ordering of |a|, |b|).
@inlinable @inline(__always)
public func twoSum(_ a: Double, _ b: Double) -> (sum: Double, error: Double) {
    let s = a + b
    let bb = s - a
    return (s, (a - (s - bb)) + (b - bb))
}

/// p + e = a·b exactly, p = fl(a·b), by one fused multiply-add.
@inlinable @inline(__always)
public func twoProduct(_ a: Double, _ b: Double) -> (product: Double, error: Double) {
    let p = a * b
    return (p, (-p).addingProduct(a, b))
}

/// Σ xᵢ·yᵢ as if computed in doubled precision and rounded once more (algorithm Dot2):
/// |result − exact| ≤ ε·|exact| + γₙ²·Σ|xᵢyᵢ|. The scalar reference twin of the SIMD kernels.
public func compensatedDot(_ x: [Double], _ y: [Double]) -> Double {
    precondition(x.count == y.count, "vectors must have equal length")
    var p = 0.0, s = 0.0
    for i in x.indices {
        let (h, r) = twoProduct(x[i], y[i])
        let (sum, q) = twoSum(p, h)
        p = sum
        s += q + r
    }
    return p + s
}

/// The least-squares residual pieces in doubled precision (scalar reference):
/// f = b − r − A·x and g = −Aᵀ·r.
public func compensatedResidualsReference(_ a: Matrix, x: [Double], b: [Double], r: [Double]) -> (f: [Double], g: [Double]) {
    let f = (0..<a.rows).map { i in
        compensatedDot([b[i], r[i]] + (0..<a.columns).map { a[i, $0] }, [1, -1] + x.map { -$0 })
    }
    let g = (0..<a.columns).map { j in -compensatedDot(a.column(j), r) }
    return (f, g)
}

/// The same residuals, vectorized over `SIMD8<Double>`: eight rows at a time for f (A is
/// column-major, so a column is unit-stride), eight-way split accumulators for g.
public func compensatedResiduals(_ a: Matrix, x: [Double], b: [Double], r: [Double]) -> (f: [Double], g: [Double]) {
    let (m, n) = (a.rows, a.columns)
    precondition(x.count == n && b.count == m && r.count == m, "shapes must agree")
    var hi = b, lo = [Double](repeating: 0, count: m)
    var g = [Double](repeating: 0, count: n)
    a.elements.withUnsafeBufferPointer { ap in
        hi.withUnsafeMutableBufferPointer { hp in
            lo.withUnsafeMutableBufferPointer { lp in
                let (h, l, abase) = (hp.baseAddress!, lp.baseAddress!, ap.baseAddress!)
                r.withUnsafeBufferPointer { rp in
                    accumulate8(m, -1, rp.baseAddress!, h, l)
                    for j in 0..<n { accumulate8(m, -x[j], abase + j * m, h, l) }
                    for j in 0..<n { g[j] = -dot2(m, abase + j * m, rp.baseAddress!) }
                }
                for i in 0..<m { h[i] += l[i] }
            }
        }
    }
    return (hi, g)
}

/// (hi, lo) += α·x elementwise, in doubled precision.
@inline(__always)
private func accumulate8(_ m: Int, _ alpha: Double, _ x: UnsafePointer<Double>,
                         _ hi: UnsafeMutablePointer<Double>, _ lo: UnsafeMutablePointer<Double>) {
    let a = SIMD8<Double>(repeating: alpha)
    var i = 0
    while i + 8 <= m {
        let xv = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Double>.self)
        let h = UnsafeRawPointer(hi + i).loadUnaligned(as: SIMD8<Double>.self)
        let l = UnsafeRawPointer(lo + i).loadUnaligned(as: SIMD8<Double>.self)
        let p = a * xv
        let pe = (-p).addingProduct(a, xv)           // TwoProduct error
        let s = h + p
        let bb = s - h
        let se = (h - (s - bb)) + (p - bb)          // TwoSum error
        UnsafeMutableRawPointer(hi + i).storeBytes(of: s, as: SIMD8<Double>.self)
        UnsafeMutableRawPointer(lo + i).storeBytes(of: l + (se + pe), as: SIMD8<Double>.self)
        i += 8
    }
    while i < m {
        let (p, pe) = twoProduct(alpha, x[i])
        let (s, se) = twoSum(hi[i], p)
        hi[i] = s
        lo[i] += se + pe
        i += 1
    }
}

/// Dot2 with eight independent compensated lanes, combined compensatedly at the end;
/// allocation-free.
@inline(__always)
func dot2(_ m: Int, _ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>) -> Double {
    var p = SIMD8<Double>(), s = SIMD8<Double>()
    var i = 0
    while i + 8 <= m {
        let xv = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Double>.self)
        let yv = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Double>.self)
        let h = xv * yv
        let r = (-h).addingProduct(xv, yv)
        let sum = p + h
        let bb = sum - p
        let q = (p - (sum - bb)) + (h - bb)
        p = sum
        s += q + r
        i += 8
    }
    // Fold the lanes and the tail into one compensated scalar accumulation.
    var hi = 0.0, lo = s.sum()
    for lane in 0..<8 {
        let (sum, e) = twoSum(hi, p[lane])
        hi = sum
        lo += e
    }
    while i < m {
        let (h, r) = twoProduct(x[i], y[i])
        let (sum, e) = twoSum(hi, h)
        hi = sum
        lo += e + r
        i += 1
    }
    return hi + lo
}
