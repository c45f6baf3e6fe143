import Foundation
import Testing

/// Values that overflow: a refusal naming file, line and column before anything is exported,
/// registered or logged as FINISHED; or — where the result is finite — a model possum can read.
@Suite(.serialized) struct OverflowCommandTests {
    /// datasets/possum.csv with `value` in `column` on file line 6 (the fifth data row).
    static func possumCSV(column: String, value: String) throws -> String {
        let text = try String(contentsOf: PossumProcess.repositoryRoot.appendingPathComponent("datasets/possum.csv"), encoding: .utf8)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let header = lines[0].split(separator: ",").map(String.init)
        var fields = lines[5].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        if let k = header.firstIndex(of: column) { fields[k] = value }
        lines[5] = fields.joined(separator: ",")
        return lines.joined(separator: "\n")
    }

    @Test(arguments: ["1e160", "1e300", "-1.7e308"], [false, true])
    func hugeTargetIsRefusedBeforeAnythingIsWritten(value: String, json: Bool) throws {
        let dir = try PossumProcess.scratch(file: "big.csv", contents: try Self.possumCSV(column: "taill", value: value))
        defer { try? FileManager.default.removeItem(at: dir) }
        let p = try PossumProcess.run(["train", "--data", "big.csv", "--tracking-uri", "store", "--export", "m.h5",
                                       "--register", "R", "--stage", "Staging"] + PossumProcess.possumColumns + (json ? ["--json"] : []), in: dir)
        #expect(!p.crashed)
        #expect(p.status == 1)
        #expect(p.stderr.contains("big.csv:6: column 'taill': target \(Double(value) ?? 0) is too large"), "\(p.stderr)")
        #expect(p.stderr.split(separator: "\n").count == 1)
        #expect(p.stdout.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("m.h5").path))
        // The run is FAILED and nothing was registered.
        let runs = try PossumProcess.run(["runs", "list", "--tracking-uri", "store", "--json"], in: dir)
        #expect(runs.stdout.contains("FAILED") && !runs.stdout.contains("FINISHED"), "\(runs.stdout)")
        let registered = try PossumProcess.run(["model", "export", "--registered", "R@Staging", "--tracking-uri", "store", "--out", "r.h5"], in: dir)
        #expect(registered.status != 0)
    }

    @Test func targetNearTheLimitTrainsWithFiniteJSON() throws {
        let dir = try PossumProcess.scratch(file: "big.csv", contents: try Self.possumCSV(column: "taill", value: "1e150"))
        defer { try? FileManager.default.removeItem(at: dir) }
        let p = try PossumProcess.run(["train", "--data", "big.csv", "--no-track", "--json", "--export", "m.h5"] + PossumProcess.possumColumns, in: dir)
        #expect(p.status == 0, "\(p.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(p.stdout.utf8)) as? [String: Any]
        #expect((report?["loo_rmse"] as? Double).map { $0.isFinite } == true)
        let show = try PossumProcess.run(["model", "show", "m.h5", "--json"], in: dir)
        #expect(show.status == 0, "\(show.stderr)")
    }

    /// The issue's case: one feature value of 1.1e199 or 1e308 zeroed the feature (scale inf) and
    /// wrote a model that `model show` and `predict` refused.
    @Test(arguments: ["1.1e199", "1e308"])
    func hugeFeatureValueGivesAModelPossumReads(value: String) throws {
        let dir = try PossumProcess.scratch(file: "big.csv", contents: try Self.possumCSV(column: "age", value: value))
        defer { try? FileManager.default.removeItem(at: dir) }
        let train = try PossumProcess.run(["train", "--data", "big.csv", "--no-track", "--export", "m.h5"] + PossumProcess.possumColumns, in: dir)
        #expect(train.status == 0, "\(train.stderr)")
        let show = try PossumProcess.run(["model", "show", "m.h5"], in: dir)
        #expect(show.status == 0, "\(show.stderr)")
        let predict = try PossumProcess.run(["predict", "--model", "m.h5", "--data", "big.csv"], in: dir)
        #expect(predict.status == 0, "\(predict.stderr)")
        let features = try PossumProcess.run(["features", "--data", "big.csv", "--out", "f.h5", "--no-track"] + PossumProcess.possumColumns, in: dir)
        #expect(features.status == 0, "\(features.stderr)")
        let fromFeatures = try PossumProcess.run(["train", "--features", "f.h5", "--no-track"], in: dir)
        #expect(fromFeatures.status == 0, "\(fromFeatures.stderr)")
    }

