import PossumFiles
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs: creation, logging, reading. Each run owns its directory, so logging needs no lock; only
/// rewriting `meta.yaml` (end, rename) takes the store lock.
extension FileTrackingStore {
    public func startRun(experimentID: String, name: String?, parentRunID: String?, tags: [String: String], startTime: Int64?) throws -> RunInfo {
        let experiment = try experiment(id: experimentID)
        guard experiment.lifecycleStage == .active else {
            throw TrackingError.invalidRequest("experiment '\(experiment.name)' (id \(experimentID)) is deleted: cannot start a run in it")
        }
        let runID = uuid4Hex()
        let runName = name ?? tags[SystemTag.runName] ?? generatedRunName(runID)
        try NameValidation.validateDisplayName(runName, kind: "run", maxLength: NameValidation.maxRunNameLength)
        try validateTags(tags)
        if let parentRunID {
            try NameValidation.validateRunID(parentRunID)
            _ = try runInfo(id: parentRunID)  // the parent must exist
        }
        let allTags = ProcessIdentity.newRunTags(tags, runName: runName, parentRunID: parentRunID)
        let dir = experimentDirectory(experimentID) + "/" + runID
        let info = RunInfo(
            runID: runID, runName: runName, experimentID: experimentID, userID: ProcessIdentity.user, status: .running,
            startTime: startTime ?? ProcessIdentity.nowMillis(), endTime: nil,
            artifactURI: fileURI(forPath: dir + "/artifacts"), lifecycleStage: .active)
        // The run appears whole (meta.yaml, tags, empty folders) or not at all; see
        // `createDirectoryAtomically`. No lock: the id is random.
        try createDirectoryAtomically(dir, what: "run directory \(dir)") { temp in
            for sub in ["metrics", "params", "artifacts", "tags"] { try files.makeDirectories(temp + "/" + sub) }
            for (key, value) in allTags { try writeText(value, to: temp + "/tags/" + key, tempDirectory: temp) }
            try writeRunMeta(info, to: temp)
        }
        return info
    }

    @discardableResult
    public func endRun(runID: String, status: RunStatus, endTime: Int64? = nil) throws -> RunInfo {
        try updateRunInfo(runID: runID) { info in
            info.status = status
            info.endTime = endTime ?? ProcessIdentity.nowMillis()
        }
    }

    public func logParam(runID: String, key: String, value: String) throws {
        try NameValidation.validateKey(key, kind: "param")
        if value.count > NameValidation.maxParamValueLength {
            throw TrackingError.invalidValue("param '\(key)': value longer than \(NameValidation.maxParamValueLength) characters")
        }
        let dir = try activeRunDirectory(runID)
        try files.makeDirectories(dir + "/params")
        let file = dir + "/params/" + key
        // Params are immutable: create-if-absent atomically (link), so two writers cannot both "win".
        if try !FileIO.createAtomically(Array(value.utf8), at: file, tempDirectory: dir, durable: durable) {
            let existing = try files.readText(file) ?? ""
            if existing != value {
                throw TrackingError.invalidRequest(
                    "param '\(key)' of run \(runID) was already logged as \(quoted(existing)); params cannot change (tried \(quoted(value)))")
            }
        }
    }

    public func logMetric(runID: String, key: String, value: Double, step: Int64, timestamp: Int64?) throws {
        try NameValidation.validateKey(key, kind: "metric")
        let dir = try activeRunDirectory(runID)
        let ts = timestamp ?? ProcessIdentity.nowMillis()
        try files.makeDirectories(dir + "/metrics")
        let file = dir + "/metrics/" + key
        // The append opens by path: refuse a link (or FIFO) planted where the history belongs.
        switch files.kind(file) {
        case .missing, .regularFile: break
        default: throw TrackingError.corruptFile(path: file, reason: "not a regular file (links in the store are not followed)")
        }
        // Swift's shortest round-trip spelling, which Python's float() reads back exactly
        // ("1.25", "1e-05", "nan", "inf", "-inf").
        try FileIO.appendLine("\(ts) \(value) \(step)\n", to: file, durable: durable)
    }

