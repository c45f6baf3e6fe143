import Foundation
import PossumFiles
import PossumTestSupport
import Testing
@testable import PossumHDF5

/// Every HDF5 read asks the memory headroom (`MemoryHeadroom.Meter`), a small one too: under a
/// real limit an allocation that does not fit aborts the process.
@Suite struct ReadHeadroomTests {
    @Test func aSmallReadIsRefusedWhenItDoesNotFit() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("t.h5")
        let file = try HDF5File.create(at: path)
        try file.createDataset("x", values: [Double](repeating: 1.5, count: 250_000))  // 2 MB
        try file.createDataset("s", values: (0..<40_000).map { "row \($0)" })
        try file.close()
        let reopened = try HDF5File.open(at: path)
        let x = try reopened.openDataset("x")
        let refused = try hdf5Error { _ = try MemoryHeadroom.$testingLimit.withValue(2 << 20) { try x.read(as: Double.self) } }
        #expect(refused?.kind == .tooLarge)
        #expect(try MemoryHeadroom.$testingLimit.withValue(4 << 20) { try x.read(as: Double.self) }.count == 250_000)
        // Strings count what reading them takes (HDF5's copies and the Strings), not 8 bytes each.
        let s = try reopened.openDataset("s")
        let strings = try hdf5Error { _ = try MemoryHeadroom.$testingLimit.withValue(2 << 20) { try s.read(as: String.self) } }
        #expect(strings?.kind == .tooLarge)
        #expect(try MemoryHeadroom.$testingLimit.withValue(8 << 20) { try s.read(as: String.self) }.last == "row 39999")
    }
}
