import Foundation

/// Text renderings of a run's state: the per-task table of `dag status` and the failure summary.
public enum RunReport {
    /// One line per task: status, attempts, duration, and the message if any.
    public static func table(_ state: RunState) -> String {
        let width = max(4, state.order.map(\.count).max() ?? 4)
        var lines = ["DAG \(state.dag), run \(state.runID): \(state.status.rawValue)"
            + (state.resumes > 0 ? " (resumed \(state.resumes)×)" : "")
            + ", started \(ISOTime.format(state.createdAt))"]
        lines.append("  " + "task".padding(toLength: width, withPad: " ", startingAt: 0) + "  status     attempts  duration")
        for name in state.order {
            let t = state.tasks[name]!
            let duration = t.durationMs.map(formatMilliseconds) ?? "-"
            var line = "  " + name.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
                + t.status.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0) + "  "
                + String(t.attempts).padding(toLength: 8, withPad: " ", startingAt: 0) + "  " + duration
            if let m = t.message, !t.status.isDone { line += "  (\(m))" }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    /// For each failed task: its exit code, attempts, reason and the last stderr lines; then the
    /// tasks skipped because of it. Empty when nothing failed.
    public static func failureSummary(_ state: RunState, logDirectory: String? = nil) -> String {
        let failed = state.order.filter { state.tasks[$0]!.status == .failed }
        guard !failed.isEmpty else { return "" }
        var lines = ["\(failed.count) task\(failed.count == 1 ? "" : "s") failed in run \(state.runID):"]
        for name in failed {
            let t = state.tasks[name]!
            let code = t.exitCode.map { "exit code \($0)" } ?? "did not run"
            lines.append("  \(name): \(t.message ?? code) [\(code), \(t.attempts) attempt\(t.attempts == 1 ? "" : "s")]")
            if let tail = t.stderrTail, !tail.isEmpty {
                lines.append("    last stderr lines:")
                lines += tail.map { "    | \($0)" }
            }
            if let logDirectory { lines.append("    logs: \(logDirectory)/\(name).err") }
        }
        let skipped = state.order.filter { state.tasks[$0]!.status == .skipped }
        if !skipped.isEmpty { lines.append("  skipped: \(skipped.joined(separator: ", "))") }
        lines.append("resume with: possum dag resume \(state.runID)")
        return lines.joined(separator: "\n")
    }

    /// One line per run for `dag list-runs`.
    public static func listLine(_ state: RunState) -> String {
        let c = state.counts
        let summary = TaskStatus.allCases.compactMap { s in c[s].map { "\($0) \(s.rawValue)" } }.joined(separator: ", ")
        let duration = state.endedAt.map { formatMilliseconds($0.timeIntervalSince(state.createdAt) * 1000) } ?? "-"
        return "\(state.runID)  \(state.dag.padding(toLength: 12, withPad: " ", startingAt: 0))  "
            + "\(state.status.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0))  \(duration.padding(toLength: 8, withPad: " ", startingAt: 0))  \(summary)"
    }
}
