/// Run filters and sort orders in MLflow's search syntax, so `possum runs list --filter` accepts what
/// `mlflow.search_runs(filter_string=...)` accepts (the common part of it):
///
///     metrics.rmse < 1.1 and params.solver = 'simd'
///     tags.`mlflow.runName` LIKE 'Ridge%'
///     attributes.status = 'FINISHED'          (or just: status = 'FINISHED')
///     params.solver IN ('simd', 'openblas')
///
/// Clauses are joined by AND only, as in MLflow. Metrics and `start_time`/`end_time` compare as
/// numbers (=, !=, <, <=, >, >=); params, tags and the other attributes as strings (=, !=, LIKE,
/// ILIKE, IN, NOT IN). A run without the key does not match.

/// What a filter or sort key refers to.
public struct RunField: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable { case metric = "metrics", param = "params", tag = "tags", attribute = "attributes" }
    public var kind: Kind
    public var key: String

    public init(_ kind: Kind, _ key: String) { (self.kind, self.key) = (kind, key) }

    public var description: String { "\(kind.rawValue).\(key)" }

    /// Attributes of a run one can filter and sort on, and whether they are numbers.
    public static let attributes: [String: Bool] = [
        "run_id": false, "run_name": false, "status": false, "user_id": false, "artifact_uri": false,
        "lifecycle_stage": false, "start_time": true, "end_time": true, "experiment_id": false,
    ]

    var isNumeric: Bool {
        switch kind {
        case .metric: return true
        case .attribute: return Self.attributes[key] ?? false
        case .param, .tag: return false
        }
    }
}

/// A value a run has for a field.
public enum RunFieldValue: Sendable, Equatable {
    case number(Double)
    case string(String)
}

/// A parsed filter expression.
public struct RunFilter: Sendable, Equatable {
    public enum Operator: String, Sendable { case eq = "=", ne = "!=", lt = "<", le = "<=", gt = ">", ge = ">=", like = "LIKE", ilike = "ILIKE", `in` = "IN", notIn = "NOT IN" }

    public struct Clause: Sendable, Equatable {
        public var field: RunField
        public var op: Operator
        /// One value, or several for IN / NOT IN.
        public var values: [RunFieldValue]
    }

    public let expression: String
    public let clauses: [Clause]

    /// Parses `expression`; an empty expression matches every run.
    public init(parsing expression: String) throws {
        self.expression = expression
        var parser = FilterParser(text: expression)
        clauses = try parser.parseFilter()
    }

    /// The fields the filter reads, so a store can load just those.
    public var fields: [RunField] { clauses.map(\.field) }

    /// Whether the run whose values `lookup` provides matches every clause.
    public func matches(_ lookup: (RunField) throws -> RunFieldValue?) rethrows -> Bool {
        for clause in clauses {
            guard let value = try lookup(clause.field) else { return false }
            if !clause.matches(value) { return false }
        }
        return true
    }
}

extension RunFilter.Clause {
    func matches(_ actual: RunFieldValue) -> Bool {
        switch (actual, values.first) {
        case let (.number(a), .number(b)?):
            if a.isNaN || b.isNaN { return op == .ne }
            switch op {
            case .eq: return a == b
            case .ne: return a != b
            case .lt: return a < b
            case .le: return a <= b
            case .gt: return a > b
            case .ge: return a >= b
            case .in: return values.contains(.number(a))
            case .notIn: return !values.contains(.number(a))
            case .like, .ilike: return false
            }
        case let (.string(a), .string(b)?):
            switch op {
            case .eq: return a == b
            case .ne: return a != b
            case .like: return sqlLike(a, pattern: b, caseInsensitive: false)
            case .ilike: return sqlLike(a, pattern: b, caseInsensitive: true)
            case .in: return values.contains(.string(a))
            case .notIn: return !values.contains(.string(a))
            case .lt: return a < b
            case .le: return a <= b
            case .gt: return a > b
            case .ge: return a >= b
            }
        default:
            return false
        }
    }
}

/// SQL LIKE: `%` any run of characters, `_` one character.
func sqlLike(_ text: String, pattern: String, caseInsensitive: Bool) -> Bool {
    let t = Array(caseInsensitive ? text.lowercased() : text)
    let p = Array(caseInsensitive ? pattern.lowercased() : pattern)
    // Iterative wildcard matching with backtracking to the last '%'.
    var (ti, pi) = (0, 0)
    var star = -1, mark = 0
    while ti < t.count {
        if pi < p.count && (p[pi] == "_" || (p[pi] != "%" && p[pi] == t[ti])) {
            ti += 1; pi += 1
        } else if pi < p.count && p[pi] == "%" {
            star = pi; mark = ti; pi += 1
        } else if star >= 0 {
            pi = star + 1; mark += 1; ti = mark
        } else {
            return false
        }
    }
    while pi < p.count && p[pi] == "%" { pi += 1 }
    return pi == p.count
}

