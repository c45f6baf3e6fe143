import PossumLinalg
import Testing

/// Invariances of least squares that any correct solver must respect, on randomized problems
/// with fixed seeds (property-based, our own generators).
@Suite struct InvarianceTests {
    func problem(seed: UInt64) -> (Matrix, [Double]) {
        var rng = SplitMix64(seed: seed)
        let m = Int.random(in: 8...40, using: &rng)
        let n = Int.random(in: 1...min(m, 8), using: &rng)
        return (Matrix.random(rows: m, columns: n, using: &rng), (0..<m).map { _ in Double.random(in: -1...1, using: &rng) })
    }

    /// Permuting the rows (equations) does not change the minimizer: agreement to ~κε.
    @Test(arguments: 0..<20)
    func rowPermutationLeavesSolutionUnchanged(seed: UInt64) throws {
        let (a, b) = problem(seed: seed)
        var rng = SplitMix64(seed: seed ^ 0xABCD)
        let order = (0..<a.rows).shuffled(using: &rng)
        var pa = a
        for (i, source) in order.enumerated() { for j in 0..<a.columns { pa[i, j] = a[source, j] } }
        let pb = order.map { b[$0] }
        let x = try SIMDSolver().solveMinimumNorm(a, b, options: .init())
        let px = try SIMDSolver().solveMinimumNorm(pa, pb, options: .init())
        let tolerance = 100 * Double(a.rows) * .ulpOfOne * x.conditionEstimate * max(scaledNorm2(x.x), 1)
        for j in 0..<a.columns { #expect(abs(x.x[j] - px.x[j]) <= tolerance) }
    }

    /// Scaling column j by a power of two s scales xⱼ by exactly 1/s: the solver equilibrates
    /// columns by powers of two, so the factored matrix is bitwise the same.
    @Test(arguments: 0..<20)
    func powerOfTwoColumnScalingIsExact(seed: UInt64) throws {
        let (a, b) = problem(seed: seed)
        var scaled = a
        let shifts = (0..<a.columns).map { ($0 * 7 + Int(seed)) % 41 - 20 }
        for j in 0..<a.columns {
            let s = Double(sign: .plus, exponent: shifts[j], significand: 1)
            for i in 0..<a.rows { scaled[i, j] *= s }
        }
        let x = try SIMDSolver().solveMinimumNorm(a, b, options: .init()).x
        let xs = try SIMDSolver().solveMinimumNorm(scaled, b, options: .init()).x
        for j in 0..<a.columns {
            #expect(xs[j] == x[j] / Double(sign: .plus, exponent: shifts[j], significand: 1), "column \(j)")
        }
    }

    /// Adding A·z to b (a change inside range(A), residual-free) moves the solution by exactly z
    /// in exact arithmetic; adding a vector orthogonal to range(A) does not move it at all.
    @Test(arguments: 0..<20)
    func rangeAndOrthogonalPerturbations(seed: UInt64) throws {
        let (a, b) = problem(seed: seed)
        guard a.rows > a.columns else { return }
        var rng = SplitMix64(seed: seed &+ 77)
        let z = (0..<a.columns).map { _ in Double.random(in: -1...1, using: &rng) }
        let az = a.multiplied(by: z)
        let base = try SIMDSolver().solveMinimumNorm(a, b, options: .init())
        let shifted = try SIMDSolver().solveMinimumNorm(a, zip(b, az).map(+), options: .init())
        let tolerance = 100 * Double(a.rows) * .ulpOfOne * base.conditionEstimate * (scaledNorm2(base.x) + scaledNorm2(z) + 1)
        for j in 0..<a.columns { #expect(abs(shifted.x[j] - (base.x[j] + z[j])) <= tolerance) }
        // The residual of b is orthogonal to range(A): adding a multiple of it changes nothing.
        let residual = zip(b, a.multiplied(by: base.x)).map { $0 - $1 }
        let moved = try SIMDSolver().solveMinimumNorm(a, zip(b, residual).map { $0 + 3 * $1 }, options: .init())
        for j in 0..<a.columns { #expect(abs(moved.x[j] - base.x[j]) <= tolerance) }
    }
}
