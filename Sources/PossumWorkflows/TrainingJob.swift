import Foundation
import PossumData
import PossumLinalg
import PossumML
import PossumStorage
import PossumTracking
import PossumProgress

/// `possum train`'s work: get standardized features, fit, time the solver, build the model.
///
///     let job = TrainingJob(source: .table("mine.csv", FeatureSpec(target: "y")))
///     let result = try job.run()
///     print(result.model.alpha, result.report.table())
public struct TrainingJob {
    /// What to train on.
    public enum Source {
        /// A CSV or HDF5 table and the column choices (the target, what to drop, kinds).
        case table(String, FeatureSpec)
        /// A feature set written by `FeatureJob` / `possum features` (its spec is recorded in it).
        case features(String)
        /// A combined part file (`possum qr combine`) and the leverage files of blocks covering its
        /// rows (`possum ridge leverages`): RidgeCV finished without reading a row.
        case parts(String, leverages: [String])
    }

    public var source: Source
    /// The ridge penalties tried; the one with the smallest leave-one-out error wins.
    public var alphas: [Double]
    /// How the grid is described in the report and the logged params (`LOWER:UPPER:COUNT`).
    public var alphaGrid: String
    public var solver: SolverChoice
    /// Hears the reading of a table, then the fit's phases (QR pass, α grid, LOO pass).
    public var progress: any ProgressReporter = SilentProgress()
    /// Whole table or row blocks: the rule of every command that streams a table (`RowBlockReading`).
    public var reading: RowBlockReading = .automatic
    /// A CSV table's byte between fields (`--delimiter`); nil: detected from its first lines.
    public var delimiter: UInt8?

    /// A grid given as numbers; `alphaGrid` is only its description.
    public init(source: Source, alphas: [Double], alphaGrid: String, solver: SolverChoice = .simd) {
        (self.source, self.alphas, self.alphaGrid, self.solver) = (source, alphas, alphaGrid, solver)
    }

    /// A log-spaced grid (default logspace(-3, 1, 30), as scikit-learn's RidgeCV in the reference pipeline).
    public init(source: Source, alphas grid: AlphaGrid = .standard, solver: SolverChoice = .simd) {
        self.init(source: source, alphas: grid.values, alphaGrid: grid.description, solver: solver)
    }

    /// The fitted model and what `possum train` prints about it.
    public struct Result {
        public var model: RidgeModel
        public var report: TrainingReport
        /// The training targets and the chosen model's fitted values, for the picture.
        public var trainingFit: (truth: [Double], fitted: [Double])
        /// What the user should hear about the data beside the report (`FeatureJob.runNoting`).
        public var notes: [String] = []

        /// Writes the model in possum's HDF5 layout (atomically).
        public func exportModel(to path: String) throws { try ModelFile.write(model, to: path) }

        /// Params, metrics and artifacts of the training run (MLflow's vocabulary). The model goes
        /// into the run's `model/` folder as an MLflow model (MLmodel, pyfunc loader, signature,
        /// input example: see `mlflowModel`) that `mlflow.pyfunc.load_model` reads. Returns that
        /// folder's path inside the run's artifacts, what a registered version points at.
        @discardableResult
        public func log(to run: LoggedRun, exportedModel: String?) throws -> String {
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
            let artifactDirectory = "model"
            var uploads = [ArtifactFile(modelFile, under: artifactDirectory)]
            let described = mlflowModel(runID: run.runID, artifactPath: artifactDirectory,
                                        dataFile: URL(fileURLWithPath: modelFile).lastPathComponent)
            for (index, file) in described.files().enumerated() {
                // Each file is written under its own numbered folder so two files never share a scratch name.
                let folder = scratch.appendingPathComponent("mlmodel-\(index)")
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                let local = folder.appendingPathComponent(URL(fileURLWithPath: file.path).lastPathComponent)
                try file.contents.write(to: local, atomically: true, encoding: .utf8)
                let subfolder = file.path.contains("/") ? "/" + file.path.split(separator: "/").dropLast().joined(separator: "/") : ""
                uploads.append(ArtifactFile(local.path, under: artifactDirectory + subfolder))
            }
            let table = scratch.appendingPathComponent("coefficients.csv")
            let rows = ["feature,coefficient", "(intercept),\(String(format: "%.17g", model.intercept))"]
                + zip(model.transform.featureNames, model.coefficients).map { "\($0),\(String(format: "%.17g", $1))" }
            try (rows.joined(separator: "\n") + "\n").write(to: table, atomically: true, encoding: .utf8)
            uploads.append(ArtifactFile(table.path))
            if let picture = try writePredictedVersusTrue(into: scratch) { uploads.append(ArtifactFile(picture)) }
            try run.artifacts(uploads)
            try logLeaveOneOutCurve(to: run)
            return artifactDirectory
        }

