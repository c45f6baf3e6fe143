import PossumFiles

/// Reads CSV records (RFC 4180: optional double quotes; CRLF or LF, a lone CR refused) one at a
/// time from a file or from memory, so that a file far bigger than memory can be streamed. Blank
/// lines are skipped; a quoted field may hold delimiters, newlines and doubled quotes; a leading
/// UTF-8 byte-order mark is ignored. Errors name the source and line (and the column, once `fieldNames` is known).
///
/// The delimiter is a comma unless the first lines say otherwise (`detectDelimiter`): tab-,
/// semicolon- and pipe-separated files are read alike. In a semicolon-separated table (the CSV
/// of spreadsheets in locales that write 1,5 — R's `read.csv2` dialect) a number may be written
/// with a decimal comma and dots grouping its thousands (`1.000,5`, as a spreadsheet writes a
/// formatted cell); data fields that are such numbers are handed on as `1000.5`, and a column that
/// mixes both ways ("2,5" and "1.000") is an error, since 1.000 could mean 1000.
///
/// The file is opened under the input policy (`InputFile`): a directory, device or socket is
/// refused; standard input (`-`) and a FIFO are read once. The reader is linear in its input and
/// bounded by `Limits`, so no input makes it hang on one record or grow without end.
///
/// A record is kept as bytes (the fields back to back, and where each ends): `nextRecord()` and
/// `withField(_:_:)` give them without making a `String` per field, which is what lets a
/// million-row import parse numbers in seconds; `next()` gives the fields as strings.
public struct CSVRecordReader {
    public struct Record {
        /// The 1-based line on which the record starts.
        public var line: Int
        public var fields: [String]
    }

    /// Bounds on one record, generous for real tables; past one, reading stops with a one-line
    /// error naming the file and line.
    public struct Limits: Sendable {
        /// Fields in one record (columns of a table): possum stores a dataset per column.
        public var maxFields: Int
        /// Bytes in one field (quotes removed).
        public var maxFieldBytes: Int
        /// Bytes in one record, all fields together.
        public var maxRecordBytes: Int

        public init(maxFields: Int = 100_000, maxFieldBytes: Int = 1 << 20, maxRecordBytes: Int = 64 << 20) {
            (self.maxFields, self.maxFieldBytes, self.maxRecordBytes) = (maxFields, maxFieldBytes, maxRecordBytes)
        }

        public static let standard = Limits()
    }

    /// The byte between fields: given, or detected from the first lines of the input.
    public private(set) var delimiter: UInt8
    private let detectsDelimiter: Bool

    /// Per column of a semicolon-separated table: the line of its first number written with a
    /// decimal comma, and with a decimal point (0: none yet).
    private var decimalCommaLines: [Int] = []
    private var decimalPointLines: [Int] = []
    /// Whether a number with a decimal comma, and one with dots grouping its thousands, has been read.
    private var readsDecimalCommas = false
    private var readsThousandsDots = false
    /// In the whole file: the first number with a decimal comma, and the first that is `1.500`
    /// (1 to 3 digits, a point, 3 digits), which a file of decimal commas means as 1500.
    private var firstDecimalComma: (line: Int, column: Int)?
    private var firstThousandLike: (line: Int, column: Int, text: String)?
    private let source: String
    private let input: InputFile?
    private let limits: Limits
    /// Read bytes are `buffer[0..<filled]`; the array keeps its block size between reads.
    private var buffer: [UInt8]
    private var filled = 0
    private var position = 0
    private var exhausted: Bool
    private var line = 1
    private var started = false
    private let blockSize: Int
    private var hasher: SHA256?
    private var digest: String?
    /// Bytes read from the input in this pass so far (for progress against the file's size).
    public private(set) var bytesRead = 0
    /// The current record: its fields' bytes back to back; field k is
    /// `fieldBytes[fieldEnds[k - 1] ..< fieldEnds[k]]` (with fieldEnds[-1] read as 0).
    private var fieldBytes: [UInt8] = []
    private var fieldEnds: [Int] = []
    /// The header's names, when the caller has read them (`CSVTable.readHeader` sets them), so
    /// that errors in data records name the column.
    public var fieldNames: [String]?
    /// The header's line when it ends with a delimiter (`a;b;y;`), which `CSVTable.readHeader`
    /// then reads as no column: a record with a value past the last name is an error about it.
    public var headerTrailingDelimiterLine: Int?

