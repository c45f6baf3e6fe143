import Foundation
import PossumData
import PossumFiles

/// What a successful task left behind: the key it ran with and the hashes of its outputs.
public struct CacheEntry: Codable, Sendable, Equatable {
    public var key: String
    public var outputs: [String: String]
    public var recordedAt: Date
    public var runID: String
}

/// The per-DAG cache file (`.possum/dags/<dag>/cache.json`): task name → `CacheEntry`.
///
/// Only the process holding the DAG's lock reads and writes it, so a load at start and an atomic
/// save after each success is enough.
public struct CacheFile: Codable, Sendable, Equatable {
    public var format: Int = 1
    public var tasks: [String: CacheEntry] = [:]

    public init() {}

    public static func load(path: String) throws -> CacheFile {
        guard let bytes = try StateStore.readStateFile(path) else { return CacheFile() }
        do {
            return try StateStore.decoder.decode(CacheFile.self, from: Data(bytes))
        } catch {
            throw PipelineError.corruptState(file: path, reason: StateStore.describe(error))
        }
    }

    public func save(path: String, durable: Bool) throws {
        try writeAtomically(try StateStore.encoder.encode(self), to: path, durable: durable)
    }
}

/// The cache key of a task: a SHA-256 over everything that determines what it produces: its argv
/// as written, its declared outputs, the content hash of each input file, and the output hashes of
/// each direct dependency (so a change anywhere upstream propagates, even through files a task
/// reads without declaring them).
public func cacheKey(task: TaskSpec, inputHashes: [String: String], upstreamOutputs: [String: [String: String]]) -> String {
    var h = SHA256()
    func field(_ s: String) { h.update(Array(s.utf8)); h.update([0]) }
    field("possum-task-v1")
    field("argv"); task.command.forEach(field)
    field("outputs"); task.outputs.forEach(field)
    field("inputs")
    for path in inputHashes.keys.sorted() { field(path); field(inputHashes[path]!) }
    field("upstream")
    for dep in upstreamOutputs.keys.sorted() {
        field(dep)
        let outs = upstreamOutputs[dep]!
        for path in outs.keys.sorted() { field(path); field(outs[path]!) }
    }
    return SHA256.hexString(h.finalize())
}
