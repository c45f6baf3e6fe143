import Foundation
import PossumTestSupport
import Testing
@testable import PossumHDF5

@Suite struct RoundTripTests {
    /// Writes `values` as a 1-D and a 2-D dataset, reopens the file and reads them back.
    func roundTrip<T: HDF5Scalar & Equatable>(_ values: [T]) throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("t.h5")
        let file = try HDF5File.create(at: path)
        try file.createDataset("flat", values: values)
        try file.createDataset("grid", values: values, shape: [values.count / 2, 2])
        try file.close()

        let reopened = try HDF5File.open(at: path)
        let flat = try reopened.openDataset("flat")
        #expect(try flat.dtype == T.hdf5DType)
        #expect(try flat.shape == [values.count])
        #expect(try flat.read(as: T.self) == values)
        let grid = try reopened.openDataset("grid")
        #expect(try grid.shape == [values.count / 2, 2])
        #expect(try grid.read(as: T.self) == values)
    }

    @Test func doubles() throws {
        try roundTrip([0.0, -0.0, 1.5, -2.75, .pi, 1e-300, 1e300, .infinity, -.infinity, .leastNonzeroMagnitude])
    }

    @Test func nanSurvives() throws {
        let dir = try TemporaryDirectory()
        let file = try HDF5File.create(at: dir.file("nan.h5"))
        let values = try file.createDataset("x", values: [1.0, .nan, 3.0]).read(as: Double.self)
        #expect(values[0] == 1 && values[1].isNaN && values[2] == 3)
    }

    @Test func floats() throws { try roundTrip([Float(1.25), -3.5, .greatestFiniteMagnitude, 0]) }
    @Test func int64s() throws { try roundTrip([Int64.min, -1, 0, 1, Int64.max, 42]) }
    @Test func ints() throws { try roundTrip([Int.min, -7, 0, Int.max]) }
    @Test func int32s() throws { try roundTrip([Int32.min, -1, 0, Int32.max]) }
    @Test func uint8s() throws { try roundTrip([UInt8(0), 1, 127, 255]) }
    @Test func int8AndInt16AndUnsigned() throws {
        try roundTrip([Int8.min, 0, 1, Int8.max])
        try roundTrip([Int16.min, 0, 1, Int16.max])
        try roundTrip([UInt16(0), UInt16.max])
        try roundTrip([UInt32(0), UInt32.max])
        try roundTrip([UInt64(0), UInt64.max])
    }

    @Test func stringsIncludingNonASCII() throws {
        try roundTrip(["", "possum", "Ünïcödé", "日本語", "emoji 🦘🐨", "comma, \"quote\"\nnewline"])
    }

    @Test func stringWithNULIsRefused() throws {
        let dir = try TemporaryDirectory()
        let file = try HDF5File.create(at: dir.file("nul.h5"))
        let error = try hdf5Error { try file.createDataset("s", values: ["a\u{0}b"]) }
        #expect(error?.kind == .invalidArgument)
    }

    @Test func scalarAndEmptyDatasets() throws {
        let dir = try TemporaryDirectory()
        let file = try HDF5File.create(at: dir.file("s.h5"))
        let scalar = try file.createDataset("scalar", values: [2.5], shape: [])
        #expect(try scalar.shape == [])
        #expect(try scalar.readScalar(as: Double.self) == 2.5)
        let empty = try file.createDataset("empty", values: [Double](), shape: [0, 3])
        #expect(try empty.shape == [0, 3])
        #expect(try empty.read(as: Double.self) == [])
        let emptyStrings = try file.createDataset("emptyStrings", values: [String]())
        #expect(try emptyStrings.read(as: String.self) == [])
    }

    @Test func exactWideningReadsAreAllowed() throws {
        let dir = try TemporaryDirectory()
        let file = try HDF5File.create(at: dir.file("w.h5"))
        try file.createDataset("i32", values: [Int32(-5), 7])
        try file.createDataset("f32", values: [Float(0.5), 2])
        try file.createDataset("u8", values: [UInt8(200), 3])
        #expect(try file.openDataset("i32").read(as: Int64.self) == [-5, 7])
        #expect(try file.openDataset("i32").read(as: Double.self) == [-5, 7])
        #expect(try file.openDataset("f32").read(as: Double.self) == [0.5, 2])
        #expect(try file.openDataset("u8").read(as: Int16.self) == [200, 3])
    }

    @Test func lossyReadsAreRefused() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("l.h5")
        let file = try HDF5File.create(at: path)
        try file.createDataset("f64", values: [0.1])
        try file.createDataset("i64", values: [Int64(1) << 60])
        try file.createDataset("s", values: ["x"])
        for (name, attempt) in [
            ("f64", { _ = try file.openDataset("f64").read(as: Float.self) }),
            ("f64", { _ = try file.openDataset("f64").read(as: Int64.self) }),
            ("i64", { _ = try file.openDataset("i64").read(as: Double.self) }),
            ("i64", { _ = try file.openDataset("i64").read(as: Int32.self) }),
            ("s", { _ = try file.openDataset("s").read(as: Double.self) }),
        ] as [(String, () throws -> Void)] {
            let error = try #require(try hdf5Error(attempt))
            #expect(error.kind == .dtypeMismatch)
            #expect(error.objectPath == "/" + name)
            #expect(error.description.hasPrefix(path + ": /" + name + ": stored as "))
        }
        // Writing loses nothing either way: Double into an int dataset is refused too.
        #expect(try hdf5Error { try file.openDataset("i64").write([1.0]) }?.kind == .dtypeMismatch)
    }

    @Test func shapeMismatchesAreRefusedBeforeCreating() throws {
        let dir = try TemporaryDirectory()
        let file = try HDF5File.create(at: dir.file("m.h5"))
        let error = try hdf5Error { try file.createDataset("x", values: [1.0, 2, 3], shape: [2, 2]) }
        #expect(error?.kind == .shapeMismatch)
        #expect(try file.contains("x") == false)
        let d = try file.createDataset("y", values: [1.0, 2])
        #expect(try hdf5Error { try d.write([1.0]) }?.kind == .shapeMismatch)
    }

    @Test func createThenFillByRows() throws {
        let dir = try TemporaryDirectory()
        let file = try HDF5File.create(at: dir.file("r.h5"))
        let d = try file.createDataset("m", of: Double.self, shape: [4, 3])
        #expect(try d.read(as: Double.self) == Array(repeating: 0, count: 12))  // fill value
        try d.write([1, 2, 3, 4, 5, 6] as [Double], rows: 1..<3)
        #expect(try d.read(as: Double.self) == [0, 0, 0, 1, 2, 3, 4, 5, 6, 0, 0, 0])
        #expect(try hdf5Error { try d.write([1, 2, 3] as [Double], rows: 3..<5) }?.kind == .shapeMismatch)
    }
}
