#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A tracking backend: experiments, runs and the model registry.
///
/// Two backends: `FileTrackingStore` (MLflow's file store layout in a directory, the default) and
/// `RESTTrackingStore` (an MLflow tracking server), chosen by URI scheme in `TrackingLocation`. Queries, comparison and
/// model-reference resolution are written once, as extensions over this protocol (`RunQueries.swift`).
/// Times are milliseconds since the Unix epoch, as in MLflow.
public protocol TrackingStore: Sendable {
    /// Where the store is, for messages (`/work/mlruns`).
    var location: String { get }

    // MARK: Experiments

    /// Creates an experiment; throws `alreadyExists` if the name is taken.
    func createExperiment(name: String, tags: [String: String]) throws -> Experiment
    /// The experiment with this name, created if missing (race-free between processes).
    func getOrCreateExperiment(named name: String) throws -> Experiment
    func experiment(id: String) throws -> Experiment
    func experiment(named name: String) throws -> Experiment?
    /// Active experiments, oldest first.
    func experiments() throws -> [Experiment]
    func setExperimentTag(experimentID: String, key: String, value: String) throws

    // MARK: Runs

    /// Starts a RUNNING run. `name` defaults to a generated one; `parentRunID` sets
    /// `mlflow.parentRunId`. Records user, source, pid and host tags (see `SystemTag`).
    func startRun(experimentID: String, name: String?, parentRunID: String?, tags: [String: String], startTime: Int64?) throws -> RunInfo
    /// Sets the final status and end time.
    @discardableResult
    func endRun(runID: String, status: RunStatus, endTime: Int64?) throws -> RunInfo
    /// Params are immutable, as in MLflow: logging the same key again with another value throws.
    func logParam(runID: String, key: String, value: String) throws
    /// Appends one value to the metric's history (`timestamp` defaults to now).
    func logMetric(runID: String, key: String, value: Double, step: Int64, timestamp: Int64?) throws
    func setTag(runID: String, key: String, value: String) throws
    /// Params, metric values and tags in one call (a tracking server's `runs/log-batch`); the file
    /// store logs them one by one.
    func logBatch(runID: String, params: [String: String], metrics: [Metric], tags: [String: String]) throws
    /// Copies a file into the run's artifacts (under `artifactPath`, a relative directory, if given);
    /// returns the stored file's path.
    @discardableResult
    func logArtifact(runID: String, file: String, artifactPath: String?) throws -> String
    /// Several files at once (each under its own `artifactPath`), in order; returns the stored
    /// files' paths. A tracking server checks the run once for all of them, not once per file.
    @discardableResult
    func logArtifacts(runID: String, _ files: [ArtifactFile]) throws -> [String]
    func runInfo(id: String) throws -> RunInfo
    /// The run with all params, the latest value of each metric, and all tags.
    func run(id: String) throws -> Run
    /// The id of every run in the active experiments (any status or lifecycle stage), unsorted:
    /// what a run-id prefix is matched against (`resolveRunID`).
    func runIDs() throws -> [String]
    /// Every logged value of a metric, in the order logged.
    func metricHistory(runID: String, key: String) throws -> [Metric]
    /// The run's artifact files, as paths relative to its artifact directory, sorted.
    func artifacts(runID: String) throws -> [String]
    /// The local directory holding the run's artifacts.
    func artifactDirectory(runID: String) throws -> String
    /// One artifact file's bytes (`path` relative to the run's artifacts), nil when the run has no
    /// such file; a file larger than `limit` bytes is an error rather than read whole.
    func artifactBytes(runID: String, path: String, limit: Int) throws -> [UInt8]?
    /// Runs of the given experiments matching `filter`, sorted by `orderBy` (then newest first),
    /// at most `maxResults`. Only the fields in `include` are loaded into each `Run`.
    func searchRuns(experimentIDs: [String], filter: RunFilter?, orderBy: [RunOrder], maxResults: Int?, include: RunDataSelection) throws -> [Run]

    // MARK: Model registry

