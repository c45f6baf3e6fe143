import Foundation
import PossumData
import PossumFiles
import PossumStorage
import PossumTestSupport
@testable import PossumWorkflows
import Testing

/// Under a memory limit (`ulimit -v`, a cgroup's memory.max) an input that would not fit is read in
/// blocks, or refused in one line, before anything is allocated: a failed allocation kills a Swift
/// process. `MemoryHeadroom.testingLimit` stands in for the limit.
@Suite struct MemoryLimitTests {
    static func possumTable(_ dir: TemporaryDirectory) throws -> String {
        let csv = StreamingTrainingTests.root.appendingPathComponent("datasets/possum.csv").path
        guard FileManager.default.fileExists(atPath: csv) else { throw DataError(file: csv, "missing: run `make data` first") }
        _ = try TableFile.importCSV(csv, to: dir.file("possum.h5"))
        return dir.file("possum.h5")
    }

    @Test func aTableThatDoesNotFitIsReadInBlocksAndGivesTheSameModel() throws {
        let dir = try TemporaryDirectory()
        let path = try Self.possumTable(dir)
        let bytes = try HDF5Table(path: path).doubleBytes
        #expect(bytes == 104 * 14 * 8)
        let roomy = try MemoryHeadroom.$testingLimit.withValue(bytes * RowBlockReading.tableCopies) { try RowBlockReading.automatic.decide(forTable: path) }
        #expect(roomy.blockRows == nil)
        let tight = try MemoryHeadroom.$testingLimit.withValue(bytes * RowBlockReading.tableCopies - 1) { try RowBlockReading.automatic.decide(forTable: path) }
        #expect(tight.blockRows == RowBlockReading.defaultTableBlockRows)

        let whole = try StreamingTrainingTests.train(path, .possum, .inMemory)
        let limited = try MemoryHeadroom.$testingLimit.withValue(bytes) { try StreamingTrainingTests.train(path, .possum, .automatic) }
        StreamingTrainingTests.expectSame(whole.model, limited.model, "streamed under a limit")
    }

    @Test func inMemoryIsRefusedInOneLineWhenItDoesNotFit() throws {
        let dir = try TemporaryDirectory()
        let path = try Self.possumTable(dir)
        let error = try #require(throws: DataError.self) {
            try MemoryHeadroom.$testingLimit.withValue(10_000_000) { try StreamingTrainingTests.train(path, .possum, .inMemory) }
            try MemoryHeadroom.$testingLimit.withValue(2_000) { try StreamingTrainingTests.train(path, .possum, .inMemory) }
        }
        #expect("\(error)" == "\(path): reading it whole takes about 23.3 kB, and this process may take 2.0 kB (a memory limit?): drop --in-memory to read it in blocks")
    }

    @Test func aCSVPastHalfTheHeadroomStopsAtTheRowWhereItGetsThere() throws {
        let dir = try TemporaryDirectory()
        let rows = (0..<40_000).map { "\($0),\(Double($0) * 0.5),abcdefghijklmnopqrstuvwxyz" }
        try ("k,x,note\n" + rows.joined(separator: "\n") + "\n").write(toFile: dir.file("t.csv"), atomically: true, encoding: .utf8)
        _ = try CSVTable.read(contentsOf: dir.file("t.csv"))
        let error = try #require(throws: DataError.self) {
            try MemoryHeadroom.$testingLimit.withValue(4 << 20) { _ = try CSVTable.read(contentsOf: dir.file("t.csv")) }
        }
        #expect("\(error)".contains("too large to hold in memory (more than 2 MiB as text fields by this line)"), "\(error)")
    }
}
