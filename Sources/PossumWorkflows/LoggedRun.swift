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

    public func params(_ values: [String: String]) throws {
        for (k, v) in values.sorted(by: { $0.key < $1.key }) { try store.logParam(runID: runID, key: k, value: v) }
    }

    public func metrics(_ values: [String: Double]) throws {
        for (k, v) in values.sorted(by: { $0.key < $1.key }) { try store.logMetric(runID: runID, key: k, value: v, step: 0, timestamp: nil) }
    }

    /// Copies `file` into the run's artifacts, under `directory` if given.
    public func artifact(_ file: String, under directory: String?) throws {
        _ = try store.logArtifact(runID: runID, file: file, artifactPath: directory)
    }
}
