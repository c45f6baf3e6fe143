import Foundation
import PossumData
import PossumLinalg
import PossumML

/// `possum train`'s work: read, build features, fit, time the solver.
struct TrainingJob {
    var dataPath: String
    var spec: FeatureSpec
    var alphas: [Double]
    var solver: SolverChoice

    func run() throws -> TrainingReport {
        let table = try CSVTable.read(contentsOf: dataPath)
        let design = try spec.design(from: table)
        // Checked before scaling: with too few rows, "constant column" would be the wrong diagnosis.
        guard design.x.rows > design.x.columns else {
            throw FeatureError.tooFewRows(rows: design.x.rows, features: design.x.columns)
        }
        let scaler = try StandardScaler(fitting: design.x, names: design.names)
        let z = scaler.transform(design.x)
        let backend = solver.makeSolver()
        let clock = ContinuousClock()
        var fit: RidgeCV.Fit!
        let elapsed = try clock.measure {
            fit = try RidgeCV(alphas: alphas).fit(z, design.y, solver: backend)
        }
        return TrainingReport(
            data: dataPath, solver: solver.rawValue, rows: design.x.rows, droppedRows: design.droppedRows,
            features: design.names, alphas: alphas, fit: fit,
            solveSeconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
    }
}

/// What `possum train` prints.
struct TrainingReport: Encodable {
    var data: String
    var solver: String
    var rows: Int
    var droppedRows: Int
    var features: [String]
    var alphas: [Double]
    var alpha: Double
    var intercept: Double
    var coefficients: [String: Double]
    var looRMSE: Double
    var looMSE: [Double]
    var trainR2: Double
    var solveSeconds: Double
    private var orderedCoefficients: [Double]

    init(data: String, solver: String, rows: Int, droppedRows: Int, features: [String], alphas: [Double],
         fit: RidgeCV.Fit, solveSeconds: Double) {
        (self.data, self.solver, self.rows, self.droppedRows, self.features, self.alphas) =
            (data, solver, rows, droppedRows, features, alphas)
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
        case data, solver, rows, droppedRows = "dropped_rows", features, alphas, alpha, intercept, coefficients
        case looRMSE = "loo_rmse", looMSE = "loo_mse", trainR2 = "train_r2", solveSeconds = "solve_seconds"
    }

    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    func table() -> String {
        let chosen = alphas.firstIndex(of: alpha)!
        var out = """
            RidgeCV on \(data): \(rows) rows used (\(droppedRows) with missing values dropped), \(features.count) features
            solver        \(solver)  (\(alphas.count) QR factorizations in \(formatDuration(solveSeconds)))
            alpha         \(fmt(alpha, 6))  (grid point \(chosen + 1) of \(alphas.count), \(fmt(alphas.first!, 3))…\(fmt(alphas.last!, 3)))
            LOO RMSE      \(fmt(looRMSE, 6))
            train R²      \(fmt(trainR2, 6))

            """
        out += "LOO RMSE by alpha (● chosen)\n" + looChart(chosen: chosen) + "\n"
        let width = max(11, features.map(\.count).max() ?? 0)
        out += "\("feature".padding(toLength: width, withPad: " ", startingAt: 0))  coefficient\n"
        out += "\("(intercept)".padding(toLength: width, withPad: " ", startingAt: 0))  \(signed(intercept))\n"
        for (name, c) in zip(features, orderedCoefficients) {
            out += "\(name.padding(toLength: width, withPad: " ", startingAt: 0))  \(signed(c))\n"
        }
        return out
    }

    /// A horizontal bar per alpha, scaled between the best and worst LOO RMSE.
    private func looChart(chosen: Int) -> String {
        let rmse = looMSE.map { $0.squareRoot() }
        let (lo, hi) = (rmse.min()!, rmse.max()!)
        let span = hi > lo ? hi - lo : 1
        return zip(alphas, rmse).enumerated().map { k, pair in
            let bar = String(repeating: "█", count: 1 + Int((pair.1 - lo) / span * 40))
            return "  \(fmt(pair.0, 4).padding(toLength: 10, withPad: " ", startingAt: 0)) \(fmt(pair.1, 5)) \(k == chosen ? "●" : " ") \(bar)"
        }.joined(separator: "\n") + "\n"
    }
}

func fmt(_ x: Double, _ significant: Int) -> String { String(format: "%.\(significant)g", x) }
func signed(_ x: Double) -> String { String(format: "%+.10f", x) }
func formatDuration(_ s: Double) -> String {
    s >= 1 ? String(format: "%.2f s", s) : s >= 1e-3 ? String(format: "%.2f ms", s * 1e3) : String(format: "%.1f µs", s * 1e6)
}
