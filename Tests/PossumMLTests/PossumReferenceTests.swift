import Foundation
import PossumData
import PossumLinalg
import PossumML
import PossumOpenBLAS
import Testing

/// The possum model against scikit-learn (an independent implementation: SVD-based generalized
/// cross-validation, not QR). Fixture: Fixtures/possum-ridgecv-sklearn.json, written by
/// datasets/reference/sklearn_ridgecv.py. Data: datasets/possum.csv (`make data`).
@Suite struct PossumReferenceTests {
    struct Reference: Decodable {
        var rows: Int
        var features: [String]
        var scaler_mean: [Double]
        var scaler_scale: [Double]
        var alpha: Double
        var intercept: Double
        var coefficients: [Double]
        var loo_mse: Double
    }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func reference() throws -> Reference {
        let url = root.appendingPathComponent("Tests/PossumMLTests/Fixtures/possum-ridgecv-sklearn.json")
        return try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }

    static func possumDesign() throws -> Design {
        let path = root.appendingPathComponent("datasets/possum.csv").path
        guard FileManager.default.fileExists(atPath: path) else {
            throw DataError(file: path, "missing: run `make data` first (the test needs the real possum table)")
        }
        return try FeatureSpec.possum.design(from: CSVTable.read(contentsOf: path))
    }

    @Test func featuresMatchPandasGetDummiesAndStandardScaler() throws {
        let ref = try Self.reference()
        let design = try Self.possumDesign()
        #expect(design.names == ref.features)
        #expect(design.x.rows == ref.rows)
        #expect(design.droppedRows == 3)
        let scaler = try StandardScaler(fitting: design.x, names: design.names)
        for j in ref.features.indices {
            #expect(abs(scaler.mean[j] - ref.scaler_mean[j]) <= 1e-13 * abs(ref.scaler_mean[j]))
            #expect(abs(scaler.scale[j] - ref.scaler_scale[j]) <= 1e-12 * ref.scaler_scale[j])
        }
    }

    /// Same alpha as scikit-learn and coefficients within 1e-8 relative (the foundation issue's
    /// acceptance bar), for every solver.
    @Test(arguments: ["simd", "naive", "openblas"])
    func ridgeCVMatchesScikitLearn(solverName: String) throws {
        let ref = try Self.reference()
        let design = try Self.possumDesign()
        let z = try StandardScaler(fitting: design.x, names: design.names).transform(design.x)
        let solvers: [String: any LeastSquaresSolver] =
            ["simd": SIMDSolver(), "naive": NaiveSolver(), "openblas": OpenBLASSolver()]
        let solver = try #require(solvers[solverName])
        let fit = try RidgeCV().fit(z, design.y, solver: solver)
        #expect(fit.alpha == ref.alpha)
        #expect(abs(fit.intercept - ref.intercept) <= 1e-8 * abs(ref.intercept))
        let largest = ref.coefficients.map(abs).max()!
        for (k, c) in fit.coefficients.enumerated() {
            // Relative to each coefficient, floored at 1e-8·max|c| for coefficients near zero.
            #expect(abs(c - ref.coefficients[k]) <= 1e-8 * max(abs(ref.coefficients[k]), largest * 1e-3),
                    "\(ref.features[k]): \(c) vs scikit-learn \(ref.coefficients[k])")
        }
        #expect(abs(fit.looMeanSquaredErrors[fit.alphaIndex] - ref.loo_mse) <= 1e-8 * ref.loo_mse)
    }

    @Test func threeSolversAgreeToRoundingLevel() throws {
        let design = try Self.possumDesign()
        let z = try StandardScaler(fitting: design.x, names: design.names).transform(design.x)
        let solvers: [any LeastSquaresSolver] = [SIMDSolver(), NaiveSolver(), OpenBLASSolver()]
        let fits = try solvers.map { try RidgeCV().fit(z, design.y, solver: $0) }
        for f in fits.dropFirst() {
            #expect(f.alpha == fits[0].alpha)
            for k in f.coefficients.indices {
                #expect(abs(f.coefficients[k] - fits[0].coefficients[k]) <= 1e-12)
            }
            for k in f.looMeanSquaredErrors.indices {
                #expect(abs(f.looMeanSquaredErrors[k] - fits[0].looMeanSquaredErrors[k]) <= 1e-12 * fits[0].looMeanSquaredErrors[k])
            }
        }
    }
}
