import ArgumentParser
import Foundation
import PossumPipeline
import PossumProgress
import PossumTracking

/// Where `dag run` and `dag resume` send the runner's events: the per-task lines (stdout; stderr
/// with --json, so stdout is the JSON alone; none with --quiet, except warnings), and on a
/// terminal the progress line (tasks done of total, the running tasks' names).
final class DagProgressView: @unchecked Sendable {
    enum LineDestination { case standardOutput, standardError, warningsOnly }

    private let reporter: any ProgressReporter
    private let lines: LineDestination
    private let lock = NSLock()
    // Guarded by `lock`.
    private var done = 0
    private var running: [String] = []

    init(quiet: Bool, json: Bool) {
        reporter = TerminalProgress.standardError(quiet: quiet)
        lines = quiet ? .warningsOnly : json ? .standardError : .standardOutput
    }

    func handle(_ event: ProgressEvent) {
        let (completed, detail): (Int, String) = lock.withLock {
            switch event {
            case .taskStarted(let task, _, _):
                if !running.contains(task) { running.append(task) }
            case .taskCached, .taskSkipped, .taskKept:
                done += 1
            case .taskSucceeded(let task, _), .taskFailed(let task, _, _, _):
                done += 1
                running.removeAll { $0 == task }
            case .runStarted, .taskRetrying, .orphanStopped, .warning:
                break
            }
            return (done, running.isEmpty ? "" : "running " + running.joined(separator: ", "))
        }
        if case let .runStarted(_, dag, count, _) = event {
            reporter.begin("DAG \(dag)", total: count, unit: .items("tasks"))
        }
        // The new state first, so the line redrawn under the log line already says it.
        reporter.update(completed: completed, detail: detail)
        reporter.interleave {
            switch lines {
            case .standardOutput: print(event.line)
            case .standardError: printNote(event.line + "\n")
            case .warningsOnly:
                switch event {
                case .warning, .orphanStopped: printNote(event.line + "\n")
                default: break
                }
            }
        }
    }

    /// Clears the progress line (before the summary, or an error, is printed).
    func finish() { reporter.finish() }
}

/// `dag run --json` / `dag resume --json`: the run as one object.
struct DagRunSummary: Encodable {
    struct Task: Encodable {
        var name: String
        var status: String
        var cached: Bool
        var attempts: Int
        var duration_ms: Double?
        var exit_code: Int32?
        var message: String?
        /// Declared output → SHA-256, for a task that succeeded or was cached.
        var outputs: [String: String]
        var tracker_run_id: String?
    }

    var run_id: String
    var dag: String
    var status: String
    var resumes: Int
    var started_at: String
    var duration_ms: Double
    var tracker_run_id: String?
    var state_file: String
    var log_directory: String
    var tasks: [Task]
    /// Every output the run produced or found cached, with its SHA-256.
    var outputs: [String: String]

    init(_ state: RunState, store: StateStore, milliseconds: Double) {
        run_id = state.runID
        dag = state.dag
        status = state.status.rawValue
        resumes = state.resumes
        started_at = ISO8601DateFormatter().string(from: state.createdAt)
        duration_ms = (milliseconds * 1000).rounded() / 1000
        tracker_run_id = state.trackerRunID
        state_file = store.statePath(dag: state.dag, runID: state.runID)
        log_directory = store.logDirectory(dag: state.dag, runID: state.runID)
        tasks = state.order.compactMap { name in
            guard let t = state.tasks[name] else { return nil }
            return Task(name: name, status: t.status.rawValue, cached: t.status == .cached, attempts: t.attempts,
                        duration_ms: t.durationMs.map { ($0 * 1000).rounded() / 1000 }, exit_code: t.exitCode, message: t.message,
                        outputs: t.outputHashes, tracker_run_id: t.trackerRunID)
        }
        outputs = tasks.reduce(into: [:]) { all, task in all.merge(task.outputs) { first, _ in first } }
    }
}

/// Ends a run's command: the summary (a line, or with `json` the whole run as JSON), the failure
/// summary on stderr, and exit 1 if anything failed.
func finish(_ state: RunState, store: StateStore, started: Date, json: Bool) throws {
    let ms = Date().timeIntervalSince(started) * 1000
    if json {
        print(try TrackingJSON.encode(DagRunSummary(state, store: store, milliseconds: ms)))
    } else {
        let c = state.counts
        let parts = TaskStatus.allCases.compactMap { s in c[s].map { "\($0) \(s.rawValue)" } }
        print("DAG '\(state.dag)' \(state.status.rawValue) in \(Int(exactly: ms.rounded()) ?? 0) ms (\(parts.joined(separator: ", "))), run \(state.runID)")
    }
    if state.status == .failed {
        let summary = RunReport.failureSummary(state, logDirectory: store.logDirectory(dag: state.dag, runID: state.runID))
        printError(summary + "\n")
        throw ExitCode(1)
    }
}
