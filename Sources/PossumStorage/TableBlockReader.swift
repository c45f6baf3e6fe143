import Foundation
import PossumData
import PossumHDF5

/// The columns of a table file read a block of rows at a time (hyperslabs of each column and of
/// its missing-value mask), for the commands that stream a table bigger than memory.
public final class TableBlockReader {
    public let table: HDF5Table
    private let file: HDF5File
    private let group: HDF5Group

    /// Opens its own handle on the table's file (the table's is private to it).
    public init(_ table: HDF5Table) throws {
        self.table = table
        file = try openHDF5Input(table.source)
        group = try file.openGroup(table.tableName)
    }

    deinit { try? file.close() }

    /// Rows `rows` of a numeric column, nil where missing (`HDF5Table.numericColumn(_:rows:)`).
    public func numeric(_ name: String, rows: Range<Int>) throws -> [Double?] {
        try table.numericColumn(name, rows: rows)
    }

    /// Rows `rows` of any column as text, nil where missing, as `HDF5Table.textColumn` gives the
    /// whole column: numbers in canonical form, so that levels match the in-memory ones.
    public func text(_ name: String, rows: Range<Int>) throws -> [String?] {
        try table.requireColumn(name)
        let objectPath = "/\(table.tableName)/columns/\(name)"
        guard rows.lowerBound >= 0, rows.upperBound <= table.rowCount else {
            throw StorageError(file: table.source, object: "/\(table.tableName)", "rows \(rows.lowerBound):\(rows.upperBound) are outside the table's \(table.rowCount) rows")
        }
        let dataset = try group.openDataset("columns/\(name)")
        defer { dataset.close() }
        guard try dataset.shape == [table.rowCount] else {
            throw StorageError(file: table.source, object: objectPath, "has shape \(try dataset.shape), the table has \(table.rowCount) rows")
        }
        var missing = [Bool](repeating: false, count: rows.count)
        if try group.contains("missing/\(name)") {
            let mask = try group.openDataset("missing/\(name)")
            defer { mask.close() }
            guard try mask.shape == [table.rowCount] else {
                throw StorageError(file: table.source, object: "/\(table.tableName)/missing/\(name)", "mask has shape \(try mask.shape), the table has \(table.rowCount) rows")
            }
            missing = try mask.read(rows: rows, as: Int8.self).map { $0 != 0 }
        }
        switch try dataset.dtype {
        case .float64:
            let values = try dataset.read(rows: rows, as: Double.self)
            return values.indices.map { missing[$0] || !values[$0].isFinite ? nil : canonicalNumberText(values[$0]) }
        case .string:
            let values = try dataset.read(rows: rows, as: String.self)
            return values.indices.map { missing[$0] ? nil : values[$0] }
        case let other:
            throw StorageError(file: table.source, object: objectPath, "holds \(other), expected numbers or text")
        }
    }

    /// Whether column `name` has a missing-value mask at all (a column without one has no gaps).
    public func hasMissingValues(_ name: String) throws -> Bool {
        try table.requireColumn(name)
        return try group.contains("missing/\(name)")
    }

    /// Rows `rows` of column `name`'s missing-value mask (all false when it has none): what
    /// deciding which rows are complete needs, without reading the values.
    public func missing(_ name: String, rows: Range<Int>) throws -> [Bool] {
        guard try hasMissingValues(name) else { return [Bool](repeating: false, count: rows.count) }
        let mask = try group.openDataset("missing/\(name)")
        defer { mask.close() }
        guard try mask.shape == [table.rowCount] else {
            throw StorageError(file: table.source, object: "/\(table.tableName)/missing/\(name)", "mask has shape \(try mask.shape), the table has \(table.rowCount) rows")
        }
        return try mask.read(rows: rows, as: Int8.self).map { $0 != 0 }
    }
}
