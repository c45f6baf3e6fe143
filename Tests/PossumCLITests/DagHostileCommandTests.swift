import Foundation
import PossumTestSupport
import Testing

/// `possum dag …` and `possum task run` through the real binary on hostile pipeline files: one
/// line on stderr, exit 1, never a signal, nothing run or created.
@Suite struct DagHostileCommandTests {
    func refusal(_ yaml: String, _ command: [String] = ["dag", "run", "--no-track"]) throws -> (PossumProcess, URL) {
        let dir = try PossumProcess.scratch(file: "p.yaml", contents: yaml)
        let result = try PossumProcess.run(command + ["p.yaml"] + (command.first == "task" ? ["a"] : []), in: dir)
        #expect(!result.crashed && result.status == 1, "\(command): status \(result.status), \(result.stderr.prefix(300))")
        #expect(result.stderr.split(separator: "\n").count == 1, "one line: \(result.stderr.prefix(300))")
        return (result, dir)
    }

    @Test func deepNestingIsAnErrorNotACrash() throws {
        for yaml in ["tasks: " + String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000),
                     "tasks: " + String(repeating: "{", count: 5000)] {
            for command in [["dag", "run", "--no-track"], ["dag", "show"], ["task", "run", "--no-track"]] {
                let (result, dir) = try refusal(yaml, command)
                defer { try? FileManager.default.removeItem(at: dir) }
                #expect(result.stderr.contains("p.yaml:1: nesting deeper than 64 levels"), "\(result.stderr.prefix(300))")
            }
        }
    }

    @Test func aMissingWorkdirRunsNothingAndCreatesNothing() throws {
        let yaml = "workdir: not-here\ntasks:\n  - {name: a, command: \"echo ran > ran.txt\", outputs: [ran.txt]}\n"
        for command in [["dag", "run", "--no-track"], ["task", "run", "--no-track"]] {
            let (result, dir) = try refusal(yaml, command)
            defer { try? FileManager.default.removeItem(at: dir) }
            #expect(result.stderr.contains("workdir ") && result.stderr.contains("not-here does not exist"), "\(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("not-here").path))
        }
    }

    @Test func graphErrorsNameTheFile() throws {
        let (result, dir) = try refusal("tasks:\n  - {name: a, command: [true], depends_on: [a]}\n", ["dag", "show"])
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(result.stderr.hasSuffix("p.yaml: dependency cycle: a → a\n"), "\(result.stderr)")
    }

    /// Airflow stops a task past its `execution_timeout` with SIGTERM to `possum task run`: the
    /// task's processes go with it, a `setsid` child included.
    @Test func terminatingTaskRunStopsTheTasksWholeTree() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/setsid") else { return }
        let dir = try PossumProcess.scratch(file: "p.yaml", contents: """
            tasks:
              - name: a
                command: 'setsid sh -c ''echo $$ > escaped.pid; exec sleep 1000'' & sleep 1000'
            """)
        defer { try? FileManager.default.removeItem(at: dir) }
        let process = Process()
        process.executableURL = PossumProcess.executable
        process.arguments = ["task", "run", "--no-track", "p.yaml", "a"]
        process.currentDirectoryURL = dir
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let pidFile = dir.appendingPathComponent("escaped.pid").path
        // Only a hang guard: the task starts in well under a second, but a loaded host may stall it.
        let deadline = Date().addingTimeInterval(120)
        var text = ""
        while Date() < deadline {
            text = (try? String(contentsOfFile: pidFile, encoding: .utf8)) ?? ""
            if text.hasSuffix("\n") { break }
            usleep(50_000)
        }
        let pid = try #require(Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)))
        process.terminate()
        process.waitUntilExit()
        // A killed process takes a moment to exit (longer under load); a survivor sleeps 1000 s.
        let stopped = waitUntilStopped(pid, seconds: 20)
        #expect(stopped, "the setsid child survived possum task run")
        if !stopped { kill(pid, SIGKILL) }
    }
}
