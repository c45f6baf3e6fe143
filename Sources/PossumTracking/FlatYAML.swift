import Foundation

/// The tiny YAML subset MLflow's file store uses for `meta.yaml`: one mapping of keys to scalars
/// (strings, integers, `null`), the empty list `[]`, and (MLflow 3) one level of nested mapping.
///
/// Why hand-written rather than Yams: every `meta.yaml` MLflow writes is `yaml.safe_dump` of a flat
/// dict, so the whole grammar needed is ~150 lines; it costs no dependency (Yams brings libyaml's C
/// sources into every build), and reading 10,000 run files stays cheap. The reader is strict: anything
/// outside the subset (nested mappings, anchors, multi-document files) is reported as a one-line
/// error naming the file and line, rather than guessed at. It does accept everything PyYAML emits
/// for such dicts, including long scalars folded over continuation lines.
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

enum FlatYAML {
    /// Serialises a flat mapping the way `yaml.safe_dump` does: keys sorted, one per line.
    static func encode(_ fields: [String: YAMLScalar]) -> String {
        var out = ""
        for key in fields.keys.sorted() {
            let value = encodeScalar(fields[key]!)
            // A nested mapping starts on the next line: "aliases:\n  champion: '1'".
            out += key + (value.hasPrefix("\n") ? ":" : ": ") + value + "\n"
        }
        return out
    }

    static func encodeScalar(_ v: YAMLScalar) -> String {
        switch v {
        case .null: return "null"
        case .emptyList: return "[]"
        case .int(let i): return String(i)
        case .string(let s): return encodeString(s)
        case .mapping(let m):
            if m.isEmpty { return "{}" }
            return m.keys.sorted().map { "\n  " + $0 + ": " + encodeScalar(m[$0]!) }.joined()
        }
    }

    /// Single quotes whenever possible (only `'` needs escaping); double quotes with escapes when the
    /// text has characters a single-quoted scalar cannot carry verbatim (line breaks, controls).
    static func encodeString(_ s: String) -> String {
        let needsDouble = s.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7f || (0x80...0x9f).contains($0.value) || $0 == "\u{2028}" || $0 == "\u{2029}" || $0 == "\u{FEFF}" }
        if !needsDouble { return "'" + s.replacingOccurrences(of: "'", with: "''") + "'" }
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case "\0": out += "\\0"
            case _ where scalar.value < 0x20 || scalar.value == 0x7f || (0x80...0x9f).contains(scalar.value):
                out += "\\x" + (scalar.value < 16 ? "0" : "") + String(scalar.value, radix: 16)
            case "\u{2028}", "\u{2029}", "\u{FEFF}":
                out += "\\u" + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// Parses a file's bytes. The common case (one `key: value` per line, plain or single-quoted
    /// scalars, as both possum and PyYAML write them) is decoded straight from the bytes, which keeps
    /// listing 10,000 runs fast; anything else goes through the general `decode(_:path:)`, which
    /// also produces the precise error messages.
    /// The largest document accepted. MLflow's `meta.yaml` files are well under 4 KiB; the bound
    /// keeps a hostile one (megabytes of continuation lines) from costing seconds per listing.
    static let maxDocumentBytes = 256 << 10