    /// Streams `path` (or standard input for `-`) in blocks of `blockSize` bytes. With `hashing`,
    /// the SHA-256 of every byte read is kept (`sha256` once the input is read to its end), so a
    /// stream need not be read twice for its digest. With `rereadable`, `restart()` may be called
    /// (a stream is spooled to an unlinked temporary file for that).
    public init(contentsOf path: String, blockSize: Int = 1 << 20, limits: Limits = .standard,
                hashing: Bool = false, rereadable: Bool = false, delimiter: UInt8? = nil) throws {
        do {
            self.input = try InputFile(path, spoolForSecondPass: rereadable)
        } catch let error as InputError {
            throw DataError(file: inputDisplayName(path), error.reason)
        }
        self.source = inputDisplayName(path)
        self.limits = limits
        self.buffer = []
        self.exhausted = false
        self.blockSize = max(1, blockSize)
        self.hasher = hashing ? SHA256() : nil
        self.delimiter = delimiter ?? UInt8(ascii: ",")
        self.detectsDelimiter = delimiter == nil
    }

    /// Reads records from text already in memory.
    public init(text: String, source: String, limits: Limits = .standard, delimiter: UInt8? = nil) {
        self.source = source
        self.input = nil
        self.limits = limits
        self.buffer = Array(text.utf8)
        self.filled = buffer.count
        self.exhausted = true
        self.blockSize = 0
        self.hasher = nil
        self.delimiter = delimiter ?? UInt8(ascii: ",")
        self.detectsDelimiter = delimiter == nil
    }

    /// What was read, when it is not plain comma-separated: `tab-separated`, `semicolon-separated,
    /// decimal commas` (once a number with one has been read; `, dots grouping thousands` once a
    /// `1.000,5` has), … ; nil for commas.
    public var dialect: String? {
        let name: String
        switch delimiter {
        case UInt8(ascii: ","): return nil
        case 0x09: name = "tab-separated"
        // A one-column table of decimal commas is read as semicolon-separated (`detectDelimiter`).
        case UInt8(ascii: ";"): name = fieldNames?.count == 1 ? "one column" : "semicolon-separated"
        case UInt8(ascii: "|"): name = "pipe-separated"
        default: name = "separated by '\(Character(Unicode.Scalar(delimiter)))'"
        }
        return name + (readsDecimalCommas ? ", decimal commas" : "") + (readsThousandsDots ? ", dots grouping thousands" : "")
    }

    /// The lower-case hex SHA-256 of the whole input, once it has been read to its end with
    /// `hashing`; nil before that.
    public var sha256: String? { digest }

    /// Starts again from the first byte (for a second pass), when opened `rereadable`.
    public mutating func restart() throws {
        fieldNames = nil  // the header is read again, as it was the first time
        headerTrailingDelimiterLine = nil
        guard let input else {
            position = 0
            line = 1
            started = false
            return
        }
        do { try input.rewind() } catch let error as InputError { throw DataError(file: source, error.reason) }
        filled = 0
        position = 0
        bytesRead = 0
        exhausted = false
        line = 1
        started = false
        hasher = nil
    }

    /// The next byte, refilling from the file when the buffer runs out; nil at the end.
    @inline(__always)
    private mutating func nextByte() throws -> UInt8? {
        if position == filled {
            guard try refill() else { return nil }
        }
        defer { position += 1 }
        return buffer[position]
    }

