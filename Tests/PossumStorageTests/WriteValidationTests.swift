import Foundation
import PossumData
import PossumHDF5
import PossumLinalg
import PossumML
import PossumStorage
import Testing

/// Each writer runs its reader's validation first: what possum writes, it can read back, and what
/// it would refuse to read is refused before any file is created — with the value named.
@Suite(.serialized) struct WriteValidationTests {
    let directory: URL = {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("possum-validation-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }()

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
    func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: path(name)) }

    /// A small valid model: features a, b, c.
    func model() -> RidgeModel {
        let transform = FeatureTransform(spec: FeatureSpec(target: "y"), numericColumns: ["a", "b", "c"], encodings: [],
                                         scaler: StandardScaler(mean: [1, 2, 3], scale: [1, 2, 4]))
        return RidgeModel(transform: transform, coefficients: [0.5, -1, 2], intercept: 3, alpha: 1, alphas: [0.1, 1],
                          looMeanSquaredErrors: [0.2, 0.1], trainR2: 0.9, solver: "simd", trainingDataSHA256: "x",
                          trainingRows: 10, created: "2026-12-06T00:00:00Z", possumVersion: "test")
    }

    @Test func modelWithANonFiniteCoefficientIsNotWrittenAndTheValueIsNamed() throws {
        var m = model()
        m.coefficients[1] = .nan
        #expect(throws: StorageError(file: path("m.h5"), object: "/model/coefficients",
                                     "value 2 of 3 (feature 'b') is nan: coefficients must be finite")) {
            try ModelFile.write(m, to: path("m.h5"))
        }
        #expect(!exists("m.h5"))
    }

    @Test func readerGivesTheSameMessageForANaNCoefficient() throws {
        try ModelFile.write(model(), to: path("m.h5"))
        let file = try HDF5File.open(at: path("m.h5"), mode: .readWrite)
        try file.remove("model/coefficients")
        try file.openGroup("model").createDataset("coefficients", values: [0.5, .nan, 2]).close()
        try file.close()
        #expect(throws: StorageError(file: path("m.h5"), object: "/model/coefficients",
                                     "value 2 of 3 (feature 'b') is nan: coefficients must be finite")) {
            try ModelFile.read(path("m.h5"))
        }
    }

    @Test func modelWithAnInfiniteScaleOrLOOErrorIsNotWritten() throws {
        var m = model()
        m.transform.scaler.scale[2] = .infinity
        #expect(throws: StorageError(file: path("m.h5"), object: "/model/transform/scaler_scale",
                                     "scale of feature 'c' is inf: scales must be positive and finite")) {
            try ModelFile.write(m, to: path("m.h5"))
        }
        m = model()
        m.looMeanSquaredErrors[0] = .infinity
        #expect(throws: StorageError.self) { try ModelFile.write(m, to: path("m.h5")) }
        m = model()
        m.trainR2 = .nan
        #expect(throws: StorageError.self) { try ModelFile.write(m, to: path("m.h5")) }
        #expect(!exists("m.h5"))
    }

    @Test func existingFileIsKeptWhenAModelIsRefused() throws {
        try ModelFile.write(model(), to: path("m.h5"))
        let before = try Data(contentsOf: URL(fileURLWithPath: path("m.h5")))
        var m = model()
        m.intercept = -.infinity
        #expect(throws: StorageError.self) { try ModelFile.write(m, to: path("m.h5")) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path("m.h5"))) == before)
    }

    @Test func featureSetWithANonFiniteValueIsNotWritten() throws {
        let m = model()
        var z = Matrix(rows: 4, columns: 3)
        z[2, 1] = .infinity
        let set = FeatureSet(z: z, y: [1, 2, 3, 4], rowLabels: [2, 3, 5, 6], transform: m.transform, sourceFile: "t.csv", sourceSHA256: "x")
        #expect(throws: StorageError(file: path("f.h5"), object: "/features/z",
                                     "row 3 (source row 5), feature 'b' is inf: values must be finite")) {
            try FeaturesFile.write(set, to: path("f.h5"))
        }
        var badScale = set
        badScale.z[2, 1] = 0
        badScale.transform.scaler.scale[0] = .infinity
        #expect(throws: StorageError.self) { try FeaturesFile.write(badScale, to: path("f.h5")) }
        #expect(!exists("f.h5"))
    }

    /// The case: one value of 1e308 (or 1.1e199) in a feature used to make its scale inf,
    /// zero the feature, and write a file possum then refused. Now it trains, writes and reads back.
    @Test(arguments: [1.1e199, 1e308])
    func hugeFeatureValueTrainsAndReadsBack(huge: Double) throws {
        let csv = "a,b,y\n1,5,2\n2,3,4\n\(huge),8,5\n4,1,9\n5,2,11\n6,7,12\n"
        try csv.write(toFile: path("t.csv"), atomically: true, encoding: .utf8)
        let spec = FeatureSpec(target: "y")
        let table = try CSVTable.read(contentsOf: path("t.csv"))
        var design = try spec.design(from: table)
        let transform = try FeatureTransform(fitting: design, spec: spec)
        #expect(transform.scaler.scale.allSatisfy { $0.isFinite && $0 > 0 })
        transform.scaler.transform(inPlace: &design.x)
        #expect((0..<design.x.rows).allSatisfy { i in design.x[i, 0] != 0 })  // not zeroed
        let fit = try RidgeCV(alphas: [0.1, 1]).fit(design.x, design.y, solver: SIMDSolver())
        let model = RidgeModel(transform: transform, fit: fit, alphas: [0.1, 1], solver: "simd", trainingDataSHA256: "x",
                               trainingRows: design.x.rows, created: "", possumVersion: "test")
        try ModelFile.write(model, to: path("m.h5"))
        #expect(try ModelFile.read(path("m.h5")) == model)
        let set = FeatureSet(z: design.x, y: design.y, rowLabels: design.lines, transform: transform, sourceFile: "t.csv", sourceSHA256: "x")
        try FeaturesFile.write(set, to: path("f.h5"))
        #expect(try FeaturesFile.read(path("f.h5")).z == design.x)
    }
}
