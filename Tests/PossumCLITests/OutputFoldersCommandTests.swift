import Foundation
import Testing

/// Every command that writes an output file creates its missing folders, the same way; a file in
/// the way is a one-line refusal that creates nothing. And `dag run --json` / `dag resume --json`.
@Suite struct OutputFoldersCommandTests {
    static let csv = PossumProcess.repositoryRoot.appendingPathComponent("datasets/possum.csv").path

    @Test func everyOutputGoesIntoANotYetExistingNestedFolder() throws {
        let dir = try PossumProcess.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.copyItem(atPath: Self.csv, toPath: dir.appendingPathComponent("p.csv").path)
        try "1,2\n3,4\n5,7\n".write(to: dir.appendingPathComponent("A.csv"), atomically: true, encoding: .utf8)
        try "1\n2\n3\n".write(to: dir.appendingPathComponent("b.csv"), atomically: true, encoding: .utf8)
        try """
            name: tiny
            workdir: .
            tasks:
              - name: only
                command: [sh, -c, "echo hi > new/deep/o.txt"]
                outputs: [new/deep/o.txt]
            """.write(to: dir.appendingPathComponent("p.yaml"), atomically: true, encoding: .utf8)
        let store = ["--tracking-uri", dir.appendingPathComponent("store").path]
        let commands: [(arguments: [String], outputs: [String])] = [
            (["data", "import", "p.csv", "--out", "d1/a/t.h5"], ["d1/a/t.h5"]),
            (["features", "--data", "p.csv", "--out", "d2/a/f.h5", "--no-track"] + PossumProcess.possumColumns, ["d2/a/f.h5"]),
            (["train", "--data", "p.csv", "--export", "d3/a/m.h5"] + store + PossumProcess.possumColumns, ["d3/a/m.h5"]),
            (["predict", "--model", "d3/a/m.h5", "--data", "p.csv", "--out", "d4/a/p.csv", "--plot", "d5/a/p.svg"], ["d4/a/p.csv", "d5/a/p.svg"]),
            (["model", "export", "--data", "p.csv", "--out", "d6/a/m.h5"] + PossumProcess.possumColumns, ["d6/a/m.h5"]),
            (["lstsq", "A.csv", "b.csv", "--out", "d7/a/x.csv"], ["d7/a/x.csv"]),
            (["report", "--out", "d8/a/r.html"] + store, ["d8/a/r.html"]),
            (["dag", "export", "p.yaml", "--airflow", "d9/a/dag.py"], ["d9/a/dag.py"]),
            (["dag", "show", "p.yaml", "--format", "dot", "--out", "d10/a/g.dot"], ["d10/a/g.dot"]),
            (["dag", "run", "p.yaml", "--no-track"], ["new/deep/o.txt"]),
        ]
        for (arguments, outputs) in commands {
            let p = try PossumProcess.run(arguments, in: dir)
            #expect(p.status == 0, "possum \(arguments.joined(separator: " ")): \(p.stderr)")
            for output in outputs {
                #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent(output).path), "\(output)")
            }
        }
    }

    @Test func aFileWhereAFolderShouldBeIsOneLineAndCreatesNothing() throws {
        let dir = try PossumProcess.scratch(file: "taken", contents: "keep")
        defer { try? FileManager.default.removeItem(at: dir) }
        try "1,2\n3,4\n5,7\n".write(to: dir.appendingPathComponent("A.csv"), atomically: true, encoding: .utf8)
        try "1\n2\n3\n".write(to: dir.appendingPathComponent("b.csv"), atomically: true, encoding: .utf8)
        let before = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        let p = try PossumProcess.run(["lstsq", "A.csv", "b.csv", "--out", "taken/sub/x.csv"], in: dir)
        #expect(p.status == 1)
        #expect(p.stderr == "Error: taken/sub/x.csv: cannot create its folder: taken is a regular file, not a directory\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == before)
        #expect(try String(contentsOf: dir.appendingPathComponent("taken"), encoding: .utf8) == "keep")
    }

    @Test func aTaskWhoseOutputFolderIsBlockedFailsWithTheReason() throws {
        let dir = try PossumProcess.scratch(file: "p.yaml", contents: """
            name: blocked
            workdir: .
            tasks:
              - name: write
                command: [sh, -c, "echo hi > taken/o.txt"]
                outputs: [taken/o.txt]
            """)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "keep".write(to: dir.appendingPathComponent("taken"), atomically: true, encoding: .utf8)
        let p = try PossumProcess.run(["dag", "run", "p.yaml", "--no-track"], in: dir)
        #expect(p.status == 1)
        let reason = "output 'taken/o.txt': cannot create its folder: \(dir.path)/taken is a regular file, not a directory"
        #expect(p.stdout.contains("✗ write failed: \(reason)"))
        #expect(p.stderr.contains("write: \(reason) [did not run, 0 attempts]"))
        #expect(!p.stderr.contains("Error:"), "the failure summary says it all")
        #expect(try String(contentsOf: dir.appendingPathComponent("taken"), encoding: .utf8) == "keep")
    }

    struct Summary: Decodable {
        struct Task: Decodable {
            var name: String
            var status: String
            var cached: Bool
            var attempts: Int
            var duration_ms: Double?
            var outputs: [String: String]
        }
        var run_id: String
        var dag: String
        var status: String
        var resumes: Int
        var tasks: [Task]
        var outputs: [String: String]
    }

    @Test func dagRunAndResumeJSONSummarizeTheRun() throws {
        let dir = try PossumProcess.scratch(file: "p.yaml", contents: """
            name: j
            workdir: .
            tasks:
              - name: make
                command: [sh, -c, "echo x > out/x.txt"]
                outputs: [out/x.txt]
              - name: gate
                depends_on: [make]
                command: [sh, -c, "test -f allow && cp out/x.txt out/y.txt"]
                inputs: [out/x.txt]
                outputs: [out/y.txt]
                retries: 0
            """)
        defer { try? FileManager.default.removeItem(at: dir) }
        let failed = try PossumProcess.run(["dag", "run", "p.yaml", "--no-track", "--json"], in: dir)
        #expect(failed.status == 1)
        let first = try JSONDecoder().decode(Summary.self, from: Data(failed.stdout.utf8))
        #expect(first.dag == "j" && first.status == "failed" && first.resumes == 0)
        #expect(first.tasks.map(\.name) == ["make", "gate"] && first.tasks.map(\.status) == ["succeeded", "failed"])
        #expect(first.tasks[0].attempts == 1 && !first.tasks[0].cached && first.tasks[0].duration_ms != nil)
        #expect(first.outputs.keys.sorted() == ["out/x.txt"])
        #expect(failed.stderr.contains("started"), "task lines go to stderr with --json")

        try "".write(to: dir.appendingPathComponent("allow"), atomically: true, encoding: .utf8)
        let resumed = try PossumProcess.run(["dag", "resume", first.run_id, "--no-track", "--json"], in: dir)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let second = try JSONDecoder().decode(Summary.self, from: Data(resumed.stdout.utf8))
        #expect(second.run_id == first.run_id && second.status == "succeeded" && second.resumes == 1)
        #expect(second.outputs.keys.sorted() == ["out/x.txt", "out/y.txt"])

        let cached = try PossumProcess.run(["dag", "run", "p.yaml", "--no-track", "--json", "--quiet"], in: dir)
        let third = try JSONDecoder().decode(Summary.self, from: Data(cached.stdout.utf8))
        #expect(third.tasks.allSatisfy { $0.cached && $0.status == "cached" } && cached.stderr.isEmpty)
    }
}
