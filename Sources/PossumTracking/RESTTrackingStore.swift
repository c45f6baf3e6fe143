import Foundation

/// A tracking store behind an MLflow tracking server (`mlflow server`), through its REST API: what
/// `--tracking-uri http://HOST:PORT` opens. Experiments, runs, params, metrics, tags and the model
/// registry are the server's; artifacts go through its artifact proxy (`mlflow-artifacts:` URIs,
/// which `mlflow server` serves by default). Filters and sorts of `searchRuns` are evaluated here,
/// with the same code as the file store's, so `runs list --filter` means the same on both.
public final class RESTTrackingStore: TrackingStore, Sendable {
    let client: TrackingServerClient

    public var location: String { client.baseURL }

    /// Runs, experiments and models are fetched in pages of this many.
    static let pageSize = 1000

    public init(uri: String, environment: [String: String], retry: TrackingServerClient.RetryPolicy = .standard) throws {
        client = try TrackingServerClient(uri: uri, environment: environment, retry: retry)
    }

    // MARK: - Experiments

    public func createExperiment(name: String, tags: [String: String]) throws -> Experiment {
        try NameValidation.validateDisplayName(name, kind: "experiment", maxLength: NameValidation.maxExperimentNameLength)
        do {
            let answer = try client.post("experiments/create", ["name": name, "tags": keyValues(tags)])
            guard let id = answer["experiment_id"] as? String else { throw badAnswer("experiments/create", "no experiment_id") }
            return try experiment(id: id)
        } catch let error as TrackingServerError where error.errorCode == "RESOURCE_ALREADY_EXISTS" {
            throw TrackingError.alreadyExists("experiment '\(name)'")
        }
    }

    public func getOrCreateExperiment(named name: String) throws -> Experiment {
        if let existing = try experiment(named: name) { return existing }
        do { return try createExperiment(name: name, tags: [:]) } catch TrackingError.alreadyExists {
            // Another client created it between the two calls.
            guard let existing = try experiment(named: name) else { throw TrackingError.notFound("experiment '\(name)'") }
            return existing
        }
    }

    public func experiment(id: String) throws -> Experiment {
        let answer = try mappingNotFound("experiment with id '\(id)'") { try client.get("experiments/get", [("experiment_id", id)]) }
        return try decodeExperiment(answer["experiment"], endpoint: "experiments/get")
    }

    public func experiment(named name: String) throws -> Experiment? {
        do {
            let answer = try client.get("experiments/get-by-name", [("experiment_name", name)])
            return try decodeExperiment(answer["experiment"], endpoint: "experiments/get-by-name")
        } catch let error as TrackingServerError where error.isNotFound {
            return nil
        }
    }

    public func experiments() throws -> [Experiment] {
        var all: [Experiment] = []
        var token: String?
        repeat {
            var body: JSONObject = ["max_results": Self.pageSize, "view_type": "ACTIVE_ONLY"]
            if let token { body["page_token"] = token }
            let answer = try client.post("experiments/search", body)
            all += try (answer["experiments"] as? [Any] ?? []).map { try decodeExperiment($0, endpoint: "experiments/search") }
            token = nextPageToken(answer)
        } while token != nil
        return all.sorted { ($0.creationTime ?? 0, $0.experimentID) < ($1.creationTime ?? 0, $1.experimentID) }
    }

    public func setExperimentTag(experimentID: String, key: String, value: String) throws {
        try NameValidation.validateKey(key, kind: "tag")
        try client.post("experiments/set-experiment-tag", ["experiment_id": experimentID, "key": key, "value": value])
    }

    // MARK: - Runs

    public func startRun(experimentID: String, name: String?, parentRunID: String?, tags: [String: String], startTime: Int64?) throws -> RunInfo {
        if let parentRunID { _ = try runInfo(id: parentRunID) }  // the parent must exist
        let allTags = ProcessIdentity.newRunTags(tags, runName: name, parentRunID: parentRunID)
        try validateTags(allTags)
        var body: JSONObject = ["experiment_id": experimentID, "user_id": ProcessIdentity.user, "tags": keyValues(allTags),
                                "start_time": startTime ?? ProcessIdentity.nowMillis()]
        if let name { body["run_name"] = name }
        let answer = try mappingNotFound("experiment with id '\(experimentID)'") { try client.post("runs/create", body) }
        return try decodeRun(answer["run"], endpoint: "runs/create").info
    }

    @discardableResult
    public func endRun(runID: String, status: RunStatus, endTime: Int64?) throws -> RunInfo {
        let answer = try mappingNotFound("run '\(runID)'") {
            try client.post("runs/update", ["run_id": runID, "status": status.name, "end_time": endTime ?? ProcessIdentity.nowMillis()])
        }
        return try decodeRunInfo(answer["run_info"], endpoint: "runs/update")
    }

    public func logParam(runID: String, key: String, value: String) throws {
        try logBatch(runID: runID, params: [key: value], metrics: [], tags: [:])
    }

