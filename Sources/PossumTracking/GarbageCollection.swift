import PossumFiles
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `possum runs gc`: runs left RUNNING by a process that died (killed, crashed, power loss).
///
/// Every run possum starts carries `possum.pid`, `possum.host` and (on Linux) `possum.pid_start`,
/// the process start time in clock ticks. A RUNNING run is dead when its host is this host and
/// either no process has that pid, or the process with that pid started at another time (the pid
/// was recycled), or it is a zombie. Runs from other hosts, and runs without these tags (started by
/// MLflow itself), are left alone: we cannot know.

/// What `gc` decided for one RUNNING run.
public struct GCOutcome: Sendable, Codable, Equatable {
    public enum Action: String, Sendable, Codable {
        /// The process is gone: the run was (or, in a dry run, would be) ended.
        case ended
        /// The process is alive.
        case alive
        /// Another host's run, or no pid recorded.
        case unknown
        /// A run (or experiment) directory that cannot be read: listed, left as is.
        case damaged
        /// A damaged run given a new `meta.yaml` (with `repair`).
        case repaired
        /// A half-made directory of a creation that was interrupted (a killed process): hidden
        /// from every listing; removed with `repair`.
        case leftover
        /// A leftover, removed (with `repair`).
        case removed
    }

    public var runID: String
    public var experimentID: String
    public var runName: String
    public var action: Action
    /// The status the run was given, for `ended`.
    public var newStatus: RunStatus?
    public var reason: String

    enum CodingKeys: String, CodingKey {
        case runID = "run_id", experimentID = "experiment_id", runName = "run_name", action, newStatus = "new_status", reason
    }
}

extension FileTrackingStore {
    public func collectGarbage(markAs status: RunStatus = .killed, dryRun: Bool = false) throws -> [GCOutcome] {
        try collectGarbage(markAs: status, dryRun: dryRun, repair: false)
    }

    /// Also lists damaged runs and leftovers of interrupted creations; with `repair` (and not
    /// `dryRun`) gives each damaged run a new `meta.yaml` and removes the leftovers.
    ///
    /// Repair is the minimal change that makes the store whole again without losing anything: a
    /// run directory whose `meta.yaml` is missing or unreadable gets a fresh one (status FAILED,
    /// times from the directory, name and user from its tags, the artifact URI of this store), and
    /// the old file, if any, is kept beside it as `meta.yaml.damaged-<millis>`. Params, metrics,
    /// tags and artifacts are not touched. Links and entries that cannot be runs are only listed.
    public func collectGarbage(markAs status: RunStatus, dryRun: Bool, repair: Bool) throws -> [GCOutcome] {
        guard status.isTerminal else {
            throw TrackingError.invalidRequest("gc marks dead runs as FAILED or KILLED (or FINISHED), not \(status.name)")
        }
        let host = ProcessIdentity.hostname
        var outcomes = try collectDamaged(repair: repair && !dryRun)
        for experiment in try experiments() {
            let running = try searchRuns(
                experimentIDs: [experiment.experimentID], filter: try RunFilter(parsing: "attributes.status = 'RUNNING'"),
                orderBy: [], maxResults: nil, include: .keys(metrics: [], params: [], tags: [SystemTag.pid, SystemTag.host, SystemTag.processStart]))
            for run in running {
                var outcome = GCOutcome(
                    runID: run.info.runID, experimentID: run.info.experimentID, runName: run.info.runName,
                    action: .unknown, newStatus: nil, reason: "")
                guard let pidText = run.tags[SystemTag.pid], let pid = Int32(pidText), let runHost = run.tags[SystemTag.host] else {
                    outcome.reason = "no possum.pid/possum.host tags (not started by possum)"
                    outcomes.append(outcome)
                    continue
                }
                guard runHost == host else {
                    outcome.reason = "started on host '\(runHost)', not this one ('\(host)')"
                    outcomes.append(outcome)
                    continue
                }
                switch ProcessIdentity.liveness(pid: pid, start: run.tags[SystemTag.processStart]) {
                case .alive:
                    outcome.action = .alive
                    outcome.reason = "process \(pid) is running"
                case .unknown:
                    outcome.reason = "cannot check process \(pid)"
                case .dead:
                    outcome.action = .ended
                    outcome.newStatus = status
                    outcome.reason = "process \(pid) on \(host) is gone"
                    if !dryRun {
                        // Re-check under the lock: the run may have ended itself meanwhile.
                        try withStoreLock {
                            let dir = try runDirectory(run.info.runID)
                            var info = try readRunInfo(runDirectory: dir)
                            guard info.status == .running else { return }
                            info.status = status
                            info.endTime = ProcessIdentity.nowMillis()
                            try writeRunMeta(info, to: dir)
                            try writeText(outcome.reason, to: dir + "/tags/" + SystemTag.gcReason, tempDirectory: dir)
                        }
                    }
                }
                outcomes.append(outcome)
            }
        }
        return outcomes
    }
}

