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
