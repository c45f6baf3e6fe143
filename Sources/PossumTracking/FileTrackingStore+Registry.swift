/// The model registry, laid out as MLflow's model-registry `FileStore`:
///
///     models/<name>/meta.yaml               aliases, creation_timestamp, description,
///                                           last_updated_timestamp, name
///     models/<name>/tags/<key>
///     models/<name>/aliases/<alias>         the version number, as text
///     models/<name>/version-<n>/meta.yaml   creation_timestamp, current_stage, description,
///                                           last_updated_timestamp, name, run_id, run_link, source,
///                                           status, status_message, storage_location, user_id, version
///     models/<name>/version-<n>/tags/<key>
///
/// MLflow 3 also mirrors the aliases into the model's `meta.yaml` (a nested mapping); we write both,
/// and read the `aliases/` folder, which every MLflow version reads. Every change holds the store
/// lock: version numbers are "max + 1", and archiving touches several versions at once.
extension FileTrackingStore {
    var modelsDirectory: String { path(Self.modelsFolder) }

    func modelDirectory(_ name: String) -> String { modelsDirectory + "/" + name }

    public func createRegisteredModel(name: String, tags: [String: String], description: String?) throws -> RegisteredModel {
        try NameValidation.validateModelName(name)
        try validateTags(tags)
        return try withStoreLock {
            let dir = modelDirectory(name)
            let now = ProcessIdentity.nowMillis()
            let model = RegisteredModel(
                name: name, creationTimestamp: now, lastUpdatedTimestamp: now, description: description, tags: tags, aliases: [:])
            try createDirectoryAtomically(dir, what: "registered model '\(name)'") { temp in
                if !tags.isEmpty { try files.makeDirectories(temp + "/tags") }
                for (key, value) in tags { try writeText(value, to: temp + "/tags/" + key, tempDirectory: temp) }
                try writeModelMeta(model, in: temp)
            }
            return model
        }
    }

    public func registeredModel(named name: String) throws -> RegisteredModel {
        try NameValidation.validateModelName(name)
        return try readRegisteredModel(name)
    }

    /// Every readable registered model; a damaged one (or a stray entry) is skipped with a warning.
    public func registeredModels() throws -> [RegisteredModel] {
        let names: [String]
        do {
            guard let listed = try files.listDirectory(modelsDirectory) else { return [] }
            names = listed
        } catch let error as TrackingError {
            if case .corruptFile = error { warnings.skipped(error); return [] }  // `models` is a link or a file
            throw error
        }
        var out: [RegisteredModel] = []
        for name in names.sorted() where !name.hasPrefix(".") {
            let dir = modelDirectory(name)
            do {
                switch files.kind(dir) {
                case .directory: break
                case .symbolicLink: throw TrackingError.corruptFile(path: dir, reason: "a symbolic link (links in the store are not followed)")
                default: continue
                }
                do { try NameValidation.validateModelName(name) } catch {
                    throw TrackingError.corruptFile(path: dir, reason: "unexpected directory: not a valid model name")
                }
                out.append(try readRegisteredModel(name))
            } catch let error as TrackingError {
                warnings.skipped(error)
            }
        }
        return out
    }

    public func setRegisteredModelTag(name: String, key: String, value: String) throws {
        try NameValidation.validateModelName(name)
        try NameValidation.validateKey(key, kind: "tag")
        try validateTagValue(value, key: key)
        try withStoreLock {
            var model = try readRegisteredModel(name)
            let dir = modelDirectory(name)
            try files.makeDirectories(dir + "/tags")
            try writeText(value, to: dir + "/tags/" + key, tempDirectory: dir)
            model.lastUpdatedTimestamp = ProcessIdentity.nowMillis()
            try writeModelMeta(model)
        }
    }

