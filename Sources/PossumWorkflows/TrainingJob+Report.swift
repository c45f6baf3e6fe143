import Foundation
import PossumPlot
import PossumTracking

/// What a training run logs for the report (`possum report`) and MLflow's UI beyond its params
/// and metrics: the LOO curve as metric histories and the predicted-vs-true picture.
extension TrainingJob.Result {
    /// The LOO curve as two metric histories in step with each other: at step k the LOO RMSE of
    /// grid point k (`loo_rmse_by_alpha`) and its alpha (`alpha_grid`). MLflow's UI charts a
    /// metric against step, and the grid is even in log10(alpha), so the step axis is a
    /// log-alpha axis; the report pairs the two by step for a true alpha axis.
    func logLeaveOneOutCurve(to run: LoggedRun) throws {
        let now = Metric.now
        var history: [Metric] = []
        for (k, (alpha, meanSquare)) in zip(report.alphas, report.looMSE).enumerated() {
            let step = Int64(truncatingIfNeeded: k)
            history.append(Metric(key: LeaveOneOutCurve.errorKey, value: meanSquare.squareRoot(), timestamp: now, step: step))
            history.append(Metric(key: LeaveOneOutCurve.alphaKey, value: alpha, timestamp: now, step: step))
        }
        try run.log(history)
    }

    /// Rows drawn in the picture at most: beyond that the SVG grows past what a browser draws
    /// quickly, and an even sample shows the same cloud.
    static let largestPicture = 5000

    /// The chosen model's fitted values against the true targets of the training rows, written
    /// into `scratch` for the artifact `predicted_vs_true.svg` (MLflow's UI shows it; the report
    /// embeds it); nil when there are no training rows to draw.
    func writePredictedVersusTrue(into scratch: URL) throws -> String? {
        let (truth, fitted) = (trainingFit.truth, trainingFit.fitted)
        guard !truth.isEmpty else { return nil }
        let every = (truth.count + Self.largestPicture - 1) / Self.largestPicture
        let rows = Array(stride(from: 0, to: truth.count, by: max(1, every)))
        // A streamed fit hands over only an even sample of its rows: n is the model's row count.
        let total = max(truth.count, model.trainingRows)
        let sampled = rows.count < total ? ", \(rows.count) of \(total) rows shown" : ""
        let target = model.transform.spec.target
        let picture = ScatterPlot(
            x: rows.map { truth[$0] }, y: rows.map { fitted[$0] },
            title: String(format: "Fitted vs true %@ (training rows) — R² = %.3f, LOO RMSE = %.3g (n = %d%@)",
                          target, report.trainR2, report.looRMSE, total, sampled),
            xLabel: "true \(target)", yLabel: "fitted \(target)")
        let file = scratch.appendingPathComponent(predictedVersusTrueArtifacts[0])
        try picture.svg().write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }
}
