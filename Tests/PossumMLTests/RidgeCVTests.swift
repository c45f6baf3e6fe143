import PossumLinalg
import PossumML
import Testing

/// RidgeCV against definitions, computed by a route that shares no code with it: the normal
/// equations (XᵀX + αI)w = Xᵀy solved by Cholesky, and leave-one-out by actually leaving each
/// row out and refitting.
@Suite struct RidgeCVTests {
    /// Solves the symmetric positive-definite system S·w = r by Cholesky (S = LLᵀ).
    func choleskySolve(_ s: [[Double]], _ r: [Double]) -> [Double] {
        let n = r.count
        var l = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for i in 0..<n {
            for j in 0...i {
                var sum = s[i][j]
                for k in 0..<j { sum -= l[i][k] * l[j][k] }
                l[i][j] = i == j ? sum.squareRoot() : sum / l[j][j]
            }
        }
        var y = r
        for i in 0..<n { for k in 0..<i { y[i] -= l[i][k] * y[k] }; y[i] /= l[i][i] }
        for i in stride(from: n - 1, through: 0, by: -1) {
            for k in (i + 1)..<n { y[i] -= l[k][i] * y[k] }
            y[i] /= l[i][i]
        }
        return y
    }

    /// Ridge with an unpenalized intercept on the given rows, by the normal equations.
    func ridgeByNormalEquations(_ x: Matrix, _ y: [Double], rows: [Int], alpha: Double) -> (w: [Double], b: Double) {
        let p = x.columns
        let n = Double(rows.count)
        let xMean = (0..<p).map { j in rows.reduce(0) { $0 + x[$1, j] } / n }
        let yMean = rows.reduce(0) { $0 + y[$1] } / n
        var s = [[Double]](repeating: [Double](repeating: 0, count: p), count: p)
        var r = [Double](repeating: 0, count: p)
        for i in rows {
            for a in 0..<p {
                r[a] += (x[i, a] - xMean[a]) * (y[i] - yMean)
                for c in 0..<p { s[a][c] += (x[i, a] - xMean[a]) * (x[i, c] - xMean[c]) }
            }
        }
        for a in 0..<p { s[a][a] += alpha }
        let w = choleskySolve(s, r)
        return (w, yMean - zip(xMean, w).reduce(0) { $0 + $1.0 * $1.1 })
    }

    func problem() -> (Matrix, [Double]) {
        var rng = SplitMix64(seed: 31)
        let x = Matrix.random(rows: 25, columns: 4, using: &rng)
        let y = (0..<25).map { i in 3 + 2 * x[i, 0] - x[i, 2] + 0.3 * Double.random(in: -1...1, using: &rng) }
        return (x, y)
    }

    @Test func looErrorsEqualExplicitRefits() throws {
        let (x, y) = problem()
        let alphas = [0.01, 0.3, 2.0, 15.0]
        let fit = try RidgeCV(alphas: alphas).fit(x, y, solver: SIMDSolver())
        for (k, alpha) in alphas.enumerated() {
            var sse = 0.0
            for left in 0..<x.rows {
                let (w, b) = ridgeByNormalEquations(x, y, rows: (0..<x.rows).filter { $0 != left }, alpha: alpha)
                let prediction = b + (0..<x.columns).reduce(0) { $0 + x[left, $1] * w[$1] }
                sse += (y[left] - prediction) * (y[left] - prediction)
            }
            let explicit = sse / Double(x.rows)
            // Both routes are backward stable on a κ ≈ 10 problem: agreement to ~1e-13 expected.
            #expect(abs(fit.looMeanSquaredErrors[k] - explicit) <= 1e-10 * explicit, "alpha \(alpha)")
        }
    }

