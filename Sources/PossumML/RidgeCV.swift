import Foundation
import PossumLinalg
import PossumProgress

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

    /// Hears the fit's three phases: the QR pass (rows), the α grid (alphas), the LOO pass (rows).
    public var progress: any ProgressReporter

    public init(alphas: [Double] = logspace(-3, 1, count: 30), progress: any ProgressReporter = SilentProgress()) {
        self.alphas = alphas
        self.progress = progress
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

    /// Rows per block of this fit's passes (`blockRows` unless a test asks for small blocks).
    var rowsPerBlock = RidgeCV.blockRows

    /// Features larger than this are refused: standardized features are within √n of zero, and
    /// below it the sums of squares of any practical number of rows stay finite.
    public static let largestFeature = 0x1p400

    /// Fits every α and keeps the best. Errors name rows and columns by index into `x` and `y`.
    ///
    /// Ridge regression is linear in y: fitting y·2^-e and multiplying the coefficients,
    /// intercept and LOO residuals by 2^e is exact. A target with |y| beyond 2^±400 is fitted
    /// that way, so its sums of squares stay finite; ordinary targets are fitted as given. What
    /// still cannot be represented — a LOO mean squared error beyond the largest double (a target
    /// spread past ~1e154) or below the smallest normal one (~1e-154) — is refused
    /// (`RidgeCVError`), never returned as inf or a rounded-off zero.
    public func fit(_ x: Matrix, _ y: [Double], solver: some LeastSquaresSolver) throws -> Fit {
        let (n, p) = (x.rows, x.columns)
        guard n > p else { throw FeatureError.tooFewRows(rows: n, features: p) }
        precondition(y.count == n, "one target per row")
        precondition(!alphas.isEmpty && alphas.allSatisfy { $0 > 0 && $0.isFinite }, "alphas must be positive")
        if let i = y.firstIndex(where: { !$0.isFinite }) { throw RidgeCVError.targetNotFinite(row: i) }
        for j in 0..<p {
            if let i = (0..<n).first(where: { !(x[$0, j].magnitude <= Self.largestFeature) }) {
                throw RidgeCVError.featureTooLarge(row: i, column: j)
            }
        }
        let scaling = Self.targetScaling(largest: y.reduce(0) { max($0, $1.magnitude) })
        let fit = try fitAsGiven(x, scaling.exponent == 0 ? y : y.map { $0 * scaling.down }, solver: solver)
        switch Self.unscale(fit, scaling) {
        case let .fit(unscaled): return unscaled
        case let .problem(overflows):
            let down = scaling.down
            let mean = y.reduce(0) { $0 + $1 * down } / Double(n)
            let row = y.indices.max { (y[$0] * down - mean).magnitude < (y[$1] * down - mean).magnitude } ?? 0
            throw overflows ? RidgeCVError.targetTooLarge(row: row) : RidgeCVError.targetTooSmall(row: row)
        }
    }

    /// How y is scaled for the fit: by 2^-e when its largest |y| is beyond 2^±400 (so its sums of
    /// squares stay finite), not at all (e = 0) for ordinary targets.
    public static func targetScaling(largest: Double) -> PowerOfTwoScaling {
        largest > 0x1p400 || (largest > 0 && largest < 0x1p-400) ? PowerOfTwoScaling(largest: largest) : PowerOfTwoScaling(largest: 1)
    }

    /// A fit of y·2^-e brought back to y's units, or why it cannot be represented.
    public enum Unscaled { case fit(Fit), problem(overflows: Bool) }

    /// Multiplies the coefficients, intercept and LOO errors of a fit of y·2^-e back by 2^e (exact:
    /// ridge is linear in y); refuses what then overflows, or underflows below the smallest normal.
    public static func unscale(_ scaled: Fit, _ scaling: PowerOfTwoScaling) -> Unscaled {
        guard scaling.exponent != 0 else { return .fit(scaled) }
        var fit = scaled
        fit.coefficients = fit.coefficients.map { $0 * scaling.up }
        fit.intercept *= scaling.up
        let scaledErrors = fit.looMeanSquaredErrors
        fit.looMeanSquaredErrors = scaledErrors.map(scaling.unscaleSquares)
        let overflows = !(fit.coefficients + [fit.intercept] + fit.looMeanSquaredErrors).allSatisfy(\.isFinite)
        // A nonzero error that unscales below the smallest normal double would be stored as a
        // rounded-off (or zero) number: refused like an overflow, not written misleadingly.
        let underflows = zip(scaledErrors, fit.looMeanSquaredErrors).contains { $0 > 0 && $1 < Double.leastNormalMagnitude }
        return overflows || underflows ? .problem(overflows: overflows) : .fit(fit)
    }

    /// The fit of `y` with no scaling (`fit` has checked that its sums of squares are finite).
    func fitAsGiven(_ x: Matrix, _ y: [Double], solver: some LeastSquaresSolver) throws -> Fit {
        let (n, p) = (x.rows, x.columns)
        let xMean = (0..<p).map { j in (0..<n).reduce(0) { $0 + x[$1, j] } / Double(n) }
        let yMean = y.reduce(0, +) / Double(n)
        let yc = y.map { $0 - yMean }
        progress.begin("QR", total: n, unit: .items("rows"))
        let full = try Self.triangle(x, means: xMean, yc: yc, solver: solver, blockRows: rowsPerBlock, progress: progress)
        let models = try path(triangle: full, solver: solver)
        progress.begin("leave-one-out", total: n, unit: .items("rows"))
        let (sse, rss) = Self.leaveOneOutErrors(x, means: xMean, yc: yc, models: models,
                                                spectral: leaveOneOutBasis(triangle: full, totalRows: n),
                                                blockRows: rowsPerBlock, progress: progress)
        let tss = yc.reduce(0) { $0 + $1 * $1 }
        return choose(models: models, sse: sse, rss: rss, tss: tss, rows: n, xMeans: xMean, yMean: yMean)
    }

    /// One ridge model (w, R_α) per α from the (p+1) × (p+1) triangle of [X_c | y_c]: R₀ is its
    /// leading p × p block and c₀ = Q₀ᵀy_c its last column's top p entries (see `triangle`).
    /// All this needs of the rows is that triangle, so it is the same wherever it was reduced.
    public func path(triangle full: Matrix, solver: some LeastSquaresSolver) throws -> [(w: [Double], r: Matrix)] {
        let p = full.columns - 1
        let r0 = full.submatrix(rows: 0..<p, columns: 0..<p)
        let rhs = (0..<p).map { full[$0, p] } + [Double](repeating: 0, count: p)
        progress.begin("alpha grid", total: alphas.count, unit: .items("alphas"))
        var models: [(w: [Double], r: Matrix)] = []
        for alpha in alphas {
            var penalty = Matrix(rows: p, columns: p)
            for j in 0..<p { penalty[j, j] = alpha.squareRoot() }
            let qr = try solver.factorize(r0.stacked(above: penalty))
            models.append((qr.solveUpper(qr.applyQTranspose(rhs)), qr.r))
            progress.update(completed: models.count)
        }
        return models
    }

    /// The fit from the per-α sums over all rows: Σ of squared LOO residuals (`sse`), of squared
    /// residuals (`rss`), and Σ y_c² (`tss`), for `rows` rows centered at `xMeans`, `yMean`.
    public func choose(models: [(w: [Double], r: Matrix)], sse: [Double], rss: [Double], tss: Double, rows n: Int,
                       xMeans xMean: [Double], yMean: Double) -> Fit {
        let errors = sse.map { $0 / Double(n) }
        // First minimum on ties; a NaN error (no finite model) never wins over a number.
        let best = errors.indices.min { errors[$0] < errors[$1] || (errors[$1].isNaN && !errors[$0].isNaN) } ?? 0
        let w = models[best].w
        let intercept = yMean - zip(xMean, w).reduce(0) { $0 + $1.0 * $1.1 }
        // A constant target leaves nothing to explain: R² by scikit-learn's force_finite rule.
        let r2 = tss > 0 ? 1 - rss[best] / tss : (rss[best] == 0 ? 1 : 0)
        return Fit(alpha: alphas[best], alphaIndex: best, coefficients: w, intercept: intercept,
                   looMeanSquaredErrors: errors, trainR2: r2)
    }
}

/// A fit that cannot be made or represented; rows and columns index the fit's x and y (the
/// caller maps them to file lines and names).
public enum RidgeCVError: Error, Equatable, Sendable {
    /// The target at this row is not a finite number.
    case targetNotFinite(row: Int)
    /// |x| beyond `RidgeCV.largestFeature`: not a standardized feature.
    case featureTooLarge(row: Int, column: Int)
    /// The target's spread makes the LOO mean squared error (or a coefficient) larger than the
    /// largest double; `row` holds the value farthest from the mean.
    case targetTooLarge(row: Int)
    /// The target's spread is so small that the LOO mean squared error underflows (below ~2e-308);
    /// `row` holds the value farthest from the mean.
    case targetTooSmall(row: Int)
}
