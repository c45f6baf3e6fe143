import Foundation
import PossumFiles
import PossumML

/// What `possum train` prints: `table()` as text, `json()` for `--json`.
public struct TrainingReport: Encodable {
    public var data: String
    public var solver: String
    public var rows: Int
    public var alphaGrid: String
    public var features: [String]
    public var alphas: [Double]
    public var alpha: Double
    public var intercept: Double
    public var coefficients: [String: Double]
    public var looRMSE: Double
    public var looMSE: [Double]
    public var trainR2: Double
    public var solveSeconds: Double
    /// The tracking run this training was logged as (nil with --no-track).
    public var runID: String?
    private var orderedCoefficients: [Double]
    private var chosenIndex: Int

    init(data: String, solver: String, rows: Int, features: [String], alphas: [Double],
         alphaGrid: String, fit: RidgeCV.Fit, solveSeconds: Double) {
        (self.data, self.solver, self.rows, self.features, self.alphas, self.alphaGrid) =
            (data, solver, rows, features, alphas, alphaGrid)
        chosenIndex = fit.alphaIndex
        alpha = fit.alpha
        intercept = fit.intercept
        orderedCoefficients = fit.coefficients
        coefficients = Dictionary(uniqueKeysWithValues: zip(features, fit.coefficients))
        looRMSE = fit.looRMSE
        looMSE = fit.looMeanSquaredErrors
        trainR2 = fit.trainR2
        self.solveSeconds = solveSeconds
    }

    enum CodingKeys: String, CodingKey {
        case data, solver, rows, features, alphas, alpha, intercept, coefficients
        case looRMSE = "loo_rmse", looMSE = "loo_mse", trainR2 = "train_r2", solveSeconds = "solve_seconds"
        case runID = "run_id"
    }

    /// Numbers that JSON cannot carry (inf, NaN) are written as null, never an encoding error.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(data, forKey: .data)
        try c.encode(solver, forKey: .solver)
        try c.encode(rows, forKey: .rows)
        try c.encode(features, forKey: .features)
        try c.encode(alphas.map(jsonNumber), forKey: .alphas)
        try c.encode(jsonNumber(alpha), forKey: .alpha)
        try c.encode(jsonNumber(intercept), forKey: .intercept)
        try c.encode(coefficients.mapValues(jsonNumber), forKey: .coefficients)
        try c.encode(jsonNumber(looRMSE), forKey: .looRMSE)
        try c.encode(looMSE.map(jsonNumber), forKey: .looMSE)
        try c.encode(jsonNumber(trainR2), forKey: .trainR2)
        try c.encode(jsonNumber(solveSeconds), forKey: .solveSeconds)
        try c.encodeIfPresent(runID, forKey: .runID)
    }

    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    public func table() -> String {
        let chosen = chosenIndex
        var out = """
            RidgeCV on \(data): \(rows) complete rows, \(features.count) features
            solver        \(solver)  (\(alphas.count) QR factorizations in \(formatDuration(solveSeconds)))
            alpha         \(fmt(alpha, 6))  (grid point \(chosen + 1) of \(alphas.count), \(fmt(alphas.first ?? .nan, 3))…\(fmt(alphas.last ?? .nan, 3)))
            LOO RMSE      \(fmt(looRMSE, 6))
            train R²      \(fmt(trainR2, 6))

            """
        out += "LOO RMSE by alpha (● chosen)\n" + looChart(chosen: chosen) + "\n"
        // Names from the data are escaped and cut, so one huge or hostile level cannot flood the table.
        let names = features.map { messageText($0, limit: 60) }
        let width = max(11, names.map(\.count).max() ?? 0)
        out += "\("feature".padding(toLength: width, withPad: " ", startingAt: 0))  coefficient\n"
        out += "\("(intercept)".padding(toLength: width, withPad: " ", startingAt: 0))  \(signed(intercept))\n"
        for (name, c) in zip(names, orderedCoefficients) {
            out += "\(name.padding(toLength: width, withPad: " ", startingAt: 0))  \(signed(c))\n"
        }
        return out
    }

    /// A horizontal bar per alpha, scaled between the best and worst LOO RMSE. A bar length
    /// that is not a number (an inf or NaN error) is drawn empty rather than converted.
    private func looChart(chosen: Int) -> String {
        let rmse = looMSE.map { $0.squareRoot() }
        let finite = rmse.filter(\.isFinite)
        let (lo, hi) = (finite.min() ?? 0, finite.max() ?? 0)
        let span = hi > lo ? hi - lo : 1
        return zip(alphas, rmse).enumerated().map { k, pair in
            let length = Int(exactly: ((pair.1 - lo) / span * 40).rounded(.towardZero)) ?? -1
            let bar = String(repeating: "█", count: 1 + min(max(length, -1), 40))
            return "  \(fmt(pair.0, 4).padding(toLength: 10, withPad: " ", startingAt: 0)) \(fmt(pair.1, 5)) \(k == chosen ? "●" : " ") \(bar)"
        }.joined(separator: "\n") + "\n"
    }
}

/// A double for JSON: nil (null) when JSON has no number for it.
public func jsonNumber(_ x: Double) -> Double? { x.isFinite ? x : nil }

func fmt(_ x: Double, _ significant: Int) -> String { String(format: "%.\(significant)g", x) }
func signed(_ x: Double) -> String { String(format: "%+.10f", x) }
func formatDuration(_ s: Double) -> String {
    s >= 1 ? String(format: "%.2f s", s) : s >= 1e-3 ? String(format: "%.2f ms", s * 1e3) : String(format: "%.1f µs", s * 1e6)
}
