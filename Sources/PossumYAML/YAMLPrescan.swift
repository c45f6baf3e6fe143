/// A cheap pass over a YAML file's bytes (a pipeline, a tracking store's meta.yaml), before the YAML
/// parser sees them.
///
/// Yams builds its node tree recursively (about 1.3 KB of stack per level in a debug build), so a
/// 10 KB file of nested `[` or `{` overflows the stack and kills the process. This pass bounds what
/// reaches the parser, in one linear scan, with a one-line reason and the line at fault:
///
/// - at most `maxDocumentBytes` (16 MiB: some 100,000 tasks);
/// - no NUL or other control character except tab, CR and LF (libyaml would refuse them too, but
///   with the raw line in its message), and valid UTF-8;
/// - nesting at most `maxNestingDepth` (64) levels: block levels (one per indentation step and per
///   `- `, `? `, `: ` indicator opening a node on the same line) plus open flow collections `[`, `{`,
///   both counted outside quoted scalars, comments and block scalars (`|`, `>`). A real pipeline
///   nests 4 to 6 levels;
/// - and two safety nets that do not depend on this scanner's reading of quotes and scalars (which
///   is simpler than YAML's): at most `maxRawBracketDepth` (512) `[`/`{` open anywhere outside
///   comments, quoted or not, and no line indented by more than `maxIndentColumns` (512) columns. Together they keep
///   any nesting the parser could see under ~1,600 levels, well within an 8 MB stack.
public enum YAMLPrescan {
    /// The largest pipeline file read; readers of smaller kinds of file set their own bound.
    public static let maxDocumentBytes = 16 << 20
    public static let maxNestingDepth = 64
    public static let maxRawBracketDepth = 512
    public static let maxIndentColumns = 512

    public struct Problem: Error, Equatable {
        public var line: Int
        public var message: String
    }

