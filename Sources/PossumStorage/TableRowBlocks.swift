import Foundation
import PossumData
import PossumHDF5

/// Rows of a table file read a block at a time (HDF5 hyperslabs of each column and of its
/// missing-value mask), for passes over tables larger than memory: what is held is one block of
/// the named columns, whatever the number of rows.
///
///     let reader = try TableRowBlocks(path: "big.h5", numeric: ["x1", "y"], text: ["color"])
///     for start in stride(from: 0, to: reader.rowCount, by: TableRowBlocks.defaultBlockRows) {
///         let block = try reader.read(start..<min(start + TableRowBlocks.defaultBlockRows, reader.rowCount))
///     }
public final class TableRowBlocks {
    /// Rows per block of the streaming passes: 16 columns of a block are 2 MB of doubles.
    public static let defaultBlockRows = 16_384

    public let source: String
    public let tableName: String
    public let rowCount: Int
    public let numericNames: [String]
    public let textNames: [String]
    /// The table whose open file the blocks are read through (it keeps the file open).
    private let table: HDF5Table
    private let numeric: [(values: HDF5Dataset, mask: HDF5Dataset?)]
    private let text: [(values: HDF5Dataset, mask: HDF5Dataset?, isNumber: Bool)]

    /// One block: each numeric column with NaN where the value is missing (a stored non-finite
    /// value not marked missing is an error), each text column with nil where missing (stored
    /// numbers in canonical text, as `HDF5Table.textColumn`).
    public struct Block {
        public var rows: Range<Int>
        public var numeric: [[Double]]
        public var text: [[String?]]
        /// False when no value of the block is missing (every row complete, nothing to look for);
        /// true when one may be.
        public var mayHaveGaps: Bool

        public init(rows: Range<Int>, numeric: [[Double]], text: [[String?]], mayHaveGaps: Bool = true) {
            (self.rows, self.numeric, self.text, self.mayHaveGaps) = (rows, numeric, text, mayHaveGaps)
        }
    }

    /// Opens table `table` (its only table when nil) of `path` for block reads of the named columns.
    public convenience init(path: String, table: String? = nil, numeric numericNames: [String], text textNames: [String]) throws {
        try self.init(table: HDF5Table(path: path, table: table), numeric: numericNames, text: textNames)
    }

    /// Block reads of the named columns of an open table, through its file: opening a big file
    /// again would verify it again (`HDF5File.open` walks it in a sandbox process).
    public init(table t: HDF5Table, numeric numericNames: [String], text textNames: [String]) throws {
        let path = t.source
        for name in numericNames + textNames { try t.requireColumn(name) }
        (source, tableName, rowCount, self.numericNames, self.textNames) = (path, t.tableName, t.rowCount, numericNames, textNames)
        table = t
        let group = try t.file.openGroup(t.tableName)
        func open(_ name: String) throws -> (HDF5Dataset, HDF5Dataset?) {
            let values = try group.openDataset("columns/\(name)")
            guard try values.shape == [t.rowCount] else {
                throw StorageError(file: path, object: "/\(t.tableName)/columns/\(name)", "has shape \(try values.shape), the table has \(t.rowCount) rows")
            }
            let mask = try group.contains("missing/\(name)") ? try group.openDataset("missing/\(name)") : nil
            if let mask, try mask.shape != [t.rowCount] {
                throw StorageError(file: path, object: "/\(t.tableName)/missing/\(name)", "mask has shape \(try mask.shape), the table has \(t.rowCount) rows")
            }
            return (values, mask)
        }
        numeric = try numericNames.map { name in
            let (values, mask) = try open(name)
            guard try values.dtype == .float64 else {
                throw StorageError(file: path, object: "/\(t.tableName)/columns/\(name)", "holds \(try values.dtype), not numbers (float64)")
            }
            return (values, mask)
        }
        text = try textNames.map { name in
            let (values, mask) = try open(name)
            let dtype = try values.dtype
            guard dtype == .float64 || dtype == .string else {
                throw StorageError(file: path, object: "/\(t.tableName)/columns/\(name)", "holds \(dtype), expected numbers or text")
            }
            return (values, mask, dtype == .float64)
        }
    }

    deinit {
        // The file closes with the table's last reference (this reader holds one).
        for c in numeric { c.values.close(); c.mask?.close() }
        for c in text { c.values.close(); c.mask?.close() }
    }

    /// Rows `rows` (0-based, half-open, inside the table) of every named column.
    public func read(_ rows: Range<Int>) throws -> Block {
        precondition(rows.lowerBound >= 0 && rows.upperBound <= rowCount, "rows inside the table")
        func missing(_ mask: HDF5Dataset?) throws -> [Bool] {
            guard let mask else { return [Bool](repeating: false, count: rows.count) }
            return try mask.read(rows: rows, as: Int8.self).map { $0 != 0 }
        }
        var gaps = false
        let numbers = try zip(numeric, numericNames).map { column, name -> [Double] in
            // Read straight into the array's storage (no zero fill first: the read sets every element).
            var values = try [Double](unsafeUninitializedCapacity: rows.count) { buffer, initialized in
                try column.values.read(rows: rows, into: buffer)
                initialized = rows.count
            }
            func nonFinite(_ i: Int) -> StorageError {
                StorageError(file: source, object: "/\(tableName)/columns/\(name)",
                             "row \(rows.lowerBound + i + 1): non-finite value \(values[i]) not marked missing")
            }
            guard column.mask != nil else {
                if let i = values.firstIndex(where: { !$0.isFinite }) { throw nonFinite(i) }
                return values
            }
            for (i, gap) in try missing(column.mask).enumerated() {
                if gap { values[i] = .nan; gaps = true; continue }
                guard values[i].isFinite else { throw nonFinite(i) }
            }
            return values
        }
        let texts = try text.map { column -> [String?] in
            let gaps = try missing(column.mask)
            if column.isNumber {
                let values = try column.values.read(rows: rows, as: Double.self)
                return values.indices.map { gaps[$0] || !values[$0].isFinite ? nil : canonicalNumberText(values[$0]) }
            }
            let values = try column.values.read(rows: rows, as: String.self)
            return values.indices.map { gaps[$0] ? nil : values[$0] }
        }
        if !gaps { gaps = texts.contains { $0.contains(nil) } }
        return Block(rows: rows, numeric: numbers, text: texts, mayHaveGaps: gaps)
    }

    /// Whether named column `name` has a missing-value mask at all (one without has no gaps).
    public func hasMissingValues(_ name: String) -> Bool { mask(of: name) != nil }

    /// Rows `rows` of named column `name`'s missing-value mask (all false without one): what
    /// deciding which rows are complete needs, without reading the values.
    public func missing(_ name: String, rows: Range<Int>) throws -> [Bool] {
        precondition(rows.lowerBound >= 0 && rows.upperBound <= rowCount, "rows inside the table")
        guard let mask = mask(of: name) else { return [Bool](repeating: false, count: rows.count) }
        return try mask.read(rows: rows, as: Int8.self).map { $0 != 0 }
    }

    private func mask(of name: String) -> HDF5Dataset? {
        if let j = numericNames.firstIndex(of: name) { return numeric[j].mask }
        if let j = textNames.firstIndex(of: name) { return text[j].mask }
        preconditionFailure("column '\(name)' was not named when the reader was opened")
    }

    /// The blocks of all rows in order, `blockRows` at a time.
    public func blocks(of blockRows: Int = TableRowBlocks.defaultBlockRows) -> [Range<Int>] {
        stride(from: 0, to: rowCount, by: max(1, blockRows)).map { $0..<min($0 + max(1, blockRows), rowCount) }
    }
}
