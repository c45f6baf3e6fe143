import ArgumentParser
import PossumWorkflows

/// `--block-rows N` / `--in-memory` for the commands that can stream an HDF5 input a block of
/// rows at a time (docs/out-of-core.md); by default they stream above 256 MiB.
struct RowBlockOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Read the HDF5 input N rows at a time, whatever its size (default: in blocks only above 256 MiB of doubles).", valueName: "N"))
    var blockRows: Int?

    @Flag(name: .long, help: "Read the input whole, whatever its size.")
    var inMemory = false

    func validate() throws {
        if let blockRows, blockRows < 1 {
            throw ValidationError("--block-rows must be at least 1, got \(blockRows)")
        }
        if blockRows != nil && inMemory {
            throw ValidationError("give --block-rows N or --in-memory, not both")
        }
    }

    var reading: RowBlockReading { inMemory ? .inMemory : blockRows.map { .blocks(rows: $0) } ?? .automatic }

    /// Whether either option was given.
    var isGiven: Bool { blockRows != nil || inMemory }
}
