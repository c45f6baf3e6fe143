import Foundation
import PossumData
import PossumML
import PossumStorage
import PossumProgress

/// Reads a table and produces its standardized feature set.
public struct FeatureJob {
    /// A CSV or HDF5 table.
    public var dataPath: String
    /// The target and the column choices; every other column's kind is inferred.
    public var spec: FeatureSpec
    /// Hears the table's rows as they are read (a CSV's).
    public var progress: any ProgressReporter = SilentProgress()

    public init(dataPath: String, spec: FeatureSpec) { (self.dataPath, self.spec) = (dataPath, spec) }

    /// One-hot encodes the text columns, z-scores the features, and records the transform and the
    /// data's SHA-256 with them (`FeaturesFile.write` stores the result).
    public func run() throws -> FeatureSet {
        let table = try openDataTable(dataPath, progress: progress)
        var design = try spec.design(from: table)
        let transform = try FeatureTransform(fitting: design, spec: spec)
        // Of the bytes actually read: a CSV hashes while it is read (a FIFO cannot be opened twice).
        let sha = try table.contentSHA256 ?? SHA256.hex(ofFile: dataPath)
        // Standardized where it lies: the design's matrix becomes the feature matrix, no copy.
        transform.scaler.transform(inPlace: &design.x)
        return FeatureSet(z: design.x, y: design.y, rowLabels: design.lines, transform: transform,
                          sourceFile: URL(fileURLWithPath: dataPath).lastPathComponent, sourceSHA256: sha)
    }

    /// The params and metrics of a features run, as the reference pipeline's "Scaler" run: the data,
    /// its SHA-256 and the target; each feature's mean as a metric `mean_FEATURE`.
    public func log(_ features: FeatureSet, to run: LoggedRun) throws {
        try run.params(["data": dataPath, "data_sha256": features.sourceSHA256, "target": spec.target])
        let names = features.transform.featureNames
        try run.metrics(Dictionary(uniqueKeysWithValues: zip(names.map { "mean_\($0)" }, features.transform.scaler.mean)))
    }
}
