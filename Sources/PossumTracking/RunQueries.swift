import Foundation

/// Backend-independent queries behind `possum runs ...` and `possum models ...`, written once over
/// `TrackingStore` so the commands stay a few lines of parsing.

extension TrackingStore {
    /// `possum runs list [--experiment NAME] [--sort KEY] [--filter EXPR]`: the runs of one experiment
    /// (by name; every experiment if nil), filtered and sorted. `sort` is `KEY [ASC|DESC]` where a
    /// bare KEY is a metric (`rmse`, `metrics.rmse DESC`, `params.solver`, `start_time`); metrics
    /// sort ascending by default, so the best RMSE comes first. Loads all params/metrics/tags only if
    /// `include` says so.
    public func listRuns(experiment name: String? = nil, filter: String? = nil, sort: String? = nil,
                         maxResults: Int? = nil, include: RunDataSelection = .all) throws -> [Run] {
        let ids: [String]
        if let name {
            guard let e = try experiment(named: name) else { throw TrackingError.notFound("experiment '\(name)'") }
            ids = [e.experimentID]
        } else {
            ids = try experiments().map(\.experimentID)
        }
        let parsedFilter = try filter.flatMap { $0.isEmpty ? nil : try RunFilter(parsing: $0) }
        let order = try sort.map { [try RunOrder(parsing: $0)] } ?? []
        return try searchRuns(experimentIDs: ids, filter: parsedFilter, orderBy: order, maxResults: maxResults, include: include)
    }

    /// `possum runs compare A B ...`: params, latest metrics and (non-system) tags side by side.
    /// `ids` may be unique prefixes; the table's short ids are prefixes that stay unique.
    public func compareRuns(ids: [String]) throws -> RunComparison {
        guard ids.count >= 2 else { throw TrackingError.invalidRequest("compare needs at least two run ids") }
        let all = try runIDs()
        let full = try ids.map { try IDPrefix.resolve($0, among: all, kind: "run") }
        var comparison = RunComparison(runs: try full.map { try run(id: $0) })
        comparison.shortIDs = IDPrefix.shortest(full, among: all)
        return comparison
    }

    /// The latest version of a model in a stage (MLflow's `get_latest_versions`), or nil.
    public func latestVersion(name: String, stage: ModelStage) throws -> ModelVersion? {
        try modelVersions(name: name).filter { $0.currentStage == stage }.max { $0.version < $1.version }
    }

    /// `possum models promote NAME VERSION --stage Production`: moves the version, archiving the
    /// versions previously in that stage (MLflow's `archive_existing_versions=True`) when the stage
    /// is Staging or Production.
    @discardableResult
    public func promote(name: String, version: Int, to stage: ModelStage) throws -> ModelVersion {
        try transitionModelVersionStage(name: name, version: version, stage: stage, archiveExistingVersions: stage.isActive)
    }

    /// `possum models get REF`: resolves a model reference to a version and a local artifact path.
    ///
    /// Accepted forms: `NAME@alias`, `NAME@Staging` / `NAME@Production` (any stage, case-insensitive;
    /// an alias of the same name wins), `NAME@latest`, `NAME/3`, and MLflow's URIs `models:/NAME/3`,
    /// `models:/NAME/Production`, `models:/NAME@alias`.
    public func resolveModel(_ reference: String) throws -> ResolvedModel {
        var ref = Substring(reference)
        if ref.hasPrefix("models:/") { ref = ref.dropFirst("models:/".count) }
        let name: String, selector: String, isAt: Bool
        if let at = ref.lastIndex(of: "@") {
            (name, selector, isAt) = (String(ref[..<at]), String(ref[ref.index(after: at)...]), true)
        } else if let slash = ref.lastIndex(of: "/") {
            (name, selector, isAt) = (String(ref[..<slash]), String(ref[ref.index(after: slash)...]), false)
        } else {
            throw TrackingError.invalidValue("model reference '\(reference)': expected NAME@STAGE, NAME@ALIAS or NAME/VERSION")
        }
        guard !selector.isEmpty else {
            throw TrackingError.invalidValue("model reference '\(reference)': nothing after '\(isAt ? "@" : "/")'")
        }
        let model = try registeredModel(named: name)
        let version: ModelVersion
        if let n = Int(selector), !isAt {
            version = try modelVersion(name: name, version: n)
        } else if let n = model.aliases[selector] {
            version = try modelVersion(name: name, version: n)
        } else if selector.lowercased() == "latest" {
            guard let v = try modelVersions(name: name).last else { throw TrackingError.notFound("any version of registered model '\(name)'") }
            version = v
        } else if let stage = ModelStage(parsing: selector) {
            guard let v = try latestVersion(name: name, stage: stage) else {
                throw TrackingError.notFound("a version of registered model '\(name)' in stage \(stage.rawValue)")
            }
            version = v
        } else {
            throw TrackingError.notFound("alias or stage '\(selector)' of registered model '\(name)'")
        }
        return ResolvedModel(version: version, artifactPath: try localPath(forModelSource: version.storageLocation ?? version.source))
    }

