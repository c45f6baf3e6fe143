import Foundation
import PossumLinalg

/// `count` points spaced evenly in log10 between 10^lower and 10^upper, computed as numpy's
/// `logspace` does: 10 ** (lower + k·step) through libm's `pow`, the last exponent exactly `upper`.
public func logspace(_ lower: Double, _ upper: Double, count: Int) -> [Double] {
    guard count > 1 else { return count == 1 ? [pow(10, lower)] : [] }
    let step = (upper - lower) / Double(count - 1)
    return (0..<count).map { pow(10, $0 == count - 1 ? upper : lower + Double($0) * step) }
}

/// Ridge regression with an unpenalized intercept, α chosen by exact leave-one-out error.
///
/// For each α: center X and y, factor the stacked matrix [X_c; √α·I] = Q·R. Then
/// - the coefficients solve R·w = Qᵀ·[y_c; 0] (the normal equations (XᵀX + αI)w = Xᵀy without
///   squaring the condition number),
/// - the hat matrix of the fit is 11ᵀ/n + Q₁Q₁ᵀ with Q₁ the first n rows of Q, so leverage
///   hᵢ = 1/n + ‖row i of Q₁‖², and the LOO residual is eᵢ/(1 − hᵢ) — exact for ridge, no refits.
/// The α with the smallest mean squared LOO residual wins (first one on ties), as in
/// scikit-learn's `RidgeCV` (its `gcv_mode`s are different routes to the same numbers).
public struct RidgeCV: Sendable {
    public var alphas: [Double]

    public init(alphas: [Double] = logspace(-3, 1, count: 30)) {
        self.alphas = alphas
    }

    public struct Fit: Sendable {
        public var alpha: Double
        public var alphaIndex: Int
        public var coefficients: [Double]
        public var intercept: Double
        /// Mean squared LOO residual for every α, in the order of `alphas`.
        public var looMeanSquaredErrors: [Double]
        /// R² of the chosen model on the training rows.
        public var trainR2: Double
        public var looRMSE: Double { looMeanSquaredErrors[alphaIndex].squareRoot() }
    }

    public func fit(_ x: Matrix, _ y: [Double], solver: some LeastSquaresSolver) throws -> Fit {
        let (n, p) = (x.rows, x.columns)
        guard n > p else { throw FeatureError.tooFewRows(rows: n, features: p) }
        precondition(y.count == n, "one target per row")
        precondition(!alphas.isEmpty && alphas.allSatisfy { $0 > 0 && $0.isFinite }, "alphas must be positive")

        let xMean = (0..<p).map { j in (0..<n).reduce(0) { $0 + x[$1, j] } / Double(n) }
        let yMean = y.reduce(0, +) / Double(n)
        var centered = x
        for j in 0..<p { for i in 0..<n { centered[i, j] -= xMean[j] } }
        let yc = y.map { $0 - yMean }
        let rhs = yc + [Double](repeating: 0, count: p)

        var errors: [Double] = []
        var weights: [[Double]] = []
        for alpha in alphas {
            var penalty = Matrix(rows: p, columns: p)
            for j in 0..<p { penalty[j, j] = alpha.squareRoot() }
            let qr = try solver.factorize(centered.stacked(above: penalty))
            let w = qr.solveUpper(qr.applyQTranspose(rhs))
            let q = qr.thinQ()
            var leverage = [Double](repeating: 1 / Double(n), count: n)
            for j in 0..<p { for i in 0..<n { leverage[i] += q[i, j] * q[i, j] } }
            let fitted = centered.multiplied(by: w)
            var sse = 0.0
            for i in 0..<n {
                let loo = (yc[i] - fitted[i]) / (1 - leverage[i])
                sse += loo * loo
            }
            errors.append(sse / Double(n))
            weights.append(w)
        }
        let best = errors.indices.min { errors[$0] < errors[$1] }!  // first minimum on ties
        let w = weights[best]
        let intercept = yMean - zip(xMean, w).reduce(0) { $0 + $1.0 * $1.1 }
        let fitted = centered.multiplied(by: w)
        let rss = zip(yc, fitted).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        let tss = yc.reduce(0) { $0 + $1 * $1 }
        return Fit(alpha: alphas[best], alphaIndex: best, coefficients: w, intercept: intercept,
                   looMeanSquaredErrors: errors, trainR2: 1 - rss / tss)
    }
}