    public func createModelVersion(name: String, source: String, runID: String?, tags: [String: String], description: String?) throws -> ModelVersion {
        try NameValidation.validateModelName(name)
        try validateTags(tags)
        if let runID { _ = try runInfo(id: runID) }
        guard !source.isEmpty, !source.contains("\0") else { throw TrackingError.invalidValue("model version source must be a non-empty URI or path") }
        return try withStoreLock {
            var model = try readRegisteredModel(name)
            let number = (try versionNumbers(name).max() ?? 0) + 1
            let dir = modelDirectory(name) + "/version-\(number)"
            let now = ProcessIdentity.nowMillis()
            let version = ModelVersion(
                name: name, version: number, creationTimestamp: now, lastUpdatedTimestamp: now, currentStage: .none,
                description: description, source: source, runID: runID, runLink: nil, status: "READY", statusMessage: nil,
                storageLocation: source, userID: nil, tags: tags, aliases: [])
            try createDirectoryAtomically(dir, what: "model version \(dir)") { temp in
                if !tags.isEmpty { try files.makeDirectories(temp + "/tags") }
                for (key, value) in tags { try writeText(value, to: temp + "/tags/" + key, tempDirectory: temp) }
                try writeVersionMeta(version, in: temp)
            }
            model.lastUpdatedTimestamp = now
            try writeModelMeta(model)
            return version
        }
    }

    public func modelVersion(name: String, version: Int) throws -> ModelVersion {
        try NameValidation.validateModelName(name)
        let model = try readRegisteredModel(name)
        return try readModelVersion(name, version, aliases: model.aliases)
    }

    /// Every readable version, oldest first; a damaged one is skipped with a warning.
    public func modelVersions(name: String) throws -> [ModelVersion] {
        try NameValidation.validateModelName(name)
        let model = try readRegisteredModel(name)
        return try versionNumbers(name).sorted().compactMap { n in
            do {
                let v = try readModelVersion(name, n, aliases: model.aliases, includeDeleted: true)
                return v.status == deletedStageMarker ? nil : v
            } catch let error as TrackingError {
                if case .notFound = error {
                    warnings.skipped(.corruptFile(path: modelDirectory(name) + "/version-\(n)/meta.yaml", reason: "missing"))
                } else {
                    warnings.skipped(error)
                }
                return nil
            }
        }
    }

    public func setModelVersionTag(name: String, version: Int, key: String, value: String) throws {
        try NameValidation.validateModelName(name)
        try NameValidation.validateKey(key, kind: "tag")
        try validateTagValue(value, key: key)
        try withStoreLock {
            var model = try readRegisteredModel(name)
            _ = try readModelVersion(name, version, aliases: model.aliases)
            let dir = modelDirectory(name) + "/version-\(version)"
            try files.makeDirectories(dir + "/tags")
            try writeText(value, to: dir + "/tags/" + key, tempDirectory: dir)
            model.lastUpdatedTimestamp = ProcessIdentity.nowMillis()
            try writeModelMeta(model)
        }
    }

    public func transitionModelVersionStage(name: String, version: Int, stage: ModelStage, archiveExistingVersions: Bool) throws -> ModelVersion {
        try NameValidation.validateModelName(name)
        if archiveExistingVersions && !stage.isActive {
            throw TrackingError.invalidRequest(
                "cannot archive existing versions when moving to '\(stage.rawValue)': only Staging and Production are active stages")
        }
        return try withStoreLock {
            var model = try readRegisteredModel(name)
            var target = try readModelVersion(name, version, aliases: model.aliases)
            let now = ProcessIdentity.nowMillis()
            if archiveExistingVersions {
                for n in try versionNumbers(name) where n != version {
                    // A damaged other version cannot be in the stage as far as anyone can read: skip it.
                    var other: ModelVersion
                    do { other = try readModelVersion(name, n, aliases: model.aliases, includeDeleted: true) } catch let error as TrackingError {
                        warnings.skipped(error)
                        continue
                    }
                    if other.currentStage == stage && other.status != deletedStageMarker {
                        other.currentStage = .archived
                        other.lastUpdatedTimestamp = now
                        try writeVersionMeta(other)
                    }
                }
            }
            target.currentStage = stage
            target.lastUpdatedTimestamp = now
            try writeVersionMeta(target)
            model.lastUpdatedTimestamp = now
            try writeModelMeta(model)
            return target
        }
    }