    func createRegisteredModel(name: String, tags: [String: String], description: String?) throws -> RegisteredModel
    func registeredModel(named name: String) throws -> RegisteredModel
    func registeredModels() throws -> [RegisteredModel]
    func setRegisteredModelTag(name: String, key: String, value: String) throws
    /// Registers a new version (numbered max + 1) in stage None.
    func createModelVersion(name: String, source: String, runID: String?, tags: [String: String], description: String?) throws -> ModelVersion
    func modelVersion(name: String, version: Int) throws -> ModelVersion
    /// All versions, oldest first.
    func modelVersions(name: String) throws -> [ModelVersion]
    func setModelVersionTag(name: String, version: Int, key: String, value: String) throws
    /// Moves a version to `stage`. With `archiveExistingVersions` (allowed only for Staging and
    /// Production) every other version in that stage moves to Archived, as in MLflow.
    @discardableResult
    func transitionModelVersionStage(name: String, version: Int, stage: ModelStage, archiveExistingVersions: Bool) throws -> ModelVersion
    func setRegisteredModelAlias(name: String, alias: String, version: Int) throws
    func deleteRegisteredModelAlias(name: String, alias: String) throws
    /// A local path for a model version's `source` (a `file:` URI, a path, or `runs:/<id>/<path>`).
    func localPath(forModelSource source: String) throws -> String

    // MARK: Maintenance

    /// Ends RUNNING runs whose process is gone, and lists (with `repair`, repairs) damaged runs
    /// (see `GarbageCollection.swift`).
    func collectGarbage(markAs status: RunStatus, dryRun: Bool, repair: Bool) throws -> [GCOutcome]
}

/// Which params/metrics/tags `searchRuns` loads into each result.
public enum RunDataSelection: Sendable, Equatable {
    /// Everything (what `runs show` and `compare` need).
    case all
    /// Only these keys (what a `runs list` table needs: its columns, the sort key, the filter keys).
    case keys(metrics: [String], params: [String], tags: [String])

    public static let infoOnly = RunDataSelection.keys(metrics: [], params: [], tags: [])
}

extension TrackingStore {
    public func logBatch(runID: String, params: [String: String], metrics: [Metric], tags: [String: String]) throws {
        for (key, value) in params.sorted(by: { $0.key < $1.key }) { try logParam(runID: runID, key: key, value: value) }
        for m in metrics { try logMetric(runID: runID, key: m.key, value: m.value, step: m.step, timestamp: m.timestamp) }
        for (key, value) in tags.sorted(by: { $0.key < $1.key }) { try setTag(runID: runID, key: key, value: value) }
    }

    @discardableResult
    public func logArtifacts(runID: String, _ files: [ArtifactFile]) throws -> [String] {
        try files.map { try logArtifact(runID: runID, file: $0.file, artifactPath: $0.artifactPath) }
    }

    public func startRun(experimentID: String, name: String? = nil, parentRunID: String? = nil) throws -> RunInfo {
        try startRun(experimentID: experimentID, name: name, parentRunID: parentRunID, tags: [:], startTime: nil)
    }

    public func logMetric(runID: String, key: String, value: Double, step: Int64 = 0) throws {
        try logMetric(runID: runID, key: key, value: value, step: step, timestamp: nil)
    }

    public func createRegisteredModel(name: String, tags: [String: String] = [:]) throws -> RegisteredModel {
        try createRegisteredModel(name: name, tags: tags, description: nil)
    }
}

/// A local file to copy into a run's artifacts, under `artifactPath` (a relative directory) if given.
public struct ArtifactFile: Equatable, Sendable {
    public var file: String
    public var artifactPath: String?

    public init(_ file: String, under artifactPath: String? = nil) {
        self.file = file
        self.artifactPath = artifactPath
    }
}

// MARK: - Choosing a store

/// The environment variable that overrides the default store location.
public let trackingURIEnvironmentVariable = "POSSUM_TRACKING_URI"
/// MLflow's own variable, used when possum's is unset.
public let mlflowTrackingURIEnvironmentVariable = "MLFLOW_TRACKING_URI"

/// Where runs are logged, by the tracking URI's scheme: a plain path or `file:` URI is the file store,
/// `http://` / `https://` an MLflow tracking server. Anything else (`sqlite:`, `databricks`,
/// `postgresql:`) is refused with one line naming what is supported.
public enum TrackingLocation: Equatable, Sendable {
    case directory(String)
    case server(String)