        /// The MLflow model describing the logged model file: its raw input columns with MLflow
        /// types (numeric columns double; a categorical column long or double when every level is
        /// a number, else string), output double, and an input example built from the model
        /// file itself — feature means and a standard deviation either side, the recorded levels
        /// in turn — so no training row is copied into the artifacts.
        public func mlflowModel(runID: String, artifactPath: String, dataFile: String) -> MLflowPyfuncModel {
            let transform = model.transform
            let numeric = transform.numericColumns.map { MLflowPyfuncModel.Column(name: $0, type: .double) }
            let categorical = transform.encodings.map { encoding -> MLflowPyfuncModel.Column in
                let numbers = encoding.levels.map { Double($0) }
                let type: MLflowPyfuncModel.ColumnType = numbers.contains(nil) ? .string
                    : numbers.allSatisfy({ $0.flatMap { Int64(exactly: $0) } != nil }) ? .long : .double
                return MLflowPyfuncModel.Column(name: encoding.column, type: type)
            }
            let offsets: [Double] = [0, -1, 1]
            let rowCount = max(1, min(offsets.count, transform.encodings.map(\.levels.count).max() ?? 1))
            let example = (0..<rowCount).map { k -> [MLflowPyfuncModel.Value] in
                let numbers = transform.numericColumns.indices.map { j in
                    MLflowPyfuncModel.Value.number(transform.scaler.mean[j] + offsets[k] * transform.scaler.scale[j])
                }
                let levels = zip(transform.encodings, categorical).map { encoding, column -> MLflowPyfuncModel.Value in
                    let level = encoding.levels.isEmpty ? "" : encoding.levels[k % encoding.levels.count]
                    return column.type == .string ? .text(level) : .number(Double(level) ?? 0)
                }
                return numbers + levels
            }
            return MLflowPyfuncModel(
                runID: runID, artifactPath: artifactPath, dataFile: dataFile, loaderModule: "possum_pyfunc",
                loaderSource: possumPyfuncLoaderSource + "\n", inputs: numeric + categorical, exampleRows: example,
                flavor: .init(name: "possum", fields: [("model_file", dataFile), ("kind", "ridge_cv"),
                                                        ("possum_version", model.possumVersion)]),
                requirements: ["numpy", "h5py", "pandas"])
        }

        /// Registers the logged model (tags as the reference pipeline sets them) and moves the new
        /// version to `stage`, archiving the one there before, as MLflow's
        /// `archive_existing_versions=True` does; `alias`, if given, then points at the new version
        /// (moved from the version it named before, as MLflow's `set_registered_model_alias`).
        public func register(in run: LoggedRun, artifact: String, name: String, stage: ModelStage, alias: String? = nil) throws -> ModelVersion {
            let store = run.store
            if (try? store.registeredModel(named: name)) == nil {
                // Another process may register the same name between the check and the create: theirs is as good.
                do {
                    _ = try store.createRegisteredModel(name: name, tags: ["model_type": "regression", "data": "possum"], description: nil)
                } catch TrackingError.alreadyExists {}
            }
            // The source is the model's folder (with its MLmodel), as `mlflow.register_model("runs:/RUN/model")`
            // records it: MLflow's `models:/` URIs download that folder.
            let version = try store.createModelVersion(name: name, source: "runs:/\(run.runID)/\(artifact)",
                                                       runID: run.runID, tags: ["solver": report.solver], description: nil)
            let staged = stage == .none ? version : try store.promote(name: name, version: version.version, to: stage)
            guard let alias else { return staged }
            try store.setRegisteredModelAlias(name: name, alias: alias, version: version.version)
            return try store.modelVersion(name: name, version: version.version)
        }
    }

