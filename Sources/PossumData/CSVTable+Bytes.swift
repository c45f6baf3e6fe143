/// The field rules of `CSVTable` (missing values, numbers, their errors) applied to a field's
/// bytes, as `CSVRecordReader.withField` gives them, so that streaming a big file makes no
/// `String` per numeric field. Each function agrees exactly with its `String` twin: ASCII fields
/// take the byte route; any field with a non-ASCII byte goes through the `String` twin, so
/// Unicode whitespace and digits are treated as they always were.
extension CSVTable {
    /// The field without leading and trailing spaces and tabs — the ASCII members of
    /// `CharacterSet.whitespaces` — or nil when it holds a non-ASCII byte.
    @inline(__always)
    static func trimmedASCII(_ field: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8>? {
        var lower = 0, upper = field.count
        for b in field where b >= 0x80 { return nil }
        while lower < upper, field[lower] == 0x20 || field[lower] == 0x09 { lower += 1 }
        while upper > lower, field[upper - 1] == 0x20 || field[upper - 1] == 0x09 { upper -= 1 }
        return UnsafeBufferPointer(rebasing: field[lower..<upper])
    }

    @inline(__always)
    static func isNA(_ t: UnsafeBufferPointer<UInt8>) -> Bool {
        t.isEmpty || (t.count == 2 && t[0] == UInt8(ascii: "N") && t[1] == UInt8(ascii: "A"))
    }

    /// `isMissing(_: String)` on bytes.
    public static func isMissing(_ field: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let t = trimmedASCII(field) else { return isMissingByUnicodeRules(String(decoding: field, as: UTF8.self)) }
        return isNA(t)
    }

    /// `number(_: String, …)` on bytes: nil when missing, the correctly rounded double, or the
    /// same one-line error naming file, line and column.
    public static func number(_ field: UnsafeBufferPointer<UInt8>, file: String, line: Int, column: String) throws -> Double? {
        guard let t = trimmedASCII(field) else {
            return try numberByUnicodeRules(String(decoding: field, as: UTF8.self), file: file, line: line, column: column)
        }
        if isNA(t) { return nil }
        if let v = DecimalParser.fastPath(t) { return v }
        // Not the fast path's case (long or far-exponent decimals, hex, words, junk): the
        // String route decides, with its messages.
        return try numberByUnicodeRules(String(decoding: t, as: UTF8.self), file: file, line: line, column: column)
    }

    /// What `text(_:)` gives for an ASCII field that is missing or starts with a letter other than
    /// those a `Double` may start with (`i`nf, `n`an, hex's digits are digits): its trimmed bytes,
    /// no Foundation trimming and no number parse. Anything else is undecided (the String route).
    enum ASCIIText { case missing, text(String), undecided }

    static func asciiText(_ field: String) -> ASCIIText {
        field.utf8.withContiguousStorageIfAvailable { bytes -> ASCIIText in
            guard let t = trimmedASCII(bytes) else { return .undecided }
            if isNA(t) { return .missing }
            let first = t[0] | 0x20  // ASCII lower case
            guard first >= UInt8(ascii: "a") && first <= UInt8(ascii: "z"), first != UInt8(ascii: "i"), first != UInt8(ascii: "n") else {
                return .undecided
            }
            return .text(t.count == bytes.count ? field : String(decoding: t, as: UTF8.self))
        } ?? .undecided
    }

    /// What an ASCII field's bytes settle without Foundation (which made trimming most of the
    /// time of scoring a request): missing, a number of the decimal fast path, or undecided
    /// (non-ASCII, not contiguous, or not the fast path's kind of number).
    enum ASCIIField { case missing, number(Double), undecided }

    @inline(__always)
    static func asciiFastPath(_ field: String) -> ASCIIField {
        field.utf8.withContiguousStorageIfAvailable { bytes -> ASCIIField in
            guard let t = trimmedASCII(bytes) else { return .undecided }
            if isNA(t) { return .missing }
            return DecimalParser.fastPath(t).map(ASCIIField.number) ?? .undecided
        } ?? .undecided
    }

    /// `checkFieldCount(_: Record, …)` for the current record of a reader.
    public static func checkFieldCount(_ count: Int, line: Int, header: [String], source: String) throws {
        guard count == header.count else {
            throw DataError(file: source, line: line, "expected \(header.count) field\(header.count == 1 ? "" : "s") (as in the header), found \(count)")
        }
    }
}