    public func setTag(runID: String, key: String, value: String) throws {
        try NameValidation.validateKey(key, kind: "tag")
        try validateTagValue(value, key: key)
        let dir = try activeRunDirectory(runID)
        if key == SystemTag.runName {
            // MLflow keeps meta.yaml's run_name and the tag in step.
            try NameValidation.validateDisplayName(value, kind: "run", maxLength: NameValidation.maxRunNameLength)
            try updateRunInfo(runID: runID) { $0.runName = value }
        }
        try files.makeDirectories(dir + "/tags")
        try writeText(value, to: dir + "/tags/" + key, tempDirectory: dir)
    }

    public func logArtifact(runID: String, file: String, artifactPath: String?) throws -> String {
        let dir = try activeRunDirectory(runID)
        let artifactsRoot = dir + "/artifacts"
        var destination = artifactsRoot
        if let artifactPath, !artifactPath.isEmpty {
            for component in artifactPath.split(separator: "/", omittingEmptySubsequences: true) {
                try NameValidation.validateKey(String(component), kind: "artifact path component")
            }
            destination += "/" + artifactPath.split(separator: "/").joined(separator: "/")
        }
        let fileName = String(file.split(separator: "/").last ?? "")
        try NameValidation.validateKey(fileName, kind: "artifact file")
        try files.makeDirectories(destination)
        let target = destination + "/" + fileName
        // The temp file goes next to `artifacts/`, not inside it, so it is never listed as an artifact.
        try FileIO.copyFile(from: file, to: target, tempDirectory: dir, durable: durable)
        return target
    }

    public func runInfo(id: String) throws -> RunInfo {
        try readRunInfo(runDirectory: try runDirectory(id))
    }

    public func run(id: String) throws -> Run {
        let dir = try runDirectory(id)
        return try loadRun(directory: dir, info: try readRunInfo(runDirectory: dir), include: .all)
    }

    /// Where a run's artifacts are: always `<root>/<experiment id>/<run id>/artifacts`, derived from
    /// the store's own root, never from the `artifact_uri` recorded in `meta.yaml`.
    ///
    /// Why: MLflow records absolute `file://` URIs, so in a store that was copied or moved
    /// (`cp -a mlruns elsewhere`) every recorded URI still points into the *old* store. Following
    /// them made possum write a new run's model into the original store and read another store's
    /// files. The rule keeps a copied store self-contained, and it never reads or writes outside
    /// its root. New runs record the URI of this same directory (not the experiment's recorded
    /// `artifact_location`), so the MLflow client, which follows `artifact_uri` as written, reads
    /// them too; runs copied from elsewhere keep the old URI for MLflow, as MLflow itself does
    /// for a moved `mlruns`.
    public func artifactDirectory(runID: String) throws -> String {
        try runDirectory(runID) + "/artifacts"
    }

    public func metricHistory(runID: String, key: String) throws -> [Metric] {
        try NameValidation.validateKey(key, kind: "metric")
        return try readMetricFile(try runDirectory(runID) + "/metrics/" + key, key: key) ?? []
    }

    public func artifactBytes(runID: String, path: String, limit: Int) throws -> [UInt8]? {
        try files.readBytes(try artifactDirectory(runID: runID) + "/" + path, limit: limit)
    }

    public func artifacts(runID: String) throws -> [String] {
        let top = try artifactDirectory(runID: runID)
        var out: [String] = []
        func walk(_ dir: String, _ prefix: String) throws {
            for name in try files.listDirectory(dir) ?? [] where !isTemporaryName(name) {
                let full = dir + "/" + name
                // Links are listed as entries, never walked into.
                if files.kind(full) == .directory { try walk(full, prefix + name + "/") } else { out.append(prefix + name) }
            }
        }
        try walk(top, "")
        return out.sorted()
    }

    public func runIDs() throws -> [String] {
        var ids: [String] = []
        for experimentID in try experimentIDs() {
            // An experiment folder holds meta.yaml, tags/ and one folder per run; only names that
            // are valid run ids are runs (as `runDirectory` would accept them).
            for entry in try files.listEntries(experimentDirectory(experimentID)) ?? []
            where entry.kind == .directory && entry.name != "tags" && !entry.name.hasPrefix(".") {
                if (try? NameValidation.validateRunID(entry.name)) != nil { ids.append(entry.name) }
            }
        }
        return ids
    }

    // MARK: - Internals

    /// The directory of a run, searching every active experiment (MLflow's `_find_run_root`).
    func runDirectory(_ runID: String) throws -> String {
        try NameValidation.validateRunID(runID)
        for experimentID in try experimentIDs() {
            let dir = experimentDirectory(experimentID) + "/" + runID
            if files.isDirectory(dir) { return dir }
        }
        throw TrackingError.notFound("run '\(runID)'")
    }

