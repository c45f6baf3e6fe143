import Foundation

/// A CSV file held as text fields, one array per row, with the line each row came from.
///
/// Fields stay strings until a column is asked for as numbers, so that a categorical column of
/// digits (possum's `site`) and a numeric column are told apart by the model, not by a guess.
public struct CSVTable: Sendable {
    /// The file name used in error messages.
    public let source: String
    public let header: [String]
    /// Data rows; every row has `header.count` fields.
    public let rows: [[String]]
    /// The 1-based file line on which each row starts (the header is line 1).
    public let lines: [Int]

    public var rowCount: Int { rows.count }

    /// Reads and parses a CSV file (RFC 4180: comma-separated, optional double quotes).
    public static func read(contentsOf path: String) throws -> CSVTable {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such file"
            throw DataError(file: path, reason)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw DataError(file: path, "not UTF-8 text")
        }
        return try parse(text, source: path)
    }

    /// Parses CSV text. Blank lines are skipped; a quoted field may contain commas, newlines and
    /// doubled quotes.
    public static func parse(_ text: String, source: String) throws -> CSVTable {
        var records: [(line: Int, fields: [String])] = []
        var fields: [String] = []
        var field = ""
        var inQuotes = false
        var fieldWasQuoted = false
        var line = 1
        var recordLine = 1
        var chars = Array(text.unicodeScalars)[...]
        if chars.first == "\u{FEFF}" { chars = chars.dropFirst() }  // byte-order mark

        func endRecord() {
            fields.append(field)
            if !(fields.count == 1 && fields[0].isEmpty && !fieldWasQuoted) {
                records.append((recordLine, fields))
            }
            fields = []
            field = ""
            fieldWasQuoted = false
        }

        var i = chars.startIndex
        while i < chars.endIndex {
            let c = chars[i]
            if inQuotes {
                if c == "\"" {
                    let next = chars.index(after: i)
                    if next < chars.endIndex && chars[next] == "\"" {
                        field.unicodeScalars.append("\"")
                        i = next
                    } else {
                        inQuotes = false
                    }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
            } else {
                switch c {
                case ",":
                    fields.append(field)
                    field = ""
                    fieldWasQuoted = false
                case "\"" where field.isEmpty && !fieldWasQuoted:
                    inQuotes = true
                    fieldWasQuoted = true
                case "\"":
                    throw DataError(file: source, line: line, "stray double quote inside an unquoted field")
                case "\r":
                    break  // CRLF line ends
                case "\n":
                    endRecord()
                    line += 1
                    recordLine = line
                default:
                    if fieldWasQuoted {
                        throw DataError(file: source, line: line, "text after a closing quote")
                    }
                    field.unicodeScalars.append(c)
                }
            }
            i = chars.index(after: i)
        }
        if inQuotes { throw DataError(file: source, line: recordLine, "quoted field is never closed") }
        if !field.isEmpty || !fields.isEmpty || fieldWasQuoted { endRecord() }

        guard let first = records.first else { throw DataError(file: source, "empty file: no header line") }
        let header = first.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        var seen = Set<String>()
        for (k, name) in header.enumerated() {
            if name.isEmpty { throw DataError(file: source, line: first.line, "header field \(k + 1) is empty") }
            if !seen.insert(name).inserted {
                throw DataError(file: source, line: first.line, "column name '\(name)' appears twice")
            }
        }
        var rows: [[String]] = []
        var lines: [Int] = []
        rows.reserveCapacity(records.count - 1)
        for record in records.dropFirst() {
            guard record.fields.count == header.count else {
                throw DataError(file: source, line: record.line,
                                "expected \(header.count) fields (as in the header), found \(record.fields.count)")
            }
            rows.append(record.fields)
            lines.append(record.line)
        }
        return CSVTable(source: source, header: header, rows: rows, lines: lines)
    }

    /// The index of column `name`, or an error listing the columns there are.
    public func columnIndex(_ name: String) throws -> Int {
        guard let k = header.firstIndex(of: name) else {
            throw DataError(file: source, "no column '\(name)' (columns: \(header.joined(separator: ", ")))")
        }
        return k
    }

    /// Whether a field stands for a missing value: empty, or R's `NA`.
    public static func isMissing(_ field: String) -> Bool {
        let t = field.trimmingCharacters(in: .whitespaces)
        return t.isEmpty || t == "NA"
    }

    /// Column `name` as text, nil where missing; a field that reads as a number is given in
    /// canonical form ("1.0" and "1" are the same level, as they are the same stored double).
    public func textColumn(_ name: String) throws -> [String?] {
        let k = try columnIndex(name)
        return rows.map { row in
            if Self.isMissing(row[k]) { return nil }
            let t = row[k].trimmingCharacters(in: .whitespaces)
            if let v = Double(t), v.isFinite { return canonicalNumberText(v) }
            return t
        }
    }

    /// Column `name` as finite numbers, nil where missing. A field that is not a number, or is
    /// NaN/±∞ (written out, or overflowing), is an error naming its line and column: a missing
    /// value must be spelled as missing, not as an arithmetic accident.
    public func numericColumn(_ name: String) throws -> [Double?] {
        let k = try columnIndex(name)
        return try rows.indices.map { r in
            let raw = rows[r][k]
            if Self.isMissing(raw) { return nil }
            let t = raw.trimmingCharacters(in: .whitespaces)
            guard let v = Double(t) else {
                throw DataError(file: source, line: lines[r], column: name, "'\(t)' is not a number")
            }
            guard v.isFinite else {
                throw DataError(file: source, line: lines[r], column: name,
                                "'\(t)' is not a finite number (write NA for a missing value)")
            }
            return v
        }
    }
}
