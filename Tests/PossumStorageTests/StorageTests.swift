import Foundation
import PossumData
import PossumHDF5
import PossumLinalg
import PossumML
import PossumStorage
import Testing

/// Tables, feature sets and models survive HDF5 exactly, and bad files are refused by name.
@Suite(.serialized) struct StorageTests {
    let directory: URL = {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("possum-storage-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }()

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    let csv = """
        case,site,Pop,sex,age,taill,chest
        1,1,Vic,m,8,36,28
        2,2,other,f,NA,36.5,28.5
        3,1,Vic,f,6,39,30
        4,2,other,m,6,38,28
        5,1,Vic,f,2,36,27.5
        6,2,Vic,m,1,37,26
        7,1,other,f,5,38.5,29
        8,2,other,m,3,35,31
        9,1,Vic,f,4,34,27
        """

    func writeCSV() throws -> String {
        let p = path("t.csv")
        try csv.write(toFile: p, atomically: true, encoding: .utf8)
        return p
    }

    @Test func importedTableReadsBackAsTheCSVDoes() throws {
        let csvPath = try writeCSV()
        let (rows, columns) = try TableFile.importCSV(csvPath, to: path("t.h5"))
        #expect(rows == 9 && columns == 7)
        let h5 = try HDF5Table(path: path("t.h5"))
        let text = try CSVTable.read(contentsOf: csvPath)
        #expect(h5.columnNames == text.columnNames)
        for name in ["case", "age", "taill", "chest"] { #expect(try h5.numericColumn(name) == text.numericColumn(name)) }
        for name in ["site", "Pop", "sex"] { #expect(try h5.textColumn(name) == text.textColumn(name)) }
        #expect(h5.sourceSHA256 == (try SHA256.hex(ofFile: csvPath)))
        // The same design (names, numbers) from either source.
        let spec = FeatureSpec(target: "taill", dropped: ["case"], categorical: ["site", "Pop", "sex"])
        let a = try spec.design(from: h5), b = try spec.design(from: text)
        #expect(a.names == b.names)
        #expect(a.x == b.x)
        #expect(a.y == b.y)
    }

    /// More rows than one import block and one column-read block (65,536), with gaps on both
    /// sides of the boundary: the design read straight from HDF5 into the matrix equals the
    /// design from the CSV text.
    @Test func largeTableDesignEqualsTheCSVDesign() throws {
        let rows = 70_003
        var text = "id,a,b,y\n"
        var rng = SystemRandomNumberGenerator()
        for i in 0..<rows {
            let a = [65_535, 65_536, 3].contains(i) ? "NA" : String(format: "%.6f", Double.random(in: -5...5, using: &rng))
            let b = i == 69_999 ? "" : "\(Double.random(in: -1e3...1e3, using: &rng))"
            let y = i == 65_537 ? "NA" : String(format: "%.3e", Double.random(in: -1...1, using: &rng))
            text += "\(i),\(a),\(b),\(y)\n"
        }
        let csvPath = path("big.csv")
        try text.write(toFile: csvPath, atomically: true, encoding: .utf8)
        let (n, _) = try TableFile.importCSV(csvPath, to: path("big.h5"))
        #expect(n == rows)
        let spec = FeatureSpec(target: "y", dropped: ["id"], categorical: [])
        let a = try spec.design(from: HDF5Table(path: path("big.h5"))), b = try spec.design(from: CSVTable.read(contentsOf: csvPath))
        #expect(a.x.rows == rows - 5)
        #expect(a.x == b.x)
        #expect(a.y == b.y)
        #expect(a.lines.map { $0 + 1 } == b.lines)  // HDF5 rows are 1-based row numbers, CSV rows file lines
        #expect(a.droppedRows == 5)
    }

    /// Numbers are stored plain (every pass over a big table would inflate them again, for a
    /// 15–20 % saving on measured doubles); `compressNumbers` deflates them as before. Text and
    /// missing-value masks are deflated either way, and both files read back the same numbers.
    @Test func importStoresNumbersUncompressedUnlessAsked() throws {
        var text = "x,kind,y\n"
        for i in 0..<5000 { text += "\(Double(i) * 0.37),\(i % 3 == 0 ? "a" : "b"),\(i % 11 == 4 ? "NA" : "\(i % 17)")\n" }
        let csvPath = path("z.csv")
        try text.write(toFile: csvPath, atomically: true, encoding: .utf8)
        _ = try TableFile.importCSV(csvPath, to: path("plain.h5"))
        _ = try TableFile.importCSV(csvPath, to: path("deflated.h5"), compressNumbers: true)
        let plain = try HDF5File.open(at: path("plain.h5")), deflated = try HDF5File.open(at: path("deflated.h5"))
        #expect(try plain.openDataset("z/columns/x").storageInfo.filters.isEmpty)
        #expect(try plain.openDataset("z/columns/y").storageInfo.filters.isEmpty)
        #expect(try plain.openDataset("z/columns/kind").storageInfo.filters.contains(.deflate(level: 4)))
        #expect(try plain.openDataset("z/missing/y").storageInfo.filters.contains(.deflate(level: 4)))
        for name in ["x", "y"] { #expect(try deflated.openDataset("z/columns/\(name)").storageInfo.filters.contains(.deflate(level: 4))) }
        try plain.close()
        try deflated.close()
        let a = try HDF5Table(path: path("plain.h5")), b = try HDF5Table(path: path("deflated.h5"))
        for name in ["x", "y"] { #expect(try a.numericColumn(name) == b.numericColumn(name)) }
        #expect(try a.textColumn("kind") == b.textColumn("kind"))
    }

    @Test func nonFiniteValueNotMarkedMissingIsRefusedByRow() throws {
        let csvPath = try writeCSV()
        let p = path("t.h5")
        _ = try TableFile.importCSV(csvPath, to: p)
        let file = try HDF5File.open(at: p, mode: .readWrite)
        try file.remove("t/columns/chest")
        try file.openGroup("t/columns").createDataset("chest", values: [28, 28.5, 30, .infinity, 27.5, 26, 29, 31, 27]).close()
        try file.close()
        let spec = FeatureSpec(target: "taill", dropped: ["case", "site", "Pop", "sex"], categorical: [])
        #expect(throws: StorageError(file: p, object: "/t/columns/chest", "row 4: non-finite value inf not marked missing")) {
            try spec.design(from: HDF5Table(path: p))
        }
    }

    @Test func modelFileRoundTripsAndPredictsBitIdentically() throws {
        let csvPath = try writeCSV()
        let spec = FeatureSpec(target: "taill", dropped: ["case", "sex"], categorical: ["Pop"])
        let table = try CSVTable.read(contentsOf: csvPath)
        let design = try spec.design(from: table)
        let transform = try FeatureTransform(fitting: design, spec: spec)
        let fit = try RidgeCV(alphas: [0.1, 1, 10]).fit(transform.scaler.transform(design.x), design.y, solver: SIMDSolver())
        let model = RidgeModel(transform: transform, fit: fit, alphas: [0.1, 1, 10], solver: "simd",
                               trainingDataSHA256: "abc", trainingRows: design.x.rows, created: "2026-11-27T00:00:00Z",
                               possumVersion: "test")
        try ModelFile.write(model, to: path("m.h5"))
        let back = try ModelFile.read(path("m.h5"))
        #expect(back == model)
        let (p1, _) = try model.predict(table)
        let (p2, _) = try back.predict(table)
        #expect(p1 == p2)  // bitwise: same numbers, same order of operations
    }

    @Test func featureSetRoundTrips() throws {
        let csvPath = try writeCSV()
        let spec = FeatureSpec(target: "taill", dropped: ["case", "Pop"], categorical: ["site", "sex"])
        let design = try spec.design(from: CSVTable.read(contentsOf: csvPath))
        let transform = try FeatureTransform(fitting: design, spec: spec)
        let set = FeatureSet(z: transform.scaler.transform(design.x), y: design.y, rowLabels: design.lines,
                             transform: transform, sourceFile: "t.csv", sourceSHA256: "x")
        try FeaturesFile.write(set, to: path("f.h5"))
        let back = try FeaturesFile.read(path("f.h5"))
        #expect(back.z == set.z && back.y == set.y && back.rowLabels == set.rowLabels && back.transform == transform)
    }

    /// More rows than one block of the row-major z: the matrix comes back exactly, and the file
    /// holds z row-major as numpy and h5py expect (checked element by element).
    @Test func largeFeatureSetRoundTripsRowMajor() throws {
        var rng = SplitMix64(seed: 5)
        let rows = 70_001
        let z = Matrix.random(rows: rows, columns: 3, using: &rng)
        let transform = FeatureTransform(spec: FeatureSpec(target: "y"), numericColumns: ["a", "b", "c"], encodings: [],
                                         scaler: StandardScaler(mean: [0, 0, 0], scale: [1, 1, 1]))
        let set = FeatureSet(z: z, y: (0..<rows).map(Double.init), rowLabels: Array(1...rows), transform: transform,
                             sourceFile: "t.h5", sourceSHA256: "x")
        try FeaturesFile.write(set, to: path("big-f.h5"))
        let back = try FeaturesFile.read(path("big-f.h5"))
        #expect(back.z == set.z && back.y == set.y && back.rowLabels == set.rowLabels)
        let file = try HDF5File.open(at: path("big-f.h5"))
        let stored = try file.openDataset("features/z").read(as: Double.self)
        try file.close()
        #expect(stored.count == rows * 3)
        #expect((0..<rows).allSatisfy { i in (0..<3).allSatisfy { j in stored[i * 3 + j] == z[i, j] } })
    }

    @Test func wrongKindOfFileAndNewerSchemaAreRefused() throws {
        let csvPath = try writeCSV()
        _ = try TableFile.importCSV(csvPath, to: path("t.h5"))
        #expect(throws: StorageError(file: path("t.h5"), object: "/", "is a possum table file, not a model file")) {
            try ModelFile.read(path("t.h5"))
        }
        let newer = path("newer.h5")
        try HDF5File.writeAtomically(to: newer) { f in
            try f.attributes.set("possum_format", "model")
            try f.attributes.set("schema_version", Int64(99))
        }
        #expect(throws: StorageError(file: newer, object: "/", "schema version 99 is newer than this possum reads (1): upgrade possum")) {
            try ModelFile.read(newer)
        }
    }

    @Test func maskWithWrongRowCountIsRefused() throws {
        let csvPath = try writeCSV()
        let p = path("t.h5")
        _ = try TableFile.importCSV(csvPath, to: p)
        let file = try HDF5File.open(at: p, mode: .readWrite)
        try file.remove("t/missing/age")
        try file.openGroup("t/missing").createDataset("age", values: [Int8](repeating: 0, count: 5)).close()
        try file.close()
        #expect(throws: StorageError(file: p, object: "/t/missing/age", "mask has 5 entries, the table has 9 rows")) {
            try HDF5Table(path: p).numericColumn("age")
        }
    }

    /// Random byte flips in a valid model file: every read either succeeds or throws; none crashes.
    @Test func corruptedModelFilesNeverCrash() throws {
        let csvPath = try writeCSV()
        let spec = FeatureSpec(target: "taill", dropped: ["case", "sex"], categorical: ["Pop"])
        let table = try CSVTable.read(contentsOf: csvPath)
        let design = try spec.design(from: table)
        let transform = try FeatureTransform(fitting: design, spec: spec)
        let fit = try RidgeCV(alphas: [1]).fit(transform.scaler.transform(design.x), design.y, solver: SIMDSolver())
        try ModelFile.write(RidgeModel(transform: transform, fit: fit, alphas: [1], solver: "simd", trainingDataSHA256: "",
                                       trainingRows: 8, created: "", possumVersion: ""), to: path("m.h5"))
        let original = try Data(contentsOf: URL(fileURLWithPath: path("m.h5")))
        var rng = SplitMix64(seed: 2026)
        var refused = 0
        for trial in 0..<150 {
            var bytes = [UInt8](original)
            for _ in 0..<(1 + trial % 4) {
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
            }
            if trial % 10 == 0 { bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &rng))) }  // truncation
            let corrupt = path("c.h5")
            try Data(bytes).write(to: URL(fileURLWithPath: corrupt))
            do {
                let m = try ModelFile.read(corrupt)
                _ = try m.predict(table)
            } catch {
                refused += 1
                #expect(!"\(error)".contains("\n"), "multi-line error: \(error)")
            }
        }
        #expect(refused > 0)  // the flips did reach structures that matter
    }
}