    /// Predicting for a row whose value makes the prediction overflow names that row and column;
    /// predictions that are finite but far off give finite (or −inf R²) figures, never a trap or hang.
    @Test func predictionOverflowIsNamedAndHugeErrorsAreReported() throws {
        let dir = try PossumProcess.scratch(file: "p.csv", contents: try Self.possumCSV(column: "eye", value: "1.7e308"))
        defer { try? FileManager.default.removeItem(at: dir) }
        let train = try PossumProcess.run(["train", "--no-track", "--data", PossumProcess.repositoryRoot.appendingPathComponent("datasets/possum.csv").path,
                                           "--export", "m.h5"] + PossumProcess.possumColumns, in: dir)
        #expect(train.status == 0, "\(train.stderr)")
        let far = try PossumProcess.run(["predict", "--model", "m.h5", "--data", "p.csv", "--plot", "p.svg"], in: dir)
        #expect(!far.crashed)
        #expect(far.status == 0 && far.stderr.contains("RMSE = "), "\(far.stderr)")
        // A feature with a small scale (~0.0014): 1e308 standardizes past the largest double.
        let small = "a,b,y\n0.001,1,2\n0.002,3,4\n0.003,2,5\n0.004,5,9\n0.005,4,11\n0.006,6,12\n"
        try small.write(to: dir.appendingPathComponent("small.csv"), atomically: true, encoding: .utf8)
        try "a,b\n0.002,3\n1e308,2\n".write(to: dir.appendingPathComponent("r.csv"), atomically: true, encoding: .utf8)
        let columns = ["--target", "y"]
        let smallTrain = try PossumProcess.run(["train", "--no-track", "--data", "small.csv", "--export", "m.h5"] + columns, in: dir)
        #expect(smallTrain.status == 0, "\(smallTrain.stderr)")
        let overflow = try PossumProcess.run(["predict", "--model", "m.h5", "--data", "r.csv", "--out", "out.csv"], in: dir)
        #expect(!overflow.crashed)
        #expect(overflow.status == 1)
        #expect(overflow.stderr.contains("r.csv:3: column 'a': value 1e+308 is too far outside the training data"), "\(overflow.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("out.csv").path))
    }

    /// Run times at the ends of Int64 (a hand-edited or damaged meta.yaml): the duration column
    /// used to subtract them as Int64 and trap; now it prints a (huge) duration.
    @Test func extremeRunTimesAreListedNotTrappedOn() throws {
        let dir = try PossumProcess.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = PossumProcess.repositoryRoot.appendingPathComponent("datasets/possum.csv").path
        let train = try PossumProcess.run(["train", "--data", data, "--tracking-uri", "store"] + PossumProcess.possumColumns, in: dir)
        #expect(train.status == 0, "\(train.stderr)")
        let experiment = dir.appendingPathComponent("store/0")  // Default
        for run in try FileManager.default.contentsOfDirectory(atPath: experiment.path) where run.count == 32 {
            let meta = experiment.appendingPathComponent(run).appendingPathComponent("meta.yaml")
            let text = try String(contentsOf: meta, encoding: .utf8).split(separator: "\n").map { line in
                line.hasPrefix("start_time:") ? "start_time: -9223372036854775808"
                    : line.hasPrefix("end_time:") ? "end_time: 9223372036854775807" : String(line)
            }
            try (text.joined(separator: "\n") + "\n").write(to: meta, atomically: true, encoding: .utf8)
        }
        let list = try PossumProcess.run(["runs", "list", "--tracking-uri", "store"], in: dir)
        #expect(!list.crashed)
        #expect(list.status == 0, "\(list.stderr)")
        #expect(list.stdout.contains(" h "), "\(list.stdout)")
    }
}