    /// Reads the data, fits RidgeCV with the chosen solver and checks the model file would read back.
    /// Errors name the file, line and column they are about.
    public func run() throws -> Result {
        // RidgeCV requires them (a precondition): refused here, before any data is read.
        guard !alphas.isEmpty, alphas.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw TrainingJobError.alphasNotPositive(alphas.first { !($0 > 0 && $0.isFinite) })
        }
        if case let .table(path, spec) = source {
            let decision = try reading.decide(forTable: path)
            if let blockRows = decision.blockRows { return try runStreaming(path, spec: spec, blockRows: blockRows, opened: decision.opened) }
        }
        let features: FeatureSet
        let dataName: String
        var notes: [String] = []
        switch source {
        case let .table(path, spec):
            var job = FeatureJob(dataPath: path, spec: spec)
            job.progress = progress
            job.delimiter = delimiter
            (features, notes) = try job.runNoting()
            dataName = path
        case let .features(path):
            features = try FeaturesFile.read(path)
            dataName = path
        case let .parts(path, leverages):
            return try runParts(path, leverages: leverages)
        }
        let backend = solver.makeSolver()
        let clock = ContinuousClock()
        let started = clock.now
        let fit: RidgeCV.Fit
        do {
            fit = try RidgeCV(alphas: alphas, progress: progress).fit(features.z, features.y, solver: backend)
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
        let fitted = (0..<features.z.rows).map { i in
            (0..<features.z.columns).reduce(fit.intercept) { $0 + features.z[i, $1] * fit.coefficients[$1] }
        }
        return Result(model: model, report: report, trainingFit: (features.y, fitted), notes: notes)
    }

    /// `run` over row blocks of an HDF5 table (`StreamingTraining`): the same model, report and
    /// logged outputs; the picture's rows are an even sample of the table's.
    func runStreaming(_ path: String, spec: FeatureSpec, blockRows: Int, opened: HDF5Table? = nil) throws -> Result {
        // The file's SHA-256 (for the model's record) is read on another thread while the passes run.
        let digest = BackgroundDigest(path: path)
        let clock = ContinuousClock()
        let started = clock.now
        let output = try StreamingTraining(path: path, spec: spec, alphas: alphas, solver: solver, progress: progress,
                                           blockRows: blockRows, opened: opened).run()
        let elapsed = clock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        let model = RidgeModel(transform: output.transform, fit: output.fit, alphas: alphas, solver: solver.rawValue,
                               trainingDataSHA256: try digest.value(), trainingRows: output.rows,
                               created: ISO8601DateFormatter().string(from: Date()), possumVersion: possumVersion)
        try ModelFile.validate(model, file: "model trained on \(path)")
        let report = TrainingReport(data: path, solver: solver.rawValue, rows: output.rows,
                                    features: output.transform.featureNames, alphas: alphas,
                                    alphaGrid: alphaGrid, fit: output.fit, solveSeconds: seconds)
        return Result(model: model, report: report, trainingFit: output.sample)
    }

    /// `run` from a combined part and leverage files (`RidgePartsJob.finish`). No rows are read,
    /// so the logged run has no predicted-vs-true picture; the training data's SHA-256 is the
    /// source tables' (comma-separated), not a file's.
    func runParts(_ path: String, leverages: [String]) throws -> Result {
        let clock = ContinuousClock()
        let started = clock.now
        let output = try RidgePartsJob.finish(partPath: path, leveragePaths: leverages, alphas: alphas, solver: solver)
        let elapsed = clock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        let model = RidgeModel(transform: output.transform, fit: output.fit, alphas: alphas, solver: solver.rawValue,
                               trainingDataSHA256: output.sourceSHA256, trainingRows: output.rows,
                               created: ISO8601DateFormatter().string(from: Date()), possumVersion: possumVersion)
        try ModelFile.validate(model, file: "model finished from \(path)")
        let report = TrainingReport(data: path, solver: solver.rawValue, rows: output.rows,
                                    features: output.transform.featureNames, alphas: alphas,
                                    alphaGrid: alphaGrid, fit: output.fit, solveSeconds: seconds)
        return Result(model: model, report: report, trainingFit: ([], []))
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

/// A training job that cannot start: what is wrong with its own inputs (data errors are `DataError`s).
public enum TrainingJobError: Error, CustomStringConvertible {
    /// An alpha that is not a positive finite number (nil: the grid is empty).
    case alphasNotPositive(Double?)

    public var description: String {
        switch self {
        case .alphasNotPositive(nil): return "the alpha grid is empty: give at least one alpha"
        case let .alphasNotPositive(alpha?): return "alpha \(alpha) is not a positive finite number: every alpha of the grid must be"
        }
    }
}
