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
        guard status.isTerminal else {
            throw TrackingError.invalidRequest("gc marks dead runs as FAILED or KILLED (or FINISHED), not \(status.name)")
        }
        let host = ProcessIdentity.hostname
        var outcomes: [GCOutcome] = []
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
