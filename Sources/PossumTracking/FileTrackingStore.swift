import PossumFiles
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
/// A tracking store in a directory, laid out exactly as MLflow's `FileStore` lays out `mlruns/`, so
/// that `mlflow ui --backend-store-uri ./mlruns` and `mlflow.MlflowClient` read what possum writes:
///
///     mlruns/
///       .trash/                          (soft-deleted experiments; created as MLflow does)
///       .possum.lock                     (our flock file; a file, so MLflow ignores it)
///       0/meta.yaml                      (the Default experiment)
///       <exp_id>/meta.yaml               artifact_location, creation_time, experiment_id, ...
///       <exp_id>/tags/<key>
///       <exp_id>/<run_id>/meta.yaml      artifact_uri, end_time, status (1..5), ...
///       <exp_id>/<run_id>/params/<key>   the value, no newline
///       <exp_id>/<run_id>/metrics/<key>  lines "timestamp value step"
///       <exp_id>/<run_id>/tags/<key>
///       <exp_id>/<run_id>/artifacts/
///       models/<name>/meta.yaml, tags/, aliases/<alias>, version-<n>/meta.yaml, version-<n>/tags/
///
/// Experiment ids are small integers allocated under the lock (MLflow's own file store picks random
/// 18-digit ones; any string matching `[A-Za-z0-9][\w-]*` is valid to it). Run ids are uuid4 hex.
///
/// A store is self-contained: possum reads and writes only below `root` (no symbolic link below it
/// is followed, see `StoreFiles`), and a run's artifacts are always `<root>/<exp_id>/<run_id>/artifacts`
/// whatever URI its `meta.yaml` recorded, so a copied or moved store works on its own (see
/// `artifactDirectory(runID:)`). Runs, experiments, models and versions appear whole or not at all
/// (`createDirectoryAtomically`); a damaged one is skipped by listings with a one-line warning.
///
/// Concurrency: runs never share files (their ids are random), metric lines are single `O_APPEND`
/// writes, every other file is replaced atomically, and the few read-modify-write operations
/// (experiment creation, run `meta.yaml` updates, registry changes) hold an `flock` on `.possum.lock`.
public final class FileTrackingStore: TrackingStore, Sendable {
    /// The store's absolute directory.
    public let root: String
    /// fsync every write (the default). Tests that create thousands of runs turn it off.
    public let durable: Bool

    public var location: String { root }

    static let defaultExperimentID = "0"
    static let defaultExperimentName = "Default"
    static let trashFolder = ".trash"
    static let modelsFolder = "models"
    static let lockFile = ".possum.lock"
    /// Folders inside an experiment that are not runs (MLflow's `RESERVED_EXPERIMENT_FOLDERS`).
    static let reservedExperimentFolders: Set<String> = ["tags", "datasets", "traces", "models"]

    /// Every read and directory walk below `root` (no links followed, bounded reads).
    let files: StoreFiles
    /// Where entries skipped while listing are reported (once each).
    let warnings: WarningLog

    /// Opens the store at `root`. With `create` (for commands that log runs) a missing store is
    /// created with the Default experiment `0` and `.trash`, as MLflow's `FileStore.__init__` does;
    /// without it (every read-only command) a missing store is `noStore` and nothing is created.
    /// `warn` receives one line per damaged entry that a listing skips (default: stderr).
    public init(root: String, durable: Bool = true, create: Bool = true, warn: (@Sendable (String) -> Void)? = nil) throws {
        self.root = absolutePath(root)
        self.durable = durable
        self.files = StoreFiles(root: self.root)
        self.warnings = WarningLog(handler: warn ?? WarningLog.standardError)
        if FileIO.exists(self.root) && !FileIO.isDirectory(self.root) {
            throw TrackingError.corruptFile(path: self.root, reason: "tracking store path exists but is not a directory")
        }
        guard create else {
            if !FileIO.isDirectory(self.root) { throw TrackingError.noStore(self.root) }
            return
        }
        try FileIO.makeDirectories(self.root)
        if files.kind(path(Self.defaultExperimentID)) == .missing {
            try withStoreLock {
                if files.kind(path(Self.defaultExperimentID)) == .missing {
                    try writeNewExperiment(id: Self.defaultExperimentID, name: Self.defaultExperimentName, tags: [:])
                }
            }
        }
        try files.makeDirectories(path(Self.trashFolder))
    }

    // MARK: - Paths and shared helpers

    /// `body` under the store's `flock` on `.possum.lock`, for the few read-modify-write operations:
    /// creating an experiment (name uniqueness), rewriting a run's `meta.yaml`, and registry
    /// changes (version numbers, stage transitions).
    func withStoreLock<T>(_ body: () throws -> T) throws -> T {
        let lockPath = path(Self.lockFile)
        switch files.kind(lockPath) {
        case .missing, .regularFile: break
        default: throw TrackingError.corruptFile(path: lockPath, reason: "not a regular file (the store's lock file)")
        }
        return try FileIO.mappingFileErrors { try FileLock.withLock(at: lockPath, body) }
    }

