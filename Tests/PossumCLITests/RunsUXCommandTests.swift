import Foundation
import Testing

/// Runs you can find and one vocabulary (issue 14): train says its run id, run ids work by prefix,
/// a failed run says why, --out everywhere, --json on every command that prints a result.
@Suite(.serialized) struct RunsUXCommandTests {
    static let csv = PossumProcess.repositoryRoot.appendingPathComponent("datasets/possum.csv").path

    /// A scratch directory with its own tracking store; `possum` expects success.
    struct Session {
        let dir: URL
        var env: [String: String] { ["POSSUM_TRACKING_URI": dir.appendingPathComponent("mlruns").path] }

        init() throws { dir = try PossumProcess.scratch() }
        func cleanup() { try? FileManager.default.removeItem(at: dir) }

        func run(_ args: [String]) throws -> PossumProcess { try PossumProcess.run(args, in: dir, environment: env) }

        @discardableResult
        func possum(_ args: String...) throws -> PossumProcess {
            let p = try run(args)
            #expect(p.status == 0, "possum \(args.joined(separator: " ")): \(p.stderr)")
            return p
        }

        func json(_ args: String...) throws -> Any {
            let p = try run(args)
            #expect(p.status == 0, "possum \(args.joined(separator: " ")): \(p.stderr)")
            return try JSONSerialization.jsonObject(with: Data(p.stdout.utf8))
        }
    }

