import Foundation
import PossumTracking

/// Logs a DAG run to the experiment tracker: a parent run named after the DAG in experiment
/// `possum-dags`, and one child run per task (`mlflow.parentRunId`), FINISHED or FAILED, with
/// metrics `duration_seconds` and `attempts`.
///
/// The tracker is a record, not a dependency: the first error is reported as a warning and
/// tracking stops for the rest of the run, but the DAG itself goes on.
final class RunTracker {
    static let experimentName = "possum-dags"
    private var store: (any TrackingStore)?
    private var experimentID = ""
    private let warn: (String) -> Void
    private(set) var parentRunID: String?

    init(uri: String?, environment: [String: String], durable: Bool, warn: @escaping (String) -> Void) {
        self.warn = warn
        guard let uri else { return }
        attempt {
            let s = try openTrackingStore(uri: uri, environment: environment, durable: durable)
            experimentID = try s.getOrCreateExperiment(named: Self.experimentName).experimentID
            store = s
        }
    }

    func startParent(dag: String, runID: String, dagFile: String, resumed: Bool) {
        attempt {
            guard let store else { return }
            let info = try store.startRun(experimentID: experimentID, name: dag, parentRunID: nil,
                                          tags: ["possum.dag": dag, "possum.dag_run_id": runID, "possum.dag_file": dagFile,
                                                 "possum.resumed": resumed ? "true" : "false"], startTime: nil)
            parentRunID = info.runID
        }
    }

    /// Starts a task's child run; returns its id.
    func startChild(task: String, runID: String) -> String? {
        var id: String?
        attempt {
            guard let store, let parentRunID else { return }
            id = try store.startRun(experimentID: experimentID, name: task, parentRunID: parentRunID,
                                    tags: ["possum.task": task, "possum.dag_run_id": runID], startTime: nil).runID
        }
        return id
    }

    /// Ends a child run with its outcome and metrics.
    func endChild(_ id: String?, status: TaskStatus, durationSeconds: Double, attempts: Int) {
        attempt {
            guard let store, let id else { return }
            try store.setTag(runID: id, key: "possum.task_status", value: status.rawValue)
            try store.logMetric(runID: id, key: "duration_seconds", value: durationSeconds, step: 0, timestamp: nil)
            try store.logMetric(runID: id, key: "attempts", value: Double(attempts), step: 0, timestamp: nil)
            try store.endRun(runID: id, status: status.isDone ? .finished : .failed, endTime: nil)
        }
    }

    /// Marks runs left RUNNING by a driver that died as KILLED (used on resume).
    func endOrphan(_ id: String?) {
        attempt {
            guard let store, let id, try store.runInfo(id: id).status == .running else { return }
            try store.endRun(runID: id, status: .killed, endTime: nil)
        }
    }

    func endParent(succeeded: Bool, durationSeconds: Double, counts: [TaskStatus: Int]) {
        attempt {
            guard let store, let parentRunID else { return }
            try store.logMetric(runID: parentRunID, key: "duration_seconds", value: durationSeconds, step: 0, timestamp: nil)
            for status in TaskStatus.allCases {
                try store.logMetric(runID: parentRunID, key: "tasks_\(status.rawValue)", value: Double(counts[status] ?? 0), step: 0, timestamp: nil)
            }
            try store.endRun(runID: parentRunID, status: succeeded ? .finished : .failed, endTime: nil)
        }
    }

    private func attempt(_ body: () throws -> Void) {
        do {
            try body()
        } catch {
            warn("tracker: \(error); tracking is off for the rest of this run")
            store = nil
        }
    }
}