    private mutating func refill() throws -> Bool {
        guard !exhausted, let input else { return false }
        if buffer.count != blockSize { buffer = [UInt8](repeating: 0, count: blockSize) }
        let n: Int
        do {
            n = try buffer.withUnsafeMutableBytes { try input.readBytes(into: $0) }
        } catch let error as InputError {
            throw DataError(file: source, line: line, error.reason)
        }
        if n == 0 {
            exhausted = true
            filled = 0
            position = 0
            if var h = hasher { digest = SHA256.hexString(h.finalize()); hasher = nil }
            return false
        }
        filled = n
        bytesRead += n
        hasher?.update(buffer[0..<n])
        position = 0
        return true
    }

    private mutating func peekByte() throws -> UInt8? {
        guard let b = try nextByte() else { return nil }
        position -= 1
        return b
    }

    /// The next record, or nil at the end of the input.
    public mutating func next() throws -> Record? {
        guard let line = try nextRecord() else { return nil }
        return Record(line: line, fields: (0..<fieldCount).map { field($0) })
    }

    /// Advances to the next record and returns the line it starts on, or nil at the end of the
    /// input. Its fields are then read with `fieldCount`, `withField(_:_:)` and `field(_:)`;
    /// they are valid UTF-8 (a record that is not is an error here).
    public mutating func nextRecord() throws -> Int? {
        if !started {
            started = true
            // A spreadsheet's "Unicode text" is UTF-16: say so, rather than stop at its first NUL.
            if let first = try peekByte(), first == 0xFF || first == 0xFE, filled - position >= 2,
               buffer[position + 1] == (first == 0xFF ? 0xFE : 0xFF) {
                throw DataError(file: source, line: 1, "UTF-16 text (it starts with a UTF-16 byte-order mark): possum reads UTF-8; save the file as UTF-8")
            }
            // Skip a UTF-8 byte-order mark.
            if try peekByte() == 0xEF {
                _ = try nextByte()
                if try nextByte() != 0xBB || nextByte() != 0xBF {
                    throw DataError(file: source, line: 1, "not UTF-8 text (a broken byte-order mark)")
                }
            }
            // From the first block (again on a second pass: the same bytes, the same answer).
            if try peekByte() != nil {
                let complete = exhausted || input == nil
                let detected = buffer.withUnsafeBufferPointer { Self.detectDelimiter(UnsafeBufferPointer(rebasing: $0[position..<filled]), complete: complete) }
                if detectsDelimiter {
                    delimiter = detected
                } else {
                    try checkGivenDelimiter(detected: detected)
                }
            }
        }
        while true {
            guard let record = try readRecord() else { return nil }
            if fieldEnds.count == 1 && fieldEnds[0] == 0 && !record.quoted { continue }  // blank line
            // A delimiter after the last field (spreadsheets write `1;2;3;`) leaves an empty field
            // beyond the header's: it holds nothing, so it is dropped rather than miscounted.
            if let names = fieldNames, fieldEnds.count == names.count + 1, fieldEnds.count >= 2 {
                if fieldEnds[fieldEnds.count - 1] == fieldEnds[fieldEnds.count - 2] && !record.lastQuoted {
                    fieldEnds.removeLast()
                } else if let headerLine = headerTrailingDelimiterLine {
                    throw DataError(file: source, line: headerLine, "header field \(names.count + 1) is empty, but line \(record.line) has a value there")
                }
            }
            return record.line
        }
    }

    /// The number of fields of the current record.
    public var fieldCount: Int { fieldEnds.count }

    /// Calls `body` with the bytes of field `k` of the current record (quotes removed).
    @inline(__always)
    public func withField<R>(_ k: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let start = k == 0 ? 0 : fieldEnds[k - 1]
        return try fieldBytes.withUnsafeBufferPointer { all in
            try body(UnsafeBufferPointer(rebasing: all[start..<fieldEnds[k]]))
        }
    }

    /// Calls `body` once with every field of the current record. A loop over a record's fields
    /// should go through this rather than `withField` per field: a reader captured by a closure
    /// is copied (every reference it holds retained and released) on each call.
    @inline(__always)
    public func withFields<R>(_ body: (CSVRecordFields) throws -> R) rethrows -> R {
        try fieldBytes.withUnsafeBufferPointer { bytes in
            try fieldEnds.withUnsafeBufferPointer { ends in try body(CSVRecordFields(bytes: bytes, ends: ends)) }
        }
    }