    public func logMetric(runID: String, key: String, value: Double, step: Int64, timestamp: Int64?) throws {
        try logBatch(runID: runID, params: [:], metrics: [Metric(key: key, value: value, timestamp: timestamp ?? ProcessIdentity.nowMillis(), step: step)], tags: [:])
    }

    public func setTag(runID: String, key: String, value: String) throws {
        try logBatch(runID: runID, params: [:], metrics: [], tags: [key: value])
    }

    /// `runs/log-batch`, in chunks within MLflow's limits (1000 metrics, 100 params, 100 tags and
    /// 1000 entries in all per request).
    public func logBatch(runID: String, params: [String: String], metrics: [Metric], tags: [String: String]) throws {
        for key in params.keys { try NameValidation.validateKey(key, kind: "param") }
        for metric in metrics { try NameValidation.validateKey(metric.key, kind: "metric") }
        try validateTags(tags)
        let paramList = params.sorted { $0.key < $1.key }
        let tagList = tags.sorted { $0.key < $1.key }
        var (p, m, t) = (0, 0, 0)
        repeat {
            let ps = paramList[p..<min(p + 100, paramList.count)]
            let ts = tagList[t..<min(t + 100, tagList.count)]
            let ms = metrics[m..<min(m + 1000 - ps.count - ts.count, metrics.count)]
            let paramEntries: [JSONObject] = ps.map { ["key": $0.key, "value": $0.value] }
            let tagEntries: [JSONObject] = ts.map { ["key": $0.key, "value": $0.value] }
            let metricEntries: [JSONObject] = ms.map(metricJSON)
            let body: JSONObject = ["run_id": runID, "params": paramEntries, "tags": tagEntries, "metrics": metricEntries]
            _ = try mappingNotFound("run '\(runID)'") { try client.post("runs/log-batch", body) }
            (p, m, t) = (p + ps.count, m + ms.count, t + ts.count)
        } while p < paramList.count || m < metrics.count || t < tagList.count
    }

    public func runInfo(id: String) throws -> RunInfo {
        try run(id: id).info
    }

    public func run(id: String) throws -> Run {
        let answer = try mappingNotFound("run '\(id)'") { try client.get("runs/get", [("run_id", id)]) }
        return try decodeRun(answer["run"], endpoint: "runs/get")
    }

    public func runIDs() throws -> [String] {
        try allRuns(experimentIDs: experiments().map(\.experimentID), viewType: "ALL").map(\.info.runID)
    }

    public func metricHistory(runID: String, key: String) throws -> [Metric] {
        var all: [Metric] = []
        var token: String?
        repeat {
            var query = [("run_id", runID), ("metric_key", key), ("max_results", "25000")]
            if let token { query.append(("page_token", token)) }
            let answer = try mappingNotFound("run '\(runID)'") { try client.get("metrics/get-history", query) }
            all += try (answer["metrics"] as? [Any] ?? []).map { try decodeMetric($0, endpoint: "metrics/get-history") }
            token = nextPageToken(answer)
        } while token != nil
        return all
    }

    /// Every run of these experiments, all of its data, in the server's order.
    func allRuns(experimentIDs: [String], viewType: String = "ACTIVE_ONLY") throws -> [Run] {
        guard !experimentIDs.isEmpty else { return [] }
        var all: [Run] = []
        var token: String?
        repeat {
            var body: JSONObject = ["experiment_ids": experimentIDs, "run_view_type": viewType, "max_results": Self.pageSize]
            if let token { body["page_token"] = token }
            let answer = try client.post("runs/search", body)
            all += try (answer["runs"] as? [Any] ?? []).map { try decodeRun($0, endpoint: "runs/search") }
            token = nextPageToken(answer)
        } while token != nil
        return all
    }

    public func searchRuns(experimentIDs: [String], filter: RunFilter?, orderBy: [RunOrder], maxResults: Int?, include: RunDataSelection) throws -> [Run] {
        for id in experimentIDs { _ = try experiment(id: id) }  // an unknown id is an error, as in the file store
        var runs = try allRuns(experimentIDs: experimentIDs)
        if let filter { runs = runs.filter { run in filter.matches { run.value(of: $0) } } }
        let keys = orderBy + [RunOrder(field: RunField(.attribute, "start_time"), ascending: false)]
        var decorated = runs.map { run in (run: run, values: keys.map { run.value(of: $0.field) }) }
        decorated.sort { a, b in
            for (k, order) in keys.enumerated() {
                if let less = order.compare(a.values[k], b.values[k]) { return less }
            }
            return a.run.info.runID < b.run.info.runID
        }
        if let maxResults, decorated.count > maxResults { decorated.removeLast(decorated.count - maxResults) }
        return decorated.map(\.run)
    }

    // MARK: - Maintenance

    public func collectGarbage(markAs status: RunStatus, dryRun: Bool, repair: Bool) throws -> [GCOutcome] {
        throw TrackingError.invalidRequest("runs gc is not supported by a tracking server (\(location)): it works on a file store, where possum can see which process owns a run")
    }

    // MARK: - Helpers

    func validateTags(_ tags: [String: String]) throws {
        for key in tags.keys { try NameValidation.validateKey(key, kind: "tag") }
    }

