import Foundation
@testable import PossumCLI
import PossumData
import Testing

/// `--delimiter` is part of what a command passes to its readers, not state set around `Possum.main`:
/// a command parsed and run in this process reads with it too.
@Suite struct DelimiterInProcessTests {
    @Test func aCommandRunInProcessReadsWithItsDelimiter() throws {
        let dir = try PossumProcess.scratch(file: "t.csv", contents: "a,b,y\n1,2,3\n4,5,7\n6,1,2\n")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("t.csv").path
        let refusal = DataError(file: path, line: 1,
                                "--delimiter ';' leaves one column, but the first line has 3 fields separated by ',': give --delimiter ',' or leave it out")
        var show = try DataCommand.ShowCommand.parse([path, "--delimiter", ";"])
        #expect(throws: refusal) { try show.run() }
        var train = try TrainCommand.parse(["--data", path, "--target", "y", "--delimiter", ";", "--no-track"])
        #expect(throws: refusal) { try train.run() }
    }
}
