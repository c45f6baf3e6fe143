import Foundation
import PossumFiles
import PossumYAML
import Yams

/// What MLflow's file store keeps in a `meta.yaml`: one mapping of keys to scalars (strings,
/// integers, `null`), the empty list `[]`, and (MLflow 3) one level of nested mapping.
enum YAMLScalar: Equatable, Sendable {
    case null
    case string(String)
    case int(Int64)
    case emptyList
    /// One level of nesting, which MLflow 3 uses for a registered model's `aliases` (alias → version).
    case mapping([String: YAMLScalar])

    /// The textual value as MLflow would see it after `str()`; nil for null and lists.
    var text: String? {
        switch self {
        case .null, .emptyList, .mapping: return nil
        case .string(let s): return s
        case .int(let i): return String(i)
        }
    }
}

/// A parsed `meta.yaml`, with typed accessors whose errors name the file and the field.
struct FlatYAMLDocument: Sendable {
    let path: String
    private(set) var values: [String: YAMLScalar]

    init(path: String, values: [String: YAMLScalar]) {
        self.path = path
        self.values = values
    }

    func string(_ key: String) throws -> String {
        guard let v = values[key] else { throw missing(key) }
        guard let t = v.text else { throw TrackingError.corruptFile(path: path, reason: "field '\(key)' must be a string, found \(v)") }
        return t
    }

    func optionalString(_ key: String) -> String? { values[key]?.text }

    func int(_ key: String) throws -> Int64 {
        guard let v = values[key] else { throw missing(key) }
        guard let i = Self.asInt(v) else { throw TrackingError.corruptFile(path: path, reason: "field '\(key)' must be an integer, found \(v)") }
        return i
    }

    func optionalInt(_ key: String) throws -> Int64? {
        guard let v = values[key], v != .null else { return nil }
        guard let i = Self.asInt(v) else { throw TrackingError.corruptFile(path: path, reason: "field '\(key)' must be an integer or null, found \(v)") }
        return i
    }

    private static func asInt(_ v: YAMLScalar) -> Int64? {
        switch v {
        case .int(let i): return i
        case .string(let s): return Int64(s)  // lenient: a quoted '42' is still 42
        default: return nil
        }
    }

    private func missing(_ key: String) -> TrackingError {
        .corruptFile(path: path, reason: "required field '\(key)' is missing")
    }
}

/// `meta.yaml` read and written through Yams (libyaml), laid out as MLflow's `yaml.safe_dump` does:
/// keys sorted, one per line, block style. Strings are always quoted (single quotes, or double with
/// escapes where libyaml needs them), so no string can read back as a number, a boolean or null.
///
/// Reading: the bytes are bounded (size) and pre-scanned (nesting, control characters, UTF-8) before
/// libyaml sees them, then composed into nodes; a plain scalar is typed as MLflow's PyYAML types it
/// (null, integer, else string) without Yams' regular-expression tag resolver. Anything else
/// (deeper nesting, non-empty lists) is a one-line error naming the file and line.
enum FlatYAML {
    /// The largest document accepted. MLflow's `meta.yaml` files are well under 4 KiB; the bound
    /// keeps a hostile one (megabytes of continuation lines) from costing seconds per listing.
    static let maxDocumentBytes = 256 << 10

    /// Serialises a mapping as MLflow's file store does.
    static func encode(_ fields: [String: YAMLScalar]) throws -> String {
        let root = Node.mapping(Node.Mapping(fields.keys.sorted().map { (keyNode($0), node(fields[$0] ?? .null)) }))
        do {
            // width -1: one line per value, however long (libyaml would fold at 80 columns).
            return try Yams.serialize(node: root, width: -1, allowUnicode: true)
        } catch let error as YamlError {
            throw TrackingError.corruptFile(path: "meta.yaml", reason: YAMLDiagnostics.problem(error))
        }
    }

    private static func node(_ value: YAMLScalar) -> Node {
        switch value {
        case .null: return .scalar(.init("null", Tag(.null), .plain))
        case .int(let i): return .scalar(.init(String(i), Tag(.int), .plain))
        case .string(let s): return .scalar(.init(s, Tag(.str), .singleQuoted))
        case .emptyList: return .sequence(.init([], Tag(.seq), .flow))
        case .mapping(let m):
            if m.isEmpty { return .mapping(.init([], Tag(.map), .flow)) }
            return .mapping(.init(m.keys.sorted().map { (keyNode($0), node(m[$0] ?? .null)) }, Tag(.map), .block))
        }
    }

