import Foundation
import Testing

/// Faults a careless user still met: a tight memory limit, a one-column file of decimal commas,
/// a wrong --delimiter, a text column of mostly numbers given to features.
@Suite struct CarelessInputCommandTests {
    /// `possum ARGS` under `prlimit --as=BYTES`, killed after `seconds` (status 137 then), with
    /// OpenBLAS's own default pool, as a user's shell has it.
    static func runLimited(_ bytes: Int, _ arguments: [String], in directory: URL, seconds: Int = 60) throws -> PossumProcess {
        try PossumProcess.run(
            arguments, in: directory, environment: ["POSSUM_TRACKING_URI": directory.appendingPathComponent("mlruns").path],
            unsetting: ["OPENBLAS_NUM_THREADS"], prefix: ["/usr/bin/timeout", "-s", "KILL", String(seconds), "prlimit", "--as=\(bytes)"])
    }

    /// Under a 250 MB address-space limit every command hung at exit: OpenBLAS, loaded with possum,
    /// started workers whose buffers did not fit. It is now loaded only by a command that calls it,
    /// and a buffer that does not fit is a one-line error.
    @Test func aTightAddressSpaceLimitNeitherHangsNorKills() throws {
        let dir = try PossumProcess.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let csv = PossumProcess.repositoryRoot.appendingPathComponent("datasets/possum.csv").path
        let show = try Self.runLimited(250_000_000, ["data", "show", csv], in: dir)
        #expect(show.status == 0, "\(show.stderr)")
        for limit in [250_000_000, 400_000_000] {
            let p = try Self.runLimited(limit, ["train", "--data", csv, "--solver", "openblas", "--no-track"] + PossumProcess.possumColumns, in: dir)
            #expect(p.status == 0 || (p.status == 1 && p.stderr.split(separator: "\n").count == 1), "exit \(p.status): \(p.stderr)")
        }
    }

    @Test func oneColumnOfDecimalCommas() throws {
        let dir = try PossumProcess.scratch(file: "y.csv", contents: "y\n1,5\n2,25\n")
        defer { try? FileManager.default.removeItem(at: dir) }
        let p = try PossumProcess.run(["data", "show", "y.csv"], in: dir)
        #expect(p.status == 0, "\(p.stderr)")
        #expect(p.stdout.hasPrefix("y.csv: 2 rows × 1 columns (one column, decimal commas)"), "\(p.stdout)")
        #expect(p.stdout.contains("min 1.5  mean 1.875  max 2.25"), "\(p.stdout)")
    }

    @Test func aDelimiterThatLeavesOneColumnIsNamed() throws {
        let dir = try PossumProcess.scratch(file: "t.csv", contents: "a,b,y\n1,2,3\n4,5,7\n6,1,2\n")
        defer { try? FileManager.default.removeItem(at: dir) }
        let wrong = try PossumProcess.run(["train", "--data", "t.csv", "--target", "y", "--delimiter", ";", "--no-track"], in: dir)
        #expect(wrong.status == 1)
        #expect(wrong.stderr == "Error: t.csv:1: --delimiter ';' leaves one column, but the first line has 3 fields separated by ',': give --delimiter ',' or leave it out\n")
        let right = try PossumProcess.run(["data", "show", "t.csv", "--delimiter", ","], in: dir)
        #expect(right.status == 0, "\(right.stderr)")
        let help = try PossumProcess.run(["features", "--help"], in: dir)
        #expect(help.stdout.contains("--delimiter"))
    }

    /// features says what train says of a text column of mostly numbers.
    @Test func featuresNotesATextColumnOfMostlyNumbers() throws {
        let dir = try PossumProcess.scratch(file: "stray.csv", contents: "x,y\n\"1,000.5\",1\n2,2\n3,3\n2,4\n3,5\n2,6\n")
        defer { try? FileManager.default.removeItem(at: dir) }
        let note = "note: stray.csv: column 'x' is text, one-hot encoded as 3 levels, though 5 of its 6 values are numbers; "
            + "the first that is not is on line 2: '1,000.5' (NA marks a missing value; --numeric x names such cells as errors)\n"
        let features = try PossumProcess.run(["features", "--data", "stray.csv", "--target", "y", "--out", "f.h5", "--no-track"], in: dir)
        #expect(features.status == 0, "\(features.stderr)")
        #expect(features.stderr == note, "the note train prints (TrainingJobTests)")
    }
}
