import Foundation
import PossumFiles
import PossumTracking

/// The tag a failed run carries: the error's one-line message (MLflow has no standard key for it).
public let runErrorTag = "possum.error"

/// A run being logged in a tracking store: what the jobs' `log` methods write params, metrics and
/// artifacts to. `LoggedRun.run` starts one, and ends it FINISHED or FAILED (tagged with why).
public struct LoggedRun {
    public let store: any TrackingStore
    public let runID: String
    public let experimentName: String

    public init(store: any TrackingStore, runID: String, experimentName: String) {
        (self.store, self.runID, self.experimentName) = (store, runID, experimentName)
    }

    /// Starts a run named `name` in `experiment` (created if missing), calls `body` with it, and ends
    /// it FINISHED when `body` returns, FAILED when it throws, tagged `possum.error` with the error as
    /// `describe` words it (one line).
    public static func run<R>(in store: any TrackingStore, experiment: String, name: String, tags extraTags: [String: String] = [:],
                              parentRunID: String? = nil, describe: (any Error) -> String = { "\($0)" },
                              _ body: (LoggedRun) throws -> R) throws -> R {
        let experiment = try store.getOrCreateExperiment(named: experiment)
        var tags = ["mlflow.source.name": "possum", "mlflow.source.type": "LOCAL"]
        tags.merge(extraTags) { $1 }
        let info = try store.startRun(experimentID: experiment.experimentID, name: name,
                                      parentRunID: parentRunID, tags: tags, startTime: nil)
        let run = LoggedRun(store: store, runID: info.runID, experimentName: experiment.name)
        do {
            let result = try body(run)
            _ = try store.endRun(runID: info.runID, status: .finished, endTime: nil)
            return result
        } catch {
            // The one place a logged run fails, so every failure says why. Best effort: the
            // error being reported matters more than a tag that could not be written.
            let reason = describe(error)
            try? store.setTag(runID: info.runID, key: runErrorTag,
                              value: messageText(reason.isEmpty ? "\(type(of: error))" : reason, limit: 1000))
            _ = try? store.endRun(runID: info.runID, status: .failed, endTime: nil)
            throw error
        }
    }

    /// `run 3f2a…  (experiment Default)`: what a command that logged a run says about it.
    public var summaryLine: String { "run \(runID)  (experiment \(messageText(experimentName, limit: 100)))" }

    /// One batch: one request to a tracking server.
    public func params(_ values: [String: String]) throws {
        try store.logBatch(runID: runID, params: values, metrics: [], tags: [:])
    }

    /// One batch (one request to a tracking server), all values stamped with the same time.
    public func metrics(_ values: [String: Double]) throws {
        let now = Metric.now
        try log(values.sorted(by: { $0.key < $1.key }).map { Metric(key: $0.key, value: $0.value, timestamp: now, step: 0) })
    }

    /// Metric values with their own steps (histories), in one batch.
    public func log(_ metrics: [Metric]) throws {
        try store.logBatch(runID: runID, params: [:], metrics: metrics, tags: [:])
    }

    /// Copies the files into the run's artifacts in one call (one check of the run on a server).
    public func artifacts(_ files: [ArtifactFile]) throws {
        _ = try store.logArtifacts(runID: runID, files)
    }
}
