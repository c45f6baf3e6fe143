import PossumTestSupport
import Testing
@testable import PossumHDF5

@Suite struct HandleLeakTests {
    /// Every kind of operation, successful and failing, on one file.
    func exercise(_ path: String) throws {
        let file = try HDF5File.open(at: path)
        _ = try file.children()
        _ = try file.attributes.names()
        _ = try file.attributes.get("schema_version", as: Int64.self)
        let group = try file.openGroup("model")
        _ = try group.attributes.getArray("alphas", as: Double.self)
        _ = try group.attributes.info("alpha")
        let coefficients = try group.openDataset("coefficients")
        _ = try coefficients.read(as: Double.self)
        _ = try coefficients.read(rows: 1..<2, as: Double.self)
        _ = try coefficients.shape
        _ = try coefficients.dtype
        _ = try coefficients.storageInfo
        _ = try group.openDataset("features").read(as: String.self)
        _ = try file.openDataset("data/counts").read(rows: 10..<90, as: Int64.self)
        // Failures must release whatever they opened before failing.
        _ = try hdf5Error { _ = try coefficients.read(as: String.self) }
        _ = try hdf5Error { _ = try coefficients.read(rows: 0..<9, as: Double.self) }
        _ = try hdf5Error { _ = try group.attributes.get("alphas", as: Double.self) }
        _ = try hdf5Error { _ = try group.attributes.get("missing", as: Double.self) }
        _ = try hdf5Error { _ = try file.openDataset("model/nope") }
        #expect(try file.openObjectCount() == 2)  // `group` and `coefficients` are still open
    }

    @Test func noIdentifierOrObjectSurvivesItsOwner() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("leak.h5")
        try writeSampleFile(at: path)
        // Hold the library lock throughout so other tests running in parallel cannot change
        // the process-wide counts between "before" and "after".
        try HDF5Library.withExclusiveAccess {
            let identifiersBefore = HDF5Library.openIdentifierCount
            let objectsBefore = HDF5Library.openObjectCount
            for _ in 0..<3 { try exercise(path) }
            #expect(HDF5Library.openIdentifierCount == identifiersBefore)
            #expect(HDF5Library.openObjectCount == objectsBefore)

            // Writing, including a failed atomic write, leaks nothing either.
            try HDF5File.writeAtomically(to: dir.file("w.h5")) { file in
                try file.createDataset("x", values: ["a", "b"], storage: .compressed())
                try file.attributes.set("n", [1, 2, 3])
            }
            struct Stop: Error {}
            #expect(throws: Stop.self) {
                try HDF5File.writeAtomically(to: dir.file("w.h5")) { file in
                    try file.createGroup("g").createDataset("y", values: [1.0])
                    throw Stop()
                }
            }
            #expect(HDF5Library.openIdentifierCount == identifiersBefore)
            #expect(HDF5Library.openObjectCount == objectsBefore)
        }
    }

    @Test func openObjectCountTracksOneFile() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("count.h5")
        try writeSampleFile(at: path)
        let file = try HDF5File.open(at: path)
        #expect(try file.openObjectCount() == 0)
        let group: HDF5Group? = try file.openGroup("model")
        var dataset: HDF5Dataset? = try group!.openDataset("coefficients")
        #expect(try file.openObjectCount() == 2)
        dataset = nil
        #expect(try file.openObjectCount() == 1)
        group?.close()
        #expect(try file.openObjectCount() == 0)
        _ = (dataset, group)
    }
}
