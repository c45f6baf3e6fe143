import Foundation
import PossumTestSupport
import Testing
@testable import PossumHDF5

@Suite struct AtomicWriteTests {
    struct Interrupted: Error {}

    func writeVersion(_ version: Int64, to path: String) throws {
        try HDF5File.writeAtomically(to: path) { file in
            try file.attributes.set("version", version)
            try file.createDataset("x", values: [Double](repeating: Double(version), count: 1000))
        }
    }

    func version(at path: String) throws -> Int64 {
        try HDF5File.open(at: path).attributes.get("version", as: Int64.self)
    }

    @Test func replacesTheTargetAndLeavesNoTemporaryFile() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("model.h5")
        try writeVersion(1, to: path)
        #expect(try version(at: path) == 1)
        try writeVersion(2, to: path)
        #expect(try version(at: path) == 2)
        #expect(try dir.contents() == ["model.h5"])
    }

    @Test func theTemporaryFileIsAHiddenSiblingAndErrorsNameTheTarget() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("m.h5")
        try HDF5File.writeAtomically(to: path) { file in
            let names = try dir.contents()
            #expect(names.count == 1)
            #expect(names[0].hasPrefix(".m.h5.tmp-\(getpid())-"))
            #expect(file.path == path)
            let error = try #require(try hdf5Error { _ = try file.openDataset("nope") })
            #expect(error.description == "\(path): /nope: dataset not found")
        }
    }

    @Test func aThrowingWriterLeavesTheOldFileIntact() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("model.h5")
        try writeVersion(1, to: path)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(throws: Interrupted.self) {
            try HDF5File.writeAtomically(to: path) { file in
                try file.attributes.set("version", Int64(2))
                try file.createDataset("x", values: [Double](repeating: 2, count: 100_000))
                try file.flush()  // even data already on disk in the temporary file goes nowhere
                throw Interrupted()
            }
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        #expect(try version(at: path) == 1)
        #expect(try dir.contents() == ["model.h5"])
    }

    @Test func anHDF5ErrorMidWriteAlsoLeavesNothing() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("new.h5")
        let error = try #require(try hdf5Error {
            try HDF5File.writeAtomically(to: path) { file in
                _ = try file.createDataset("x", values: [1.0, 2.0], shape: [3])  // shape mismatch
            }
        })
        #expect(error.kind == .shapeMismatch)
        #expect(error.file == path)
        #expect(try dir.contents() == [])
    }

    @Test func aMissingDirectoryIsAnError() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("no/such/dir/m.h5")
        let error = try #require(try hdf5Error { try writeVersion(1, to: path) })
        #expect(error.kind == .io)
        #expect(error.file == path)
        #expect(!error.description.contains("\n"))
    }

    @Test func objectsThatEscapeTheWriterAreClosed() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("e.h5")
        let escaped = try HDF5File.writeAtomically(to: path) { try $0.createDataset("x", values: [1.0]) }
        #expect(try hdf5Error { _ = try escaped.read(as: Double.self) }?.kind == .closed)
        #expect(try HDF5File.open(at: path).openDataset("x").read(as: Double.self) == [1.0])
    }
}