    @Test func chosenModelSolvesTheNormalEquations() throws {
        let (x, y) = problem()
        let fit = try RidgeCV(alphas: [0.5]).fit(x, y, solver: SIMDSolver())
        let (w, b) = ridgeByNormalEquations(x, y, rows: Array(0..<x.rows), alpha: 0.5)
        for k in w.indices { #expect(abs(fit.coefficients[k] - w[k]) <= 1e-12 * 3) }
        #expect(abs(fit.intercept - b) <= 1e-12 * 3)
    }

    /// More rows than `RidgeCV.blockRows`, not a multiple of it: the streamed R₀ and the blockwise
    /// leverages must give what the normal equations give on the whole matrix, where
    /// hᵢ = 1/n + x_cᵢᵀ(X_cᵀX_c + αI)⁻¹x_cᵢ by Cholesky.
    @Test func manyBlocksOfRowsAgreeWithTheNormalEquations() throws {
        var rng = SplitMix64(seed: 77)
        let n = 2 * RidgeCV.blockRows + 531, p = 5
        let x = Matrix.random(rows: n, columns: p, using: &rng)
        let y = (0..<n).map { i in 1 + x[i, 0] - 2 * x[i, 3] + 0.5 * Double.random(in: -1...1, using: &rng) }
        let alphas = [0.001, 0.7, 40.0]
        for solver in [SIMDSolver(), NaiveSolver()] as [any LeastSquaresSolver] {
            let fit = try RidgeCV(alphas: alphas).fit(x, y, solver: solver)
            let xMean = (0..<p).map { j in (0..<n).reduce(0) { $0 + x[$1, j] } / Double(n) }
            for (k, alpha) in alphas.enumerated() {
                let (w, b) = ridgeByNormalEquations(x, y, rows: Array(0..<n), alpha: alpha)
                var s = [[Double]](repeating: [Double](repeating: 0, count: p), count: p)
                for i in 0..<n { for a in 0..<p { for c in 0..<p { s[a][c] += (x[i, a] - xMean[a]) * (x[i, c] - xMean[c]) } } }
                for a in 0..<p { s[a][a] += alpha }
                var sse = 0.0
                for i in 0..<n {
                    let xc = (0..<p).map { x[i, $0] - xMean[$0] }
                    let h = 1 / Double(n) + zip(xc, choleskySolve(s, xc)).reduce(0) { $0 + $1.0 * $1.1 }
                    let e = y[i] - b - (0..<p).reduce(0) { $0 + x[i, $1] * w[$1] }
                    sse += (e / (1 - h)) * (e / (1 - h))
                }
                let explicit = sse / Double(n)
                #expect(abs(fit.looMeanSquaredErrors[k] - explicit) <= 1e-10 * explicit, "\(solver.name) alpha \(alpha)")
                if k == fit.alphaIndex {
                    for j in 0..<p { #expect(abs(fit.coefficients[j] - w[j]) <= 1e-11, "\(solver.name) w[\(j)]") }
                    #expect(abs(fit.intercept - b) <= 1e-11)
                }
            }
        }
    }

    @Test func picksTheFirstMinimumOfTheLOOCurve() throws {
        let (x, y) = problem()
        let fit = try RidgeCV(alphas: logspace(-3, 3, count: 13)).fit(x, y, solver: NaiveSolver())
        let best = fit.looMeanSquaredErrors.min()!
        #expect(fit.looMeanSquaredErrors[fit.alphaIndex] == best)
        #expect(!fit.looMeanSquaredErrors[..<fit.alphaIndex].contains(best))
    }

    @Test func logspaceMatchesNumpy() {
        let a = logspace(-3, 1, count: 30)
        #expect(a.count == 30)
        #expect(a.first == 0.001)
        #expect(a.last == 10)
        // Consecutive ratio is 10^(4/29) everywhere (numpy: np.diff(np.log10(a)) == 4/29).
        for k in 1..<30 { #expect(abs(a[k] / a[k - 1] - 1.373823795883263) <= 1e-14) }
    }

    @Test func tooFewRowsAndConstantColumnsAreRefused() throws {
        let x = Matrix(rowMajor: [[1, 2, 3], [4, 5, 6], [7, 8, 10]])
        #expect(throws: FeatureError.tooFewRows(rows: 3, features: 3)) {
            try RidgeCV().fit(x, [1, 2, 3], solver: SIMDSolver())
        }
        let constant = Matrix(rowMajor: [[1, 5], [2, 5], [3, 5]])
        #expect(throws: FeatureError.constantColumn("b")) { try StandardScaler(fitting: constant, names: ["a", "b"]) }
    }
}