    @Test func trainPrintsItsRunIDUsableByPrefixWithNameTagsAndExperiment() throws {
        let s = try Session()
        defer { s.cleanup() }
        let trained = try s.possum("train", "--data", Self.csv, "--target", "taill", "--drop", "case", "--categorical", "site,Pop,sex", "--run-name", "first try", "--tag", "team=tails",
                                   "--tag", "note=a=b", "--experiment", "Mine")
        let line = try #require(trained.stderr.split(separator: "\n").first { $0.hasPrefix("run ") })
        #expect(line.hasSuffix("(experiment Mine)"), "\(line)")
        let runID = String(line.split(separator: " ")[1])
        #expect(runID.count == 32 && !trained.stdout.contains(runID))
        let shown = try s.json("runs", "show", String(runID.prefix(6)), "--json") as? [String: Any]
        let info = shown?["info"] as? [String: Any]
        #expect(info?["run_id"] as? String == runID && info?["run_name"] as? String == "first try")
        let tags = shown?["tags"] as? [String: String]
        #expect(tags?["team"] == "tails" && tags?["note"] == "a=b", "\(String(describing: tags))")
        // --json carries the id in the JSON; stderr says nothing more.
        let report = try s.json("train", "--data", Self.csv, "--target", "taill", "--drop", "case", "--categorical", "site,Pop,sex", "--json") as? [String: Any]
        let jsonID = try #require(report?["run_id"] as? String)
        #expect(try s.possum("runs", "show", String(jsonID.prefix(8))).stdout.contains(jsonID))
        // Unknown prefix: one line naming it.
        let none = try s.run(["runs", "show", "xyz"])
        #expect(none.status == 1 && none.stderr == "Error: no run with id starting 'xyz'\n", "\(none.stderr)")
        // compare takes prefixes and shows ids that `runs show` accepts.
        let compared = try s.possum("runs", "compare", String(runID.prefix(7)), String(jsonID.prefix(7))).stdout
        let header = try #require(compared.split(separator: "\n").first.map(String.init))
        let shownIDs = header.split(separator: "(").dropFirst().compactMap { $0.split(separator: ")").first.map(String.init) }
        #expect(shownIDs.count == 2, "\(header)")
        for short in shownIDs { #expect(try s.possum("runs", "show", short).status == 0) }
    }

    @Test func ambiguousPrefixListsTheCandidates() throws {
        let s = try Session()
        defer { s.cleanup() }
        let report = try s.json("train", "--data", Self.csv, "--target", "taill", "--drop", "case", "--categorical", "site,Pop,sex", "--json") as? [String: Any]
        let runID = try #require(report?["run_id"] as? String)
        // A second run whose id differs only in the last digit: copy the run and rename it.
        let experiments = try FileManager.default.contentsOfDirectory(atPath: s.dir.appendingPathComponent("mlruns").path)
        let expDir = try #require(experiments.map { s.dir.appendingPathComponent("mlruns/\($0)") }
            .first { FileManager.default.fileExists(atPath: $0.appendingPathComponent(runID).path) })
        let twin = String(runID.dropLast()) + (runID.hasSuffix("0") ? "1" : "0")
        try FileManager.default.copyItem(at: expDir.appendingPathComponent(runID), to: expDir.appendingPathComponent(twin))
        let meta = expDir.appendingPathComponent("\(twin)/meta.yaml")
        try String(contentsOf: meta, encoding: .utf8).replacingOccurrences(of: runID, with: twin).write(to: meta, atomically: true, encoding: .utf8)
        let prefix = String(runID.prefix(20))
        let ambiguous = try s.run(["runs", "show", prefix])
        #expect(ambiguous.status == 1 && ambiguous.stderr.contains("'\(prefix)' is ambiguous")
                && ambiguous.stderr.contains(runID) && ambiguous.stderr.contains(twin), "\(ambiguous.stderr)")
        #expect(ambiguous.stderr.split(separator: "\n").count == 1)
        #expect(try s.possum("runs", "show", runID).stdout.contains(runID))
        // compare's short ids grow until unique.
        let compared = try s.possum("runs", "compare", runID, twin).stdout
        #expect(compared.contains("(\(String(runID.dropLast())))") || compared.contains("(\(runID))"), "\(compared)")
    }

    @Test func failedRunRecordsTheError() throws {
        let s = try Session()
        defer { s.cleanup() }
        try "a,b\n1,2\n3,4\n".write(to: s.dir.appendingPathComponent("small.csv"), atomically: true, encoding: .utf8)
        let failed = try s.run(["train", "--data", "small.csv", "--target", "nope"])
        #expect(failed.status != 0)
        let error = failed.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        let runs = try s.json("runs", "list", "--json") as? [[String: Any]]
        let run = try #require(runs?.first)
        #expect((run["info"] as? [String: Any])?["status"] as? String == "FAILED")
        let tag = try #require((run["tags"] as? [String: String])?["possum.error"])
        #expect(!tag.isEmpty && error == "Error: \(tag)", "tag \(tag) vs \(error)")
    }

    @Test func outAliasesAndNegativeAlphas() throws {
        let s = try Session()
        defer { s.cleanup() }
        let yaml = "tasks:\n  - {name: a, command: \"echo x > a.txt\", outputs: [a.txt]}\n"
        try yaml.write(to: s.dir.appendingPathComponent("p.yaml"), atomically: true, encoding: .utf8)
        try s.possum("dag", "show", "p.yaml", "--out", "g1.txt")
        try s.possum("dag", "show", "p.yaml", "-o", "g2.txt")
        try s.possum("dag", "show", "p.yaml", "--output", "g3.txt")
        let graphs = try ["g1.txt", "g2.txt", "g3.txt"].map { try String(contentsOf: s.dir.appendingPathComponent($0), encoding: .utf8) }
        #expect(!graphs[0].isEmpty && Set(graphs).count == 1)
        #expect(try s.run(["dag", "show", "p.yaml", "--out", "x", "-o", "y"]).status != 0)
        #expect(try s.possum("dag", "show", "--help").stdout.contains("--output") == false)
        try s.possum("dag", "export", "p.yaml", "--out", "af1.py")
        try s.possum("dag", "export", "p.yaml", "--airflow", "af2.py")
        for f in ["af1.py", "af2.py"] { #expect(FileManager.default.fileExists(atPath: s.dir.appendingPathComponent(f).path)) }
        try s.possum("train", "--data", Self.csv, "--target", "taill", "--drop", "case", "--categorical", "site,Pop,sex", "--no-track", "--alphas", "-3:1:30", "--out", "m1.h5")
        try s.possum("train", "--data", Self.csv, "--target", "taill", "--drop", "case", "--categorical", "site,Pop,sex", "--no-track", "--alphas", "-2:0:5", "--export", "m2.h5")
        for f in ["m1.h5", "m2.h5"] { #expect(FileManager.default.fileExists(atPath: s.dir.appendingPathComponent(f).path)) }
    }

    @Test func everyNewJSONParses() throws {
        let s = try Session()
        defer { s.cleanup() }
        let imported = try s.json("data", "import", Self.csv, "--out", "t.h5", "--json") as? [String: Any]
        #expect(imported?["rows"] as? Int == 104 && imported?["out"] as? String == "t.h5")
        let shown = try s.json("data", "show", "t.h5", "--json") as? [String: Any]
        #expect((shown?["columns"] as? [Any])?.count == 14 && shown?["rows"] as? Int == 104)
        let features = try s.json("features", "--data", "t.h5", "--target", "taill", "--drop", "case", "--categorical", "site,Pop,sex", "--out", "f.h5", "--json") as? [String: Any]
        #expect(features?["rows"] as? Int == 101 && features?["run_id"] is String)
        try s.possum("train", "--features", "f.h5", "--out", "m.h5", "--register", "R", "--stage", "Staging")
        let predicted = try s.json("predict", "--model", "m.h5", "--data", "t.h5", "--out", "p.csv", "--json") as? [String: Any]
        #expect(predicted?["predictions"] as? Int == 101 && predicted?["skipped"] as? Int == 3 && predicted?["r2"] is Double
                && predicted?["rmse"] is Double && predicted?["out"] as? String == "p.csv", "\(String(describing: predicted))")
        #expect(try s.run(["predict", "--model", "m.h5", "--data", "t.h5", "--json"]).status != 0)  // CSV and JSON would mix
        let got = try s.json("models", "get", "R@Staging", "--json") as? [String: Any]
        #expect(got?["artifact_path"] is String)
        let report = try s.json("report", "--out", "r.html", "--json") as? [String: Any]
        #expect(report?["out"] as? String == "r.html")
        try "tasks:\n  - {name: a, command: \"echo x > a.txt\", outputs: [a.txt]}\n"
            .write(to: s.dir.appendingPathComponent("p.yaml"), atomically: true, encoding: .utf8)
        try s.possum("dag", "run", "p.yaml", "--no-track")
        let listed = try s.json("dag", "list-runs", "--json") as? [[String: Any]]
        #expect(listed?.count == 1 && listed?.first?["status"] as? String == "succeeded", "\(String(describing: listed))")
    }
}
