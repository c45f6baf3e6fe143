/// SIMD kernels whose inner products are compensated (Dot2: as if computed in doubled precision,
/// then rounded). The rank-revealing path uses them: its users came for accuracy, and on
/// ill-conditioned problems the reflectors' inner products are where QR loses its digits.
/// Costs about 2.5× the flops of `SIMDKernels` in the dot half of each reflector application.
public enum CompensatedSIMDKernels: HouseholderKernels {
    public typealias Scalar = Double
    public typealias Tile = NativeTile<Double>

    public static func dot(_ n: Int, _ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>) -> Double {
        dot2(n, x, y)
    }

    public static func sumOfSquares(_ n: Int, _ x: UnsafePointer<Double>) -> Double {
        dot2(n, x, x)
    }

    public static func scale(_ n: Int, _ alpha: Double, _ x: UnsafeMutablePointer<Double>) {
        SIMDKernels.scale(n, alpha, x)
    }

    public static func applyReflector(_ v: UnsafePointer<Double>, tau: Double, to c: MutableMatrixView) {
        let m = c.rows
        guard m > 0, tau != 0 else { return }
        for j in 0..<c.columns {
            let col = c.column(j)
            let (sum, error) = twoSum(col[0], dot2(m - 1, v + 1, col + 1))
            let w = tau * (sum + error)
            col[0] -= w
            SIMDKernels.axpy(m - 1, -w, v + 1, col + 1)
        }
    }

    public static func axpy(_ n: Int, _ alpha: Double, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>) {
        SIMDKernels.axpy(n, alpha, x, y)
    }

    public static func dot4(
        _ n: Int, _ v: UnsafePointer<Double>, _ c0: UnsafePointer<Double>, _ c1: UnsafePointer<Double>,
        _ c2: UnsafePointer<Double>, _ c3: UnsafePointer<Double>
    ) -> (Double, Double, Double, Double) {
        (dot2(n, v, c0), dot2(n, v, c1), dot2(n, v, c2), dot2(n, v, c3))
    }

    public static func axpy4(
        _ n: Int, _ v: UnsafePointer<Double>,
        _ a0: Double, _ c0: UnsafeMutablePointer<Double>, _ a1: Double, _ c1: UnsafeMutablePointer<Double>,
        _ a2: Double, _ c2: UnsafeMutablePointer<Double>, _ a3: Double, _ c3: UnsafeMutablePointer<Double>
    ) {
        SIMDKernels.axpy4(n, v, a0, c0, a1, c1, a2, c2, a3, c3)
    }

    /// Plain updates, compensated dot products (as in `applyReflector`).
    public static func updateColumns(
        _ c: MutableMatrixView, adding x: UnsafeMutablePointer<Double>, gains: UnsafePointer<Double>,
        scaleX: Double?, dotsWith next: UnsafePointer<Double>?, into dots: UnsafeMutablePointer<Double>
    ) {
        let n = c.rows
        for j in 0..<c.columns { SIMDKernels.axpy(n, gains[j], x, c.column(j)) }
        if let scaleX { SIMDKernels.scale(n, scaleX, x) }
        if let next {
            for j in 0..<c.columns { dots[j] = dot2(n, next, c.column(j)) }
        }
    }

    /// Each entry a compensated dot product.
    public static func innerProducts(
        rows n: Int, _ x: UnsafePointer<Double>, ldx: Int, count p: Int, _ y: UnsafePointer<Double>, ldy: Int,
        count q: Int, into out: UnsafeMutablePointer<Double>, ldo: Int, skipBelowDiagonal: Bool
    ) {
        for j in 0..<q {
            for i in 0..<p where !(skipBelowDiagonal && j < i) { out[i + j * ldo] = dot2(n, x + i * ldx, y + j * ldy) }
        }
    }

    /// Plain updates (as in `applyReflector`).
    public static func rankUpdate(
        rows n: Int, _ v: UnsafePointer<Double>, ldv: Int, count k: Int, _ w: UnsafePointer<Double>, ldw: Int,
        into c: UnsafeMutablePointer<Double>, ldc: Int, columns q: Int
    ) {
        SIMDKernels.rankUpdate(rows: n, v, ldv: ldv, count: k, w, ldw: ldw, into: c, ldc: ldc, columns: q)
    }

    /// The pair with compensated inner products (the updates are plain, as in `applyReflector`).
    public static func applyReflectorPair(
        _ n: Int, _ v1: UnsafePointer<Double>, tau1: Double, _ v2: UnsafePointer<Double>, tau2: Double, v21: Double,
        _ c0: UnsafeMutablePointer<Double>, _ c1: UnsafeMutablePointer<Double>
    ) {
        let w10 = tau1 * dot2(n, v1, c0), w11 = tau1 * dot2(n, v1, c1)
        let w20 = tau2 * (dot2(n, v2, c0) - v21 * w10), w21 = tau2 * (dot2(n, v2, c1) - v21 * w11)
        for i in 0..<n {
            let y0 = c0[i] - w10 * v1[i] - w20 * v2[i]
            let y1 = c1[i] - w11 * v1[i] - w21 * v2[i]
            c1[i] = y1
            c0[i] = y0
        }
    }
}