/// One sort key: `metrics.rmse`, `rmse` (a bare name is a metric unless it is an attribute),
/// `params.solver DESC`, `start_time ASC`.
public struct RunOrder: Sendable, Equatable {
    public var field: RunField
    public var ascending: Bool

    public init(field: RunField, ascending: Bool = true) { (self.field, self.ascending) = (field, ascending) }

    public init(parsing text: String) throws {
        var words = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        var ascending = true
        if let last = words.last?.uppercased(), words.count >= 2, last == "ASC" || last == "DESC" {
            ascending = last == "ASC"
            words.removeLast()
        }
        guard !words.isEmpty else { throw TrackingError.filterSyntax(expression: text, position: 0, reason: "empty sort key") }
        var parser = FilterParser(text: words.joined(separator: " "))
        let field = try parser.parseField(bareIsMetric: true)
        guard parser.atEnd else {
            throw TrackingError.filterSyntax(expression: text, position: parser.position, reason: "expected 'KEY [ASC|DESC]'")
        }
        self.init(field: field, ascending: ascending)
    }

    /// Orders two values; missing values sort last whichever the direction, NaN just before them.
    func compare(_ a: RunFieldValue?, _ b: RunFieldValue?) -> Bool? {
        func rank(_ v: RunFieldValue?) -> Int {
            switch v {
            case nil: return 2
            case .number(let x)? where x.isNaN: return 1
            default: return 0
            }
        }
        let (ra, rb) = (rank(a), rank(b))
        if ra != rb { return ra < rb }
        guard ra == 0, let a, let b else { return nil }
        switch (a, b) {
        case let (.number(x), .number(y)): return x == y ? nil : (ascending ? x < y : x > y)
        case let (.string(x), .string(y)): return x == y ? nil : (ascending ? x < y : x > y)
        case (.number, .string): return true
        case (.string, .number): return false
        }
    }
}

// MARK: - Parser

/// A small hand-written tokenizer + recursive-descent parser; every error carries the position.
struct FilterParser {
    let text: String
    let chars: [Character]
    var position = 0

    init(text: String) {
        self.text = text
        chars = Array(text)
    }

    var atEnd: Bool {
        mutating get { skipSpaces(); return position >= chars.count }
    }

    func fail(_ reason: String, at pos: Int? = nil) -> TrackingError {
        .filterSyntax(expression: text, position: min(pos ?? position, max(0, chars.count - 1)), reason: reason)
    }

    mutating func skipSpaces() {
        while position < chars.count && chars[position].isWhitespace { position += 1 }
    }

    mutating func parseFilter() throws -> [RunFilter.Clause] {
        var clauses: [RunFilter.Clause] = []
        if atEnd { return clauses }
        while true {
            clauses.append(try parseClause())
            if atEnd { break }
            let start = position
            let word = readWord().uppercased()
            if word == "AND" { continue }
            if word == "OR" { throw fail("OR is not supported: MLflow's search syntax joins clauses with AND only", at: start) }
            throw fail("expected AND between clauses", at: start)
        }
        return clauses
    }

    mutating func parseClause() throws -> RunFilter.Clause {
        let fieldStart = position
        let field = try parseField(bareIsMetric: false)
        skipSpaces()
        let opStart = position
        let op = try parseOperator()
        skipSpaces()
        let valueStart = position
        // An unquoted number for a string field (params.max_iter = 10) is compared as its text.
        let asText = !field.isNumeric
        let values = op == .in || op == .notIn ? try parseList(asText: asText) : [try parseValue(asText: asText)]
        // Type checks, with MLflow's rules.
        if field.isNumeric {
            guard values.allSatisfy({ if case .number = $0 { return true } else { return false } }) else {
                throw fail("\(field) compares numbers: write the value without quotes", at: valueStart)
            }
            if op == .like || op == .ilike { throw fail("\(op.rawValue) applies to strings, not to \(field)", at: opStart) }
        } else {
            if [.lt, .le, .gt, .ge].contains(op) && field.kind != .attribute {
                throw fail("\(field) is a string: use =, !=, LIKE, ILIKE or IN", at: opStart)
            }
        }
        _ = fieldStart
        _ = valueStart
        return RunFilter.Clause(field: field, op: op, values: values)
    }

