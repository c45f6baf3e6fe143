import PossumAccuracy
import PossumLinalg
import Testing

/// The doubled-precision residuals against exact rational arithmetic: Dot2's bound is
/// |computed − exact| ≤ ε·|exact| + γ²ₙ·Σ|terms| (Ogita–Rump–Oishi Thm 4.3), γₙ = nε/(1 − nε).
@Suite struct CompensatedResidualTests {
    @Test(arguments: [(7, 3), (16, 5), (33, 4), (100, 9)])
    func residualsMatchExactArithmetic(shape: (rows: Int, columns: Int)) {
        var rng = SplitMix64(seed: UInt64(shape.rows))
        let a = Matrix.random(rows: shape.rows, columns: shape.columns, using: &rng)
        let x = (0..<shape.columns).map { _ in Double.random(in: -1...1, using: &rng) }
        // b ≈ A·x so that f suffers heavy cancellation — the case refinement lives in.
        let b = a.multiplied(by: x).map { $0 + 1e-13 * Double.random(in: -1...1, using: &rng) }
        let r = (0..<shape.rows).map { _ in 1e-14 * Double.random(in: -1...1, using: &rng) }
        let (f, g) = compensatedResiduals(a, x: x, b: b, r: r)
        let (fRef, gRef) = compensatedResidualsReference(a, x: x, b: b, r: r)
        let n = Double(shape.columns + 2)
        let gamma = n * .ulpOfOne / (1 - n * .ulpOfOne)
        for i in 0..<shape.rows {
            var exact = Rational(b[i]) - Rational(r[i])
            var magnitude = abs(b[i]) + abs(r[i])
            for j in 0..<shape.columns {
                exact = exact - Rational(a[i, j]) * Rational(x[j])
                magnitude += abs(a[i, j] * x[j])
            }
            let bound = Double.ulpOfOne * abs(exact.doubleValue) + 2 * gamma * gamma * magnitude
            #expect(abs((Rational(f[i]) - exact).doubleValue) <= bound, "f[\(i)]")
            #expect(abs((Rational(fRef[i]) - exact).doubleValue) <= bound, "reference f[\(i)]")
        }
        for j in 0..<shape.columns {
            var exact = Rational.zero
            var magnitude = 0.0
            for i in 0..<shape.rows { exact = exact - Rational(a[i, j]) * Rational(r[i]); magnitude += abs(a[i, j] * r[i]) }
            let m = Double(shape.rows)
            let gammaM = m * .ulpOfOne / (1 - m * .ulpOfOne)
            let bound = Double.ulpOfOne * abs(exact.doubleValue) + 2 * gammaM * gammaM * magnitude
            #expect(abs((Rational(g[j]) - exact).doubleValue) <= bound, "g[\(j)]")
            #expect(abs((Rational(gRef[j]) - exact).doubleValue) <= bound, "reference g[\(j)]")
        }
    }
}
