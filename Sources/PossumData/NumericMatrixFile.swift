import Foundation
import PossumFiles

/// A headerless numeric CSV: each line one row of comma-separated numbers (the shape `possum
/// lstsq` reads for A, and for b with one number per line). Read by `CSVRecordReader`, like every
/// table: CRLF or LF, a leading byte-order mark, quoted fields, the same input policy and limits.
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
    /// `delimiter`: the byte between fields (`--delimiter`); nil: detected.
    public static func read(contentsOf path: String, delimiter: UInt8? = nil) throws -> NumericMatrixFile {
        var reader = try CSVRecordReader(contentsOf: path, delimiter: delimiter)
        return try collect(&reader, source: inputDisplayName(path))
    }

    public static func parse(_ text: String, source: String, delimiter: UInt8? = nil) throws -> NumericMatrixFile {
        var reader = CSVRecordReader(text: text, source: source, delimiter: delimiter)
        return try collect(&reader, source: source)
    }

    private static func collect(_ reader: inout CSVRecordReader, source: String) throws -> NumericMatrixFile {
        var values: [Double] = []
        var columns: Int?
        var rows = 0
        while let line = try reader.nextRecord() {
            let count = reader.fieldCount
            // A line of only spaces and tabs is blank here, as it always was for matrices.
            if count == 1, reader.withField(0, { CSVTable.trimmedASCII($0)?.isEmpty == true }) { continue }
            if let c = columns, count != c {
                throw DataError(file: source, line: line, "expected \(c) number\(c == 1 ? "" : "s") (as on the first line), found \(count)")
            }
            columns = count
            for k in 0..<count {
                values.append(try reader.withField(k) { try number($0, source: source, line: line, field: k + 1) })
            }
            rows += 1
        }
        guard let c = columns else { throw DataError(file: source, "empty file: no numbers") }
        return NumericMatrixFile(rows: rows, columns: c, values: values)
    }

    /// A field as a finite number: the byte fast path, else `Double(String)`; every field must
    /// hold one (a matrix has no missing values).
    private static func number(_ field: UnsafeBufferPointer<UInt8>, source: String, line: Int, field k: Int) throws -> Double {
        if let t = CSVTable.trimmedASCII(field), let v = DecimalParser.fastPath(t) { return v }
        let t = String(decoding: field, as: UTF8.self).trimmingCharacters(in: .whitespaces)
        guard let v = Double(t) else {
            throw DataError(file: source, line: line, "field \(k): '\(messageText(t, limit: 80))' is not a number")
        }
        guard v.isFinite else {
            throw DataError(file: source, line: line, "field \(k): '\(messageText(t, limit: 80))' is not a finite number")
        }
        return v
    }
}