    mutating func parseField(bareIsMetric: Bool) throws -> RunField {
        skipSpaces()
        let start = position
        guard position < chars.count else { throw fail("expected a key such as metrics.rmse") }
        if chars[position] == "`" || chars[position] == "\"" {
            let key = try parseQuoted()
            return bareIsMetric && RunField.attributes[key] == nil ? RunField(.metric, key) : RunField(.attribute, key)
        }
        // The prefix: letters up to '.', or the whole bare identifier.
        var word = ""
        while position < chars.count, chars[position].isLetter || chars[position].isNumber || chars[position] == "_" {
            word.append(chars[position]); position += 1
        }
        guard !word.isEmpty else { throw fail("expected a key such as metrics.rmse") }
        let prefixes: [String: RunField.Kind] = [
            "metric": .metric, "metrics": .metric, "param": .param, "params": .param, "parameter": .param,
            "parameters": .param, "tag": .tag, "tags": .tag, "attribute": .attribute, "attributes": .attribute,
            "attr": .attribute, "run": .attribute,
        ]
        if position < chars.count, chars[position] == ".", let kind = prefixes[word.lowercased()] {
            position += 1
            var key: String
            if position < chars.count, chars[position] == "`" || chars[position] == "\"" {
                key = try parseQuoted()
            } else {
                key = ""
                // Unquoted keys may contain dots and dashes (tags.mlflow.runName, metrics.val-loss).
                while position < chars.count, chars[position].isLetter || chars[position].isNumber || "_.-".contains(chars[position]) {
                    key.append(chars[position]); position += 1
                }
            }
            guard !key.isEmpty else { throw fail("expected a key after '\(word).'") }
            if kind == .attribute && RunField.attributes[key] == nil {
                throw fail("unknown attribute '\(key)' (known: \(RunField.attributes.keys.sorted().joined(separator: ", ")))", at: start)
            }
            return RunField(kind, key)
        }
        // A bare name: an attribute, or (in sort keys) a metric.
        while position < chars.count, chars[position].isLetter || chars[position].isNumber || "_.-".contains(chars[position]) {
            word.append(chars[position]); position += 1
        }
        if RunField.attributes[word] != nil { return RunField(.attribute, word) }
        if bareIsMetric { return RunField(.metric, word) }
        throw fail("unknown key '\(word)': write metrics.\(word), params.\(word) or tags.\(word)", at: start)
    }

    mutating func parseOperator() throws -> RunFilter.Operator {
        guard position < chars.count else { throw fail("expected a comparison (=, !=, <, <=, >, >=, LIKE, ILIKE, IN)") }
        let two = position + 1 < chars.count ? String(chars[position...position + 1]) : ""
        for op in ["!=", "<=", ">=", "=="] where two == op {
            position += 2
            return op == "==" ? .eq : RunFilter.Operator(rawValue: op)!
        }
        switch chars[position] {
        case "=": position += 1; return .eq
        case "<": position += 1; return .lt
        case ">": position += 1; return .gt
        default: break
        }
        let start = position
        let word = readWord().uppercased()
        switch word {
        case "LIKE": return .like
        case "ILIKE": return .ilike
        case "IN": return .in
        case "NOT":
            skipSpaces()
            if readWord().uppercased() == "IN" { return .notIn }
        default: break
        }
        throw fail("expected a comparison (=, !=, <, <=, >, >=, LIKE, ILIKE, IN)", at: start)
    }

    mutating func parseValue(asText: Bool) throws -> RunFieldValue {
        skipSpaces()
        guard position < chars.count else { throw fail("expected a value") }
        let c = chars[position]
        if c == "'" || c == "\"" { return .string(try parseQuoted()) }
        let start = position
        var word = ""
        while position < chars.count, !chars[position].isWhitespace, chars[position] != ")", chars[position] != "," {
            word.append(chars[position]); position += 1
        }
        if let x = Double(word) { return asText ? .string(word) : .number(x) }
        throw fail("expected a number or a 'quoted string', found '\(word)'", at: start)
    }

    mutating func parseList(asText: Bool) throws -> [RunFieldValue] {
        skipSpaces()
        guard position < chars.count, chars[position] == "(" else { throw fail("expected '(' after IN") }
        position += 1
        var values: [RunFieldValue] = []
        while true {
            values.append(try parseValue(asText: asText))
            skipSpaces()
            guard position < chars.count else { throw fail("expected ')'") }
            if chars[position] == "," { position += 1; continue }
            if chars[position] == ")" { position += 1; break }
            throw fail("expected ',' or ')'")
        }
        return values
    }

    /// 'single', "double" or `backquoted`, with the quote doubled or backslash-escaped inside.
    mutating func parseQuoted() throws -> String {
        let quote = chars[position]
        let start = position
        position += 1
        var out = ""
        while position < chars.count {
            let c = chars[position]
            if c == "\\" && position + 1 < chars.count { out.append(chars[position + 1]); position += 2; continue }
            if c == quote {
                if position + 1 < chars.count && chars[position + 1] == quote { out.append(quote); position += 2; continue }
                position += 1
                return out
            }
            out.append(c); position += 1
        }
        throw fail("unterminated \(quote)quoted\(quote) text", at: start)
    }

    mutating func readWord() -> String {
        skipSpaces()
        var word = ""
        while position < chars.count, chars[position].isLetter {
            word.append(chars[position]); position += 1
        }
        return word
    }
}
