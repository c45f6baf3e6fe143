/// `searchRuns` for the file store, by directory scan with lazy reads.
///
/// No index file: a run's `meta.yaml` is read for every run, but params, metrics and tags only for
/// the keys the filter, the sort and the caller's columns name, each by opening `params/<key>`
/// directly (no directory listing). Measured in `RunListingPerformanceTests`: listing 10,000 runs
/// sorted by a metric and filtered on a param takes well under the 1 s budget, so an index (and its
/// staleness problems with MLflow writing the same store) is not worth having.
extension FileTrackingStore {
    public func searchRuns(experimentIDs: [String], filter: RunFilter?, orderBy: [RunOrder], maxResults: Int?, include: RunDataSelection) throws -> [Run] {
        try files.withDirectoryCache {
            try searchRunsUncached(experimentIDs: experimentIDs, filter: filter, orderBy: orderBy, maxResults: maxResults, include: include)
        }
    }

    private func searchRunsUncached(experimentIDs: [String], filter: RunFilter?, orderBy: [RunOrder], maxResults: Int?, include: RunDataSelection) throws -> [Run] {
        var records: [LazyRunRecord] = []
        for experimentID in experimentIDs {
            try NameValidation.validateExperimentID(experimentID)
            let dir = experimentDirectory(experimentID)
            guard let entries = try files.listEntries(dir) else { throw TrackingError.notFound("experiment with id '\(experimentID)'") }
            for (name, kind) in entries where !name.hasPrefix(".") && !Self.reservedExperimentFolders.contains(name) {
                let runDir = dir + "/" + name
                switch kind {
                case .directory: break
                case .symbolicLink:
                    warnings.skipped(.corruptFile(path: runDir, reason: "a symbolic link (links in the store are not followed)"))
                    continue
                default: continue  // meta.yaml and stray files
                }
                // A damaged run (no meta.yaml, garbled, unreadable) is reported and left out, as
                // MLflow's own FileStore does: it never makes the store unlistable.
                let info: RunInfo
                do { info = try readRunInfo(runDirectory: runDir) } catch let error as TrackingError {
                    warnings.skipped(error)
                    continue
                }
                guard info.lifecycleStage == .active else { continue }
                let record = LazyRunRecord(store: self, directory: runDir, info: info)
                if let filter, try !filter.matches(record.value) { continue }
                records.append(record)
            }
        }
        // Decorate-sort: each record caches its values, so every file is read once.
        let keys = orderBy + [RunOrder(field: RunField(.attribute, "start_time"), ascending: false)]
        var decorated = try records.map { r in (record: r, values: try keys.map { try r.value($0.field) }) }
        decorated.sort { a, b in
            for (k, order) in keys.enumerated() {
                if let less = order.compare(a.values[k], b.values[k]) { return less }
            }
            return a.record.info.runID < b.record.info.runID
        }
        if let maxResults, decorated.count > maxResults { decorated.removeLast(decorated.count - maxResults) }
        // Whatever the caller asked for, plus what the filter and sort read (already cached).
        var selection = include
        if case let .keys(m, p, t) = include {
            let extra = (filter?.fields ?? []) + orderBy.map(\.field)
            selection = .keys(
                metrics: m + extra.filter { $0.kind == .metric }.map(\.key),
                params: p + extra.filter { $0.kind == .param }.map(\.key),
                tags: t + extra.filter { $0.kind == .tag }.map(\.key))
        }
        return try decorated.map { try loadRun(directory: $0.record.directory, info: $0.record.info, include: selection, skipping: true) }
    }
}

/// One run during a search: its info, and field values read on first use.
final class LazyRunRecord {
    let store: FileTrackingStore
    let directory: String
    let info: RunInfo
    private var cache: [RunField: RunFieldValue?] = [:]

    init(store: FileTrackingStore, directory: String, info: RunInfo) {
        (self.store, self.directory, self.info) = (store, directory, info)
    }

    func value(_ field: RunField) throws -> RunFieldValue? {
        if let cached = cache[field] { return cached }
        let v = try load(field)
        cache[field] = v
        return v
    }

    /// An unreadable value is reported once and treated as absent (the run does not match a
    /// filter on it and sorts with the runs lacking it).
    private func load(_ field: RunField) throws -> RunFieldValue? {
        do { return try loadStrictly(field) } catch let error as TrackingError {
            store.warnings.skipped(error)
            return nil
        }
    }

    private func loadStrictly(_ field: RunField) throws -> RunFieldValue? {
        switch field.kind {
        case .attribute:
            return info.attributeValue(field.key)
        case .metric:
            guard (try? NameValidation.validateKey(field.key, kind: "metric")) != nil else { return nil }
            guard let history = try store.readMetricFile(directory + "/metrics/" + field.key, key: field.key) else { return nil }
            return Metric.latest(history).map { .number($0.value) }
        case .param, .tag:
            guard (try? NameValidation.validateKey(field.key, kind: "key")) != nil else { return nil }
            let folder = field.kind == .param ? "/params/" : "/tags/"
            return try store.files.readText(directory + folder + field.key).map { .string($0) }
        }
    }
}

extension RunInfo {
    /// The value of an attribute usable in filters and sorts (`RunField.attributes`).
    public func attributeValue(_ key: String) -> RunFieldValue? {
        switch key {
        case "run_id": return .string(runID)
        case "run_name": return .string(runName)
        case "status": return .string(status.name)
        case "user_id": return .string(userID)
        case "artifact_uri": return .string(artifactURI)
        case "lifecycle_stage": return .string(lifecycleStage.rawValue)
        case "experiment_id": return .string(experimentID)
        case "start_time": return .number(Double(startTime))
        case "end_time": return endTime.map { .number(Double($0)) }
        default: return nil
        }
    }
}

extension Run {
    /// The value of a field, from what was loaded into this run.
    public func value(of field: RunField) -> RunFieldValue? {
        switch field.kind {
        case .attribute: return info.attributeValue(field.key)
        case .metric: return metrics[field.key].map { .number($0.value) }
        case .param: return params[field.key].map { .string($0) }
        case .tag: return tags[field.key].map { .string($0) }
        }
    }
}