    /// An explicit `uri` wins, then `$POSSUM_TRACKING_URI`, then `$MLFLOW_TRACKING_URI`, then `./mlruns`.
    public init(uri: String?, environment: [String: String]) throws {
        func nonEmpty(_ key: String) -> String? { environment[key].flatMap { $0.isEmpty ? nil : $0 } }
        let chosen = uri ?? nonEmpty(trackingURIEnvironmentVariable) ?? nonEmpty(mlflowTrackingURIEnvironmentVariable) ?? "mlruns"
        let lower = chosen.lowercased()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") {
            self = .server(chosen)
        } else if lower == "databricks" || lower.hasPrefix("databricks:") || lower.hasPrefix("databricks-uc") {
            throw TrackingError.unsupportedURI(chosen)
        } else {
            do { self = .directory(absolutePath(try pathFromURIOrPath(chosen))) } catch TrackingError.unsupportedURI {
                throw TrackingError.unsupportedURI(redactingUserInfo(chosen))  // postgresql://user:secret@host
            }
        }
    }

    /// Opens the store (a file store is created when missing only with `create`).
    public func open(environment: [String: String], durable: Bool = true, create: Bool = false) throws -> any TrackingStore {
        switch self {
        case let .directory(path): return try FileTrackingStore(root: path, durable: durable, create: create)
        case let .server(uri): return try RESTTrackingStore(uri: uri, environment: environment)
        }
    }
}

/// Opens the store named by `uri` (see `TrackingLocation`), creating a file store if missing.
public func openTrackingStore(uri: String? = nil, environment: [String: String] = processEnvironment(),
                              durable: Bool = true) throws -> any TrackingStore {
    try TrackingLocation(uri: uri, environment: environment).open(environment: environment, durable: durable, create: true)
}

/// The current process environment (a function so tests can pass their own dictionary instead).
public func processEnvironment() -> [String: String] {
    var env: [String: String] = [:]
    var p = environ
    while let entry = p.pointee {
        let s = String(cString: entry)
        if let eq = s.firstIndex(of: "=") { env[String(s[..<eq])] = String(s[s.index(after: eq)...]) }
        p += 1
    }
    return env
}

/// A plain path, or the path inside a `file:` URI (percent-decoded). Other schemes are refused;
/// a Windows-style drive letter is not a scheme we expect on Linux, so single letters are refused too.
func pathFromURIOrPath(_ uri: String) throws -> String {
    if uri.hasPrefix("file:") {
        var rest = Substring(uri.dropFirst(5))
        if rest.hasPrefix("//") {
            rest = rest.dropFirst(2)
            // file://host/path: only an empty host or localhost is local.
            let slash = rest.firstIndex(of: "/") ?? rest.endIndex
            let host = rest[..<slash]
            guard host.isEmpty || host == "localhost" else { throw TrackingError.unsupportedURI(uri) }
            rest = rest[slash...]
        }
        guard let decoded = percentDecode(String(rest)), !decoded.isEmpty else { throw TrackingError.unsupportedURI(uri) }
        return decoded
    }
    if let colon = uri.firstIndex(of: ":"), let slash = uri.firstIndex(of: "/") ?? Optional(uri.endIndex), colon < slash {
        let scheme = uri[..<colon]
        if !scheme.isEmpty && scheme.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == "." }) {
            throw TrackingError.unsupportedURI(uri)
        }
    }
    return uri
}

/// `file://` + the percent-encoded absolute path, as Python's `pathlib.Path.as_uri()` (which MLflow
/// uses for `artifact_location`) writes it: everything but `A-Za-z0-9_.-~/` is escaped.
func fileURI(forPath path: String) -> String {
    var out = "file://"
    for byte in absolutePath(path).utf8 {
        let c = Character(Unicode.Scalar(byte))
        if (byte < 0x80) && (c.isLetter || c.isNumber || "_.-~/".contains(c)) {
            out.append(c)
        } else {
            out += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
        }
    }
    return out
}

func percentDecode(_ s: String) -> String? {
    var bytes: [UInt8] = []
    var it = Array(s.utf8)[...]
    while let b = it.first {
        it = it.dropFirst()
        if b == UInt8(ascii: "%") {
            guard it.count >= 2, let v = UInt8(String(decoding: it.prefix(2), as: UTF8.self), radix: 16) else { return nil }
            bytes.append(v)
            it = it.dropFirst(2)
        } else {
            bytes.append(b)
        }
    }
    return String(validating: bytes, as: UTF8.self)
}

/// An absolute, lexically normalised path (no `.`, `..` or repeated `/`), without touching the disk.
func absolutePath(_ path: String) -> String {
    var full = path
    if !path.hasPrefix("/") {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let cwd = getcwd(&buffer, buffer.count).map { _ in stringFromCBuffer(buffer) } ?? "."
        full = cwd + "/" + path
    }
    var parts: [Substring] = []
    for part in full.split(separator: "/", omittingEmptySubsequences: true) {
        if part == "." { continue }
        if part == ".." { if !parts.isEmpty { parts.removeLast() }; continue }
        parts.append(part)
    }
    return "/" + parts.joined(separator: "/")
}
