import Foundation
import PossumTestSupport
import Testing
@testable import PossumHDF5

/// Damage HDF5 1.10.8 cannot survive in-process, found by the fuzz test: a variable-length
/// string's global-heap index pointing at an object that does not exist makes `H5HG_read`
/// copy from a wild pointer (SIGSEGV). Such reads are first tried in a forked child.
@Suite struct SandboxTests {
    /// The sample file with the heap index of `/model/features[2]` damaged. On disk a
    /// variable-length string is {length: 4 bytes, heap address: 8, object index: 4}.
    func damagedFile(in dir: TemporaryDirectory) throws -> String {
        let path = dir.file("damaged.h5")
        try writeSampleFile(at: path)
        let offset = try #require(try HDF5File.open(at: path).openDataset("/model/features").fileOffset)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        // Object index 3 becomes 0x7FFF0003: HDF5 indexes its heap-object table with it,
        // 48 GB past the table's end, which is certain to fault.
        bytes[offset + 2 * 16 + 14] = 0xFF
        bytes[offset + 2 * 16 + 15] = 0x7F
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func openingWithVerificationRefusesTheFile() throws {
        let dir = try TemporaryDirectory()
        let path = try damagedFile(in: dir)
        let error = try #require(try hdf5Error { _ = try HDF5File.open(at: path) })
        #expect(error.kind == .corrupt)
        #expect(error.description == "\(path): file is corrupt (reading it crashed HDF5 in a sandbox process)")
    }

    @Test func readingUnverifiedStillCannotCrash() throws {
        let dir = try TemporaryDirectory()
        let path = try damagedFile(in: dir)
        let file = try HDF5File.open(at: path, verify: false)
        let features = try file.openDataset("/model/features")
        #expect(try features.read(rows: 0..<2, as: String.self) == ["age", "sex"])  // undamaged rows
        let error = try #require(try hdf5Error { _ = try features.read(as: String.self) })
        #expect(error.kind == .corrupt)
        #expect(error.description == "\(path): /model/features: string data is corrupt (reading it crashed HDF5 in a sandbox process)")
        // Everything else in the file is still readable.
        #expect(try file.openDataset("/model/coefficients").read(as: Double.self).count == 6)
    }
}
