/// Model registry entities, mirroring MLflow's `RegisteredModel` and `ModelVersion`.

/// MLflow's model version stages, with their canonical spelling as stored in `meta.yaml`.
public enum ModelStage: String, Sendable, Codable, CaseIterable {
    case none = "None", staging = "Staging", production = "Production", archived = "Archived"

    /// Case-insensitive, as MLflow's `get_canonical_stage`.
    public init?(parsing text: String) {
        guard let s = ModelStage.allCases.first(where: { $0.rawValue.lowercased() == text.lowercased() }) else { return nil }
        self = s
    }

    /// Staging and Production are the "active" stages: only they can archive existing versions.
    public var isActive: Bool { self == .staging || self == .production }
}

/// A registered model: a name with versions, tags and aliases.
public struct RegisteredModel: Sendable, Codable, Equatable {
    public var name: String
    public var creationTimestamp: Int64
    public var lastUpdatedTimestamp: Int64
    public var description: String?
    public var tags: [String: String]
    /// Alias → version number.
    public var aliases: [String: Int]

    enum CodingKeys: String, CodingKey {
        case name, creationTimestamp = "creation_timestamp", lastUpdatedTimestamp = "last_updated_timestamp"
        case description, tags, aliases
    }
}

/// One version of a registered model.
public struct ModelVersion: Sendable, Codable, Equatable {
    public var name: String
    public var version: Int
    public var creationTimestamp: Int64
    public var lastUpdatedTimestamp: Int64
    public var currentStage: ModelStage
    public var description: String?
    /// Where the model's files are, as given at registration (a `file:` URI or `runs:/` URI).
    public var source: String
    public var runID: String?
    public var runLink: String?
    public var status: String
    public var statusMessage: String?
    public var storageLocation: String?
    public var userID: String?
    public var tags: [String: String]
    /// Aliases pointing at this version.
    public var aliases: [String]

    enum CodingKeys: String, CodingKey {
        case name, version, creationTimestamp = "creation_timestamp", lastUpdatedTimestamp = "last_updated_timestamp"
        case currentStage = "current_stage", description, source, runID = "run_id", runLink = "run_link", status
        case statusMessage = "status_message", storageLocation = "storage_location", userID = "user_id", tags, aliases
    }
}

/// What `possum models get NAME@Production` resolves to.
public struct ResolvedModel: Sendable, Codable, Equatable {
    public var version: ModelVersion
    /// A local file system path to the model's artifact (file or directory).
    public var artifactPath: String

    enum CodingKeys: String, CodingKey { case version, artifactPath = "artifact_path" }
}