    /// Builds a new directory (a run, an experiment, a model or a version) under a hidden temporary
    /// name next to `directory`, then renames it into place: a failure at any point (ENOSPC, a
    /// killed process) leaves no half-made entry that listings would trip over, only a hidden
    /// `.NAME.tmp-PID-RAND` that every listing skips and `runs gc --repair` removes. Throws
    /// `alreadyExists` if `directory` exists; callers that allocate names hold the store lock.
    func createDirectoryAtomically(_ directory: String, what: String, _ populate: (String) throws -> Void) throws {
        let parent = parentDirectory(of: directory)
        try files.makeDirectories(parent)
        if files.kind(directory) != .missing { throw TrackingError.alreadyExists(what) }
        let temp = temporaryPath(for: directory)
        do {
            guard try files.makeDirectories(temp) else { throw TrackingError.alreadyExists(temp) }
            try populate(temp)
            if rename(temp, directory) != 0 {
                let code = errno
                throw code == EEXIST || code == ENOTEMPTY ? TrackingError.alreadyExists(what)
                    : TrackingError.io(path: directory, operation: "rename \(lastPathComponent(temp)) to", code: code)
            }
        } catch {
            try? files.removeTree(temp)
            // Name the entry being created, not its temporary name, which is gone now.
            if case let .io(path, operation, code) = error as? TrackingError, path.hasPrefix(temp) {
                throw TrackingError.io(path: directory + path.dropFirst(temp.count), operation: operation, code: code)
            }
            throw error
        }
        if durable { try FileIO.mappingFileErrors { try syncDirectory(parent, reportingAs: directory) } }
    }

    func path(_ components: String...) -> String {
        ([root] + components).joined(separator: "/")
    }

    func experimentDirectory(_ id: String) -> String { path(id) }

    func writeYAML(_ fields: [String: YAMLScalar], to file: String, tempDirectory: String? = nil) throws {
        try FileIO.writeAtomically(Array(try FlatYAML.encode(fields).utf8), to: file, tempDirectory: tempDirectory, durable: durable)
    }

    func writeText(_ text: String, to file: String, tempDirectory: String) throws {
        try FileIO.writeAtomically(Array(text.utf8), to: file, tempDirectory: tempDirectory, durable: durable)
    }

    func readYAML(_ file: String) throws -> FlatYAMLDocument? {
        guard let bytes = try files.readBytes(file, limit: FlatYAML.maxDocumentBytes) else { return nil }
        return try FlatYAML.decode(bytes: bytes, path: file)
    }

    /// Files in a key/value folder (`params/`, `tags/`, `aliases/`), each read as text. An entry that
    /// cannot be one (a sub-directory, a link, a FIFO, a huge or non-UTF-8 file) is an error naming
    /// the file, or with `skipping` (listings) a warning, and the entry is left out.
    func readKeyValueFolder(_ folder: String, skipping: Bool = false) throws -> [String: String] {
        guard let names = try files.listDirectory(folder) else { return [:] }
        var out: [String: String] = [:]
        for name in names where !isTemporaryName(name) {
            let file = folder + "/" + name
            do {
                if files.kind(file) == .directory {
                    throw TrackingError.corruptFile(path: file, reason: "unexpected directory (possum does not write keys containing '/')")
                }
                guard let value = try files.readText(file) else { continue }  // deleted meanwhile
                out[name] = value
            } catch let error as TrackingError where skipping {
                warnings.skipped(error)
            }
        }
        return out
    }

    // MARK: - Experiments

    public func createExperiment(name: String, tags: [String: String] = [:]) throws -> Experiment {
        try NameValidation.validateDisplayName(name, kind: "experiment", maxLength: NameValidation.maxExperimentNameLength)
        try validateTags(tags)
        return try withStoreLock {
            if try experiment(named: name) != nil { throw TrackingError.alreadyExists("experiment '\(name)'") }
            return try writeNewExperiment(id: try nextExperimentID(), name: name, tags: tags)
        }
    }

    public func getOrCreateExperiment(named name: String) throws -> Experiment {
        if let existing = try experiment(named: name) { return existing }
        try NameValidation.validateDisplayName(name, kind: "experiment", maxLength: NameValidation.maxExperimentNameLength)
        return try withStoreLock {
            // Re-check under the lock: another process may have created it since.
            if let existing = try experiment(named: name) { return existing }
            return try writeNewExperiment(id: try nextExperimentID(), name: name, tags: [:])
        }
    }

    public func experiment(id: String) throws -> Experiment {
        try NameValidation.validateExperimentID(id)
        guard let e = try readExperiment(id: id) else { throw TrackingError.notFound("experiment with id '\(id)'") }
        return e
    }

    public func experiment(named name: String) throws -> Experiment? {
        try experiments().first { $0.name == name }
    }