    /// The run's directory, after checking it is not deleted (MLflow's `check_run_is_active`:
    /// finished runs may still be logged to, deleted ones may not).
    func activeRunDirectory(_ runID: String) throws -> String {
        let dir = try runDirectory(runID)
        if try readRunInfo(runDirectory: dir).lifecycleStage != .active { throw TrackingError.runDeleted(runID: runID) }
        return dir
    }

    /// Read-modify-write of a run's `meta.yaml`, under the store lock.
    @discardableResult
    func updateRunInfo(runID: String, _ change: (inout RunInfo) throws -> Void) throws -> RunInfo {
        let dir = try runDirectory(runID)
        return try withStoreLock {
            var info = try readRunInfo(runDirectory: dir)
            try change(&info)
            try writeRunMeta(info, to: dir)
            return info
        }
    }

    func writeRunMeta(_ info: RunInfo, to dir: String) throws {
        try writeYAML([
            "artifact_uri": .string(info.artifactURI),
            "end_time": info.endTime.map { .int($0) } ?? .null,
            "entry_point_name": .string(""),
            "experiment_id": .string(info.experimentID),
            "lifecycle_stage": .string(info.lifecycleStage.rawValue),
            "run_id": .string(info.runID),
            "run_name": .string(info.runName),
            // run_uuid: MLflow 3 no longer writes it, but MLflow 1.x/2.x readers require it.
            "run_uuid": .string(info.runID),
            "source_name": .string(""),
            "source_type": .int(4),  // SourceType.LOCAL
            "source_version": .string(""),
            "start_time": .int(info.startTime),
            "status": .int(Int64(info.status.rawValue)),
            "tags": .emptyList,  // kept for old MLflow readers; tags live in tags/
            "user_id": .string(info.userID),
        ], to: dir + "/meta.yaml", tempDirectory: dir)
    }

    func readRunInfo(runDirectory dir: String) throws -> RunInfo {
        let metaPath = dir + "/meta.yaml"
        // startRun renames a complete directory into place, so a missing meta.yaml is damage.
        guard let doc = try readYAML(metaPath) else {
            throw TrackingError.corruptFile(path: metaPath, reason: "missing: the run directory has no meta.yaml")
        }
        let dirName = lastPathComponent(dir)
        let runID = try doc.optionalString("run_id") ?? doc.string("run_uuid")
        guard runID == dirName else {
            throw TrackingError.corruptFile(path: metaPath, reason: "run_id '\(runID)' does not match its directory '\(dirName)'")
        }
        let experimentID = try doc.string("experiment_id")
        let expectedExperiment = lastPathComponent(parentDirectory(of: dir))
        guard experimentID == expectedExperiment else {
            throw TrackingError.corruptFile(path: metaPath, reason: "experiment_id '\(experimentID)' does not match its directory '\(expectedExperiment)'")
        }
        let statusCode = try doc.optionalInt("status") ?? Int64(RunStatus.running.rawValue)
        guard let status = RunStatus(rawValue: Int(statusCode)) else {
            throw TrackingError.corruptFile(path: metaPath, reason: "unknown status \(statusCode) (expected 1 to 5)")
        }
        let stage = doc.optionalString("lifecycle_stage") ?? LifecycleStage.active.rawValue
        guard let lifecycle = LifecycleStage(rawValue: stage) else {
            throw TrackingError.corruptFile(path: metaPath, reason: "unknown lifecycle_stage '\(stage)'")
        }
        var runName = doc.optionalString("run_name") ?? ""
        if runName.isEmpty, let tag = try? files.readText(dir + "/tags/" + SystemTag.runName) { runName = tag }
        return RunInfo(
            runID: runID, runName: runName, experimentID: experimentID, userID: doc.optionalString("user_id") ?? "",
            status: status, startTime: try doc.optionalInt("start_time") ?? 0, endTime: try doc.optionalInt("end_time"),
            artifactURI: try doc.string("artifact_uri"), lifecycleStage: lifecycle)
    }

