import Foundation

/// Reads CSV records (RFC 4180: comma-separated, optional double quotes; CRLF or LF) one at a
/// time from a file or from memory, so that a file far bigger than memory can be streamed.
/// Blank lines are skipped; a quoted field may hold commas, newlines and doubled quotes; a
/// leading UTF-8 byte-order mark is ignored. Errors name the source and line.
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

    private let blockSize: Int

    /// The next byte, refilling from the file when the buffer runs out; nil at the end.
    private mutating func nextByte() -> UInt8? {
        if position == buffer.count {
            guard !exhausted, let handle else { return nil }
            let data = handle.readData(ofLength: blockSize)
            if data.isEmpty { exhausted = true; try? handle.close(); return nil }
            buffer = [UInt8](data)
            position = 0
        }
        defer { position += 1 }
        return buffer[position]
    }

    private mutating func peekByte() -> UInt8? {
        guard let b = nextByte() else { return nil }
        position -= 1
        return b
    }

    /// The next record, or nil at the end of the input.
    public mutating func next() throws -> Record? {
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
            if record.fields.count == 1 && record.fields[0].isEmpty && !record.quoted { continue }  // blank line
            return Record(line: record.line, fields: record.fields)
        }
    }

    private mutating func readRecord() throws -> (line: Int, fields: [String], quoted: Bool)? {
        guard peekByte() != nil else { return nil }
        let recordLine = line
        var fields: [String] = []
        var field: [UInt8] = []
        var quotedField = false
        var anyQuoted = false
        func finish(_ bytes: [UInt8]) throws -> String {
            guard let s = String(validating: bytes, as: UTF8.self) else {
                throw DataError(file: source, line: recordLine, "not UTF-8 text")
            }
            return s
        }
        while let b = nextByte() {
            switch b {
            case UInt8(ascii: ","):
                fields.append(try finish(field))
                field.removeAll(keepingCapacity: true)
                quotedField = false
            case UInt8(ascii: "\"") where field.isEmpty && !quotedField:
                quotedField = true
                anyQuoted = true
                var closed = false
                while let q = nextByte() {
                    if q == UInt8(ascii: "\"") {
                        if peekByte() == UInt8(ascii: "\"") { _ = nextByte(); field.append(q) } else { closed = true; break }
                    } else {
                        if q == UInt8(ascii: "\n") { line += 1 }
                        field.append(q)
                    }
                }
                if !closed { throw DataError(file: source, line: recordLine, "quoted field is never closed") }
            case UInt8(ascii: "\""):
                throw DataError(file: source, line: line, "stray double quote inside an unquoted field")
            case UInt8(ascii: "\r"):
                continue
            case UInt8(ascii: "\n"):
                line += 1
                fields.append(try finish(field))
                return (recordLine, fields, anyQuoted)
            default:
                if quotedField { throw DataError(file: source, line: line, "text after a closing quote") }
                field.append(b)
            }
        }
        fields.append(try finish(field))
        return (recordLine, fields, anyQuoted)
    }
}
