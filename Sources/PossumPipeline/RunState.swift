import Foundation

/// Where a task stands within one DAG run.
public enum TaskStatus: String, Codable, Sendable, CaseIterable {
    case pending, running, succeeded, failed, cached, skipped

    /// Finished in a way that lets downstream tasks run (and that resume keeps).
    public var isDone: Bool { self == .succeeded || self == .cached }
}

/// Where the DAG run as a whole stands.
public enum DagRunStatus: String, Codable, Sendable {
    case running, succeeded, failed
}

/// One task's record in a run's state file.
public struct TaskState: Codable, Sendable, Equatable {
    public var status: TaskStatus = .pending
    /// Attempts started so far in this run (0 for cached or never started).
    public var attempts: Int = 0
    public var startedAt: Date?
    public var endedAt: Date?
    public var durationMs: Double?
    public var exitCode: Int32?
    public var timedOut: Bool?
    /// The cache key the task ran (or was found cached) with.
    public var cacheKey: String?
    /// Declared output → SHA-256, recorded only after the task exited 0 and every output existed.
    public var outputHashes: [String: String] = [:]
    /// Why it failed or was skipped, one line.
    public var message: String?
    /// The last lines of stderr of the last failed attempt.
    public var stderrTail: [String]?
    /// The tracker's child run for this task.
    public var trackerRunID: String?
    /// The attempt's process while the task runs (cleared when it ends): what `dag resume` stops
    /// if the driver died meanwhile (see `OrphanReaper`).
    public var process: TaskProcess?

    public init() {}
}

/// The persisted state of one DAG run: `.possum/dags/<dag>/runs/<run-id>/state.json`.
public struct RunState: Codable, Sendable, Equatable {
    public static let currentFormat = 1
    public var format: Int = RunState.currentFormat
    public var runID: String
    public var dag: String
    /// The YAML file (absolute); resume reloads the DAG from it.
    public var dagFile: String
    public var workdir: String
    public var status: DagRunStatus = .running
    public var createdAt: Date
    public var updatedAt: Date
    public var endedAt: Date?
    public var jobs: Int
    /// Tasks named with --force (their downstream was forced too).
    public var forced: [String] = []
    /// The process currently (or last) driving the run.
    public var pid: Int32
    /// How many times this run was resumed.
    public var resumes: Int = 0
    /// The tracker's parent run for the latest driving process.
    public var trackerRunID: String?
    /// Task names in topological order (the order `status` prints).
    public var order: [String]
    public var tasks: [String: TaskState]

    public init(runID: String, dag: String, dagFile: String, workdir: String, jobs: Int, order: [String], now: Date = Date()) {
        self.runID = runID
        self.dag = dag
        self.dagFile = dagFile
        self.workdir = workdir
        self.createdAt = now
        self.updatedAt = now
        self.jobs = jobs
        self.pid = getpid()
        self.order = order
        self.tasks = Dictionary(uniqueKeysWithValues: order.map { ($0, TaskState()) })
    }

    /// Count of tasks per status, for summaries.
    public var counts: [TaskStatus: Int] {
        var c: [TaskStatus: Int] = [:]
        for t in tasks.values { c[t.status, default: 0] += 1 }
        return c
    }

    /// A fresh, sortable, unique run id: UTC time to the second plus 6 random hex digits.
    public static func newRunID(now: Date = Date()) -> String {
        return ISOTime.compact(now) + "-" + String(format: "%06x", UInt32.random(in: 0..<(1 << 24)))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