    /// Field names plain, as MLflow writes them; a name YAML would read as something else quoted.
    private static func keyNode(_ key: String) -> Node {
        let plain = key.utf8.first.map { ($0 >= 97 && $0 <= 122) || ($0 >= 65 && $0 <= 90) || $0 == 95 } == true
            && key.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 65 && $0 <= 90) || ($0 >= 48 && $0 <= 57) || $0 == 95 }
            && !yaml11Words.contains(key.lowercased())
        return .scalar(.init(key, Tag(.str), plain ? .plain : .singleQuoted))
    }

    /// Plain words YAML 1.1 (PyYAML) reads as booleans or null.
    private static let yaml11Words: Set<String> = ["y", "n", "yes", "no", "on", "off", "true", "false", "null"]

    static func decode(bytes: [UInt8], path: String) throws -> FlatYAMLDocument {
        guard bytes.count <= maxDocumentBytes else {
            throw TrackingError.corruptFile(path: path, reason: "larger than the \(maxDocumentBytes >> 10) KiB accepted for a meta.yaml")
        }
        if let problem = YAMLPrescan.check(bytes) {
            throw TrackingError.corruptFile(path: "\(path):\(problem.line)", reason: problem.message)
        }
        // Valid UTF-8: the pre-scan checked every line.
        return try compose(String(decoding: bytes, as: UTF8.self), path: path)
    }

    /// Parses a document's text; `path` is only used in error messages.
    static func decode(_ text: String, path: String) throws -> FlatYAMLDocument {
        try decode(bytes: Array(text.utf8), path: path)
    }

    private static func compose(_ text: String, path: String) throws -> FlatYAMLDocument {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text, .basic)
        } catch let error as YamlError {
            throw TrackingError.corruptFile(path: at(path, YAMLDiagnostics.line(error)), reason: YAMLDiagnostics.problem(error))
        }
        guard let root else { throw TrackingError.corruptFile(path: path, reason: "file is empty") }
        guard case .mapping(let mapping) = root else {
            throw TrackingError.corruptFile(path: at(path, line(root)), reason: "expected a mapping of 'key: value' lines")
        }
        return FlatYAMLDocument(path: path, values: try fields(mapping, path: path, parent: nil))
    }

    private static func fields(_ mapping: Node.Mapping, path: String, parent: String?) throws -> [String: YAMLScalar] {
        var values: [String: YAMLScalar] = [:]
        for (keyNode, valueNode) in mapping {
            guard case .scalar(let key) = keyNode else {
                throw TrackingError.corruptFile(path: at(path, line(keyNode)), reason: "expected 'key: value'")
            }
            // Only for messages: built when one is thrown, not for every key of every file listed.
            var field: String { messageText((parent.map { $0 + "." } ?? "") + key.string, limit: 60) }
            let value: YAMLScalar
            switch valueNode {
            case .scalar(let scalar): value = typed(scalar)
            case .sequence(let sequence):
                guard sequence.isEmpty else {
                    throw TrackingError.corruptFile(path: at(path, line(valueNode)),
                                                    reason: "field '\(field)': only [] is expected as a list")
                }
                value = .emptyList
            case .mapping(let inner):
                guard parent == nil else {
                    throw TrackingError.corruptFile(path: at(path, line(valueNode)), reason: "field '\(field)': nested deeper than one level")
                }
                value = .mapping(try fields(inner, path: path, parent: key.string))
            }
            if values.updateValue(value, forKey: key.string) != nil {
                throw TrackingError.corruptFile(path: at(path, line(keyNode)), reason: "duplicate key '\(field)'")
            }
        }
        return values
    }

    /// As PyYAML reads a `meta.yaml` scalar: quoted is a string; plain is null, an integer or a string.
    private static func typed(_ scalar: Node.Scalar) -> YAMLScalar {
        guard scalar.style == .plain else { return .string(scalar.string) }
        switch scalar.string {
        case "", "null", "Null", "NULL", "~": return .null
        default: return Int64(scalar.string).map { .int($0) } ?? .string(scalar.string)
        }
    }

    private static func line(_ node: Node) -> Int? { node.mark?.line }

    private static func at(_ path: String, _ line: Int?) -> String { line.map { "\(path):\($0)" } ?? path }
}

extension Substring {
    /// Without leading and trailing spaces and tabs (no Foundation character sets: this runs per file).
    var trimmingSpacesSub: Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return s
    }
}

extension String {
    var trimmingSpacesSub: Substring { Substring(self).trimmingSpacesSub }
}
