import Foundation
import PossumLinalg
@testable import PossumML
import Testing

/// The leave-one-out sums through R₀'s spectral basis against the forward substitution by R_α
/// (the method they replace on tall designs, kept as the reference), on the possum demo, a
/// rank-deficient one-hot design and a nearly collinear one. Both compute the same residuals
/// (bit for bit: the same centered block and the same roundings of x·w), so the sums of squared
/// residuals differ only in the order of summation, and the LOO sums in the leverages.
@Suite struct SpectralLeveragesTests {
    /// Centers, factors and compares both methods on every α; the tolerance is the bound of the
    /// doc comments (`RidgeCV.leaveOneOutErrorsSpectral`, `leaveOneOutErrors`) for each α.
    static func compare(_ x: Matrix, _ y: [Double], alphas: [Double], _ label: String) throws {
        let (n, p) = (x.rows, x.columns)
        let means = (0..<p).map { j in (0..<n).reduce(0) { $0 + x[$1, j] } / Double(n) }
        let yMean = y.reduce(0, +) / Double(n)
        let yc = y.map { $0 - yMean }
        let solver = SIMDSolver()
        let full = try RidgeCV.triangle(x, means: means, yc: yc, solver: solver)
        let models = try RidgeCV(alphas: alphas).path(triangle: full, solver: solver)
        let basis = try #require(RidgeSpectralBasis(r0: full.submatrix(rows: 0..<p, columns: 0..<p), alphas: alphas),
                                 "\(label): Jacobi converges")
        let reference = RidgeCV.leaveOneOutErrors(x, means: means, yc: yc, models: models, spectral: nil)
        let spectral = RidgeCV.leaveOneOutErrors(x, means: means, yc: yc, models: models, spectral: basis)
        let eps = Double.ulpOfOne, pd = Double(p)
        // Each sum of n nonnegative terms carries at most (n − 1)ε of relative rounding, whatever its order.
        let summation = 2 * Double(n) * eps
        let squares = basis.squaredSingularValues
        for (a, alpha) in alphas.enumerated() {
            let kappa = (((squares.max() ?? 0) + alpha) / ((squares.min() ?? 0) + alpha)).squareRoot()
            // Relative error bounds of hᵢ − 1/n: substitution p·ε·κ; spectral 2c·p·ε·κ (Jacobi's
            // backward error, c = the ten sweeps it may take) + p√p·ε (cosines left) + 2p√p·ε·κ (x·V).
            let tau = (pd + 20 * pd + 3 * pd * pd.squareRoot()) * eps * kappa
            // The largest (hᵢ − 1/n)/(1 − hᵢ) scales it into each LOO residual eᵢ/(1 − hᵢ) (twice, squared).
            var ratio = 0.0
            for i in 0..<n {
                var h = 0.0
                for k in 0..<p {
                    let t = (0..<p).reduce(0.0) { $0 + (x[i, $1] - means[$1]) * basis.rightVectors[$1, k] }
                    h += t * t * basis.weights[a][k]
                }
                ratio = max(ratio, h / (1 - h - 1 / Double(n)))
            }
            let bound = 2 * tau * ratio * 1.01 + summation
            let (s, r) = (spectral.sse[a], reference.sse[a])
            #expect(abs(s - r) <= bound * r, "\(label), α = \(alpha): LOO SSE \(s) vs \(r), bound \(bound) relative")
            #expect(abs(spectral.rss[a] - reference.rss[a]) <= summation * reference.rss[a], "\(label), α = \(alpha): RSS")
        }
    }

    static func standardized(_ x: Matrix) -> Matrix {
        let (n, p) = (x.rows, x.columns)
        var z = x
        for j in 0..<p {
            let m = (0..<n).reduce(0) { $0 + x[$1, j] } / Double(n)
            let s = ((0..<n).reduce(0) { $0 + (x[$1, j] - m) * (x[$1, j] - m) } / Double(n)).squareRoot()
            for i in 0..<n { z[i, j] = (x[i, j] - m) / s }
        }
        return z
    }

    @Test func thePossumDemoAgrees() throws {
        let design = try PossumReferenceTests.possumDesign()
        let z = try StandardScaler(fitting: design.x, names: design.names).transform(design.x)
        try Self.compare(z, design.y, alphas: logspace(-3, 1, count: 30), "possum")
    }

    /// Every level of a text column kept (they sum to one, so the centered design has a null
    /// direction), and a column repeated: R₀ is singular, Jacobi still converges, and the null
    /// directions add nothing to any leverage.
    @Test func aRankDeficientOneHotDesignAgrees() throws {
        var rng = SplitMix64(seed: 41)
        let n = 600, levels = 5
        var x = Matrix(rows: n, columns: 3 + levels + 1)
        var y = [Double](repeating: 0, count: n)
        for i in 0..<n {
            for j in 0..<3 { x[i, j] = Double.random(in: -2...2, using: &rng) }
            let level = Int(rng.next() % UInt64(levels))
            x[i, 3 + level] = 1
            x[i, 3 + levels] = x[i, 1]
            y[i] = 1.5 * x[i, 0] - x[i, 1] + Double(level) * 0.7 + Double.random(in: -0.5...0.5, using: &rng)
        }
        let z = Self.standardized(x)
        let basis = try #require(RidgeSpectralBasis(r0: try RidgeCV.centeredTriangle(z, means: [Double](repeating: 0, count: z.columns),
                                                                                     yc: y, solver: SIMDSolver()).r0, alphas: [1]))
        // Two null directions (the levels' sum, the repeated column): squared singular values at rounding level.
        let sorted = basis.squaredSingularValues.sorted()
        #expect(sorted[1] <= 1e-20 * sorted[sorted.count - 1], "\(sorted)")
        try Self.compare(z, y, alphas: logspace(-3, 1, count: 30), "one-hot")
    }

    /// Columns collinear to 1e-7 (κ(X_c) near 1e7) and α down to 1e-8, where κ(R_α) reaches 1e5:
    /// the bound grows with κ(R_α), and both methods stay within it. 5,000 rows are summed in two
    /// halves on two threads (`rowsToSplit`).
    @Test(arguments: [500, 5000]) func anIllConditionedDesignAgrees(n: Int) throws {
        #expect((n >= RidgeCV.rowsToSplit) == (n == 5000))
        var rng = SplitMix64(seed: 43)
        var x = Matrix(rows: n, columns: 5)
        var y = [Double](repeating: 0, count: n)
        for i in 0..<n {
            let t = Double.random(in: -1...1, using: &rng), u = Double.random(in: -1...1, using: &rng)
            x[i, 0] = t
            x[i, 1] = t + 1e-7 * Double.random(in: -1...1, using: &rng)
            x[i, 2] = u
            x[i, 3] = 0.5 * t - 2 * u + 1e-6 * Double.random(in: -1...1, using: &rng)
            x[i, 4] = Double.random(in: -1...1, using: &rng)
            y[i] = t + u - x[i, 4] + 0.01 * Double.random(in: -1...1, using: &rng)
        }
        try Self.compare(Self.standardized(x), y, alphas: [1e-8, 1e-6, 1e-4] + logspace(-3, 1, count: 30), "collinear")
    }

    /// The basis is taken where it saves flops: tall designs, not wide ones with few rows (whose
    /// p³ Jacobi would cost more than the substitution it replaces).
    @Test func theBasisIsChosenByCost() throws {
        let ridge = RidgeCV()
        var tall = Matrix(rows: 17, columns: 17)
        for j in 0..<17 { tall[j, j] = 1 }
        #expect(ridge.leaveOneOutBasis(triangle: tall, totalRows: 1_000_000) != nil)
        #expect(ridge.leaveOneOutBasis(triangle: tall, totalRows: 100) == nil)
        var wide = Matrix(rows: 1101, columns: 1101)
        for j in 0..<1101 { wide[j, j] = 1 }
        #expect(ridge.leaveOneOutBasis(triangle: wide, totalRows: 2000) == nil)
    }
}
