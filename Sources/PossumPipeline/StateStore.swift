import Foundation
import PossumData
import PossumFiles
import PossumTracking

/// The on-disk layout of pipeline state under a working directory:
///
///     .possum/dags/<dag>/lock                      flock: one driver per DAG at a time
///     .possum/dags/<dag>/cache.json                task → cache key and output hashes
///     .possum/dags/<dag>/runs/<run-id>/state.json  the run's state, replaced atomically per transition
///     .possum/dags/<dag>/runs/<run-id>/logs/<task>.out, <task>.err
public struct StateStore: Sendable {
    /// The `.possum` directory (absolute).
    public let root: String
    /// fsync every state write (the default); tests may turn it off for speed.
    public let durable: Bool

    public init(workdir: String, durable: Bool = true) {
        self.root = absolute(workdir) + "/.possum"
        self.durable = durable
    }

    public func dagDirectory(_ dag: String) -> String { "\(root)/dags/\(dag)" }
    public func runDirectory(dag: String, runID: String) -> String { "\(dagDirectory(dag))/runs/\(runID)" }
    public func statePath(dag: String, runID: String) -> String { "\(runDirectory(dag: dag, runID: runID))/state.json" }
    public func logDirectory(dag: String, runID: String) -> String { "\(runDirectory(dag: dag, runID: runID))/logs" }
    public func cachePath(dag: String) -> String { "\(dagDirectory(dag))/cache.json" }
    public func lockPath(dag: String) -> String { "\(dagDirectory(dag))/lock" }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        e.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(ISOTime.format(date))
        }
        return e
    }()

    static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .custom { decoder in
            let c = try decoder.singleValueContainer()
            let s = try c.decode(String.self)
            guard let date = ISOTime.parse(s) else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "bad date '\(s)'")
            }
            return date
        }
        return d
    }()

    /// Writes the run's state atomically (temp + fsync + rename + fsync of the folder).
    public func save(_ state: RunState) throws {
        try FileIO.makeDirectories(runDirectory(dag: state.dag, runID: state.runID))
        let data = try Self.encoder.encode(state)
        try writeAtomically(data, to: statePath(dag: state.dag, runID: state.runID), durable: durable)
    }

    /// Reads a state file; anything unreadable or inconsistent is `corruptState` naming the file.
    public func load(path: String) throws -> RunState {
        guard let bytes = try Self.readStateFile(path) else {
            throw PipelineError.corruptState(file: path, reason: "cannot be read")
        }
        let data = Data(bytes)
        let state: RunState
        do {
            state = try Self.decoder.decode(RunState.self, from: data)
        } catch {
            throw PipelineError.corruptState(file: path, reason: Self.describe(error))
        }
        guard state.format == RunState.currentFormat else {
            throw PipelineError.corruptState(file: path, reason: "format \(state.format), expected \(RunState.currentFormat)")
        }
        guard Set(state.order) == Set(state.tasks.keys), !state.order.isEmpty else {
            throw PipelineError.corruptState(file: path, reason: "task list and task states disagree")
        }
        return state
    }

    /// The largest state or cache file read: far beyond any real run's (a few hundred bytes a task).
    static let maxStateFileBytes = 1 << 30

    /// A state or cache file's bytes, nil if it does not exist. Not a regular file, unreadable or
    /// oversized: `corruptState` naming the file (a FIFO or device there must not hang a reader).
    static func readStateFile(_ path: String) throws -> [UInt8]? {
        do {
            return try FileIO.readBounded(path, limit: maxStateFileBytes, allowFIFO: false)
        } catch {
            guard let reason = error.reason else { return nil }
            throw PipelineError.corruptState(file: path, reason: reason)
        }
    }

    /// The state file of a run as stored (for `dag status --json`).
    public func rawState(dag: String, runID: String) throws -> [UInt8] {
        let path = statePath(dag: dag, runID: runID)
        guard let bytes = try Self.readStateFile(path) else { throw PipelineError.corruptState(file: path, reason: "cannot be read") }
        return bytes
    }

    /// Finds a run by id, or by a unique prefix of it (git-style), among every DAG under this store.
    public func load(runID: String) throws -> RunState {
        guard !runID.isEmpty, !runID.contains("/"), !runID.hasPrefix(".") else {
            throw PipelineError.unknownRun(id: runID, directory: root)
        }
        for dag in dags() {
            let path = statePath(dag: dag, runID: runID)
            if FileManager.default.fileExists(atPath: path) { return try load(path: path) }
        }
        let runs = runPaths(ordered: false)
        let full: String
        do {
            full = try IDPrefix.resolve(runID, among: runs.map(\.runID), kind: "DAG run")
        } catch TrackingError.noIDWithPrefix {
            throw PipelineError.unknownRun(id: runID, directory: root)
        }
        guard let match = runs.first(where: { $0.runID == full }) else { throw PipelineError.unknownRun(id: runID, directory: root) }
        return try load(path: match.path)
    }

    /// Names of DAGs that have state here, sorted.
    public func dags() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "\(root)/dags")) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    /// Every run's state file path, oldest first: by creation time, then run id and DAG name.
    public func runPaths(dag: String? = nil) -> [(dag: String, runID: String, path: String)] {
        runPaths(dag: dag, ordered: true)
    }

    private func runPaths(dag: String? = nil, ordered: Bool) -> [(dag: String, runID: String, path: String)] {
        var out: [(dag: String, runID: String, path: String)] = []
        for d in dag.map({ [$0] }) ?? dags() {
            let runs = (try? FileManager.default.contentsOfDirectory(atPath: "\(dagDirectory(d))/runs")) ?? []
            for r in runs where !r.hasPrefix(".") {
                out.append((d, r, statePath(dag: d, runID: r)))
            }
        }
        guard ordered else { return out }
        // Run ids start with their creation second, so they order runs of different seconds; only
        // runs sharing a second need their state's createdAt (ms), read for those alone so a long
        // history costs no reads. An unreadable state sorts first within its second.
        let secondPrefix = 15  // yyyyMMddTHHmmss
        var perSecond: [Substring: Int] = [:]
        for run in out { perSecond[run.runID.prefix(secondPrefix), default: 0] += 1 }
        var createdAt: [String: Date] = [:]
        for run in out where perSecond[run.runID.prefix(secondPrefix), default: 0] > 1 {
            createdAt[run.path] = try? load(path: run.path).createdAt
        }
        return out.sorted { a, b in
            let (sa, sb) = (a.runID.prefix(secondPrefix), b.runID.prefix(secondPrefix))
            if sa != sb { return sa < sb }
            let (ta, tb) = (createdAt[a.path] ?? .distantPast, createdAt[b.path] ?? .distantPast)
            if ta != tb { return ta < tb }
            return (a.runID, a.dag) < (b.runID, b.dag)
        }
    }

    /// A decoding error as a short phrase (Foundation's own descriptions run to several lines).
    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let c):
            return "not valid JSON" + (c.codingPath.isEmpty ? "" : " at \(pathString(c.codingPath))")
        case DecodingError.keyNotFound(let key, let c):
            return "missing field '\(pathString(c.codingPath + [key]))'"
        case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c):
            return "wrong type at '\(pathString(c.codingPath))'"
        default:
            return String(describing: error).split(separator: "\n").first.map(String.init) ?? "unreadable"
        }
    }

    static func pathString(_ path: [any CodingKey]) -> String {
        path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
}