    /// Field `k` of the current record as a string.
    public func field(_ k: Int) -> String {
        withField(k) { String(decoding: $0, as: UTF8.self) }
    }

    /// Appends the rest of an unquoted field that lies in the buffer — up to the next delimiter,
    /// quote, CR, LF or NUL — in one copy: most bytes of a numeric CSV are such runs, and taking
    /// them a byte at a time was most of the reader's cost.
    @inline(__always)
    private mutating func appendPlainRun(_ high: inout UInt8) {
        let start = position
        var end = start
        var bits = high
        let delimiter = delimiter
        buffer.withUnsafeBufferPointer { b in
            while end < filled {
                let c = b[end]
                if c == delimiter || c == UInt8(ascii: "\"") || c == UInt8(ascii: "\r") || c == UInt8(ascii: "\n") || c == 0 { break }
                bits |= c
                end += 1
            }
            fieldBytes.append(contentsOf: UnsafeBufferPointer(rebasing: b[start..<end]))
        }
        high = bits
        position = end
    }

    /// The current field for a message: the column's name when the header is known, else its number.
    private func fieldError(_ line: Int, _ problem: String) -> DataError {
        let k = fieldEnds.count
        if let names = fieldNames, k < names.count { return DataError(file: source, line: line, column: names[k], problem) }
        return DataError(file: source, line: line, "field \(k + 1): \(problem)")
    }

    /// Throws once the field being read, or the record, is longer than the limits allow.
    @inline(__always)
    private func checkLength(_ fieldStart: Int, _ recordLine: Int) throws {
        if fieldBytes.count - fieldStart > limits.maxFieldBytes {
            throw fieldError(recordLine, "longer than \(byteCount(limits.maxFieldBytes)) (the limit for one field)")
        }
        if fieldBytes.count > limits.maxRecordBytes {
            throw DataError(file: source, line: recordLine, "record longer than \(byteCount(limits.maxRecordBytes)) (the limit for one record)")
        }
    }

    /// Reads one record into `fieldBytes`/`fieldEnds`; nil at the end of the input.
    private mutating func readRecord() throws -> (line: Int, quoted: Bool, lastQuoted: Bool)? {
        guard try peekByte() != nil else { return nil }
        let recordLine = line
        fieldBytes.removeAll(keepingCapacity: true)
        fieldEnds.removeAll(keepingCapacity: true)
        var fieldStart = 0
        var quotedField = false
        var anyQuoted = false
        var high: UInt8 = 0  // OR of the field's bytes: only a field with a byte ≥ 0x80 needs validating
        func finish() throws {
            if high & 0x80 != 0,
               fieldBytes.withUnsafeBufferPointer({ String(validating: $0[fieldStart...], as: UTF8.self) }) == nil {
                throw fieldError(recordLine, "not UTF-8 text (save the file as UTF-8)")
            }
            guard fieldEnds.count < limits.maxFields else {
                throw DataError(file: source, line: recordLine, "more than \(limits.maxFields) fields (the limit for one record)")
            }
            if delimiter == UInt8(ascii: ";") && fieldNames != nil { try readDecimalComma(from: fieldStart, line: recordLine) }
            fieldEnds.append(fieldBytes.count)
            fieldStart = fieldBytes.count
            high = 0
        }
        while let b = try nextByte() {
            if b == delimiter {
                try finish()
                quotedField = false
                continue
            }
            switch b {
            case UInt8(ascii: "\"") where fieldBytes.count == fieldStart && !quotedField:
                quotedField = true
                anyQuoted = true
                var closed = false
                while let q = try nextByte() {
                    if q == UInt8(ascii: "\"") {
                        if try peekByte() == UInt8(ascii: "\"") { _ = try nextByte(); fieldBytes.append(q) } else { closed = true; break }
                    } else {
                        if q == UInt8(ascii: "\n") { line += 1 }
                        if q == 0 { throw fieldError(line, "a NUL byte: not text") }
                        high |= q
                        fieldBytes.append(q)
                    }
                    if fieldBytes.count - fieldStart > limits.maxFieldBytes || fieldBytes.count > limits.maxRecordBytes {
                        try checkLength(fieldStart, recordLine)
                    }
                }
                if !closed { throw DataError(file: source, line: recordLine, "quoted field is never closed") }
            case UInt8(ascii: "\""):
                throw DataError(file: source, line: line, "stray double quote inside an unquoted field")
            case UInt8(ascii: "\r"):
                // CRLF ends a line; a lone CR (classic Mac OS) would glue the lines' fields together.
                if let after = try peekByte(), after != UInt8(ascii: "\n") {
                    throw DataError(file: source, line: line,
                                    "a carriage return without a line feed (classic Mac OS line ends?): save the table with LF or CRLF line ends")
                }
                continue
            case UInt8(ascii: "\n"):
                line += 1
                try finish()
                return (recordLine, anyQuoted, quotedField)
            case 0:
                throw fieldError(line, "a NUL byte: not text")
            default:
                if quotedField { throw DataError(file: source, line: line, "text after a closing quote") }
                high |= b
                fieldBytes.append(b)
                appendPlainRun(&high)
                try checkLength(fieldStart, recordLine)
            }
        }
        try finish()
        return (recordLine, anyQuoted, quotedField)
    }

