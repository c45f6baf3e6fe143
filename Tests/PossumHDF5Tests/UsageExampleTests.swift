import PossumTestSupport
import Testing
@testable import PossumHDF5

/// The example in PossumHDF5.swift, kept compiling and true.
@Suite struct UsageExampleTests {
    @Test func theDocumentedExampleWorks() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("possum-ridge.h5")
        let rows = 2000
        let matrix = (0..<(rows * 16)).map { Double($0 % 97) }
        try HDF5File.writeAtomically(to: path) { file in
            try file.attributes.set("schema_version", Int64(1))
            let model = try file.createGroup("model")
            try model.attributes.set("alpha", 0.5)
            try model.createDataset("coefficients", values: [0.1, -2.0, 3.5])
            try model.createDataset("features", values: ["age", "skullw", "taill"])
            try model.createDataset("X", values: matrix, shape: [rows, 16], storage: .compressed())
        }
        let model = try HDF5File.open(at: path).openGroup("model")
        let beta = try model.openDataset("coefficients").read(as: Double.self)
        let firstRows = try model.openDataset("X").read(rows: 0..<1000, as: Double.self)
        #expect(beta == [0.1, -2.0, 3.5])
        #expect(firstRows == Array(matrix[0..<16_000]))
        #expect(try model.attributes.get("alpha", as: Double.self) == 0.5)
    }
}