extension FileTrackingStore {
    /// Damaged runs and interrupted creations in every experiment directory (and leftovers of
    /// interrupted experiment creations at the root). What is listed here is not warned about
    /// again by the listing that follows.
    func collectDamaged(repair: Bool) throws -> [GCOutcome] {
        var outcomes: [GCOutcome] = []
        func outcome(_ runID: String, _ experimentID: String, _ action: GCOutcome.Action, _ reason: String) {
            outcomes.append(GCOutcome(runID: runID, experimentID: experimentID, runName: "-", action: action, newStatus: nil, reason: oneLine(reason)))
        }
        func leftover(_ dir: String, experimentID: String) throws {
            let name = lastPathComponent(dir)
            let fields = name.split(separator: "-")
            guard fields.count >= 2, let pid = Int32(fields[fields.count - 2]),
                  ProcessIdentity.liveness(pid: pid, start: nil) == .dead else { return }  // still being made
            if repair {
                try files.removeTree(dir)
                outcome(name, experimentID, .removed, "temporary entry of process \(pid), which is gone: removed")
            } else {
                outcome(name, experimentID, .leftover, "temporary entry of process \(pid), which is gone (gc --repair removes it)")
            }
        }
        for name in try files.listDirectory(root) ?? [] where isTemporaryName(name) && files.kind(path(name)) != .symbolicLink {
            try leftover(path(name), experimentID: "-")
        }
        for experimentID in try experimentIDs() {
            let dir = experimentDirectory(experimentID)
            do {
                _ = try readExperiment(id: experimentID)
            } catch let error as TrackingError {
                warnings.markReported(error)
                outcome("-", experimentID, .damaged, "experiment: \(error)")
                continue
            }
            for name in try files.listDirectory(dir) ?? [] where !Self.reservedExperimentFolders.contains(name) {
                let runDir = dir + "/" + name
                let kind = files.kind(runDir)
                if name.hasPrefix(".") {
                    // A run being created, or a meta.yaml or tag being replaced, by a writer that died.
                    if isTemporaryName(name) && kind != .symbolicLink { try leftover(runDir, experimentID: experimentID) }
                    continue
                }
                if kind == .symbolicLink {
                    let error = TrackingError.corruptFile(path: runDir, reason: "a symbolic link (links in the store are not followed)")
                    warnings.markReported(error)
                    outcome(name, experimentID, .damaged, error.description)
                    continue
                }
                guard kind == .directory else { continue }
                do {
                    _ = try readRunInfo(runDirectory: runDir)
                } catch let error as TrackingError {
                    warnings.markReported(error)
                    guard repair, (try? NameValidation.validateRunID(name)) != nil else {
                        outcome(name, experimentID, .damaged, error.description)
                        continue
                    }
                    try repairRun(directory: runDir, runID: name, experimentID: experimentID)
                    outcome(name, experimentID, .repaired, "new meta.yaml (status FAILED); was: \(error)")
                }
            }
        }
        return outcomes
    }

    /// Writes a fresh `meta.yaml` for a damaged run, keeping the old one beside it.
    private func repairRun(directory dir: String, runID: String, experimentID: String) throws {
        try withStoreLock {
            let meta = dir + "/meta.yaml"
            let now = ProcessIdentity.nowMillis()
            var st = stat()
            // Before the rename below, which would make the directory's mtime "now".
            var modified = now
            if lstat(dir, &st) == 0 {
                let (millis, overflow) = Int64(st.st_mtim.tv_sec).multipliedReportingOverflow(by: 1000)
                if !overflow && millis >= 0 { modified = millis }
            }
            if files.kind(meta) != .missing, rename(meta, meta + ".damaged-\(now)") != 0 {
                throw TrackingError.io(path: meta, operation: "rename aside", code: errno)
            }
            let tags = try readKeyValueFolder(dir + "/tags", skipping: true)
            let info = RunInfo(
                runID: runID, runName: tags[SystemTag.runName] ?? runID, experimentID: experimentID,
                userID: tags[SystemTag.user] ?? "", status: .failed, startTime: modified, endTime: modified,
                artifactURI: fileURI(forPath: dir + "/artifacts"), lifecycleStage: .active)
            try writeRunMeta(info, to: dir)
        }
    }
}