    /// In a semicolon-separated table: a field that is a decimal number with a comma for its
    /// point (`-1,5`, `2,5e3`) gets a point instead, and one whose thousands are grouped with dots
    /// (`1.000,5`, `1.234.567`: a spreadsheet's formatted cells) loses the dots too; a column whose
    /// numbers are written both ways (`2,5` or `1.000,5` beside `1.5` or `1.000`) is an error.
    private mutating func readDecimalComma(from start: Int, line: Int) throws {
        guard let form = fieldBytes.withUnsafeBufferPointer({ Self.decimalForm(UnsafeBufferPointer(rebasing: $0[start...])) }) else { return }
        let k = fieldEnds.count
        if decimalCommaLines.count <= k {
            decimalCommaLines += repeatElement(0, count: k + 1 - decimalCommaLines.count)
            decimalPointLines += repeatElement(0, count: k + 1 - decimalPointLines.count)
        }
        let isComma: Bool
        switch form {
        case .separator(let offset):
            isComma = fieldBytes[start + offset] == UInt8(ascii: ",")
            if isComma {
                fieldBytes[start + offset] = UInt8(ascii: ".")
                readsDecimalCommas = true
            }
        case .grouped:
            isComma = true
            readsThousandsDots = true
            var kept = start
            for i in start..<fieldBytes.count where fieldBytes[i] != UInt8(ascii: ".") {
                if fieldBytes[i] == UInt8(ascii: ",") { readsDecimalCommas = true }
                fieldBytes[kept] = fieldBytes[i] == UInt8(ascii: ",") ? UInt8(ascii: ".") : fieldBytes[i]
                kept += 1
            }
            fieldBytes.removeSubrange(kept...)
        }
        if isComma ? decimalCommaLines[k] == 0 : decimalPointLines[k] == 0 {
            if isComma { decimalCommaLines[k] = line } else { decimalPointLines[k] = line }
        }
        let other = isComma ? decimalPointLines[k] : decimalCommaLines[k]
        if other != 0 {
            throw fieldError(line, "a number with a decimal \(isComma ? "comma" : "point") where line \(other) has one with a decimal \(isComma ? "point" : "comma") "
                             + "(in a semicolon-separated file, write each column's numbers one way: 1.000 could mean 1000)")
        }
        // Across columns: beside decimal commas, 1.500 is most likely fifteen hundred written
        // with a grouping dot, not one and a half; read either way it could be wrong, so it is
        // an error naming both places.
        if isComma {
            if firstDecimalComma == nil { firstDecimalComma = (line, k) }
        } else if firstThousandLike == nil, fieldBytes.withUnsafeBufferPointer({ Self.looksLikeThousands(UnsafeBufferPointer(rebasing: $0[start...])) }) {
            firstThousandLike = (line, k, String(decoding: fieldBytes[start...], as: UTF8.self))
        }
        if let comma = firstDecimalComma, let point = firstThousandLike {
            let text = point.text.filter { $0 != " " && $0 != "\t" }  // spaces only around it
            let asDecimal = Double(text).map(canonicalNumberText) ?? text
            throw DataError(file: source, line: point.line, column: columnName(point.column),
                            "'\(text)' could mean \(text.filter { $0 != "." }) or \(asDecimal): line \(comma.line) "
                            + "(column '\(messageText(columnName(comma.column), limit: 80))') writes a decimal comma, beside which a dot groups thousands; "
                            + "write it without the dot, or with a comma")
        }
    }