    /// The first problem found, or nil if the bytes may go to the YAML parser.
    public static func check(_ bytes: [UInt8]) -> Problem? {
        var scanner = Scanner()
        var line = 1
        var start = 0
        while start <= bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != 10 { end += 1 }
            var lineEnd = end
            if lineEnd > start && bytes[lineEnd - 1] == 13 { lineEnd -= 1 }
            if let message = characterProblem(bytes, start, lineEnd) ?? scanner.scan(bytes, start, lineEnd)
                ?? scanner.safetyNets(bytes, start, lineEnd) {
                return Problem(line: line, message: message)
            }
            start = end + 1
            line += 1
        }
        return nil
    }

    /// NUL, other control characters, and bytes that are not UTF-8, on one line.
    static func characterProblem(_ b: [UInt8], _ start: Int, _ end: Int) -> String? {
        var ascii = true
        for i in start..<end {
            let c = b[i]
            if c == 0 { return "NUL byte in the file" }
            if (c < 0x20 && c != 9 && c != 13) || c == 0x7f {
                return "control character \(hexByte(c)) in the file (only tab, CR and LF are allowed)"
            }
            if c >= 0x80 { ascii = false }
        }
        if !ascii && String(validating: b[start..<end], as: UTF8.self) == nil { return "not UTF-8 text" }
        return nil
    }

    static func hexByte(_ c: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return "0x" + String(digits[Int(c >> 4)]) + String(digits[Int(c & 15)])
    }

    /// Carries the state a YAML construct keeps across lines: open flow collections, an open quoted
    /// scalar, a block scalar's indentation, the block levels' columns.
    struct Scanner {
        enum Quote { case none, single, double }
        var blockColumns: [Int] = []
        var flowDepth = 0
        var rawBracketDepth = 0
        var quote = Quote.none
        /// Set while inside a block scalar: its content is indented more than this column.
        var blockScalarParent: Int?
        var blockScalarIndent: Int?
        /// Inside a plain scalar in a flow collection (it may go on over lines; quotes in it are literal).
        var flowPlain = false

        static func isBlank(_ c: UInt8) -> Bool { c == 32 || c == 9 }

        var depth: Int { blockColumns.count + flowDepth }

        func tooDeep() -> String {
            "nesting deeper than \(YAMLPrescan.maxNestingDepth) levels (lists and mappings inside each other); refused before parsing"
        }

        mutating func scan(_ b: [UInt8], _ s: Int, _ e: Int) -> String? {
            var i = s
            while i < e && b[i] == 32 { i += 1 }
            let column = i - s
            if let parent = blockScalarParent {
                if b[i..<e].allSatisfy(Self.isBlank) { return nil }
                if let indent = blockScalarIndent {
                    if column >= indent { return nil }
                } else if column > parent {
                    blockScalarIndent = column
                    return nil
                }
                blockScalarParent = nil
                blockScalarIndent = nil
            }
            var tokenStart = true
            var plain = flowDepth > 0 ? flowPlain : false
            if quote == .none && flowDepth == 0 {
                if i == e || b[i] == UInt8(ascii: "#") { return nil }
                if column == 0 && b[i] == UInt8(ascii: "%") { return nil }
                if column == 0 && e - i >= 3 && (b[i..<i + 3].elementsEqual("---".utf8) || b[i..<i + 3].elementsEqual("...".utf8))
                    && (e - i == 3 || Self.isBlank(b[i + 3])) {
                    blockColumns = []
                    i += 3
                    while i < e && Self.isBlank(b[i]) { i += 1 }
                    if i == e { return nil }
                } else {
                    while let last = blockColumns.last, last >= column { blockColumns.removeLast() }
                    blockColumns.append(column)
                }
                // `- `, `? `, `: ` open a node on the same line, one level each.
                while i < e, b[i] == UInt8(ascii: "-") || b[i] == UInt8(ascii: "?") || b[i] == UInt8(ascii: ":"),
                      i + 1 == e || Self.isBlank(b[i + 1]) {
                    i += 1
                    while i < e && Self.isBlank(b[i]) { i += 1 }
                    if i == e || b[i] == UInt8(ascii: "#") { break }
                    blockColumns.append(i - s)
                }
                if depth > YAMLPrescan.maxNestingDepth { return tooDeep() }
            }
            while i < e {
                let c = b[i]
                switch quote {
                case .single:
                    if c == UInt8(ascii: "'") {
                        if i + 1 < e && b[i + 1] == UInt8(ascii: "'") { i += 2; continue }
                        quote = .none
                        tokenStart = false
                        plain = true
                    }
                    i += 1
                    continue
                case .double:
                    if c == UInt8(ascii: "\\") { i += 2; continue }
                    if c == UInt8(ascii: "\"") {
                        quote = .none
                        tokenStart = false
                        plain = true
                    }
                    i += 1
                    continue
                case .none:
                    break
                }
                if Self.isBlank(c) {
                    // ` #` starts a comment wherever it is, outside quotes.
                    if i + 1 < e && b[i + 1] == UInt8(ascii: "#") { break }
                    if flowDepth > 0 && !plain { tokenStart = true }
                    i += 1
                    continue
                }
                let nextIsBlank = i + 1 == e || Self.isBlank(b[i + 1])
                if flowDepth > 0 {
                    switch c {
                    case UInt8(ascii: "["), UInt8(ascii: "{"):
                        flowDepth += 1
                        if depth > YAMLPrescan.maxNestingDepth { return tooDeep() }
                        tokenStart = true
                        plain = false
                    case UInt8(ascii: "]"), UInt8(ascii: "}"):
                        flowDepth = max(0, flowDepth - 1)
                        tokenStart = false
                        plain = false
                    case UInt8(ascii: ","):
                        tokenStart = true
                        plain = false
                    case UInt8(ascii: ":") where nextIsBlank || (i + 1 < e && ",[]{}".utf8.contains(b[i + 1])):
                        tokenStart = true
                        plain = false
                    case UInt8(ascii: "'"), UInt8(ascii: "\""):
                        if tokenStart && !plain {
                            quote = c == UInt8(ascii: "'") ? .single : .double
                        } else {
                            plain = true
                        }
                    case UInt8(ascii: "#") where tokenStart && !plain:
                        i = e
                        continue
                    default:
                        plain = true
                        tokenStart = false
                    }
                } else if tokenStart && !plain {
                    switch c {
                    case UInt8(ascii: "["), UInt8(ascii: "{"):
                        flowDepth = 1
                        if depth > YAMLPrescan.maxNestingDepth { return tooDeep() }
                    case UInt8(ascii: "'"):
                        quote = .single
                    case UInt8(ascii: "\""):
                        quote = .double
                    case UInt8(ascii: "|"), UInt8(ascii: ">"):
                        // A block scalar: the rest of this line is its header; its content follows.
                        blockScalarParent = blockColumns.last ?? -1
                        blockScalarIndent = nil
                        i = e
                        continue
                    case UInt8(ascii: "&"), UInt8(ascii: "!"):
                        // An anchor or tag: the node it decorates follows.
                        while i < e && !Self.isBlank(b[i]) { i += 1 }
                        continue
                    case UInt8(ascii: "#"):
                        i = e
                        continue
                    default:
                        plain = true
                        tokenStart = false
                    }
                } else if c == UInt8(ascii: ":") && nextIsBlank {
                    // `key: value`: what follows is a new node.
                    tokenStart = true
                    plain = false
                }
                i += 1
            }
            if flowDepth > 0 { flowPlain = plain }
            return nil
        }

        /// Bounds that hold whatever the line means: raw bracket depth and indentation.
        mutating func safetyNets(_ b: [UInt8], _ s: Int, _ e: Int) -> String? {
            var i = s
            while i < e {
                while i < e && Self.isBlank(b[i]) { i += 1 }
                guard i < e, b[i] == UInt8(ascii: "-") || b[i] == UInt8(ascii: "?") || b[i] == UInt8(ascii: ":"),
                      i + 1 == e || Self.isBlank(b[i + 1]) else { break }
                i += 1
            }
            if i - s > YAMLPrescan.maxIndentColumns {
                return "indented by more than \(YAMLPrescan.maxIndentColumns) columns; refused before parsing"
            }
            for j in s..<e {
                switch b[j] {
                case UInt8(ascii: "#") where j == s || Self.isBlank(b[j - 1]):
                    // A comment, or text inside a quoted or block scalar: never structure either way.
                    return nil
                case UInt8(ascii: "["), UInt8(ascii: "{"):
                    rawBracketDepth += 1
                    if rawBracketDepth > YAMLPrescan.maxRawBracketDepth {
                        return "more than \(YAMLPrescan.maxRawBracketDepth) '[' or '{' open at once; refused before parsing"
                    }
                case UInt8(ascii: "]"), UInt8(ascii: "}"):
                    rawBracketDepth = max(0, rawBracketDepth - 1)
                default:
                    break
                }
            }
            return nil
        }
    }
}
