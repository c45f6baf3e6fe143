import Foundation
import PossumData
import PossumLinalg

/// Everything needed to turn a raw table into the model's standardized features.
public struct FeatureTransform: Sendable, Equatable, Codable {
    public var spec: FeatureSpec
    public var numericColumns: [String]
    public var encodings: [OneHotEncoding]
    public var scaler: StandardScaler

    public init(spec: FeatureSpec, numericColumns: [String], encodings: [OneHotEncoding], scaler: StandardScaler) {
        (self.spec, self.numericColumns, self.encodings, self.scaler) = (spec, numericColumns, encodings, scaler)
    }

    /// Fits the transform on a training design (its scaler on the design's rows).
    public init(fitting design: Design, spec: FeatureSpec) throws {
        guard design.x.rows > design.x.columns else {
            throw FeatureError.tooFewRows(rows: design.x.rows, features: design.x.columns)
        }
        self.init(spec: spec, numericColumns: design.numericColumns, encodings: design.encodings,
                  scaler: try StandardScaler(fitting: design.x, names: design.names))
    }

    public var featureNames: [String] { numericColumns + encodings.flatMap(\.featureNames) }

    /// Standardized features of `table`'s complete rows, and the design they came from.
    public func apply(to table: some DataTable, requireTarget: Bool) throws -> (z: Matrix, design: Design) {
        let design = try spec.encode(table, numericColumns: numericColumns, encodings: encodings, requireTarget: requireTarget)
        return (scaler.transform(design.x), design)
    }
}

/// A fitted ridge model with its provenance: what `possum train --export` writes and `possum
/// predict` reads.
public struct RidgeModel: Sendable, Equatable {
    public var transform: FeatureTransform
    public var coefficients: [Double]
    public var intercept: Double
    public var alpha: Double
    public var alphas: [Double]
    public var looMeanSquaredErrors: [Double]
    public var trainR2: Double
    public var solver: String
    public var trainingDataSHA256: String
    public var trainingRows: Int
    /// ISO 8601, UTC.
    public var created: String
    public var possumVersion: String

    public init(transform: FeatureTransform, fit: RidgeCV.Fit, alphas: [Double], solver: String,
                trainingDataSHA256: String, trainingRows: Int, created: String, possumVersion: String) {
        self.transform = transform
        coefficients = fit.coefficients
        intercept = fit.intercept
        alpha = fit.alpha
        self.alphas = alphas
        looMeanSquaredErrors = fit.looMeanSquaredErrors
        trainR2 = fit.trainR2
        self.solver = solver
        self.trainingDataSHA256 = trainingDataSHA256
        self.trainingRows = trainingRows
        self.created = created
        self.possumVersion = possumVersion
    }

    public init(transform: FeatureTransform, coefficients: [Double], intercept: Double, alpha: Double, alphas: [Double],
                looMeanSquaredErrors: [Double], trainR2: Double, solver: String, trainingDataSHA256: String,
                trainingRows: Int, created: String, possumVersion: String) {
        self.transform = transform
        self.coefficients = coefficients
        self.intercept = intercept
        self.alpha = alpha
        self.alphas = alphas
        self.looMeanSquaredErrors = looMeanSquaredErrors
        self.trainR2 = trainR2
        self.solver = solver
        self.trainingDataSHA256 = trainingDataSHA256
        self.trainingRows = trainingRows
        self.created = created
        self.possumVersion = possumVersion
    }

    public var looRMSE: Double {
        looMeanSquaredErrors[alphas.firstIndex(of: alpha) ?? 0].squareRoot()
    }

    /// ŷ = intercept + Σⱼ zⱼ·wⱼ, summed in feature order — the same order, hence the same bits,
    /// whether the model came from memory or from its HDF5 file.
    public func predict(_ z: Matrix) -> [Double] {
        precondition(z.columns == coefficients.count, "feature count must match the model")
        return (0..<z.rows).map { i in
            var s = intercept
            for j in 0..<z.columns { s += z[i, j] * coefficients[j] }
            return s
        }
    }

    /// Predictions for the complete rows of a table, with the design (row labels, true targets).
    /// A prediction that is not a finite number — a value so far outside the training data that
    /// its standardized value or its term overflows — is an error naming the row and the column
    /// responsible, not an inf in the output.
    public func predict(_ table: some DataTable) throws -> (predictions: [Double], design: Design) {
        let (z, design) = try transform.apply(to: table, requireTarget: false)
        let predictions = predict(z)
        if let i = predictions.firstIndex(where: { !$0.isFinite }) {
            let terms = (0..<z.columns).map { z[i, $0] * coefficients[$0] }
            let j = terms.firstIndex { !$0.isFinite } ?? terms.indices.max { terms[$0].magnitude < terms[$1].magnitude } ?? 0
            throw DataError(file: table.source, line: design.lines[i], column: design.names[j],
                            "value \(design.x[i, j]) is too far outside the training data: the prediction is \(predictions[i])")
        }
        return (predictions, design)
    }
}