    private func columnName(_ k: Int) -> String {
        if let names = fieldNames, k < names.count { return names[k] }
        return "field \(k + 1)"
    }

    /// Whether a field is `[+-]d{1,3}.ddd` with a nonzero first digit (`1.500`, `-12.000`), spaces
    /// around allowed: a decimal point to one locale, a thousands dot to another.
    static func looksLikeThousands(_ field: UnsafeBufferPointer<UInt8>) -> Bool {
        func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
        var i = 0, n = field.count
        while i < n, field[i] == 0x20 || field[i] == 0x09 { i += 1 }
        while n > i, field[n - 1] == 0x20 || field[n - 1] == 0x09 { n -= 1 }
        if i < n, field[i] == UInt8(ascii: "+") || field[i] == UInt8(ascii: "-") { i += 1 }
        guard i < n, field[i] != UInt8(ascii: "0") else { return false }
        let leading = i
        while i < n, isDigit(field[i]) { i += 1 }
        guard (1...3).contains(i - leading), n - i == 4, field[i] == UInt8(ascii: ".") else { return false }
        return isDigit(field[i + 1]) && isDigit(field[i + 2]) && isDigit(field[i + 3])
    }

    /// How a field that is a plain decimal number writes it, in a semicolon-separated table.
    enum DecimalForm: Equatable {
        /// One `,` or `.` at this offset: `2,5`, `-0.5`, `1.000`, `2,5e3`.
        case separator(Int)
        /// Thousands grouped with dots, and a decimal comma or more than one group: `1.000,5`,
        /// `-12.345,00`, `1.234.567` (a lone `1.000` is a separator: it could mean 1 or 1000).
        case grouped
    }

    /// The form of a field that is a plain decimal number (`[+-]digits[,.]digits[e[+-]digits]`,
    /// a digit on at least one side of the separator; or `[+-]d{1,3}(.ddd)+[,digits]`), spaces
    /// around allowed; nil for anything else.
    static func decimalForm(_ field: UnsafeBufferPointer<UInt8>) -> DecimalForm? {
        if let separator = decimalSeparator(field) { return .separator(separator) }
        func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
        var i = 0, n = field.count
        while i < n, field[i] == 0x20 || field[i] == 0x09 { i += 1 }
        while n > i, field[n - 1] == 0x20 || field[n - 1] == 0x09 { n -= 1 }
        if i < n, field[i] == UInt8(ascii: "+") || field[i] == UInt8(ascii: "-") { i += 1 }
        let leading = i
        while i < n, isDigit(field[i]) { i += 1 }
        guard (1...3).contains(i - leading) else { return nil }
        var groups = 0
        while i + 3 < n, field[i] == UInt8(ascii: "."), isDigit(field[i + 1]), isDigit(field[i + 2]), isDigit(field[i + 3]) {
            i += 4
            groups += 1
        }
        guard groups > 0 else { return nil }
        if i < n, field[i] == UInt8(ascii: ",") {
            i += 1
            let fraction = i
            while i < n, isDigit(field[i]) { i += 1 }
            return i == n && i > fraction ? .grouped : nil
        }
        return i == n && groups > 1 ? .grouped : nil
    }

