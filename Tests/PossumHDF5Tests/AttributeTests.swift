import PossumTestSupport
import Testing
@testable import PossumHDF5

@Suite struct AttributeTests {
    @Test func scalarsArraysAndStringsOnFileGroupAndDataset() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("a.h5")
        do {
            let file = try HDF5File.create(at: path)
            try file.attributes.set("schema_version", Int64(3))
            try file.attributes.set("created", "2026-11-27T00:00:00Z")
            let group = try file.createGroup("model")
            try group.attributes.set("alpha", 0.125)
            try group.attributes.set("alphas", [0.01, 0.1, 1.0, 10.0])
            try group.attributes.set("counts", [Int64(-1), 0, 7])
            try group.attributes.set("levels", ["Vic", "other", "Ünïcödé 🦘"])
            let dataset = try group.createDataset("coefficients", values: [1.0, 2.0])
            try dataset.attributes.set("names", ["age", "sex"])
            try dataset.attributes.set("n", 2)  // Int literal: stored as int64
            try file.close()
        }
        let file = try HDF5File.open(at: path)
        #expect(try file.attributes.names() == ["created", "schema_version"])
        #expect(try file.attributes.get("schema_version", as: Int64.self) == 3)
        #expect(try file.attributes.get("created", as: String.self) == "2026-11-27T00:00:00Z")
        let group = try file.openGroup("model")
        #expect(try group.attributes.get("alpha", as: Double.self) == 0.125)
        #expect(try group.attributes.getArray("alphas", as: Double.self) == [0.01, 0.1, 1.0, 10.0])
        #expect(try group.attributes.getArray("counts", as: Int64.self) == [-1, 0, 7])
        #expect(try group.attributes.getArray("levels", as: String.self) == ["Vic", "other", "Ünïcödé 🦘"])
        #expect(try group.attributes.info("alphas") == HDF5AttributeInfo(dtype: .float64, shape: [4]))
        #expect(try group.attributes.info("alpha") == HDF5AttributeInfo(dtype: .float64, shape: []))
        let dataset = try file.openDataset("/model/coefficients")
        #expect(try dataset.attributes.getArray("names", as: String.self) == ["age", "sex"])
        #expect(try dataset.attributes.get("n", as: Int.self) == 2)
        #expect(try dataset.attributes.info("n").dtype == .int64)
    }

    @Test func replacingRemovingAndErrors() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("a.h5")
        let file = try HDF5File.create(at: path)
        let group = try file.createGroup("g")
        try group.attributes.set("x", 1.0)
        try group.attributes.set("x", "now a string")  // replaced, with another type
        #expect(try group.attributes.get("x", as: String.self) == "now a string")
        #expect(try group.attributes.contains("x"))
        try group.attributes.remove("x")
        #expect(try !group.attributes.contains("x"))

        let missing = try #require(try hdf5Error { _ = try group.attributes.get("alpha", as: Double.self) })
        #expect(missing.kind == .notFound)
        #expect(missing.description == "\(path): /g: attribute 'alpha' not found")

        try group.attributes.set("v", [1.0, 2.0])
        let notScalar = try #require(try hdf5Error { _ = try group.attributes.get("v", as: Double.self) })
        #expect(notScalar.kind == .shapeMismatch)
        let wrongType = try #require(try hdf5Error { _ = try group.attributes.get("v", as: String.self) })
        #expect(wrongType.kind == .dtypeMismatch)
        #expect(wrongType.description == "\(path): /g: attribute 'v': stored as float64, cannot be read as String")
        #expect(try hdf5Error { try group.attributes.set("", 1.0) }?.kind == .invalidArgument)
    }
}
