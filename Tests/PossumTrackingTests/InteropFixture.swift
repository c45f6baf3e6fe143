import Foundation
import Testing
@testable import PossumTracking

/// Writes the store that `Tests/interop/check_mlflow.py` reads back through the real MLflow client,
/// plus `expected.json`, everything the client must find. With `POSSUM_INTEROP_DIR` unset it writes
/// to a temp directory, so the fixture's code path runs in every `swift test` too.
@Suite struct InteropFixture {
    @Test func writeStoreForMLflow() throws {
        let dir = ProcessInfo.processInfo.environment["POSSUM_INTEROP_DIR"]
            ?? NSTemporaryDirectory() + "possum-interop-\(UUID().uuidString)"
        let store = try FileTrackingStore(root: dir + "/mlruns")
        let (scaler, ridge, _) = try writeReferencePipeline(store)
        // Values that stress the text formats: NaN/inf metrics, quotes and unicode in tags, a description.
        try store.logMetric(runID: ridge.runID, key: "weird", value: .nan, step: 0, timestamp: 1_700_000_000_000)
        try store.logMetric(runID: ridge.runID, key: "weird", value: .infinity, step: 1, timestamp: 1_700_000_000_001)
        try store.setTag(runID: ridge.runID, key: "note", value: "it's \"possum\" — ü\nsecond line")
        try store.setExperimentTag(experimentID: ridge.experimentID, key: "owner", value: "possum")
        let other = try store.createExperiment(name: "Quotes 'and' colons: yes", tags: [:])
        let killed = try store.startRun(experimentID: other.experimentID, name: "killed run")
        try store.endRun(runID: killed.runID, status: .killed, endTime: nil)

        var runs: [[String: Any]] = []
        for info in [scaler, ridge, killed] {
            let run = try store.run(id: info.runID)
            var metrics: [String: [[String: Any]]] = [:]
            for key in run.metrics.keys {
                metrics[key] = try store.metricHistory(runID: info.runID, key: key).map {
                    ["timestamp": $0.timestamp, "value": $0.value.isFinite ? "\($0.value)" : "\($0.value)", "step": $0.step]
                }
            }
            let artifacts = try store.artifacts(runID: info.runID)
            runs.append([
                "run_id": run.info.runID, "run_name": run.info.runName, "status": run.info.status.name,
                "experiment_id": run.info.experimentID, "start_time": run.info.startTime, "end_time": run.info.endTime as Any,
                "params": run.params, "tags": run.tags, "metrics": metrics,
                "artifact_dir": artifacts.first.map { String($0.split(separator: "/").dropLast().joined(separator: "/")) } as Any,
                "artifacts": artifacts,
            ])
        }
        let name = "Reg_RidgeCV_possums"
        let model = try store.registeredModel(named: name)
        let versions = try store.modelVersions(name: name)
        let expected: [String: Any] = [
            "experiments": try [ridge.experimentID, other.experimentID].map { id -> [String: Any] in
                let e = try store.experiment(id: id)
                return ["name": e.name, "experiment_id": e.experimentID, "tags": e.tags]
            },
            "runs": runs,
            "models": [[
                "name": name, "tags": model.tags, "aliases": model.aliases,
                "versions": versions.map { v -> [String: Any] in
                    ["version": v.version, "current_stage": v.currentStage.rawValue, "source": v.source, "run_id": v.runID as Any, "tags": v.tags]
                },
                "latest_by_stage": Dictionary(uniqueKeysWithValues: versions.map { ($0.currentStage.rawValue, $0.version) }),
            ]],
        ]
        let data = try JSONSerialization.data(withJSONObject: expected, options: [.prettyPrinted, .sortedKeys])
        try data.write(to: URL(fileURLWithPath: dir + "/expected.json"))
        #expect(FileManager.default.fileExists(atPath: dir + "/expected.json"))
    }
}