    /// Every line of a metric file; nil if the file does not exist. MLflow accepts
    /// "timestamp value" (step 0) and "timestamp value step".
    func readMetricFile(_ file: String, key: String) throws -> [Metric]? {
        guard let bytes = try files.readBytes(file, limit: StoreFiles.metricFileLimit) else { return nil }
        var out: [Metric] = []
        // Byte-level split: metric files are the bulk of what a search reads.
        for (index, lineBytes) in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            if lineBytes.isEmpty { continue }
            guard let line = String(validating: lineBytes, as: UTF8.self) else {
                throw TrackingError.corruptFile(path: "\(file):\(index + 1)", reason: "not valid UTF-8 text")
            }
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            func bad(_ why: String) -> TrackingError { .corruptFile(path: "\(file):\(index + 1)", reason: why) }
            guard fields.count == 2 || fields.count == 3 else {
                throw bad("expected 'timestamp value step', found \(fields.count) field(s)")
            }
            guard let ts = Int64(fields[0]) else { throw bad("timestamp '\(fields[0])' is not an integer") }
            guard let value = Double(fields[1]) else { throw bad("value '\(fields[1])' is not a number") }
            var step: Int64 = 0
            if fields.count == 3 {
                guard let s = Int64(fields[2]) else { throw bad("step '\(fields[2])' is not an integer") }
                step = s
            }
            out.append(Metric(key: key, value: value, timestamp: ts, step: step))
        }
        if out.isEmpty { throw TrackingError.corruptFile(path: file, reason: "metric file has no values") }
        return out
    }

    /// Builds a `Run` from its directory, loading only what `include` asks for. With `skipping`
    /// (listings and reports) an unreadable param, metric or tag file is reported as a warning and
    /// left out; without it (`runs show`, `compare`) it is an error naming the file.
    func loadRun(directory dir: String, info: RunInfo, include: RunDataSelection, skipping: Bool = false) throws -> Run {
        var params: [String: String] = [:], metrics: [String: Metric] = [:], tags: [String: String] = [:]
        func entry<T>(_ read: () throws -> T?) throws -> T? {
            do { return try read() } catch let error as TrackingError where skipping {
                warnings.skipped(error)
                return nil
            }
        }
        switch include {
        case .all:
            params = try readKeyValueFolder(dir + "/params", skipping: skipping)
            tags = try readKeyValueFolder(dir + "/tags", skipping: skipping)
            for key in try entry({ try files.listDirectory(dir + "/metrics") }) ?? [] where !isTemporaryName(key) {
                let file = dir + "/metrics/" + key
                let latest = try entry { () -> Metric? in
                    if files.kind(file) == .directory {
                        throw TrackingError.corruptFile(path: file, reason: "unexpected directory (possum does not write keys containing '/')")
                    }
                    return try readMetricFile(file, key: key).flatMap(Metric.latest)
                }
                if let latest { metrics[key] = latest }
            }
        case let .keys(metricKeys, paramKeys, tagKeys):
            for key in metricKeys where (try? NameValidation.validateKey(key, kind: "metric")) != nil {
                if let latest = try entry({ try readMetricFile(dir + "/metrics/" + key, key: key).flatMap(Metric.latest) }) {
                    metrics[key] = latest
                }
            }
            for key in paramKeys where (try? NameValidation.validateKey(key, kind: "param")) != nil {
                if let v = try entry({ try files.readText(dir + "/params/" + key) }) { params[key] = v }
            }
            for key in tagKeys where (try? NameValidation.validateKey(key, kind: "tag")) != nil {
                if let v = try entry({ try files.readText(dir + "/tags/" + key) }) { tags[key] = v }
            }
        }
        return Run(info: info, params: params, metrics: metrics, tags: tags)
    }

    /// MLflow-style "adjective-animal-number" names, picked from the run id so they are stable.
    private func generatedRunName(_ runID: String) -> String {
        let adjectives = ["brave", "calm", "clever", "eager", "gentle", "jolly", "keen", "lively", "nimble", "quiet", "swift", "tidy", "witty", "bold", "merry", "sunny"]
        let animals = ["possum", "wombat", "koala", "quokka", "numbat", "bilby", "dingo", "emu", "glider", "platypus", "echidna", "wallaby", "kiwi", "lyrebird", "galah", "cassowary"]
        let bytes = Array(runID.utf8)
        let a = Int(bytes[0]) % adjectives.count, b = Int(bytes[1]) % animals.count
        let n = Int(UInt64(runID.suffix(6), radix: 16) ?? 0) % 1000
        return "\(adjectives[a])-\(animals[b])-\(n)"
    }
}
