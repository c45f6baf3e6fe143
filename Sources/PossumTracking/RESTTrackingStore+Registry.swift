import Foundation

/// The model registry of a tracking server: registered models, versions, stages and aliases.
extension RESTTrackingStore {
    public func createRegisteredModel(name: String, tags: [String: String], description: String?) throws -> RegisteredModel {
        try NameValidation.validateModelName(name)
        try validateTags(tags)
        var body: JSONObject = ["name": name, "tags": keyValues(tags)]
        if let description { body["description"] = description }
        do {
            return try decodeRegisteredModel(try client.post("registered-models/create", body)["registered_model"], endpoint: "registered-models/create")
        } catch let error as TrackingServerError where error.errorCode == "RESOURCE_ALREADY_EXISTS" {
            throw TrackingError.alreadyExists("registered model '\(name)'")
        }
    }

    public func registeredModel(named name: String) throws -> RegisteredModel {
        let answer = try mappingNotFound("registered model '\(name)'") { try client.get("registered-models/get", [("name", name)]) }
        return try decodeRegisteredModel(answer["registered_model"], endpoint: "registered-models/get")
    }

    public func registeredModels() throws -> [RegisteredModel] {
        var all: [RegisteredModel] = []
        var token: String?
        repeat {
            var query = [("max_results", "1000")]
            if let token { query.append(("page_token", token)) }
            let answer = try client.get("registered-models/search", query)
            all += try (answer["registered_models"] as? [Any] ?? []).map { try decodeRegisteredModel($0, endpoint: "registered-models/search") }
            token = nextPageToken(answer)
        } while token != nil
        return all.sorted { $0.name < $1.name }
    }

    public func setRegisteredModelTag(name: String, key: String, value: String) throws {
        try NameValidation.validateKey(key, kind: "tag")
        _ = try mappingNotFound("registered model '\(name)'") {
            try client.post("registered-models/set-tag", ["name": name, "key": key, "value": value])
        }
    }

    public func createModelVersion(name: String, source: String, runID: String?, tags: [String: String], description: String?) throws -> ModelVersion {
        try validateTags(tags)
        var body: JSONObject = ["name": name, "source": source, "tags": keyValues(tags)]
        if let runID { body["run_id"] = runID }
        if let description { body["description"] = description }
        let answer = try mappingNotFound("registered model '\(name)'") { try client.post("model-versions/create", body) }
        return try decodeModelVersion(answer["model_version"], endpoint: "model-versions/create")
    }

    public func modelVersion(name: String, version: Int) throws -> ModelVersion {
        let answer = try mappingNotFound("version \(version) of registered model '\(name)'") {
            try client.get("model-versions/get", [("name", name), ("version", String(version))])
        }
        return try decodeModelVersion(answer["model_version"], endpoint: "model-versions/get")
    }

    public func modelVersions(name: String) throws -> [ModelVersion] {
        let model = try registeredModel(named: name)  // an unknown name is an error, not an empty list
        // MLflow's filter strings quote with ' or ", with no escape: pick the one the name lacks.
        let quote = name.contains("'") ? "\"" : "'"
        var all: [ModelVersion] = []
        var token: String?
        repeat {
            var query = [("filter", "name=\(quote)\(name)\(quote)"), ("max_results", "10000")]
            if let token { query.append(("page_token", token)) }
            let answer = try client.get("model-versions/search", query)
            all += try (answer["model_versions"] as? [Any] ?? []).map { try decodeModelVersion($0, endpoint: "model-versions/search") }
            token = nextPageToken(answer)
        } while token != nil
        // Searches may leave out aliases: take them from the model.
        return all.filter { $0.name == name }.map { version in
            var v = version
            v.aliases = model.aliases.filter { $0.value == version.version }.map(\.key).sorted()
            return v
        }.sorted { $0.version < $1.version }
    }

