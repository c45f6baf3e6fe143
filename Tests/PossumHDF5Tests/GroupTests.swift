import PossumTestSupport
import Testing
@testable import PossumHDF5

@Suite struct GroupTests {
    @Test func nestedGroupsAndChildren() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("g.h5")
        let file = try HDF5File.create(at: path)
        let deep = try file.createGroup("a/b/c")  // intermediate groups are created
        #expect(deep.path == "/a/b/c")
        #expect(deep.name == "c")
        try deep.createDataset("x", values: [1.0])
        let a = try file.openGroup("a")
        try a.createDataset("values", values: [Int64(1), 2])
        _ = try a.createGroup("z")
        #expect(try a.children() == [
            HDF5Child(name: "b", kind: .group), HDF5Child(name: "values", kind: .dataset),
            HDF5Child(name: "z", kind: .group),
        ])
        #expect(try file.children() == [HDF5Child(name: "a", kind: .group)])
        #expect(try a.kind(of: "b/c/x") == .dataset)
        #expect(try file.kind(of: "/a/b/c/x") == .dataset)
        #expect(try a.contains("nope/deeper") == false)  // no error for a missing intermediate
        #expect(try a.openDataset("/a/b/c/x").path == "/a/b/c/x")
        #expect(try a.openGroup("b").openDataset("c/x").read(as: Double.self) == [1.0])
        try a.remove("z")
        #expect(try a.contains("z") == false)
    }

    @Test func missingAndWrongKindErrorsNameFileAndPath() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("m.h5")
        let file = try HDF5File.create(at: path)
        _ = try file.createGroup("model")
        try file.createDataset("model/intercept", values: [0.5], shape: [])

        let missing = try #require(try hdf5Error { _ = try file.openDataset("/model/coefficients") })
        #expect(missing.kind == .notFound)
        #expect(missing.description == "\(path): /model/coefficients: dataset not found")

        let relative = try #require(try hdf5Error { _ = try file.openGroup("model").openDataset("coef") })
        #expect(relative.objectPath == "/model/coef")

        let wrongKind = try #require(try hdf5Error { _ = try file.openDataset("model") })
        #expect(wrongKind.kind == .wrongObjectType)
        #expect(wrongKind.description == "\(path): /model: expected a dataset, found a group")

        let groupMissing = try #require(try hdf5Error { _ = try file.openGroup("data/possum") })
        #expect(groupMissing.description == "\(path): /data/possum: group not found")

        let exists = try #require(try hdf5Error { _ = try file.createGroup("model") })
        #expect(exists.kind == .alreadyExists)
        #expect(try hdf5Error { _ = try file.createDataset("model/intercept", values: [1.0]) }?.kind == .alreadyExists)
        #expect(try hdf5Error { _ = try file.createGroup("") }?.kind == .invalidArgument)
    }

    @Test func readOnlyFilesRefuseWrites() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("ro.h5")
        try HDF5File.create(at: path).close()
        let file = try HDF5File.open(at: path)
        let error = try #require(try hdf5Error { _ = try file.createGroup("g") })
        #expect(error.file == path)
        #expect(!error.description.contains("\n"))
    }

    @Test func objectsKeepTheirFileOpenButExplicitCloseIsFinal() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("k.h5")
        try HDF5File.writeAtomically(to: path) { try $0.createDataset("x", values: [1.0, 2.0]) }
        // The file object is a temporary here; the dataset keeps the file open.
        let dataset = try HDF5File.open(at: path).openDataset("x")
        #expect(try dataset.read(as: Double.self) == [1, 2])

        let file = try HDF5File.open(at: path)
        let second = try file.openDataset("x")
        try file.close()
        #expect(!file.isOpen)
        let closed = try #require(try hdf5Error { _ = try second.read(as: Double.self) })
        #expect(closed.kind == .closed)
        #expect(closed.description == "\(path): /x: dataset is closed")
        try file.close()  // idempotent
    }
}