    /// `possum models get REF`, `model export --registered REF`: the model file of a reference
    /// (see `resolveModel`).
    public func resolveModelFile(_ reference: String) throws -> String {
        try modelFile(in: try resolveModel(reference).artifactPath, naming: reference)
    }

    /// The model file of a registered location: the location itself when it is a file (versions
    /// registered before models were logged as MLflow model folders), else the one `.h5` file in
    /// the folder (beside its MLmodel).
    public func modelFile(in location: String, naming reference: String) throws -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: location, isDirectory: &isDirectory), isDirectory.boolValue else { return location }
        let models = ((try? FileManager.default.contentsOfDirectory(atPath: location)) ?? []).filter { $0.hasSuffix(".h5") }.sorted()
        guard models.count == 1, let file = models.first else {
            throw TrackingError.notFound(models.isEmpty ? "a model file (.h5) in \(location), the folder of \(reference)"
                                         : "a single model file in \(location) (found \(models.joined(separator: ", ")))")
        }
        return location + "/" + file
    }
}

/// Runs side by side: one row per param, metric and tag key found in any of them.
public struct RunComparison: Sendable, Codable, Equatable {
    public struct Row: Sendable, Codable, Equatable {
        public var kind: String  // "param", "metric", "tag"
        public var key: String
        /// One entry per run, nil where the run lacks the key.
        public var values: [String?]
        /// True when the runs disagree (including present in some, missing in others).
        public var differs: Bool
    }

    public var runIDs: [String]
    public var runNames: [String]
    public var rows: [Row]
    /// The ids as the table shows them: 8 characters, more where that prefix is not unique.
    public var shortIDs: [String] = []

    enum CodingKeys: String, CodingKey { case runIDs = "run_ids", runNames = "run_names", rows }

    /// System tags (`mlflow.*`, `possum.*`) are left out: they always differ and say nothing.
    public init(runs: [Run]) {
        runIDs = runs.map(\.info.runID)
        runNames = runs.map(\.info.runName)
        shortIDs = runIDs.map { String($0.prefix(8)) }
        var rows: [Row] = []
        func add(_ kind: String, _ keys: Set<String>, _ value: (Run, String) -> String?) {
            for key in keys.sorted() {
                let values = runs.map { value($0, key) }
                rows.append(Row(kind: kind, key: key, values: values, differs: Set(values.map { $0 ?? "\u{0}missing" }).count > 1))
            }
        }
        add("param", Set(runs.flatMap(\.params.keys))) { $0.params[$1] }
        add("metric", Set(runs.flatMap(\.metrics.keys))) { run, key in run.metrics[key].map { formatMetricValue($0.value) } }
        add("tag", Set(runs.flatMap(\.tags.keys).filter { !$0.hasPrefix("mlflow.") && !$0.hasPrefix("possum.") })) { $0.tags[$1] }
        self.rows = rows
    }
}

/// Metric values in tables: up to 6 significant digits, the exact value in JSON.
func formatMetricValue(_ x: Double) -> String {
    if x.isNaN { return "nan" }
    if x.isInfinite { return x > 0 ? "inf" : "-inf" }
    return formatG(x, 6)
}