    public func setModelVersionTag(name: String, version: Int, key: String, value: String) throws {
        try NameValidation.validateKey(key, kind: "tag")
        _ = try mappingNotFound("version \(version) of registered model '\(name)'") {
            try client.post("model-versions/set-tag", ["name": name, "version": String(version), "key": key, "value": value])
        }
    }

    @discardableResult
    public func transitionModelVersionStage(name: String, version: Int, stage: ModelStage, archiveExistingVersions: Bool) throws -> ModelVersion {
        if archiveExistingVersions && !stage.isActive {
            throw TrackingError.invalidRequest("archiving existing versions is only allowed when moving to Staging or Production, not \(stage.rawValue)")
        }
        let answer = try mappingNotFound("version \(version) of registered model '\(name)'") {
            try client.post("model-versions/transition-stage", ["name": name, "version": String(version), "stage": stage.rawValue,
                                                                "archive_existing_versions": archiveExistingVersions])
        }
        return try decodeModelVersion(answer["model_version"], endpoint: "model-versions/transition-stage")
    }

    public func setRegisteredModelAlias(name: String, alias: String, version: Int) throws {
        try NameValidation.validateAlias(alias)
        _ = try mappingNotFound("version \(version) of registered model '\(name)'") {
            try client.post("registered-models/alias", ["name": name, "alias": alias, "version": String(version)])
        }
    }

    public func deleteRegisteredModelAlias(name: String, alias: String) throws {
        try NameValidation.validateAlias(alias)
        // MLflow answers a missing alias with success: say so, as the file store does.
        guard try registeredModel(named: name).aliases[alias] != nil else {
            throw TrackingError.notFound("alias '\(alias)' of registered model '\(name)'")
        }
        _ = try mappingNotFound("alias '\(alias)' of registered model '\(name)'") {
            try client.send("DELETE", "registered-models/alias", ["name": name, "alias": alias])
        }
    }

    // MARK: - Decoding

    func decodeRegisteredModel(_ value: Any?, endpoint: String) throws -> RegisteredModel {
        guard let m = value as? JSONObject, let name = m["name"] as? String else { throw badAnswer(endpoint, "no registered model") }
        var aliases: [String: Int] = [:]
        for entry in m["aliases"] as? [JSONObject] ?? [] {
            if let alias = entry["alias"] as? String, let v = jsonInt64(entry["version"]).flatMap({ Int(exactly: $0) }) { aliases[alias] = v }
        }
        let description = (m["description"] as? String).flatMap { $0.isEmpty ? nil : $0 }
        return RegisteredModel(name: name, creationTimestamp: jsonInt64(m["creation_timestamp"]) ?? 0,
                               lastUpdatedTimestamp: jsonInt64(m["last_updated_timestamp"]) ?? 0,
                               description: description, tags: jsonKeyValues(m["tags"]), aliases: aliases)
    }

    func decodeModelVersion(_ value: Any?, endpoint: String) throws -> ModelVersion {
        guard let v = value as? JSONObject, let name = v["name"] as? String,
              let number = jsonInt64(v["version"]).flatMap({ Int(exactly: $0) }) else {
            throw badAnswer(endpoint, "no model version")
        }
        func text(_ key: String) -> String? { (v[key] as? String).flatMap { $0.isEmpty ? nil : $0 } }
        return ModelVersion(
            name: name, version: number, creationTimestamp: jsonInt64(v["creation_timestamp"]) ?? 0,
            lastUpdatedTimestamp: jsonInt64(v["last_updated_timestamp"]) ?? 0,
            currentStage: ModelStage(parsing: v["current_stage"] as? String ?? "None") ?? .none,
            description: text("description"), source: v["source"] as? String ?? "", runID: text("run_id"),
            runLink: text("run_link"), status: v["status"] as? String ?? "READY", statusMessage: text("status_message"),
            storageLocation: text("storage_location"), userID: text("user_id"), tags: jsonKeyValues(v["tags"]),
            aliases: (v["aliases"] as? [String] ?? []).sorted())
    }
}
