import Foundation
import PossumTestSupport
import Testing
@testable import PossumHDF5

/// Random byte flips in a valid file must never crash or hang the process: every outcome is
/// either a successful read (the flip hit unused bytes or plain data values) or an `HDF5Error`.
@Suite struct FuzzTests {
    struct Outcome: CustomStringConvertible {
        var counts: [String: Int] = [:]
        var description: String { counts.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ") }
    }

    func fuzz(earliestFormat: Bool, seed: UInt64, iterations: Int) throws -> Outcome {
        let dir = try TemporaryDirectory()
        let good = dir.file("good.h5")
        try writeSampleFile(at: good, earliestFormat: earliestFormat)
        try readEverything(good)  // the unflipped file reads cleanly
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: good)))
        var rng = SplitMix64(state: seed)
        var outcome = Outcome()
        let path = dir.file("flipped.h5")
        for iteration in 0..<iterations {
            var bytes = original
            for _ in 0..<Int.random(in: 1...8, using: &rng) {
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
            }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            do {
                try readEverything(path)
                outcome.counts["read", default: 0] += 1
            } catch let error as HDF5Error {
                outcome.counts[error.kind.rawValue, default: 0] += 1
                #expect(error.file == path, "iteration \(iteration)")
                #expect(!error.description.contains("\n"), "iteration \(iteration)")
            }
        }
        return outcome
    }

    /// Files in possum's format (HDF5 1.8, checksummed metadata) and in HDF5's default format
    /// (no checksums: what h5py writes), 200 flipped copies each.
    @Test(arguments: [false, true])
    func byteFlipsNeverCrash(earliestFormat: Bool) throws {
        // Holding the lock keeps the identifier counts stable against parallel tests, so the
        // error paths can be checked for leaks too.
        try HDF5Library.withExclusiveAccess {
            let before = HDF5Library.openIdentifierCount
            let outcome = try fuzz(earliestFormat: earliestFormat, seed: 0x5EED_0006, iterations: 200)
            #expect(HDF5Library.openIdentifierCount == before)
            #expect(HDF5Library.openObjectCount == 0 || HDF5Library.openIdentifierCount == before)
            // Both outcomes must occur, or the test is not exercising anything.
            #expect(outcome.counts["read", default: 0] > 0, "\(outcome)")
            #expect(outcome.counts.count > 1, "\(outcome)")
        }
    }
}
