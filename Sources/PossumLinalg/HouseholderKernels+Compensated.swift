/// SIMD kernels whose inner products are compensated (Dot2: as if computed in doubled precision,
/// then rounded). The rank-revealing path uses them: its users came for accuracy, and on
/// ill-conditioned problems the reflectors' inner products are where QR loses its digits.
/// Costs about 2.5× the flops of `SIMDKernels` in the dot half of each reflector application.
public enum CompensatedSIMDKernels: HouseholderKernels {
    public typealias Scalar = Double

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
}
