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
/// With X_c and y_c the centered data, and X_c = Q₀·R₀: for each α the ridge problem
/// min ‖X_c·w − y_c‖² + α‖w‖² is the least-squares problem of the stacked matrix [X_c; √α·I], whose
/// QR is Q₀-rotated from the small QR [R₀; √α·I] = Q_α·R_α (p × p blocks, so each α costs O(p³)
/// plus O(np²) for the leverages, not a factorization of n rows). Then
/// - the coefficients solve R_α·w = Q_αᵀ·[Q₀ᵀy_c; 0] (the normal equations (XᵀX + αI)w = Xᵀy
///   without squaring the condition number),
/// - R_αᵀR_α = X_cᵀX_c + αI, so the hat matrix of the fit is 11ᵀ/n + X_c·R_α⁻¹·(X_c·R_α⁻¹)ᵀ: the
///   leverage is hᵢ = 1/n + ‖row i of X_c·R_α⁻¹‖², and the LOO residual is eᵢ/(1 − hᵢ) — exact for
///   ridge, no refits.
///
/// Memory: X is only read, never copied or centered in place. R₀ and Q₀ᵀy_c come from one pass
/// over row blocks (`centeredTriangle`), and the leverages, fitted values and LOO errors of every
/// α from one more (`leaveOneOutErrors`), each on a centered copy of one block of rows that stays
/// in cache; Q₀ is never formed. Beyond X the fit holds O(n) doubles (y_c) and O(block · p).
///
/// Every factorization goes through the chosen solver. The α with the smallest mean squared LOO
/// residual wins (first one on ties), as in scikit-learn's `RidgeCV` (its `gcv_mode`s are other
/// routes to the same numbers).
public struct RidgeCV: Sendable {
    public var alphas: [Double]

    public init(alphas: [Double] = logspace(-3, 1, count: 30)) {
        self.alphas = alphas
    }

    /// Rows per block of the passes over X: a centered block and its X_c·R_α⁻¹ (2 · 1024 · p
    /// doubles, 240 KB at p = 15) stay in L2 while all their columns are formed.
    public static let blockRows = 1024

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
        let yc = y.map { $0 - yMean }
        let (r0, c0) = try Self.centeredTriangle(x, means: xMean, yc: yc, solver: solver)
        let rhs = c0 + [Double](repeating: 0, count: p)

        var models: [(w: [Double], r: Matrix)] = []
        for alpha in alphas {
            var penalty = Matrix(rows: p, columns: p)
            for j in 0..<p { penalty[j, j] = alpha.squareRoot() }
            let qr = try solver.factorize(r0.stacked(above: penalty))
            models.append((qr.solveUpper(qr.applyQTranspose(rhs)), qr.r))
        }
        let (sse, rss) = Self.leaveOneOutErrors(x, means: xMean, yc: yc, models: models)
        let errors = sse.map { $0 / Double(n) }
        let best = errors.indices.min { errors[$0] < errors[$1] }!  // first minimum on ties
        let w = models[best].w
        let intercept = yMean - zip(xMean, w).reduce(0) { $0 + $1.0 * $1.1 }
        let tss = yc.reduce(0) { $0 + $1 * $1 }
        return Fit(alpha: alphas[best], alphaIndex: best, coefficients: w, intercept: intercept,
                   looMeanSquaredErrors: errors, trainR2: 1 - rss[best] / tss)
    }
}
