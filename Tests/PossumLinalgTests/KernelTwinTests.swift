import PossumLinalg
import Testing

/// Every SIMD kernel against its scalar reference twin. The two differ only in summation order,
/// so a dot product of length n may differ by at most 2·γₙ·Σ|xᵢyᵢ| (each is within γₙ·Σ|xᵢyᵢ| of
/// the exact value; γₙ = nε/(1 − nε), Higham §3.1).
@Suite struct KernelTwinTests {
    static let lengths = [0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 33, 64, 100, 257]

    func gamma(_ n: Int) -> Double { Double(n) * .ulpOfOne / (1 - Double(n) * .ulpOfOne) }

    @Test(arguments: lengths)
    func dotMatchesScalarTwin(n: Int) {
        var rng = SplitMix64(seed: UInt64(n) + 1)
        let x = (0..<n).map { _ in Double.random(in: -1...1, using: &rng) }
        let y = (0..<n).map { _ in Double.random(in: -1...1, using: &rng) }
        let simd = SIMDKernels.dot(n, x, y)
        let scalar = ScalarKernels.dot(n, x, y)
        let bound = 2 * gamma(n) * zip(x, y).reduce(0) { $0 + abs($1.0 * $1.1) }
        #expect(abs(simd - scalar) <= bound)
        #expect(abs(SIMDKernels.sumOfSquares(n, x) - ScalarKernels.sumOfSquares(n, x))
                <= 2 * gamma(n) * x.reduce(0) { $0 + $1 * $1 })
    }

    @Test(arguments: lengths)
    func scaleIsExactlyTheScalarTwin(n: Int) {
        var rng = SplitMix64(seed: 99)
        let x = (0..<n).map { _ in Double.random(in: -1...1, using: &rng) }
        var a = x, b = x
        SIMDKernels.scale(n, 0.37, &a)
        ScalarKernels.scale(n, 0.37, &b)
        #expect(a == b)  // one rounding per element either way: bitwise equal
    }

    /// (I − τvvᵀ)C for several column counts (exercising the 4-column sweep and its remainder).
    @Test(arguments: [(1, 1), (2, 3), (9, 4), (17, 5), (33, 8), (64, 7), (100, 13)])
    func applyReflectorMatchesScalarTwin(shape: (rows: Int, columns: Int)) {
        var rng = SplitMix64(seed: UInt64(shape.rows * 1000 + shape.columns))
        var v = (0..<shape.rows).map { _ in Double.random(in: -1...1, using: &rng) }
        v[0] = 12345  // must never be read: the kernels treat v₀ as 1
        let tau = 1.3
        let c = Matrix.random(rows: shape.rows, columns: shape.columns, using: &rng)
        var viaSIMD = c, viaScalar = c
        viaSIMD.withMutableView { SIMDKernels.applyReflector(v, tau: tau, to: $0) }
        viaScalar.withMutableView { ScalarKernels.applyReflector(v, tau: tau, to: $0) }
        // Each entry is c − τ·(vᵀc)·vᵢ: the dot product's reassociation error, times τ|vᵢ|, plus
        // one rounding each way.
        var vOne = v
        vOne[0] = 1
        for j in 0..<shape.columns {
            let column = c.column(j)
            let dotMagnitude = zip(vOne, column).reduce(0) { $0 + abs($1.0 * $1.1) }
            for i in 0..<shape.rows {
                let bound = 2 * gamma(shape.rows + 2) * (abs(column[i]) + tau * dotMagnitude * abs(vOne[i]))
                #expect(abs(viaSIMD[i, j] - viaScalar[i, j]) <= bound, "entry (\(i), \(j))")
            }
        }
        // And the twin itself is right: compare with the formula evaluated directly.
        for j in 0..<shape.columns {
            let column = c.column(j)
            let w = tau * zip(vOne, column).reduce(0) { $0 + $1.0 * $1.1 }
            for i in 0..<shape.rows {
                let bound = 4 * gamma(shape.rows + 2) * (abs(column[i]) + tau * zip(vOne, column).reduce(0) { $0 + abs($1.0 * $1.1) } * abs(vOne[i]))
                #expect(abs(viaScalar[i, j] - (column[i] - w * vOne[i])) <= bound)
            }
        }
    }

    @Test func norm2IsSafeFromOverflowAndUnderflow() {
        for scale in [1e-300, 1e-170, 1.0, 1e170, 1e300] {
            let x = [3 * scale, 4 * scale]
            let n = SIMDKernels.norm2(2, x)
            #expect(abs(n - 5 * scale) <= 4 * .ulpOfOne * 5 * scale, "scale \(scale)")
        }
    }
}
