import Foundation
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
}
