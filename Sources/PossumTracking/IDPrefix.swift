/// Git-style id prefixes: every command that takes a run id (tracking runs, DAG runs) accepts any
/// unique prefix of it, and the ids it prints are prefixes it accepts back.
public enum IDPrefix {
    /// The id in `candidates` that `prefix` names: an exact match wins, else the only id starting
    /// with it. None is `noIDWithPrefix`, several is `ambiguousIDPrefix` listing them.
    public static func resolve(_ prefix: String, among candidates: some Sequence<String>, kind: String) throws -> String {
        guard !prefix.isEmpty else { throw TrackingError.noIDWithPrefix(kind: kind, prefix: prefix) }
        var matches: [String] = []
        for id in candidates {
            if id == prefix { return id }
            if id.hasPrefix(prefix) { matches.append(id) }
        }
        switch matches.count {
        case 0: throw TrackingError.noIDWithPrefix(kind: kind, prefix: prefix)
        case 1: return matches[0]
        default: throw TrackingError.ambiguousIDPrefix(kind: kind, prefix: prefix, matches: Array(Set(matches)).sorted())
        }
    }

    /// Each of `ids` cut to the shortest prefix of at least `minimumLength` characters that no other
    /// id in `candidates` starts with, so a table can show short ids that `resolve` accepts.
    public static func shortest(_ ids: [String], among candidates: [String], minimumLength: Int = 8) -> [String] {
        let others = Set(candidates)
        return ids.map { id in
            var length = max(1, minimumLength)
            while length < id.count {
                let p = id.prefix(length)
                if !others.contains(where: { $0 != id && $0.hasPrefix(p) }) { break }
                length += 1
            }
            return String(id.prefix(length))
        }
    }
}

extension TrackingStore {
    /// The full id of the run that `prefix` names (see `IDPrefix.resolve`).
    public func resolveRunID(_ prefix: String) throws -> String {
        // A full id that exists needs no listing of the store.
        if (try? runInfo(id: prefix)) != nil { return prefix }
        return try IDPrefix.resolve(prefix, among: try runIDs(), kind: "run")
    }

    /// Several prefixes against one listing of the store.
    public func resolveRunIDs(_ prefixes: [String]) throws -> [String] {
        let all = try runIDs()
        return try prefixes.map { try IDPrefix.resolve($0, among: all, kind: "run") }
    }
}
