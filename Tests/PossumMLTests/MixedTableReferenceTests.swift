import Foundation
import PossumData
import PossumLinalg
import PossumML
import Testing

/// A table possum has never seen — numeric and text columns, an id column, missing cells —
/// against scikit-learn's OneHotEncoder (every level) + StandardScaler + RidgeCV. Possum is told
/// only the target and the id column: which columns are one-hot encoded is inferred. Fixtures:
/// Fixtures/mixed.csv and Fixtures/mixed-ridgecv-sklearn.json, both written by
/// datasets/reference/sklearn_mixed_ridgecv.py.
@Suite struct MixedTableReferenceTests {
    struct Reference: Decodable {
        var rows: Int
        var features: [String]
        var scaler_mean: [Double]
        var scaler_scale: [Double]
        var alpha: Double
        var intercept: Double
        var coefficients: [String: Double]
    }

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func reference() throws -> Reference {
        try JSONDecoder().decode(Reference.self, from: Data(contentsOf: fixtures.appendingPathComponent("mixed-ridgecv-sklearn.json")))
    }

    static func design() throws -> Design {
        try FeatureSpec(target: "y", id: "id").design(from: CSVTable.read(contentsOf: fixtures.appendingPathComponent("mixed.csv").path))
    }

    @Test func textColumnsAreInferredAndEveryLevelKept() throws {
        let design = try Self.design()
        let ref = try Self.reference()
        #expect(design.columns.map(\.kind) == [.id, .numeric, .categorical, .numeric, .categorical, .numeric, .target])
        #expect(design.columns.filter(\.inferred).map(\.column) == ["x1", "colour", "x2", "shape", "x3"])
        // Same features in the same order: numeric columns, then each text column's levels.
        #expect(design.names == ref.features)
        #expect(design.x.rows == ref.rows)
        #expect(design.droppedRows == 60 - ref.rows)
        // The id column is carried, verbatim, and the rows are data rows (row 5 has a gap in x2).
        #expect(design.ids?.prefix(5).map { $0 ?? "" } == ["s001", "s002", "s003", "s004", "s006"])
        #expect(Array(design.rows.prefix(5)) == [1, 2, 3, 4, 6])
        let scaler = try StandardScaler(fitting: design.x, names: design.names)
        for j in ref.features.indices {
            #expect(abs(scaler.mean[j] - ref.scaler_mean[j]) <= 1e-12 * max(abs(ref.scaler_mean[j]), 1))
            #expect(abs(scaler.scale[j] - ref.scaler_scale[j]) <= 1e-12 * ref.scaler_scale[j])
        }
    }

    /// The acceptance bar: the same alpha and every coefficient within 1e-8 relative, by feature
    /// name — a level dropped or renamed, or a column encoded as the wrong kind, fails here.
    @Test(arguments: ["simd", "naive"])
    func ridgeCVMatchesScikitLearn(solverName: String) throws {
        let ref = try Self.reference()
        let design = try Self.design()
        let transform = try FeatureTransform(fitting: design, spec: FeatureSpec(target: "y", id: "id"))
        let z = transform.scaler.transform(design.x)
        let solver: any LeastSquaresSolver = solverName == "simd" ? SIMDSolver() : NaiveSolver()
        let fit = try RidgeCV(alphas: logspace(-3, 1, count: 30)).fit(z, design.y, solver: solver)
        #expect(fit.alpha == ref.alpha)
        #expect(abs(fit.intercept - ref.intercept) <= 1e-8 * abs(ref.intercept))
        #expect(Set(transform.featureNames) == Set(ref.coefficients.keys))
        let largest = ref.coefficients.values.map(abs).max() ?? 0
        for (name, c) in zip(transform.featureNames, fit.coefficients) {
            let expected = try #require(ref.coefficients[name], "scikit-learn has no feature \(name)")
            // Relative to each coefficient, floored at 1e-11·max|c| for a coefficient near zero.
            #expect(abs(c - expected) <= 1e-8 * max(abs(expected), largest * 1e-3), "\(name): \(c) vs scikit-learn \(expected)")
        }
    }
}