    /// Every readable experiment; a damaged one is skipped with a warning, so one bad `meta.yaml`
    /// never makes the store unlistable.
    public func experiments() throws -> [Experiment] {
        var out: [Experiment] = []
        for id in try experimentIDs() {
            do {
                if let e = try readExperiment(id: id) { out.append(e) }
            } catch let error as TrackingError {
                warnings.skipped(error)
            }
        }
        return out.sorted { ($0.creationTime ?? 0, numericOrder($0.experimentID)) < ($1.creationTime ?? 0, numericOrder($1.experimentID)) }
    }

    public func setExperimentTag(experimentID: String, key: String, value: String) throws {
        try NameValidation.validateKey(key, kind: "tag")
        try validateTagValue(value, key: key)
        _ = try experiment(id: experimentID)
        let dir = experimentDirectory(experimentID)
        try files.makeDirectories(dir + "/tags")
        try writeText(value, to: dir + "/tags/" + key, tempDirectory: dir)
    }

    /// Directory names at the root that are experiments: everything but `.trash`, `models` and
    /// dot-files. A stray entry whose name cannot be an experiment id, or a link, is skipped with a
    /// warning (files at the root are not MLflow's and are ignored).
    func experimentIDs() throws -> [String] {
        guard let names = try files.listDirectory(root) else { return [] }
        var ids: [String] = []
        for name in names where !name.hasPrefix(".") && name != Self.modelsFolder {
            switch files.kind(path(name)) {
            case .directory: break
            case .symbolicLink:
                warnings.skipped(.corruptFile(path: path(name), reason: "a symbolic link (links in the store are not followed)"))
                continue
            default: continue
            }
            do { try NameValidation.validateExperimentID(name) } catch {
                warnings.skipped(.corruptFile(path: path(name), reason: "unexpected directory: not an experiment id"))
                continue
            }
            ids.append(name)
        }
        return ids
    }

    /// Reads `<id>/meta.yaml`; nil if the directory does not exist.
    func readExperiment(id: String) throws -> Experiment? {
        let dir = experimentDirectory(id)
        guard files.isDirectory(dir) else { return nil }
        let metaPath = dir + "/meta.yaml"
        guard let doc = try readYAML(metaPath) else {
            throw TrackingError.corruptFile(path: metaPath, reason: "missing: the experiment directory has no meta.yaml")
        }
        let recordedID = try doc.string("experiment_id")
        guard recordedID == id else {
            throw TrackingError.corruptFile(path: metaPath, reason: "experiment_id '\(recordedID)' does not match its directory '\(id)'")
        }
        let stage = try doc.string("lifecycle_stage")
        guard let lifecycle = LifecycleStage(rawValue: stage) else {
            throw TrackingError.corruptFile(path: metaPath, reason: "unknown lifecycle_stage '\(stage)'")
        }
        return Experiment(
            experimentID: id, name: try doc.string("name"), artifactLocation: try doc.string("artifact_location"),
            lifecycleStage: lifecycle, creationTime: try doc.optionalInt("creation_time"),
            lastUpdateTime: try doc.optionalInt("last_update_time"), tags: try readKeyValueFolder(dir + "/tags"))
    }

    /// Called with the lock held.
    @discardableResult
    func writeNewExperiment(id: String, name: String, tags: [String: String]) throws -> Experiment {
        let dir = experimentDirectory(id)
        let now = ProcessIdentity.nowMillis()
        let experiment = Experiment(
            experimentID: id, name: name, artifactLocation: fileURI(forPath: dir), lifecycleStage: .active,
            creationTime: now, lastUpdateTime: now, tags: tags)
        try createDirectoryAtomically(dir, what: "experiment directory \(dir)") { temp in
            if !tags.isEmpty { try files.makeDirectories(temp + "/tags") }
            for (key, value) in tags { try writeText(value, to: temp + "/tags/" + key, tempDirectory: temp) }
            try writeYAML([
                "artifact_location": .string(experiment.artifactLocation),
                "creation_time": .int(now),
                "experiment_id": .string(id),
                "last_update_time": .int(now),
                "lifecycle_stage": .string(LifecycleStage.active.rawValue),
                "name": .string(name),
            ], to: temp + "/meta.yaml", tempDirectory: temp)
        }
        return experiment
    }

    /// One more than the largest numeric id in use, counting deleted experiments in `.trash`.
    /// Called with the lock held.
    private func nextExperimentID() throws -> String {
        var largest = 0
        for dir in [root, path(Self.trashFolder)] {
            for name in try files.listDirectory(dir) ?? [] {
                if let n = Int(name), n >= 0, n < 1_000_000_000 { largest = max(largest, n) }
            }
        }
        return String(largest + 1)
    }

    func validateTags(_ tags: [String: String]) throws {
        for (key, value) in tags {
            try NameValidation.validateKey(key, kind: "tag")
            try validateTagValue(value, key: key)
        }
    }

    func validateTagValue(_ value: String, key: String) throws {
        if value.count > NameValidation.maxTagValueLength {
            throw TrackingError.invalidValue("tag '\(key)': value longer than \(NameValidation.maxTagValueLength) characters")
        }
    }
}

/// Sort key that orders "2" before "10" and puts non-numeric ids after numeric ones.
func numericOrder(_ id: String) -> Int { Int(id) ?? Int.max }