    public func setRegisteredModelAlias(name: String, alias: String, version: Int) throws {
        try NameValidation.validateModelName(name)
        try NameValidation.validateAlias(alias)
        try withStoreLock {
            var model = try readRegisteredModel(name)
            _ = try readModelVersion(name, version, aliases: model.aliases)
            let dir = modelDirectory(name)
            try files.makeDirectories(dir + "/aliases")
            try writeText(String(version), to: dir + "/aliases/" + alias, tempDirectory: dir)
            model.aliases[alias] = version
            model.lastUpdatedTimestamp = ProcessIdentity.nowMillis()
            try writeModelMeta(model)
        }
    }

    public func deleteRegisteredModelAlias(name: String, alias: String) throws {
        try NameValidation.validateModelName(name)
        try NameValidation.validateAlias(alias)
        try withStoreLock {
            var model = try readRegisteredModel(name)
            let file = modelDirectory(name) + "/aliases/" + alias
            guard model.aliases[alias] != nil, files.kind(file) != .missing else {
                throw TrackingError.notFound("alias '\(alias)' of registered model '\(name)'")
            }
            try FileIO.remove(file)
            model.aliases[alias] = nil
            model.lastUpdatedTimestamp = ProcessIdentity.nowMillis()
            try writeModelMeta(model)
        }
    }

