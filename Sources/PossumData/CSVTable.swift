import Foundation
import PossumFiles
import PossumProgress

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
    /// The SHA-256 of the bytes read, for a table read from a stream (stdin, a FIFO: computed
    /// while reading, as it cannot be read again); nil for a regular file and for parsed text.
    public let contentSHA256: String?
    /// How the file was written, when not plain comma-separated: `semicolon-separated, decimal
    /// commas` (what `data show` says); nil for a comma-separated file.
    public private(set) var dialect: String?
    /// Column name → index, so that looking up every column of a wide table is linear, not quadratic.
    private let indexByName: [String: Int]
    /// Each numeric column's missing-value mask (or its error), parsed once: deciding the column
    /// kinds, choosing the complete rows and encoding all ask for it (see `missingRows`).
    private let missingMasks = MissingMaskCache()

    public var rowCount: Int { rows.count }

    public init(source: String, header: [String], rows: [[String]], lines: [Int], contentSHA256: String? = nil) {
        (self.source, self.header, self.rows, self.lines, self.contentSHA256) = (source, header, rows, lines, contentSHA256)
        indexByName = Dictionary(header.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Reads and parses a CSV file (RFC 4180, any of `CSVRecordReader`'s delimiters); `-` is
    /// standard input. The file is read once, under the input policy (see `CSVRecordReader`); a
    /// stream, which cannot be read again, is hashed on the way (`contentSHA256`). `progress`
    /// hears "reading" (rows read). `delimiter`: the byte between fields (`--delimiter`); nil: detected.
    public static func read(contentsOf path: String, delimiter: UInt8? = nil,
                            progress: any ProgressReporter = SilentProgress()) throws -> CSVTable {
        let isStream = (try? checkInput(path)) == .stream
        var reader = try CSVRecordReader(contentsOf: path, hashing: isStream, delimiter: delimiter)
        progress.begin("reading", total: nil, unit: .items("rows"))
        var table = try collect(&reader, source: inputDisplayName(path), progress: progress)
        table = CSVTable(source: table.source, header: table.header, rows: table.rows, lines: table.lines, contentSHA256: reader.sha256)
        table.dialect = reader.dialect
        return table
    }

    /// Parses CSV text (see `CSVRecordReader` for the dialect; `delimiter` nil: detected).
    public static func parse(_ text: String, source: String, delimiter: UInt8? = nil) throws -> CSVTable {
        try parse(text, source: source, delimiter: delimiter, memoryBudget: nil)
    }

    static func parse(_ text: String, source: String, delimiter: UInt8? = nil, memoryBudget: Int?) throws -> CSVTable {
        var reader = CSVRecordReader(text: text, source: source, delimiter: delimiter)
        return try collect(&reader, source: source, memoryBudget: memoryBudget)
    }

    /// Bytes a table held as text fields may take: half the memory this process may still take
    /// (`MemoryHeadroom`: the machine's, or less under a ulimit or cgroup limit), since a model's
    /// design matrix is built beside it. Past it, reading stops with an error that says to
    /// import the file (an HDF5 table is read in blocks) instead of the process being killed.
    /// Rounded down to a whole MiB, so that messages name it exactly (`byteCount`).
    static var memoryBudget: Int { (MemoryHeadroom.available() / 2) & ~((1 << 20) - 1) }

    /// Text a table may hold before `memoryBudget` is asked (it reads /proc; a scoring request's
    /// few rows need not), and again each time it holds this much more: the interval every
    /// data-sized allocation asks at (`MemoryHeadroom.Meter`, HDF5's reads).
    static let unbudgetedBytes = MemoryHeadroom.askInterval

    /// `memoryBudget` nil: `CSVTable.memoryBudget`, asked once the table passes `unbudgetedBytes`.
    /// The count of bytes held is an estimate (the allocator's rounding and arenas are not in
    /// it, and under an address-space limit they are much of what is taken), so the headroom is
    /// also asked again at each further `unbudgetedBytes`: what it fell by since it was first
    /// asked is what the table took, and that must stay below what is left.
    static func collect(_ reader: inout CSVRecordReader, source: String,
                        progress: any ProgressReporter = SilentProgress(),
                        memoryBudget given: Int? = nil,
                        headroom: () -> Int = MemoryHeadroom.available) throws -> CSVTable {
        let header = try readHeader(&reader, source: source).names
        var rows: [[String]] = []
        var lines: [Int] = []
        var held = 0
        var budget = given
        var firstHeadroom: Int?
        var nextAsk = unbudgetedBytes
        while let record = try reader.next() {
            try checkFieldCount(record, header: header, source: source)
            // A String holds up to 15 UTF-8 bytes inline in its 16; longer ones add their bytes.
            held += 64 + record.fields.reduce(0) { $0 + 16 + ($1.utf8.count > 15 ? $1.utf8.count : 0) }
            if given == nil && held > nextAsk {
                let left = headroom()
                if firstHeadroom == nil {
                    firstHeadroom = left
                    budget = (left / 2) & ~((1 << 20) - 1)
                }
                nextAsk = held + unbudgetedBytes
                let taken = max(held, (firstHeadroom ?? left) - left)
                if taken > left {
                    func size(_ bytes: Int) -> String { ProgressLine.formatBytes(Double(bytes)) }
                    throw DataError(file: source, line: record.line,
                                    "too large to hold in memory (it took \(size(taken)) by this line and this process may take \(size(left)) more): "
                                    + "import it with `possum data import \(source) --out T.h5` and use T.h5, which is read in blocks")
                }
            }
            if let budget, held > budget {
                throw DataError(file: source, line: record.line,
                                "too large to hold in memory (more than \(byteCount(budget)) as text fields by this line): "
                                + "import it with `possum data import \(source) --out T.h5` and use T.h5, which is read in blocks")
            }
            rows.append(record.fields)
            lines.append(record.line)
            if rows.count % 4096 == 0 { progress.update(completed: rows.count) }
        }
        progress.update(completed: rows.count)
        var table = CSVTable(source: source, header: header, rows: rows, lines: lines)
        table.dialect = reader.dialect
        return table
    }

    /// Reads and validates the header record: no empty and no repeated names (an empty field
    /// after the last name is a trailing delimiter, not a column). The reader then names columns
    /// in its errors and drops a trailing delimiter's empty field from each record.
    public static func readHeader(_ reader: inout CSVRecordReader, source: String) throws -> (names: [String], line: Int) {
        guard let first = try reader.next() else { throw DataError(file: source, "empty file: no header line") }
        var header = first.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        // A delimiter after the last name (`a;b;y;`, as spreadsheets write): no column; the
        // reader then drops the empty last field of the records too.
        if header.count >= 2, header.last == "", header.dropLast().last != "" {
            header.removeLast()
            reader.headerTrailingDelimiterLine = first.line
        }
        var seen = Set<String>()
        for (k, name) in header.enumerated() {
            if name.isEmpty { throw DataError(file: source, line: first.line, "header field \(k + 1) is empty") }
            if !seen.insert(name).inserted {
                throw DataError(file: source, line: first.line, "column name '\(messageText(name, limit: 80))' appears twice")
            }
        }
        reader.fieldNames = header
        return (header, first.line)
    }

    /// Throws unless a data record has as many fields as the header.
    public static func checkFieldCount(_ record: CSVRecordReader.Record, header: [String], source: String) throws {
        try checkFieldCount(record.fields.count, line: record.line, header: header, source: source)
    }

    /// The number a field stands for: nil when missing; an error when it is not a finite number.
    public static func number(_ raw: String, file: String, line: Int, column: String) throws -> Double? {
        switch asciiFastPath(raw) {
        case .missing: return nil
        case .number(let v): return v
        case .undecided: return try numberByUnicodeRules(raw, file: file, line: line, column: column)
        }
    }

    /// `number(_:file:line:column:)` by Foundation's whitespace and `Double.init` on the whole
    /// string: the rules every fast path must agree with.
    static func numberByUnicodeRules(_ raw: String, file: String, line: Int, column: String) throws -> Double? {
        if isMissingByUnicodeRules(raw) { return nil }
        let t = raw.trimmingCharacters(in: .whitespaces)
        guard let v = Double(t) else {
            throw DataError(file: file, line: line, column: column, "'\(messageText(t, limit: 80))' is not a number")
        }
        guard v.isFinite else {
            throw DataError(file: file, line: line, column: column, "'\(messageText(t, limit: 80))' is not a finite number (write NA for a missing value)")
        }
        return v
    }

    /// The index of column `name`, or an error listing the columns there are (`noColumnError`).
    public func columnIndex(_ name: String) throws -> Int {
        guard let k = indexByName[name] else {
            throw noColumnError(name, columns: header, source: source)
        }
        return k
    }

    /// Whether a field stands for a missing value: empty, or R's `NA`.
    public static func isMissing(_ field: String) -> Bool {
        switch asciiFastPath(field) {
        case .missing: return true
        case .number: return false
        case .undecided: return isMissingByUnicodeRules(field)
        }
    }

    static func isMissingByUnicodeRules(_ field: String) -> Bool {
        let t = field.trimmingCharacters(in: .whitespaces)
        return t.isEmpty || t == "NA"
    }

    /// Column `name` as text, nil where missing (see `text(_:)`).
    public func textColumn(_ name: String) throws -> [String?] {
        let k = try columnIndex(name)
        return rows.map { Self.text($0[k]) }
    }

    /// A field as text: nil when missing, trimmed, and a field that reads as a number in
    /// canonical form ("1.0" and "1" are the same level, as they are the same stored double).
    public static func text(_ raw: String) -> String? {
        switch asciiText(raw) {
        case .missing: return nil
        case .text(let t): return t
        case .undecided: return textByUnicodeRules(raw)
        }
    }

    /// `text(_:)` by Foundation's whitespace and `Double.init`: the rules its fast path must agree with.
    static func textByUnicodeRules(_ raw: String) -> String? {
        if isMissing(raw) { return nil }
        let t = raw.trimmingCharacters(in: .whitespaces)
        if let v = Double(t), v.isFinite { return canonicalNumberText(v) }
        return t
    }

    /// `numericColumn(name)`'s missing rows, or its error, remembered: the fields are parsed once
    /// however many times a feature pipeline asks.
    public func missingRows(ofNumericColumn name: String) throws -> [Bool] {
        try missingMasks.mask(of: name) { try numericColumn(name).map { $0 == nil } }
    }

    /// The kept rows of numeric column `name` straight into `destination`, every present value
    /// checked: one parse, no `[Double?]` copy of the column.
    public func readNumericColumn(_ name: String, keeping keep: [Bool], into destination: UnsafeMutableBufferPointer<Double>) throws {
        let k = try columnIndex(name)
        precondition(keep.count == rows.count && keep.lazy.filter { $0 }.count == destination.count,
                     "one keep flag per row, one destination slot per kept row")
        var slot = 0
        for r in rows.indices {
            let value = try Self.number(rows[r][k], file: source, line: lines[r], column: name)
            if keep[r] {
                destination[slot] = value ?? .nan
                slot += 1
            }
        }
    }

    /// Column `name` as finite numbers, nil where missing. A field that is not a number, or is
    /// NaN/±∞ (written out, or overflowing), is an error naming its line and column: a missing
    /// value must be spelled as missing, not as an arithmetic accident.
    public func numericColumn(_ name: String) throws -> [Double?] {
        let k = try columnIndex(name)
        return try rows.indices.map { try Self.number(rows[$0][k], file: source, line: lines[$0], column: name) }
    }
}

/// `CSVTable`'s remembered missing-value masks: a class so the value-type table can fill it from
/// its non-mutating accessors, locked so the table stays `Sendable`.
final class MissingMaskCache: @unchecked Sendable {
    private let lock = NSLock()
    private var masks: [String: Result<[Bool], any Error>] = [:]

    func mask(of column: String, parse: () throws -> [Bool]) throws -> [Bool] {
        lock.lock()
        let known = masks[column]
        lock.unlock()
        if let known { return try known.get() }
        let result = Result { try parse() }
        lock.lock()
        masks[column] = result
        lock.unlock()
        return try result.get()
    }
}
