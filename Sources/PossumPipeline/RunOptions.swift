import Foundation
import PossumTracking

/// How to drive a DAG run.
public struct RunOptions: Sendable {
    /// At most this many tasks run at once.
    public var jobs: Int = max(1, ProcessInfo.processInfo.activeProcessorCount)
    /// Rerun these tasks and everything downstream of them, cache or not.
    public var force: [String] = []
    /// Wait for the DAG's lock instead of refusing when another run holds it.
    public var waitForLock = false
    /// What a command's leading `possum` runs: the path of the running possum binary.
    public var possumExecutable: String?
    /// fsync state, cache and tracker writes (the default).
    public var durable = true
    /// fsync tracker writes too. Off by default: the state file is the record a resume relies on;
    /// the tracker is a log, and fsyncing its ~30 small files per run costs more than the run itself.
    public var trackerDurable = false
    /// Seconds between SIGTERM and SIGKILL when a task times out.
    public var killGraceSeconds = 1.0
    /// Where the run is logged: a file store's directory (or `file:` URI) or an MLflow tracking
    /// server's `http(s)://` URI; nil = don't log to a tracker. Tasks inherit it as `POSSUM_TRACKING_URI`.
    public var trackingURI: String?
    /// The environment commands start with (plus POSSUM_* variables naming the run and task).
    public var environment: [String: String] = processEnvironment()

    public init() {}

    /// argv with a leading `possum` replaced by the possum binary.
    func resolvedCommand(_ command: [String]) -> [String] {
        guard command.first == "possum", let exe = possumExecutable else { return command }
        return [exe] + command.dropFirst()
    }
}

/// The absolute path of the running executable (`/proc/self/exe` on Linux), so a pipeline's
/// `possum` tasks run the very binary that runs the pipeline, wherever it was installed.
public func currentExecutablePath() -> String {
    #if os(Linux)
    if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return resolved }
    #endif
    return absolute(CommandLine.arguments[0])
}

extension RunOptions {
    /// The environment of a task's process, in a DAG run and under `possum task run` alike.
    /// `inDagRun`: false for `possum task run`, whose caller (Airflow) keeps its own record, so
    /// tracker writes stay durable there.
    func taskEnvironment(dag: String, task: String, inDagRun: Bool = true) -> [String: String] {
        var env = environment
        env["POSSUM_DAG"] = dag
        env["POSSUM_DAG_TASK"] = task
        // Tasks already run side by side (--jobs); OpenBLAS's own worker threads would compete with
        // them and spin at every process start (≈ 12 ms CPU each). A task may still ask for more.
        if env["OPENBLAS_NUM_THREADS"] == nil { env["OPENBLAS_NUM_THREADS"] = "1" }
        // The tasks' tracker writes follow the driver's: the run's durable record is its state
        // file, and tracker fsyncs (50-70 per possum task) cost more than the task's own work on a
        // busy disk. Writes stay atomic either way; only a power loss could drop recent entries.
        if inDagRun && env["POSSUM_TRACKING_DURABLE"] == nil && !trackerDurable { env["POSSUM_TRACKING_DURABLE"] = "0" }
        if let uri = trackingURI { env[trackingURIEnvironmentVariable] = uri }
        return env
    }
}