    public func localPath(forModelSource source: String) throws -> String {
        if source.hasPrefix("runs:/") {
            // runs:/<run_id>/<path inside its artifacts>
            let rest = source.dropFirst("runs:/".count)
            let parts = rest.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: true)
            guard let runID = parts.first else { throw TrackingError.invalidValue("model source '\(source)': expected runs:/<run_id>/<path>") }
            let base = try artifactDirectory(runID: String(runID))
            return parts.count > 1 ? base + "/" + parts[1] : base
        }
        return try localPathInStore(absolutePath(try pathFromURIOrPath(source)), naming: source)
    }

    /// A recorded local path, held to the store's rule (see `artifactDirectory(runID:)`): a path
    /// inside this store is used as is; one into a run's artifacts of another store with this
    /// layout (`…/<experiment id>/<run id>/artifacts/…`, what a copied or moved store records) is
    /// read from that run in this store; anything else is refused rather than read from outside.
    func localPathInStore(_ path: String, naming source: String) throws -> String {
        if path == root || path.hasPrefix(root + "/") { return path }
        let parts = path.split(separator: "/").map(String.init)
        if let artifacts = parts.lastIndex(of: "artifacts"), artifacts >= 2 {
            let (experimentID, runID) = (parts[artifacts - 2], parts[artifacts - 1])
            if (try? NameValidation.validateExperimentID(experimentID)) != nil, (try? NameValidation.validateRunID(runID)) != nil {
                let runDir = experimentDirectory(experimentID) + "/" + runID
                if files.isDirectory(runDir) {
                    return ([runDir, "artifacts"] + parts[(artifacts + 1)...]).joined(separator: "/")
                }
            }
        }
        throw TrackingError.invalidRequest(
            "model source \(quoted(source)) is outside the tracking store \(root), and possum reads only files inside its store")
    }

    // MARK: - Internals

    /// MLflow marks deleted versions with this stage in `current_stage`; we skip them.
    var deletedStageMarker: String { "Deleted_Internal" }

    func versionNumbers(_ name: String) throws -> [Int] {
        let dir = modelDirectory(name)
        guard let entries = try files.listDirectory(dir) else { throw TrackingError.notFound("registered model '\(name)'") }
        return entries.compactMap { entry in
            guard entry.hasPrefix("version-"), let n = Int(entry.dropFirst("version-".count)), n > 0,
                  files.isDirectory(dir + "/" + entry) else { return nil }
            return n
        }
    }

    func readRegisteredModel(_ name: String) throws -> RegisteredModel {
        let dir = modelDirectory(name)
        guard files.isDirectory(dir) else { throw TrackingError.notFound("registered model '\(name)'") }
        let metaPath = dir + "/meta.yaml"
        // Models are renamed into place complete: a missing meta.yaml is damage.
        guard let doc = try readYAML(metaPath) else { throw TrackingError.corruptFile(path: metaPath, reason: "missing: the model directory has no meta.yaml") }
        let recorded = try doc.string("name")
        guard recorded == name else {
            throw TrackingError.corruptFile(path: metaPath, reason: "name '\(recorded)' does not match its directory '\(name)'")
        }
        var aliases: [String: Int] = [:]
        for (alias, text) in try readKeyValueFolder(dir + "/aliases") {
            guard let n = Int(text.trimmingSpacesSub) else {
                throw TrackingError.corruptFile(path: dir + "/aliases/" + alias, reason: "expected a version number, found \(quoted(text))")
            }
            aliases[alias] = n
        }
        return RegisteredModel(
            name: name, creationTimestamp: try doc.optionalInt("creation_timestamp") ?? 0,
            lastUpdatedTimestamp: try doc.optionalInt("last_updated_timestamp") ?? 0,
            description: doc.optionalString("description"), tags: try readKeyValueFolder(dir + "/tags"), aliases: aliases)
    }

    /// A version; deleted ones (MLflow's `Deleted_Internal` stage) are not found unless asked for,
    /// in which case `status` carries the marker.
    func readModelVersion(_ name: String, _ version: Int, aliases: [String: Int], includeDeleted: Bool = false) throws -> ModelVersion {
        let dir = modelDirectory(name) + "/version-\(version)"
        let metaPath = dir + "/meta.yaml"
        guard let doc = try readYAML(metaPath) else { throw TrackingError.notFound("version \(version) of registered model '\(name)'") }
        let stageText = try doc.string("current_stage")
        if stageText == deletedStageMarker {
            if !includeDeleted { throw TrackingError.notFound("version \(version) of registered model '\(name)'") }
        }
        let stage = ModelStage(parsing: stageText)
        guard stage != nil || stageText == deletedStageMarker else {
            throw TrackingError.corruptFile(path: metaPath, reason: "unknown current_stage '\(stageText)' (expected None, Staging, Production or Archived)")
        }
        let recordedVersion = try doc.int("version")
        guard recordedVersion == version else {
            throw TrackingError.corruptFile(path: metaPath, reason: "version \(recordedVersion) does not match its directory 'version-\(version)'")
        }
        return ModelVersion(
            name: name, version: version, creationTimestamp: try doc.optionalInt("creation_timestamp") ?? 0,
            lastUpdatedTimestamp: try doc.optionalInt("last_updated_timestamp") ?? 0, currentStage: stage ?? .none,
            description: doc.optionalString("description"), source: try doc.string("source"),
            runID: doc.optionalString("run_id"), runLink: doc.optionalString("run_link"),
            status: stageText == deletedStageMarker ? deletedStageMarker : (doc.optionalString("status") ?? "READY"),
            statusMessage: doc.optionalString("status_message"), storageLocation: doc.optionalString("storage_location"),
            userID: doc.optionalString("user_id"), tags: try readKeyValueFolder(dir + "/tags"),
            aliases: aliases.filter { $0.value == version }.map(\.key).sorted())
    }

    /// `directory` is the model's own unless it is being built under a temporary name.
    func writeModelMeta(_ model: RegisteredModel, in directory: String? = nil) throws {
        let dir = directory ?? modelDirectory(model.name)
        try writeYAML([
            "aliases": .mapping(model.aliases.mapValues { .string(String($0)) }),
            "creation_timestamp": .int(model.creationTimestamp),
            "description": model.description.map { .string($0) } ?? .null,
            "last_updated_timestamp": .int(model.lastUpdatedTimestamp),
            "name": .string(model.name),
        ], to: dir + "/meta.yaml", tempDirectory: dir)
    }

    func writeVersionMeta(_ v: ModelVersion, in directory: String? = nil) throws {
        let dir = directory ?? modelDirectory(v.name) + "/version-\(v.version)"
        func opt(_ s: String?) -> YAMLScalar { s.map { .string($0) } ?? .null }
        try writeYAML([
            "creation_timestamp": .int(v.creationTimestamp),
            "current_stage": .string(v.currentStage.rawValue),
            "description": opt(v.description),
            "last_updated_timestamp": .int(v.lastUpdatedTimestamp),
            "name": .string(v.name),
            "run_id": opt(v.runID),
            "run_link": opt(v.runLink),
            "source": .string(v.source),
            "status": .string(v.status),
            "status_message": opt(v.statusMessage),
            "storage_location": opt(v.storageLocation),
            "user_id": opt(v.userID),
            "version": .int(Int64(v.version)),
        ], to: dir + "/meta.yaml", tempDirectory: dir)
    }
}