    /// The offset of the one `,` or `.` of a field that is a plain decimal number
    /// (`[+-]digits[,.]digits[e[+-]digits]`, spaces around allowed, a digit on at least one side of
    /// the separator), or nil.
    static func decimalSeparator(_ field: UnsafeBufferPointer<UInt8>) -> Int? {
        func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
        var i = 0, n = field.count
        while i < n, field[i] == 0x20 || field[i] == 0x09 { i += 1 }
        while n > i, field[n - 1] == 0x20 || field[n - 1] == 0x09 { n -= 1 }
        if i < n, field[i] == UInt8(ascii: "+") || field[i] == UInt8(ascii: "-") { i += 1 }
        var digits = 0
        while i < n, isDigit(field[i]) { i += 1; digits += 1 }
        guard i < n, field[i] == UInt8(ascii: ",") || field[i] == UInt8(ascii: ".") else { return nil }
        let separator = i
        i += 1
        while i < n, isDigit(field[i]) { i += 1; digits += 1 }
        guard digits > 0 else { return nil }
        if i < n, field[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            if i < n, field[i] == UInt8(ascii: "+") || field[i] == UInt8(ascii: "-") { i += 1 }
            let exponentStart = i
            while i < n, isDigit(field[i]) { i += 1 }
            guard i > exponentStart else { return nil }
        }
        return i == n ? separator : nil
    }

    /// A delimiter given (`--delimiter`) that leaves the first line one field where the detected
    /// one splits it is most likely a mistake: an error naming the file, rather than a table of one
    /// text column.
    private func checkGivenDelimiter(detected: UInt8) throws {
        guard detected != delimiter else { return }
        let (given, other) = buffer.withUnsafeBufferPointer { all -> (Int, Int) in
            let first = Self.firstLineCounts(UnsafeBufferPointer(rebasing: all[position..<filled]), [delimiter, detected])
            return (first[0], first[1])
        }
        guard given == 0, other > 0 else { return }
        throw DataError(file: source, line: 1,
                        "--delimiter \(Self.delimiterName(delimiter)) leaves one column, but the first line has \(other + 1) fields "
                        + "separated by \(Self.delimiterName(detected)): give --delimiter \(Self.delimiterName(detected)) or leave it out")
    }

    /// How `--delimiter` spells a delimiter: `,` `;` `tab` `|`.
    public static func delimiterName(_ delimiter: UInt8) -> String {
        delimiter == 0x09 ? "tab" : "'\(Character(Unicode.Scalar(delimiter)))'"
    }

    /// How many of each of `bytes` the first nonblank line of `sample` holds outside quotes.
    static func firstLineCounts(_ sample: UnsafeBufferPointer<UInt8>, _ bytes: [UInt8]) -> [Int] {
        var counts = [Int](repeating: 0, count: bytes.count)
        var inQuotes = false, blank = true
        for c in sample {
            if c == UInt8(ascii: "\"") { inQuotes.toggle() }
            if inQuotes { blank = false; continue }
            if c == UInt8(ascii: "\n") { if blank { continue } else { break } }
            if c != 0x20 && c != 0x09 && c != 0x0D { blank = false }
            for k in bytes.indices where bytes[k] == c { counts[k] += 1 }
        }
        return counts
    }

