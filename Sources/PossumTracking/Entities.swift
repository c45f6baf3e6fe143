/// Tracking entities, mirroring MLflow's (`Experiment`, `RunInfo`, `Metric`, `Run`), with MLflow's
/// snake_case field names in JSON so `--json` output reads like MLflow's REST API.

/// A run's status. The raw values are the integers MLflow stores in `meta.yaml`.
public enum RunStatus: Int, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case running = 1, scheduled = 2, finished = 3, failed = 4, killed = 5

    /// MLflow's name: "RUNNING", "FINISHED", ...
    public var name: String {
        switch self {
        case .running: return "RUNNING"
        case .scheduled: return "SCHEDULED"
        case .finished: return "FINISHED"
        case .failed: return "FAILED"
        case .killed: return "KILLED"
        }
    }

    public var description: String { name }

    /// Parses "FINISHED", "finished", ... .
    public init?(name: String) {
        guard let s = RunStatus.allCases.first(where: { $0.name == name.uppercased() }) else { return nil }
        self = s
    }

    /// Finished, failed and killed runs cannot be logged to.
    public var isTerminal: Bool { self == .finished || self == .failed || self == .killed }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(name)
    }

    public init(from decoder: any Decoder) throws {
        let s = try decoder.singleValueContainer().decode(String.self)
        guard let v = RunStatus(name: s) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "unknown run status \(s)"))
        }
        self = v
    }
}

/// Active or soft-deleted, as in MLflow.
public enum LifecycleStage: String, Sendable, Codable {
    case active, deleted
}

/// An experiment: a named group of runs.
public struct Experiment: Sendable, Codable, Equatable {
    public var experimentID: String
    public var name: String
    /// Where its runs' artifacts live, as a URI (`file:///.../mlruns/1`).
    public var artifactLocation: String
    public var lifecycleStage: LifecycleStage
    /// Milliseconds since the Unix epoch; absent in stores written by old MLflow versions.
    public var creationTime: Int64?
    public var lastUpdateTime: Int64?
    public var tags: [String: String]

    enum CodingKeys: String, CodingKey {
        case experimentID = "experiment_id", name, artifactLocation = "artifact_location"
        case lifecycleStage = "lifecycle_stage", creationTime = "creation_time", lastUpdateTime = "last_update_time", tags
    }
}

/// A run's metadata (its `meta.yaml`), without params, metrics or tags.
public struct RunInfo: Sendable, Codable, Equatable {
    public var runID: String
    public var runName: String
    public var experimentID: String
    public var userID: String
    public var status: RunStatus
    /// Milliseconds since the Unix epoch.
    public var startTime: Int64
    public var endTime: Int64?
    /// `file:///.../mlruns/<exp>/<run>/artifacts`.
    public var artifactURI: String
    public var lifecycleStage: LifecycleStage

    enum CodingKeys: String, CodingKey {
        case runID = "run_id", runName = "run_name", experimentID = "experiment_id", userID = "user_id", status
        case startTime = "start_time", endTime = "end_time", artifactURI = "artifact_uri", lifecycleStage = "lifecycle_stage"
    }
}

/// One logged value of a metric.
public struct Metric: Sendable, Codable, Equatable {
    public var key: String
    public var value: Double
    /// Milliseconds since the Unix epoch.
    public var timestamp: Int64
    public var step: Int64

    /// Now, as a metric's timestamp: milliseconds since the Unix epoch (MLflow's `get_current_time_millis`).
    public static var now: Int64 { ProcessIdentity.nowMillis() }

    public init(key: String, value: Double, timestamp: Int64, step: Int64) {
        (self.key, self.value, self.timestamp, self.step) = (key, value, timestamp, step)
    }

    /// MLflow's "latest" value: the largest (step, timestamp, value).
    static func latest(_ history: [Metric]) -> Metric? {
        history.max { a, b in
            (a.step, a.timestamp) != (b.step, b.timestamp) ? (a.step, a.timestamp) < (b.step, b.timestamp) : a.value < b.value
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(key, forKey: .key)
        // JSON has no NaN/Infinity: write them as strings, as MLflow's REST API does.
        if value.isFinite { try c.encode(value, forKey: .value) } else { try c.encode(String(value), forKey: .value) }
        try c.encode(timestamp, forKey: .timestamp)
        try c.encode(step, forKey: .step)
    }

    enum CodingKeys: String, CodingKey { case key, value, timestamp, step }
}

/// A run with its data: params, the latest value of each metric, and tags.
public struct Run: Sendable, Codable, Equatable {
    public var info: RunInfo
    public var params: [String: String]
    public var metrics: [String: Metric]
    public var tags: [String: String]

    /// The parent run, from the `mlflow.parentRunId` tag.
    public var parentRunID: String? { tags[SystemTag.parentRunID] }
}

/// The tag keys MLflow's UI understands, and possum's own.
public enum SystemTag {
    public static let runName = "mlflow.runName"
    public static let parentRunID = "mlflow.parentRunId"
    public static let user = "mlflow.user"
    public static let sourceName = "mlflow.source.name"
    public static let sourceType = "mlflow.source.type"
    public static let note = "mlflow.note.content"
    /// The pid of the process that started the run, so `gc` can tell a dead run from a live one.
    public static let pid = "possum.pid"
    /// The host that pid lives on.
    public static let host = "possum.host"
    /// The process start time (clock ticks since boot, Linux), which tells a reused pid from ours.
    public static let processStart = "possum.pid_start"
    /// Why `gc` ended a run.
    public static let gcReason = "possum.gc_reason"
}
