import Foundation
import PossumData
import PossumLinalg
import PossumML
import PossumStorage
import PossumTracking

/// `possum train`'s work: get standardized features, fit, time the solver, build the model.
struct TrainingJob {
    enum Source {
        case table(String, FeatureSpec)
        case features(String)
    }

    var source: Source
    var alphas: [Double]
    var alphaGrid: String
    var solver: SolverChoice

    struct Result {
        var model: RidgeModel
        var report: TrainingReport

        func exportModel(to path: String) throws { try ModelFile.write(model, to: path) }

        /// Params, metrics and artifacts of the training run (MLflow's vocabulary). Returns the
        /// model file's path inside the run's artifacts.
        @discardableResult
        func log(to run: LoggedRun, exportedModel: String?) throws -> String {
            try run.params([
                "solver": report.solver, "alphas": "logspace(\(report.alphaGrid))", "data": report.data,
                "data_sha256": model.trainingDataSHA256, "target": model.transform.spec.target,
                "n_features": String(model.coefficients.count), "n_rows": String(model.trainingRows),
            ])
            try run.metrics(["alpha": model.alpha, "loo_rmse": model.looRMSE, "train_r2": model.trainR2,
                             "fit_seconds": report.solveSeconds, "intercept": model.intercept])
            let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("possum-train-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: scratch) }
            let modelFile = exportedModel ?? scratch.appendingPathComponent("possum-ridge.h5").path
            if exportedModel == nil { try exportModel(to: modelFile) }
            try run.artifact(modelFile, under: "model")
            let table = scratch.appendingPathComponent("coefficients.csv")
            let rows = ["feature,coefficient", "(intercept),\(String(format: "%.17g", model.intercept))"]
                + zip(model.transform.featureNames, model.coefficients).map { "\($0),\(String(format: "%.17g", $1))" }
            try (rows.joined(separator: "\n") + "\n").write(to: table, atomically: true, encoding: .utf8)
            try run.artifact(table.path, under: nil)
            return "model/" + URL(fileURLWithPath: modelFile).lastPathComponent
        }

        /// Registers the logged model (tags as the reference pipeline sets them) and moves the new
        /// version to `stage`, archiving the one there before, as MLflow's
        /// `archive_existing_versions=True` does.
        func register(in run: LoggedRun, artifact: String, name: String, stage: ModelStage) throws -> ModelVersion {
            let store = run.store
            if (try? store.registeredModel(named: name)) == nil {
                _ = try store.createRegisteredModel(name: name, tags: ["model_type": "regression", "data": "possum"], description: nil)
            }
            let version = try store.createModelVersion(name: name, source: "runs:/\(run.runID)/\(artifact)",
                                                       runID: run.runID, tags: ["solver": report.solver], description: nil)
            return stage == .none ? version : try store.promote(name: name, version: version.version, to: stage)
        }
    }

    func run() throws -> Result {
        let features: FeatureSet
        let dataName: String
        switch source {
        case let .table(path, spec):
            features = try FeatureJob(dataPath: path, spec: spec).run()
            dataName = path
        case let .features(path):
            features = try FeaturesFile.read(path)
            dataName = path
        }
        let backend = solver.makeSolver()
        let clock = ContinuousClock()
        let started = clock.now
        let fit: RidgeCV.Fit
        do {
            fit = try RidgeCV(alphas: alphas).fit(features.z, features.y, solver: backend)
        } catch let error as RidgeCVError {
            throw Self.describe(error, features: features, dataName: dataName)
        }
        let elapsed = clock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        let model = RidgeModel(transform: features.transform, fit: fit, alphas: alphas, solver: solver.rawValue,
                               trainingDataSHA256: features.sourceSHA256, trainingRows: features.z.rows,
                               created: ISO8601DateFormatter().string(from: Date()), possumVersion: possumVersion)
        // The model file's own check, before anything is exported, logged or registered: a model
        // that could not be read back fails the run here.
        try ModelFile.validate(model, file: "model trained on \(dataName)")
        let report = TrainingReport(data: dataName, solver: solver.rawValue, rows: features.z.rows,
                                    features: features.transform.featureNames, alphas: alphas,
                                    alphaGrid: alphaGrid, fit: fit, solveSeconds: seconds)
        return Result(model: model, report: report)
    }

    /// A fit error with the file, line and column its row and feature came from.
    static func describe(_ error: RidgeCVError, features: FeatureSet, dataName: String) -> DataError {
        let target = features.transform.spec.target
        switch error {
        case let .targetNotFinite(row):
            return DataError(file: dataName, line: features.rowLabels[row], column: target,
                             "target is \(features.y[row]): targets must be finite numbers")
        case let .featureTooLarge(row, column):
            return DataError(file: dataName, line: features.rowLabels[row], column: features.transform.featureNames[column],
                             "standardized value \(features.z[row, column]) is beyond ±\(RidgeCV.largestFeature): not a standardized feature")
        case let .targetTooLarge(row):
            return DataError(file: dataName, line: features.rowLabels[row], column: target,
                             "target \(features.y[row]) is too large: the model's squared errors would overflow a double (targets must spread less than about 1e154)")
        case let .targetTooSmall(row):
            return DataError(file: dataName, line: features.rowLabels[row], column: target,
                             "target \(features.y[row]) is too small a unit: the model's squared errors would underflow a double (rescale the target)")
        }
    }
}