    /// Whether the sample's lines are one column of numbers with decimal commas (`y`, `1,5`,
    /// `2,25`): a first line with no delimiter, then lines each a number with at most one comma,
    /// between digits, no other delimiter, at least one comma, and not all followed by exactly
    /// three digits (`1,000` may group thousands).
    static func isDecimalCommaColumn(_ sample: UnsafeBufferPointer<UInt8>, complete: Bool) -> Bool {
        var lines: [Range<Int>] = []
        var start = 0
        for i in sample.indices where sample[i] == UInt8(ascii: "\n") {
            lines.append(start..<i)
            start = i + 1
            if lines.count == 21 { break }
        }
        if complete && lines.count < 21 && start < sample.count { lines.append(start..<sample.count) }
        var commas = 0, grouping = 0, header = true
        for range in lines {
            let line = UnsafeBufferPointer(rebasing: sample[range])
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            if line.contains(where: { $0 == 0x09 || $0 == UInt8(ascii: ";") || $0 == UInt8(ascii: "|") || $0 == UInt8(ascii: "\"") }) { return false }
            let comma = line.firstIndex(of: UInt8(ascii: ","))
            if header { if comma != nil { return false } else { header = false; continue } }
            guard let comma else { continue }
            let trimmed = UnsafeBufferPointer(rebasing: line[..<(line.last == 0x0D ? line.count - 1 : line.count)])
            guard let separator = decimalSeparator(trimmed), trimmed[separator] == UInt8(ascii: ",") else { return false }
            commas += 1
            let after = trimmed[(comma + 1)...].prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }.count
            if after == 3 && comma + 1 + after == trimmed.count { grouping += 1 }
        }
        return commas > 0 && grouping < commas
    }

    /// The delimiter of a file from its first lines (`sample`; its last line counts only when
    /// `complete`, as it may be cut off): of comma, tab, semicolon and pipe, in that order, the
    /// first that splits every nonblank line of the sample (up to 20) into the same number (≥ 2)
    /// of fields outside quotes; failing that, a semicolon for one column of decimal commas
    /// (`isDecimalCommaColumn`); failing that, the one the first line holds most of (a ragged
    /// file); failing that, a comma.
    public static func detectDelimiter(_ sample: UnsafeBufferPointer<UInt8>, complete: Bool) -> UInt8 {
        let candidates: [UInt8] = [UInt8(ascii: ","), 0x09, UInt8(ascii: ";"), UInt8(ascii: "|")]
        var lines: [[Int]] = []
        var counts = [0, 0, 0, 0]
        var inQuotes = false, blank = true
        func endLine() {
            if !blank { lines.append(counts) }
            counts = [0, 0, 0, 0]
            blank = true
        }
        for c in sample {
            if lines.count == 20 { break }
            if c == UInt8(ascii: "\"") { inQuotes.toggle() }
            if inQuotes { blank = false; continue }
            if c == UInt8(ascii: "\n") { endLine(); continue }
            if c != 0x20 && c != 0x09 && c != 0x0D { blank = false }
            if let k = candidates.firstIndex(of: c) { counts[k] += 1 }
        }
        if complete && lines.count < 20 { endLine() }
        guard let first = lines.first else { return UInt8(ascii: ",") }
        for k in candidates.indices where first[k] > 0 && lines.allSatisfy({ $0[k] == first[k] }) {
            return candidates[k]
        }
        // One column of decimal commas: read as semicolon-separated, where `1,5` is a number.
        if first.allSatisfy({ $0 == 0 }) && isDecimalCommaColumn(sample, complete: complete) { return UInt8(ascii: ";") }
        let most = candidates.indices.max { first[$0] < first[$1] || (first[$0] == first[$1] && $0 > $1) } ?? 0
        return first[most] > 0 ? candidates[most] : UInt8(ascii: ",")
    }
}

/// "1 MiB", "64 MiB", "12 GiB", or bytes, for limit messages: exact, in the largest unit that divides n.
func byteCount(_ n: Int) -> String {
    if n >= 1 << 30 && n % (1 << 30) == 0 { return "\(n >> 30) GiB" }
    if n >= 1 << 20 && n % (1 << 20) == 0 { return "\(n >> 20) MiB" }
    if n >= 1 << 10 && n % (1 << 10) == 0 { return "\(n >> 10) KiB" }
    return "\(n) bytes"
}

/// The fields of one record, as `CSVRecordReader.withFields` lends them: valid only inside its body.
public struct CSVRecordFields {
    fileprivate let bytes: UnsafeBufferPointer<UInt8>
    fileprivate let ends: UnsafeBufferPointer<Int>

    /// The number of fields.
    public var count: Int { ends.count }

    /// The bytes of field `k` (quotes removed).
    @inline(__always)
    public subscript(k: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: bytes[(k == 0 ? 0 : ends[k - 1])..<ends[k]])
    }
}
