import Foundation

/// Reads CSV records (RFC 4180: comma-separated, optional double quotes; CRLF or LF) one at a
/// time from a file or from memory, so that a file far bigger than memory can be streamed.
/// Blank lines are skipped; a quoted field may hold commas, newlines and doubled quotes; a
/// leading UTF-8 byte-order mark is ignored. Errors name the source and line.
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

    private let source: String
    private let handle: FileHandle?
    private var buffer: [UInt8]
    private var position = 0
    private var exhausted: Bool
    private var line = 1
    private var started = false
    private let blockSize: Int
    /// The current record: its fields' bytes back to back; field k is
    /// `fieldBytes[fieldEnds[k - 1] ..< fieldEnds[k]]` (with fieldEnds[-1] read as 0).
    private var fieldBytes: [UInt8] = []
    private var fieldEnds: [Int] = []

    /// Streams `path` in blocks of `blockSize` bytes.
    public init(contentsOf path: String, blockSize: Int = 1 << 20) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw DataError(file: path, FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such file")
        }
        self.source = path
        self.handle = handle
        self.buffer = []
        self.exhausted = false
        self.blockSize = blockSize
    }

    /// Reads records from text already in memory.
    public init(text: String, source: String) {
        self.source = source
        self.handle = nil
        self.buffer = Array(text.utf8)
        self.exhausted = true
        self.blockSize = 0
    }

    /// The next byte, refilling from the file when the buffer runs out; nil at the end.
    @inline(__always)
    private mutating func nextByte() -> UInt8? {
        if position == buffer.count {
            guard refill() else { return nil }
        }
        defer { position += 1 }
        return buffer[position]
    }

    private mutating func refill() -> Bool {
        guard !exhausted, let handle else { return false }
        let data = handle.readData(ofLength: blockSize)
        if data.isEmpty { exhausted = true; try? handle.close(); return false }
        buffer.removeAll(keepingCapacity: true)
        buffer.append(contentsOf: data)
        position = 0
        return true
    }

    private mutating func peekByte() -> UInt8? {
        guard let b = nextByte() else { return nil }
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
            // Skip a UTF-8 byte-order mark.
            if peekByte() == 0xEF {
                _ = nextByte()
                if nextByte() != 0xBB || nextByte() != 0xBF {
                    throw DataError(file: source, line: 1, "not UTF-8 text (a broken byte-order mark)")
                }
            }
        }
        while true {
            guard let record = try readRecord() else { return nil }
            if fieldEnds.count == 1 && fieldEnds[0] == 0 && !record.quoted { continue }  // blank line
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

    /// Field `k` of the current record as a string.
    public func field(_ k: Int) -> String {
        withField(k) { String(decoding: $0, as: UTF8.self) }
    }

    /// Appends the rest of an unquoted field that lies in the buffer — up to the next comma,
    /// quote, CR or LF — in one copy: most bytes of a numeric CSV are such runs, and taking
    /// them a byte at a time was most of the reader's cost.
    @inline(__always)
    private mutating func appendPlainRun(_ high: inout UInt8) {
        let start = position
        var end = start
        var bits = high
        buffer.withUnsafeBufferPointer { b in
            while end < b.count {
                let c = b[end]
                if c == UInt8(ascii: ",") || c == UInt8(ascii: "\"") || c == UInt8(ascii: "\r") || c == UInt8(ascii: "\n") { break }
                bits |= c
                end += 1
            }
            fieldBytes.append(contentsOf: UnsafeBufferPointer(rebasing: b[start..<end]))
        }
        high = bits
        position = end
    }

    /// Reads one record into `fieldBytes`/`fieldEnds`; nil at the end of the input.
    private mutating func readRecord() throws -> (line: Int, quoted: Bool)? {
        guard peekByte() != nil else { return nil }
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
                throw DataError(file: source, line: recordLine, "not UTF-8 text")
            }
            fieldEnds.append(fieldBytes.count)
            fieldStart = fieldBytes.count
            high = 0
        }
        while let b = nextByte() {
            switch b {
            case UInt8(ascii: ","):
                try finish()
                quotedField = false
            case UInt8(ascii: "\"") where fieldBytes.count == fieldStart && !quotedField:
                quotedField = true
                anyQuoted = true
                var closed = false
                while let q = nextByte() {
                    if q == UInt8(ascii: "\"") {
                        if peekByte() == UInt8(ascii: "\"") { _ = nextByte(); fieldBytes.append(q) } else { closed = true; break }
                    } else {
                        if q == UInt8(ascii: "\n") { line += 1 }
                        high |= q
                        fieldBytes.append(q)
                    }
                }
                if !closed { throw DataError(file: source, line: recordLine, "quoted field is never closed") }
            case UInt8(ascii: "\""):
                throw DataError(file: source, line: line, "stray double quote inside an unquoted field")
            case UInt8(ascii: "\r"):
                continue
            case UInt8(ascii: "\n"):
                line += 1
                try finish()
                return (recordLine, anyQuoted)
            default:
                if quotedField { throw DataError(file: source, line: line, "text after a closing quote") }
                high |= b
                fieldBytes.append(b)
                appendPlainRun(&high)
            }
        }
        try finish()
        return (recordLine, anyQuoted)
    }
}
