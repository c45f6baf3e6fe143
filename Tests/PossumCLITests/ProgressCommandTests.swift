import Foundation
import Testing

/// Progress on a terminal (under `script`, which gives the command a pseudo-terminal and copies
/// what it draws), and none elsewhere.
@Suite struct ProgressCommandTests {
    static let script = "/usr/bin/script"

    /// A numeric CSV of `rows` rows: over a few import blocks of 4096 rows, so the writing phase
    /// reports with something done (a rate) and something left (an ETA).
    static func bigCSV(rows: Int) -> String {
        var text = "x1,x2,y\n"
        for i in 0..<rows { text += "\(i % 97),\(i % 13).5,\(i % 7)\n" }
        return text
    }

    /// Runs possum under a pseudo-terminal: what the terminal received (stdout and stderr both).
    static func onTerminal(_ arguments: [String], in directory: URL, term: String = "xterm") throws -> (status: Int32, screen: String) {
        let command = ([PossumProcess.executable.path] + arguments).map { "'\($0)'" }.joined(separator: " ")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: script)
        process.arguments = ["-qfec", command, "/dev/null"]
        process.currentDirectoryURL = directory
        var env = ProcessInfo.processInfo.environment
        env["TERM"] = term
        env["POSSUM_TRACKING_URI"] = directory.appendingPathComponent("mlruns").path
        process.environment = env
        let out = Pipe()
        process.standardOutput = out
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: script)))
    func importShowsABarWithRateAndETAOnATerminalOnly() throws {
        let dir = try PossumProcess.scratch(file: "big.csv", contents: Self.bigCSV(rows: 20_000))
        defer { try? FileManager.default.removeItem(at: dir) }

        let shown = try Self.onTerminal(["data", "import", "big.csv", "--out", "t1.h5"], in: dir)
        #expect(shown.status == 0)
        let frames = shown.screen.components(separatedBy: "\r")
        let writing = try #require(frames.first { $0.hasPrefix("writing  [") }, "no progress line in: \(shown.screen.prefix(300))")
        #expect(writing.contains("/20000 rows") && writing.contains(" rows/s") && writing.contains("ETA "))
        #expect(frames.contains { $0.hasPrefix("reading  [") && $0.contains("B/s") && $0.contains("ETA ") })
        // The line is cleared before the command's own output.
        #expect(shown.screen.contains("\r\u{1B}[Kwrote t1.h5: 20000 rows"))

        for (arguments, term) in [(["--quiet"], "xterm"), (["-q"], "xterm"), ([], "dumb")] {
            let quiet = try Self.onTerminal(["data", "import", "big.csv", "--out", "t2.h5"] + arguments, in: dir, term: term)
            #expect(quiet.status == 0)
            #expect(!quiet.screen.contains("rows/s") && !quiet.screen.contains("\u{1B}["), "\(arguments) TERM=\(term)")
            #expect(quiet.screen.contains("wrote t2.h5: 20000 rows"))
        }

        // Standard error a pipe, not a terminal: nothing but the result.
        let piped = try PossumProcess.run(["data", "import", "big.csv", "--out", "t3.h5"], in: dir)
        #expect(piped.status == 0 && piped.stderr.isEmpty)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: script)))
    func trainFeaturesAndPredictShowTheirPhasesOnATerminal() throws {
        let dir = try PossumProcess.scratch(file: "big.csv", contents: Self.bigCSV(rows: 20_000))
        defer { try? FileManager.default.removeItem(at: dir) }
        let trained = try Self.onTerminal(["train", "--data", "big.csv", "--target", "y", "--no-track", "--export", "m.h5"], in: dir)
        #expect(trained.status == 0)
        let frames = trained.screen.components(separatedBy: "\r")
        #expect(frames.contains { $0.hasPrefix("reading  ") && $0.contains(" rows/s") })
        for phase in ["QR  [", "alpha grid  [", "leave-one-out  ["] {
            #expect(frames.contains { $0.hasPrefix(phase) && $0.contains("/s") && $0.contains("ETA ") }, "\(phase)")
        }
        #expect(trained.screen.contains("\r\u{1B}[KRidgeCV on big.csv"))

        let features = try Self.onTerminal(["features", "--data", "big.csv", "--target", "y", "--no-track", "--out", "f.h5"], in: dir)
        #expect(features.status == 0 && features.screen.contains("reading  20000 rows"))
        let predicted = try Self.onTerminal(["predict", "--model", "m.h5", "--data", "big.csv", "--out", "p.csv"], in: dir)
        #expect(predicted.status == 0 && predicted.screen.contains("reading  20000 rows"))

        let quiet = try Self.onTerminal(["train", "--data", "big.csv", "--target", "y", "--no-track", "--quiet"], in: dir)
        #expect(quiet.status == 0 && !quiet.screen.contains("/s ") && !quiet.screen.contains("\u{1B}[K"))
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: script)))
    func dagRunShowsTasksDoneOfTotalOnATerminal() throws {
        let dir = try PossumProcess.scratch(file: "p.yaml", contents: """
            name: demo
            workdir: .
            tasks:
              - name: first
                command: [sh, -c, "echo a > out/a.txt"]
                outputs: [out/a.txt]
              - name: second
                depends_on: [first]
                command: [sh, -c, "cat out/a.txt > out/b.txt"]
                inputs: [out/a.txt]
                outputs: [out/b.txt]
            """)
        defer { try? FileManager.default.removeItem(at: dir) }
        let shown = try Self.onTerminal(["dag", "run", "p.yaml", "--no-track"], in: dir)
        #expect(shown.status == 0)
        let frames = shown.screen.components(separatedBy: "\r")
        #expect(frames.contains { $0.hasPrefix("DAG demo  [") && $0.contains("1/2 tasks") && $0.contains("ETA ") })
        #expect(frames.contains { $0.contains("running first") })
        #expect(frames.contains { $0.contains("2/2 tasks") })
        #expect(shown.screen.contains("\r\u{1B}[KDAG 'demo' succeeded"))

        let quiet = try Self.onTerminal(["dag", "run", "p.yaml", "--no-track", "--force", "first", "--quiet"], in: dir)
        #expect(quiet.status == 0 && !quiet.screen.contains("tasks/s") && !quiet.screen.contains("started"))
        #expect(quiet.screen.contains("DAG 'demo' succeeded"))
    }
}
