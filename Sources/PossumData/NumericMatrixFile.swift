import Foundation

/// A headerless numeric CSV: each line one row of comma-separated numbers (the shape `possum
/// lstsq` reads for A, and for b with one number per line).
public struct NumericMatrixFile: Sendable {
    public var rows: Int
    public var columns: Int
    /// Row-major values.
    public var values: [Double]

    public init(rows: Int, columns: Int, values: [Double]) {
        precondition(values.count == rows * columns, "rows × columns values")
        (self.rows, self.columns, self.values) = (rows, columns, values)
    }

    /// Reads and validates: every line the same number of fields, every field a finite number.
    /// Errors name the file, line and field.
    public static func read(contentsOf path: String) throws -> NumericMatrixFile {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw DataError(file: path, FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such file")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw DataError(file: path, "not UTF-8 text") }
        return try parse(text, source: path)
    }

    public static func parse(_ text: String, source: String) throws -> NumericMatrixFile {
        var values: [Double] = []
        var columns: Int?
        var rows = 0
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            if let c = columns, fields.count != c {
                throw DataError(file: source, line: lineNumber, "expected \(c) numbers (as on the first line), found \(fields.count)")
            }
            columns = fields.count
            for (k, field) in fields.enumerated() {
                let t = field.trimmingCharacters(in: .whitespaces)
                guard let v = Double(t) else {
                    throw DataError(file: source, line: lineNumber, "field \(k + 1): '\(t)' is not a number")
                }
                guard v.isFinite else {
                    throw DataError(file: source, line: lineNumber, "field \(k + 1): '\(t)' is not a finite number")
                }
                values.append(v)
            }
            rows += 1
        }
        guard let c = columns else { throw DataError(file: source, "empty file: no numbers") }
        return NumericMatrixFile(rows: rows, columns: c, values: values)
    }
}

/// Writes `data` to `path` so that a reader, or a crash, sees either the old file or the new one
/// complete — never a prefix: write a temporary file in the same directory, fsync it, rename it
/// over the target (atomic on POSIX file systems), then fsync the directory so the rename itself
/// survives a power cut.
public func writeFileAtomically(_ data: Data, to path: String) throws {
    let url = URL(fileURLWithPath: path)
    let directory = url.deletingLastPathComponent().path
    let temporary = directory + "/.\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
    guard fd >= 0 else { throw DataError(file: path, "cannot create a file in \(directory)") }
    var ok = data.withUnsafeBytes { buffer -> Bool in
        var offset = 0
        while offset < buffer.count {
            let n = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            if n <= 0 { return false }
            offset += n
        }
        return true
    }
    ok = ok && fsync(fd) == 0
    close(fd)
    guard ok, rename(temporary, path) == 0 else {
        unlink(temporary)
        throw DataError(file: path, "write failed (disk full or read-only?)")
    }
    let dirfd = open(directory, O_RDONLY)
    if dirfd >= 0 { fsync(dirfd); close(dirfd) }
}
