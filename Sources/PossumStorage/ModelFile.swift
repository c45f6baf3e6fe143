import PossumHDF5
import PossumML

/// A fitted ridge model in HDF5:
///
///     /                      possum_format = "model", schema_version = 1
///     /model                 kind = "ridge_cv", target, solver, possum_version, created,
///                            training_data_sha256, training_rows, alpha, intercept, train_r2, loo_rmse
///     /model/feature_names   UTF-8 strings
///     /model/coefficients    float64, one per feature (standardized scale)
///     /model/alphas, /model/loo_mse   the cross-validation curve
///     /model/transform       see TransformGroup
///
/// Prediction from the file: z = (x − scaler_mean)/scaler_scale, ŷ = intercept + z·coefficients.
public enum ModelFile {
    /// Refuses (before creating anything) a model that `read` would refuse.
    public static func write(_ model: RidgeModel, to path: String) throws {
        try validate(model, file: path)
        try HDF5File.writeAtomically(to: path) { file in
            try StorageFormat.model.stamp(file)
            let g = try file.createGroup("model")
            let a = g.attributes
            try a.set("kind", "ridge_cv")
            try a.set("target", model.transform.spec.target)
            try a.set("solver", model.solver)
            try a.set("possum_version", model.possumVersion)
            try a.set("created", model.created)
            try a.set("training_data_sha256", model.trainingDataSHA256)
            try a.set("training_rows", Int64(model.trainingRows))
            try a.set("alpha", model.alpha)
            try a.set("intercept", model.intercept)
            try a.set("train_r2", model.trainR2)
            try a.set("loo_rmse", model.looRMSE)
            try g.createDataset("feature_names", values: model.transform.featureNames).close()
            try g.createDataset("coefficients", values: model.coefficients).close()
            try g.createDataset("alphas", values: model.alphas).close()
            try g.createDataset("loo_mse", values: model.looMeanSquaredErrors).close()
            try TransformGroup.write(model.transform, into: g)
        }
    }

    public static func read(_ path: String) throws -> RidgeModel {
        let file = try openHDF5Input(path)
        defer { try? file.close() }
        try StorageFormat.model.check(file)
        let g = try file.openGroup("model")
        let a = g.attributes
        let kind: String = try a.get("kind")
        guard kind == "ridge_cv" else { throw StorageError(file: path, object: "/model", "unknown model kind '\(kind)'") }
        let transform = try TransformGroup.read(from: g, file: path)
        let names = try g.openDataset("feature_names").read(as: String.self)
        let coefficients = try g.openDataset("coefficients").read(as: Double.self)
        guard names == transform.featureNames else {
            throw StorageError(file: path, object: "/model/feature_names", "do not match the transform's features")
        }
        let alphas = try g.openDataset("alphas").read(as: Double.self)
        let loo = try g.openDataset("loo_mse").read(as: Double.self)
        let model = RidgeModel(transform: transform, coefficients: coefficients, intercept: try a.get("intercept"),
                               alpha: try a.get("alpha"), alphas: alphas, looMeanSquaredErrors: loo, trainR2: try a.get("train_r2"),
                               solver: try a.get("solver"), trainingDataSHA256: try a.get("training_data_sha256"),
                               trainingRows: Int(try a.get("training_rows", as: Int64.self)), created: try a.get("created"),
                               possumVersion: try a.get("possum_version"))
        try validate(model, file: path)
        return model
    }

    /// What a model must satisfy to be written and read back — the one check both `write` (before
    /// anything is written) and `read` (after reading) run, so possum never writes a model file
    /// it refuses: a valid transform, one finite coefficient per feature, a finite intercept, an
    /// alpha from a grid of positive alphas with one finite LOO error each, a finite R².
    public static func validate(_ model: RidgeModel, file: String) throws {
        try TransformGroup.validate(model.transform, file: file, object: "/model/transform")
        let names = model.transform.featureNames
        guard model.coefficients.count == names.count else {
            throw StorageError(file: file, object: "/model/coefficients", "need \(names.count) values (one per feature), found \(model.coefficients.count)")
        }
        if let j = model.coefficients.firstIndex(where: { !$0.isFinite }) {
            throw StorageError(file: file, object: "/model/coefficients",
                               "value \(j + 1) of \(names.count) (feature '\(names[j])') is \(model.coefficients[j]): coefficients must be finite")
        }
        guard model.intercept.isFinite else {
            throw StorageError(file: file, object: "/model", "intercept is \(model.intercept): it must be finite")
        }
        guard !model.alphas.isEmpty, model.alphas.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw StorageError(file: file, object: "/model/alphas", "alphas must be positive and finite")
        }
        guard model.looMeanSquaredErrors.count == model.alphas.count, model.alphas.contains(model.alpha) else {
            throw StorageError(file: file, object: "/model/alphas", "alpha grid and LOO curve disagree")
        }
        if let k = model.looMeanSquaredErrors.firstIndex(where: { !($0 >= 0 && $0.isFinite) }) {
            throw StorageError(file: file, object: "/model/loo_mse",
                               "value \(k + 1) of \(model.alphas.count) is \(model.looMeanSquaredErrors[k]): LOO errors must be finite and non-negative")
        }
        guard model.trainR2.isFinite else {
            throw StorageError(file: file, object: "/model", "train_r2 is \(model.trainR2): it must be finite")
        }
        guard model.trainingRows > 0 else {
            throw StorageError(file: file, object: "/model", "training_rows is \(model.trainingRows): it must be positive")
        }
    }
}