    /// A server's "does not exist" as the file store says it (`run 'x' not found`); other errors as they are.
    func mappingNotFound<T>(_ what: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as TrackingServerError where error.isNotFound {
            throw TrackingError.notFound(what + " on \(location)")
        }
    }

    func badAnswer(_ endpoint: String, _ reason: String) -> TrackingServerError {
        TrackingServerError(server: client.baseURL, method: "GET", path: "/api/2.0/mlflow/" + endpoint,
                            problem: .badAnswer("unexpected answer: \(reason)"))
    }
}

// MARK: - Decoding MLflow's JSON

func keyValues(_ pairs: [String: String]) -> [JSONObject] {
    pairs.sorted { $0.key < $1.key }.map { ["key": $0.key, "value": $0.value] }
}

/// A metric as `runs/log-batch` takes it. JSON has no NaN or infinities: MLflow's own client sends
/// them as these strings.
func metricJSON(_ metric: Metric) -> JSONObject {
    let value: Any
    if metric.value.isNaN { value = "NaN" } else if metric.value.isInfinite { value = metric.value > 0 ? "Infinity" : "-Infinity" } else { value = metric.value }
    return ["key": metric.key, "value": value, "timestamp": metric.timestamp, "step": metric.step]
}

func nextPageToken(_ answer: JSONObject) -> String? {
    (answer["next_page_token"] as? String).flatMap { $0.isEmpty ? nil : $0 }
}

/// An int64 field: MLflow's JSON writes them as numbers, protobuf's canonical JSON as strings.
func jsonInt64(_ value: Any?) -> Int64? {
    if let n = value as? Int { return Int64(exactly: n) }
    if let d = value as? Double { return Int64(exactly: d) }
    if let s = value as? String { return Int64(s) }
    return nil
}

func jsonDouble(_ value: Any?) -> Double? {
    if let d = value as? Double { return d }
    if let s = value as? String { return Double(s) ?? (s == "Infinity" ? .infinity : s == "-Infinity" ? -.infinity : nil) }
    return nil
}

func jsonKeyValues(_ value: Any?) -> [String: String] {
    var out: [String: String] = [:]
    for entry in value as? [JSONObject] ?? [] {
        if let key = entry["key"] as? String { out[key] = entry["value"] as? String ?? "" }
    }
    return out
}

extension RESTTrackingStore {
    func decodeExperiment(_ value: Any?, endpoint: String) throws -> Experiment {
        guard let e = value as? JSONObject, let id = e["experiment_id"] as? String, let name = e["name"] as? String else {
            throw badAnswer(endpoint, "no experiment")
        }
        return Experiment(experimentID: id, name: name, artifactLocation: e["artifact_location"] as? String ?? "",
                          lifecycleStage: LifecycleStage(rawValue: e["lifecycle_stage"] as? String ?? "") ?? .active,
                          creationTime: jsonInt64(e["creation_time"]), lastUpdateTime: jsonInt64(e["last_update_time"]),
                          tags: jsonKeyValues(e["tags"]))
    }

    func decodeRunInfo(_ value: Any?, endpoint: String) throws -> RunInfo {
        guard let i = value as? JSONObject, let id = (i["run_id"] ?? i["run_uuid"]) as? String,
              let experimentID = i["experiment_id"] as? String else {
            throw badAnswer(endpoint, "no run info")
        }
        return RunInfo(runID: id, runName: i["run_name"] as? String ?? "", experimentID: experimentID,
                       userID: i["user_id"] as? String ?? "",
                       status: RunStatus(name: i["status"] as? String ?? "") ?? .running,
                       startTime: jsonInt64(i["start_time"]) ?? 0, endTime: jsonInt64(i["end_time"]),
                       artifactURI: i["artifact_uri"] as? String ?? "",
                       lifecycleStage: LifecycleStage(rawValue: i["lifecycle_stage"] as? String ?? "") ?? .active)
    }

    func decodeMetric(_ value: Any?, endpoint: String) throws -> Metric {
        guard let m = value as? JSONObject, let key = m["key"] as? String, let v = jsonDouble(m["value"]) else {
            throw badAnswer(endpoint, "a metric without key or value")
        }
        return Metric(key: key, value: v, timestamp: jsonInt64(m["timestamp"]) ?? 0, step: jsonInt64(m["step"]) ?? 0)
    }

    func decodeRun(_ value: Any?, endpoint: String) throws -> Run {
        guard let r = value as? JSONObject else { throw badAnswer(endpoint, "no run") }
        let info = try decodeRunInfo(r["info"], endpoint: endpoint)
        let data = r["data"] as? JSONObject ?? [:]
        var metrics: [String: Metric] = [:]
        for metric in try (data["metrics"] as? [Any] ?? []).map({ try decodeMetric($0, endpoint: endpoint) }) {
            metrics[metric.key] = Metric.latest([metrics[metric.key], metric].compactMap { $0 })
        }
        return Run(info: info, params: jsonKeyValues(data["params"]), metrics: metrics, tags: jsonKeyValues(data["tags"]))
    }
}