    static func decode(bytes: [UInt8], path: String) throws -> FlatYAMLDocument {
        guard bytes.count <= maxDocumentBytes else {
            throw TrackingError.corruptFile(path: path, reason: "larger than the \(maxDocumentBytes >> 10) KiB accepted for a meta.yaml")
        }
        if let values = decodeSimple(bytes) { return FlatYAMLDocument(path: path, values: values) }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw TrackingError.corruptFile(path: path, reason: "not valid UTF-8 text")
        }
        return try decode(text, path: path)
    }

    /// The byte-level fast path; nil means "not simple, use the general decoder".
    static func decodeSimple(_ bytes: [UInt8]) -> [String: YAMLScalar]? {
        let (newline, space, colon, quote) = (UInt8(ascii: "\n"), UInt8(ascii: " "), UInt8(ascii: ":"), UInt8(ascii: "'"))
        var values: [String: YAMLScalar] = [:]
        var lineStart = 0
        let n = bytes.count
        if n == 0 { return nil }
        while lineStart < n {
            var lineEnd = lineStart
            while lineEnd < n && bytes[lineEnd] != newline { lineEnd += 1 }
            defer { lineStart = lineEnd + 1 }
            if lineEnd == lineStart { if lineEnd == n - 1 { break } else { return nil } }
            let first = bytes[lineStart]
            if first == space || first == UInt8(ascii: "\t") || first == UInt8(ascii: "#") || first == UInt8(ascii: "-")
                || first == quote || first == UInt8(ascii: "\"") || bytes[lineEnd - 1] == UInt8(ascii: "\r") { return nil }
            // The key ends at the first ": ".
            var c = lineStart
            while c + 1 < lineEnd && !(bytes[c] == colon && bytes[c + 1] == space) { c += 1 }
            guard c + 1 < lineEnd, c > lineStart else { return nil }
            var v = c + 2
            while v < lineEnd && bytes[v] == space { v += 1 }
            var e = lineEnd
            while e > v && bytes[e - 1] == space { e -= 1 }
            guard v < e, let key = String(validating: bytes[lineStart..<c], as: UTF8.self), values[key] == nil else { return nil }
            let value = bytes[v..<e]
            let head = value.first!
            if head == quote {
                // 'text' with '' for a quote; anything else (an unmatched quote, text after it) is not simple.
                guard value.count >= 2, value.last == quote else { return nil }
                var out: [UInt8] = []
                out.reserveCapacity(value.count)
                var i = v + 1
                while i < e - 1 {
                    if bytes[i] == quote {
                        guard i + 1 < e - 1, bytes[i + 1] == quote else { return nil }
                        out.append(quote)
                        i += 2
                    } else {
                        out.append(bytes[i])
                        i += 1
                    }
                }
                guard let s = String(validating: out, as: UTF8.self) else { return nil }
                values[key] = .string(s)
                continue
            }
            if value.elementsEqual("[]".utf8) { values[key] = .emptyList; continue }
            if "\"[]{}&*!|>%@`#".utf8.contains(head) { return nil }
            if value.contains(UInt8(ascii: "#")) { return nil }
            guard let text = String(validating: value, as: UTF8.self) else { return nil }
            switch text {
            case "null", "Null", "NULL", "~": values[key] = .null
            default: values[key] = Int64(text).map { .int($0) } ?? .string(text)
            }
        }
        return values.isEmpty ? nil : values
    }

    /// Parses a flat mapping; `path` is only used in error messages.
    static func decode(_ text: String, path: String) throws -> FlatYAMLDocument {
        func fail(_ line: Int, _ reason: String) -> TrackingError {
            .corruptFile(path: "\(path):\(line)", reason: reason)
        }
        // Gather logical entries: a top-level "key: value" line plus its indented continuation lines.
        var entries: [(line: Int, key: String, raw: String, children: [(line: Int, key: String, raw: String)])] = []
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if text.isEmpty || lines.allSatisfy({ $0.allSatisfy { $0 == " " || $0 == "\r" } }) {
            throw TrackingError.corruptFile(path: path, reason: "file is empty")
        }
        // Blank lines inside a folded scalar stand for newlines (PyYAML writes 'a\nb' that way).
        var pendingBlankLines = 0
        for (index, rawLine) in lines.enumerated() {
            let lineNumber = index + 1
            var line = Substring(rawLine)
            if line.last == "\r" { line = line.dropLast() }
            let trimmed = line.trimmingSpacesSub
            if trimmed.isEmpty { pendingBlankLines += 1; continue }
            if trimmed.hasPrefix("#") && line.first == "#" { continue }
            if index == 0 && trimmed == "---" { continue }
            if line.first == " " || line.first == "\t" {
                guard !entries.isEmpty else { throw fail(lineNumber, "indented line before any key") }
                if trimmed.hasPrefix("- ") || trimmed == "-" {
                    throw fail(lineNumber, "nested lists are not expected in this file")
                }
                let last = entries[entries.count - 1]
                // A child "key: value" of an entry whose own value is empty: a nested mapping.
                if last.raw.isEmpty || !last.children.isEmpty {
                    let child = Substring(trimmed)
                    guard let colon = findKeyColon(child), colon != child.startIndex else {
                        if !last.children.isEmpty { throw fail(lineNumber, "expected 'key: value' inside '\(last.key)'") }
                        throw fail(lineNumber, "expected a value for '\(last.key)'")
                    }
                    let value = child[child.index(after: colon)...].trimmingSpacesSub
                    entries[entries.count - 1].children.append((lineNumber, String(child[..<colon]), String(value)))
                    pendingBlankLines = 0
                    continue
                }
                entries[entries.count - 1].raw += String(repeating: "\n", count: pendingBlankLines + 1) + trimmed
                pendingBlankLines = 0
                continue
            }
            pendingBlankLines = 0
            guard let colon = findKeyColon(line) else { throw fail(lineNumber, "expected 'key: value'") }
            let key = String(line[..<colon])
            guard !key.isEmpty, !key.hasPrefix("-"), !key.hasPrefix("'"), !key.hasPrefix("\"") else {
                throw fail(lineNumber, "expected 'key: value'")
            }
            let value = line[line.index(after: colon)...].trimmingSpacesSub
            entries.append((lineNumber, key, String(value), []))
        }
        var values: [String: YAMLScalar] = [:]
        for entry in entries {
            if values[entry.key] != nil { throw fail(entry.line, "duplicate key '\(entry.key)'") }
            if !entry.children.isEmpty {
                var mapping: [String: YAMLScalar] = [:]
                for child in entry.children {
                    if mapping[child.key] != nil { throw fail(child.line, "duplicate key '\(child.key)' in '\(entry.key)'") }
                    do {
                        mapping[child.key] = try parseScalar(child.raw)
                    } catch let reason as ScalarError {
                        throw fail(child.line, "field '\(entry.key).\(child.key)': \(reason.message)")
                    }
                }
                values[entry.key] = .mapping(mapping)
                continue
            }
            do {
                values[entry.key] = try parseScalar(entry.raw)
            } catch let reason as ScalarError {
                throw fail(entry.line, "field '\(entry.key)': \(reason.message)")
            }
        }
        return FlatYAMLDocument(path: path, values: values)
    }

    private struct ScalarError: Error { let message: String }

    /// The colon that ends a plain key: the first ": " or a colon at end of line.
    private static func findKeyColon(_ line: Substring) -> Substring.Index? {
        var i = line.startIndex
        while i < line.endIndex {
            if line[i] == ":" {
                let next = line.index(after: i)
                if next == line.endIndex || line[next] == " " { return i }
            }
            i = line.index(after: i)
        }
        return nil
    }

    private static func parseScalar(_ raw: String) throws -> YAMLScalar {
        if raw.isEmpty { return .null }  // "key:" with nothing after is null in YAML
        if raw.hasPrefix("'") { return .string(try parseSingleQuoted(raw)) }
        if raw.hasPrefix("\"") { return .string(try parseDoubleQuoted(raw)) }
        if raw == "[]" { return .emptyList }
        if raw == "{}" { return .mapping([:]) }
        if raw.hasPrefix("[") || raw.hasPrefix("{") || raw.hasPrefix("&") || raw.hasPrefix("*") || raw.hasPrefix("!")
            || raw.hasPrefix("|") || raw.hasPrefix(">") {
            throw ScalarError(message: "only plain scalars, quoted strings, null and [] are expected, found '\(raw.prefix(20))'")
        }
        // Plain scalar: continuation lines fold into single spaces.
        let folded = raw.split(separator: "\n").map { String($0.trimmingSpacesSub) }.joined(separator: " ")
        switch folded {
        case "null", "Null", "NULL", "~": return .null
        default: break
        }
        if let i = Int64(folded) { return .int(i) }
        if let comment = folded.range(of: " #") { return .string(String(folded[..<comment.lowerBound])) }
        return .string(folded)
    }

    /// Folds the physical lines of a quoted scalar: one line break becomes a space, and each
    /// empty line becomes a newline (YAML's flow folding).
    private static func foldLines(_ body: String) -> String {
        let parts = body.split(separator: "\n", omittingEmptySubsequences: false).map { String($0) }
        if parts.count == 1 { return body }
        var out = parts[0]
        var pendingNewlines = 0
        for part in parts.dropFirst() {
            let t = String(part.trimmingSpacesSub)
            if t.isEmpty { pendingNewlines += 1; continue }
            out += pendingNewlines > 0 ? String(repeating: "\n", count: pendingNewlines) : " "
            pendingNewlines = 0
            out += t
        }
        return out
    }

    private static func parseSingleQuoted(_ raw: String) throws -> String {
        var chars = Array(raw.dropFirst())
        // Find the closing quote, treating '' as an escaped quote.
        var out: [Character] = []
        var i = 0
        var closed = false
        while i < chars.count {
            if chars[i] == "'" {
                if i + 1 < chars.count && chars[i + 1] == "'" { out.append("'"); i += 2; continue }
                closed = true
                i += 1
                break
            }
            out.append(chars[i])
            i += 1
        }
        guard closed else { throw ScalarError(message: "unterminated single-quoted string") }
        chars = Array(chars[i...])
        let rest = String(chars).trimmingSpacesSub
        guard rest.isEmpty || rest.hasPrefix("#") else { throw ScalarError(message: "unexpected text after closing quote") }
        return foldLines(String(out))
    }

    private static func parseDoubleQuoted(_ raw: String) throws -> String {
        let scalars = Array(raw.unicodeScalars.dropFirst())
        var body = String.UnicodeScalarView()
        var i = 0
        var closed = false
        // Escapes are decoded after folding, so keep a marker of escaped line breaks: a backslash at
        // the end of a line joins lines without a space.
        var decoded = ""
        var pieces: [(text: String, escaped: Bool)] = []
        func flush() { if !body.isEmpty { pieces.append((String(body), false)); body = String.UnicodeScalarView() } }
        while i < scalars.count {
            let c = scalars[i]
            if c == "\"" { closed = true; i += 1; break }
            if c == "\\" {
                guard i + 1 < scalars.count else { throw ScalarError(message: "dangling backslash") }
                let e = scalars[i + 1]
                i += 2
                var value: String
                switch e {
                case "n": value = "\n"
                case "t": value = "\t"
                case "r": value = "\r"
                case "0": value = "\0"
                case "\"": value = "\""
                case "\\": value = "\\"
                case "/": value = "/"
                case " ": value = " "
                case "a": value = "\u{07}"
                case "b": value = "\u{08}"
                case "e": value = "\u{1B}"
                case "f": value = "\u{0C}"
                case "v": value = "\u{0B}"
                case "N": value = "\u{85}"
                case "_": value = "\u{A0}"
                case "L": value = "\u{2028}"
                case "P": value = "\u{2029}"
                case "\n":
                    // Escaped line break: skip leading spaces of the next line.
                    while i < scalars.count && scalars[i] == " " { i += 1 }
                    value = ""
                case "x", "u", "U":
                    let width = e == "x" ? 2 : e == "u" ? 4 : 8
                    guard i + width <= scalars.count,
                          let v = UInt32(String(String.UnicodeScalarView(scalars[i..<(i + width)])), radix: 16),
                          let u = Unicode.Scalar(v) else { throw ScalarError(message: "bad \\\(e) escape") }
                    value = String(Character(u))
                    i += width
                default: throw ScalarError(message: "unknown escape \\\(e)")
                }
                flush()
                pieces.append((value, true))
                continue
            }
            body.append(c)
            i += 1
        }
        flush()
        guard closed else { throw ScalarError(message: "unterminated double-quoted string") }
        let rest = String(String.UnicodeScalarView(scalars[i...])).trimmingSpacesSub
        guard rest.isEmpty || rest.hasPrefix("#") else { throw ScalarError(message: "unexpected text after closing quote") }
        for piece in pieces { decoded += piece.escaped ? piece.text : foldLines(piece.text) }
        return decoded
    }
}

extension Substring {
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
