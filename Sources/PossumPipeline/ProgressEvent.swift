/// What the runner reports as it goes; the CLI turns each into one progress line.
public enum ProgressEvent: Sendable, Equatable {
    case runStarted(runID: String, dag: String, taskCount: Int, resumed: Bool)
    case taskStarted(task: String, attempt: Int, of: Int)
    case taskRetrying(task: String, nextAttempt: Int, delaySeconds: Double, reason: String)
    case taskCached(task: String)
    case taskSucceeded(task: String, milliseconds: Double)
    case taskFailed(task: String, exitCode: Int32?, attempts: Int, message: String)
    case taskSkipped(task: String, reason: String)
    case taskKept(task: String, status: TaskStatus)
    /// `dag resume` stopped a process its killed driver had left running.
    case orphanStopped(task: String?, pid: Int32)
    case warning(String)
}

extension ProgressEvent {
    /// The line the CLI prints for this event.
    public var line: String {
        switch self {
        case let .runStarted(runID, dag, count, resumed):
            return "\(resumed ? "resuming" : "running") DAG '\(dag)' (\(count) task\(count == 1 ? "" : "s")), run \(runID)"
        case let .taskStarted(task, attempt, of):
            return "  ▶ \(task) started" + (attempt > 1 ? " (attempt \(attempt) of \(of))" : "")
        case let .taskRetrying(task, next, delay, reason):
            return "  ↻ \(task) \(reason); retrying in \(formatSeconds(delay)) (attempt \(next))"
        case let .taskCached(task):
            return "  • \(task) cached"
        case let .taskSucceeded(task, ms):
            return "  ✓ \(task) done in \(formatMilliseconds(ms))"
        case let .taskFailed(task, _, attempts, message):
            return "  ✗ \(task) failed: \(message)" + (attempts > 1 ? " (after \(attempts) attempts)" : "")
        case let .taskSkipped(task, reason):
            return "  - \(task) skipped: \(reason)"
        case let .taskKept(task, status):
            return "  = \(task) already \(status.rawValue)"
        case let .orphanStopped(task, pid):
            return "  ⨯ stopped process \(pid)" + (task.map { " of task '\($0)'" } ?? "") + ", left running by the killed run"
        case let .warning(message):
            return "warning: \(message)"
        }
    }
}

/// Total on every Double (a duration computed from a clock that jumped may be anything).
func formatMilliseconds(_ ms: Double) -> String {
    if ms < 10_000, let whole = Int(exactly: ms.rounded()) { return "\(whole) ms" }
    return formatSeconds(ms / 1000)
}

func formatSeconds(_ s: Double) -> String {
    s < 10 ? String(format: "%.2f s", s) : String(format: "%.0f s", s)
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
