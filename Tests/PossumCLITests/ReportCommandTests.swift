import Foundation
import Testing

/// `possum train` logs the LOO curve and the picture; `possum report` shows them (issue 14, the
/// report a data scientist would open).
@Suite(.serialized) struct ReportCommandTests {
    static let csv = PossumProcess.repositoryRoot.appendingPathComponent("datasets/possum.csv").path

    /// Trains on the possum table into the store under `dir`; returns the run id.
    func train(_ dir: URL, _ extra: [String]) throws -> String {
        let p = try PossumProcess.run(["train", "--data", Self.csv] + PossumProcess.possumColumns + extra + ["--json"],
                                      in: dir, environment: ["POSSUM_TRACKING_URI": dir.appendingPathComponent("mlruns").path])
        #expect(p.status == 0, "\(p.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(p.stdout.utf8)) as? [String: Any]
        return try #require(report?["run_id"] as? String)
    }

    /// The folder of a run in the store (mlruns/<experiment id>/<run id>).
    func runFolder(_ dir: URL, _ runID: String) throws -> URL {
        let root = dir.appendingPathComponent("mlruns")
        let experiments = try FileManager.default.contentsOfDirectory(atPath: root.path)
        let found = experiments.map { root.appendingPathComponent($0).appendingPathComponent(runID) }
            .first { FileManager.default.fileExists(atPath: $0.path) }
        return try #require(found)
    }

    /// MLflow's metric file: `timestamp value step` lines.
    func history(_ file: URL) throws -> [(value: Double, step: Int)] {
        try String(contentsOf: file, encoding: .utf8).split(separator: "\n").map { line in
            let fields = line.split(separator: " ")
            #expect(fields.count == 3 && Int64(fields[0]) != nil, "\(line)")
            return (try #require(Double(fields[1])), try #require(Int(fields[2])))
        }
    }

    @Test func trainLogsTheLeaveOneOutCurveOneLinePerAlphaAndThePicture() throws {
        let dir = try PossumProcess.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let runID = try train(dir, ["--alphas", "-2:2:9"])
        let run = try runFolder(dir, runID)
        let errors = try history(run.appendingPathComponent("metrics/loo_rmse_by_alpha"))
        let alphas = try history(run.appendingPathComponent("metrics/alpha_grid"))
        #expect(errors.map(\.step) == Array(0..<9) && alphas.map(\.step) == Array(0..<9))
        // Step k is grid point k of logspace(-2, 2, 9): 10^(-2 + k/2).
        for (k, a) in alphas.enumerated() { #expect(abs(a.value / pow(10, -2 + Double(k) / 2) - 1) < 1e-15) }
        // The chosen alpha's LOO RMSE is the curve's minimum, and is the loo_rmse metric.
        let best = try #require(errors.min { $0.value < $1.value })
        let looRMSE = try history(run.appendingPathComponent("metrics/loo_rmse"))
        #expect(looRMSE.map(\.value) == [best.value])
        let picture = try String(contentsOf: run.appendingPathComponent("artifacts/predicted_vs_true.svg"), encoding: .utf8)
        #expect(picture.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\"") && picture.contains("Fitted vs true taill"))
        #expect(picture.components(separatedBy: "<circle").count - 1 == 101)  // one point per training row
    }

    @Test func reportShowsBothRunsCurvesPicturesAndEscapesAHostileRunName() throws {
        let dir = try PossumProcess.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let hostile = "<script>alert('run')</script>"
        let first = try train(dir, ["--run-name", hostile])
        let second = try train(dir, ["--alphas", "-2:3:40", "--solver", "openblas", "--run-name", "wider grid"])
        let out = dir.appendingPathComponent("report.html")
        let p = try PossumProcess.run(["report", "--out", out.path],
                                      in: dir, environment: ["POSSUM_TRACKING_URI": dir.appendingPathComponent("mlruns").path])
        #expect(p.status == 0, "\(p.stderr)")
        let page = try String(contentsOf: out, encoding: .utf8)
        // One curve per run with one vertex per alpha (30 and 40).
        let vertexCounts = page.components(separatedBy: "<polyline class=\"series\"").dropFirst().compactMap { chunk in
            chunk.range(of: "points=\"").map { chunk[$0.upperBound...].prefix { $0 != "\"" }.split(separator: " ").count }
        }
        #expect(vertexCounts.sorted() == [30, 40], "\(vertexCounts)")
        #expect(page.contains(">0.01</text>") && page.contains(">1000</text>"))  // decade ticks of the log axis
        #expect(page.components(separatedBy: "data:image/svg+xml;base64,").count == 3)
        // The legend names the runs with their short ids; the hostile name only as text.
        #expect(page.contains("wider grid (\(second.prefix(8)))"))
        #expect(page.contains("&lt;script&gt;alert(&#39;run&#39;)&lt;/script&gt; (\(first.prefix(8)))"))
        #expect(!page.contains("<script>alert"))
        for column in ["alphas", "solver", "n_<wbr>rows", "loo_<wbr>rmse", "train_<wbr>r2"] { #expect(page.contains(">\(column)</th>"), "\(column)") }
    }
}
