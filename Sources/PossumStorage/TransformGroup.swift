import PossumHDF5
import PossumML

/// The feature transform (one-hot levels, scaler) as an HDF5 group, shared by features and model
/// files:
///
///     transform/               target, dropped, categorical (attributes; empty lists omitted)
///     transform/numeric_columns            UTF-8 strings
///     transform/levels/<column>            UTF-8 strings, in encoding order
///     transform/scaler_mean, scaler_scale  float64, one per feature
enum TransformGroup {
    /// Callers run `validate` first, before the file is created.
    static func write(_ t: FeatureTransform, into parent: HDF5Group) throws {
        let g = try parent.createGroup("transform")
        try g.attributes.set("target", t.spec.target)
        if !t.spec.dropped.isEmpty { try g.attributes.set("dropped", t.spec.dropped) }
        if !t.spec.categorical.isEmpty { try g.attributes.set("categorical", t.spec.categorical) }
        if !t.numericColumns.isEmpty { try g.createDataset("numeric_columns", values: t.numericColumns).close() }
        let levels = try g.createGroup("levels")
        for e in t.encodings { try levels.createDataset(e.column, values: e.levels).close() }
        try g.createDataset("scaler_mean", values: t.scaler.mean).close()
        try g.createDataset("scaler_scale", values: t.scaler.scale).close()
    }

    static func read(from parent: HDF5Group, file: String) throws -> FeatureTransform {
        let g = try parent.openGroup("transform")
        let target: String = try g.attributes.get("target")
        let dropped = try g.attributes.contains("dropped") ? try g.attributes.getArray("dropped", as: String.self) : []
        let categorical = try g.attributes.contains("categorical") ? try g.attributes.getArray("categorical", as: String.self) : []
        let numeric = try g.contains("numeric_columns") ? try g.openDataset("numeric_columns").read(as: String.self) : []
        let levels = try g.openGroup("levels")
        let encodings = try categorical.map { column in
            OneHotEncoding(column: column, levels: try levels.openDataset(column).read(as: String.self))
        }
        let mean = try g.openDataset("scaler_mean").read(as: Double.self)
        let scale = try g.openDataset("scaler_scale").read(as: Double.self)
        let features = numeric.count + encodings.reduce(0) { $0 + $1.levels.count }
        guard mean.count == features, scale.count == features else {
            throw StorageError(file: file, object: g.path,
                               "scaler has \(mean.count)/\(scale.count) entries for \(features) features")
        }
        let transform = FeatureTransform(spec: FeatureSpec(target: target, dropped: dropped, categorical: categorical),
                                         numericColumns: numeric, encodings: encodings,
                                         scaler: StandardScaler(mean: mean, scale: scale))
        try validate(transform, file: file, object: g.path)
        return transform
    }

    /// What a transform must satisfy to be written and read back: one scaler entry per feature,
    /// finite means, positive finite scales, one level list per categorical column. `write`
    /// runs it before anything is written, `read` after reading — so possum never writes a
    /// transform it would refuse. `object` is the transform group's path, for the message.
    static func validate(_ t: FeatureTransform, file: String, object: String) throws {
        let names = t.featureNames
        guard t.scaler.mean.count == names.count, t.scaler.scale.count == names.count else {
            throw StorageError(file: file, object: object,
                               "scaler has \(t.scaler.mean.count)/\(t.scaler.scale.count) entries for \(names.count) features")
        }
        guard t.encodings.map(\.column) == t.spec.categorical else {
            throw StorageError(file: file, object: object + "/levels", "level lists do not match the categorical columns")
        }
        if let j = t.scaler.scale.firstIndex(where: { !($0 > 0 && $0.isFinite) }) {
            throw StorageError(file: file, object: object + "/scaler_scale",
                               "scale of feature '\(names[j])' is \(t.scaler.scale[j]): scales must be positive and finite")
        }
        if let j = t.scaler.mean.firstIndex(where: { !$0.isFinite }) {
            throw StorageError(file: file, object: object + "/scaler_mean",
                               "mean of feature '\(names[j])' is \(t.scaler.mean[j]): means must be finite")
        }
    }
}
