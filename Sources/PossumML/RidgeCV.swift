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
/// Center X and y, and factor X_c = Q₀·R₀ once. For each α the ridge problem
/// min ‖X_c·w − y_c‖² + α‖w‖² is the least-squares problem of the stacked matrix [X_c; √α·I], whose
/// QR is Q₀-rotated from the small QR [R₀; √α·I] = Q_α·R_α (p × p blocks, so each α costs O(p³)
/// plus O(np²) for the leverages, not a factorization of n rows). Then
/// - the coefficients solve R_α·w = Q_αᵀ·[Q₀ᵀy_c; 0] (the normal equations (XᵀX + αI)w = Xᵀy
///   without squaring the condition number),
/// - the hat matrix of the fit is 11ᵀ/n + (Q₀U)(Q₀U)ᵀ with U the top p × p block of Q_α, so the
///   leverage is hᵢ = 1/n + ‖row i of Q₀·U‖², and the LOO residual is eᵢ/(1 − hᵢ) — exact for
///   ridge, no refits.
/// Both factorizations go through the chosen solver. The α with the smallest mean squared LOO
/// residual wins (first one on ties), as in scikit-learn's `RidgeCV` (its `gcv_mode`s are other
/// routes to the same numbers).
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
        let yc = y.map { $0 - yMean }
        // One QR of the n rows; the centered copy and the packed factors live only in this scope.
        let (r0, q0, c0): (Matrix, Matrix, [Double]) = try {
            var centered = x
            for j in 0..<p { for i in 0..<n { centered[i, j] -= xMean[j] } }
            let qr = try solver.factorize(centered)
            return (qr.r, qr.thinQ(), Array(qr.applyQTranspose(yc)[0..<p]))
        }()
        let rhs = c0 + [Double](repeating: 0, count: p)

        var errors: [Double] = []
        var weights: [[Double]] = []
        var leverage = [Double](repeating: 0, count: n)
        var rotated = [Double](repeating: 0, count: n)
        for alpha in alphas {
            var penalty = Matrix(rows: p, columns: p)
            for j in 0..<p { penalty[j, j] = alpha.squareRoot() }
            let qr = try solver.factorize(r0.stacked(above: penalty))
            let w = qr.solveUpper(qr.applyQTranspose(rhs))
            let u = qr.thinQ()  // 2p × p; its top p × p block is U
            Self.leverages(q0, u, n: n, into: &leverage, scratch: &rotated)
            let fitted = Self.fittedValues(q0, r0, w)
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
        let fitted = Self.fittedValues(q0, r0, w)
        let rss = zip(yc, fitted).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        let tss = yc.reduce(0) { $0 + $1 * $1 }
        return Fit(alpha: alphas[best], alphaIndex: best, coefficients: w, intercept: intercept,
                   looMeanSquaredErrors: errors, trainR2: 1 - rss / tss)
    }

    /// hᵢ = 1/n + ‖row i of Q₀·U‖². Rows are taken in blocks small enough that the block of Q₀
    /// and the partial column stay in cache while all p columns of Q₀·U are formed from them: one
    /// pass over Q₀ per α instead of p (the loop is bandwidth-bound, p² axpys of length n).
    static func leverages(_ q0: Matrix, _ u: Matrix, n: Int, into leverage: inout [Double], scratch: inout [Double]) {
        let p = q0.columns
        let blockRows = 2048
        leverage.withUnsafeMutableBufferPointer { h in
            scratch.withUnsafeMutableBufferPointer { t in
                q0.elements.withUnsafeBufferPointer { q in
                    for i in 0..<n { h[i] = 1 / Double(n) }
                    var start = 0
                    while start < n {
                        let rows = min(blockRows, n - start)
                        let tb = t.baseAddress! + start, hb = h.baseAddress! + start
                        for k in 0..<p {
                            for i in 0..<rows { tb[i] = 0 }
                            for j in 0..<p { SIMDKernels.axpy(rows, u[j, k], q.baseAddress! + j * n + start, tb) }
                            // h += t ⊙ t, eight at a time (t and h are distinct buffers).
                            var i = 0
                            while i + 8 <= rows {
                                let tv = UnsafeRawPointer(tb + i).loadUnaligned(as: SIMD8<Double>.self)
                                let hv = UnsafeRawPointer(hb + i).loadUnaligned(as: SIMD8<Double>.self)
                                UnsafeMutableRawPointer(hb + i).storeBytes(of: hv.addingProduct(tv, tv), as: SIMD8<Double>.self)
                                i += 8
                            }
                            while i < rows { hb[i] += tb[i] * tb[i]; i += 1 }
                        }
                        start += rows
                    }
                }
            }
        }
    }

    /// X_c·w = Q₀·(R₀·w), without keeping X_c.
    static func fittedValues(_ q0: Matrix, _ r0: Matrix, _ w: [Double]) -> [Double] {
        let v = r0.multiplied(by: w)
        let (n, p) = (q0.rows, q0.columns)
        var out = [Double](repeating: 0, count: n)
        out.withUnsafeMutableBufferPointer { o in
            q0.elements.withUnsafeBufferPointer { q in
                for j in 0..<p { SIMDKernels.axpy(n, v[j], q.baseAddress! + j * n, o.baseAddress!) }
            }
        }
        return out
    }
}
