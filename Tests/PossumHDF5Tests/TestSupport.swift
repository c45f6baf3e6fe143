import Foundation
import PossumTestSupport
@testable import PossumHDF5

/// The `HDF5Error` that `body` throws, or nil (see `thrownError`).
func hdf5Error(_ body: () throws -> Void) throws -> HDF5Error? { try thrownError(HDF5Error.self, body) }

/// A small file with one of everything, used by the bad-input and fuzz tests.
func writeSampleFile(at path: String, earliestFormat: Bool = false) throws {
    let file = try HDF5File.create(at: path, reportedAs: path, overwrite: false, earliestFormat: earliestFormat)
    try file.attributes.set("schema_version", Int64(1))
    try file.attributes.set("title", "possum sample")
    let group = try file.createGroup("model")
    try group.attributes.set("alpha", 0.5)
    try group.attributes.set("alphas", [0.1, 1.0, 10.0])
    try group.createDataset("coefficients", values: [1.5, -2.25, 3.0, 4.5, 0, 7], shape: [3, 2])
    try group.createDataset("features", values: ["age", "sex", "hdlngth"])
    try file.createDataset("data/counts", values: (0..<100).map { Int64($0) }, storage: .compressed(chunkRows: 16))
    try file.close()
}

/// A small, fast, seedable generator (SplitMix64), so a failing fuzz case can be replayed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
