import Foundation
import PossumData
import PossumHDF5

/// A table stored column by column in HDF5:
///
///     /                          possum_format = "table", schema_version = 1
///     /<table>                   source_file, source_sha256, row_count, column_names, created
///     /<table>/columns/<name>    float64 (numeric; NaN where missing) or UTF-8 strings (text)
///                                attribute kind = "numeric" | "text"
///     /<table>/missing/<name>    int8, 1 where the value is missing (only for columns with gaps)
///
/// One dataset per column keeps each column readable on its own (h5py: f["possum/columns/age"]),
/// and a column's missing values are explicit, not inferred from a sentinel.
public enum TableFile {
    /// Imports a CSV file, writing the HDF5 file atomically. Columns whose every present value
    /// is a finite number are numeric; the others are text.
    public static func importCSV(_ csvPath: String, to path: String, tableName: String? = nil) throws -> (rows: Int, columns: Int) {
        let csv = try CSVTable.read(contentsOf: csvPath)
        let sha = try SHA256.hex(ofFile: csvPath)
        let name = tableName ?? URL(fileURLWithPath: csvPath).deletingPathExtension().lastPathComponent
        try HDF5File.writeAtomically(to: path) { file in
            try StorageFormat.table.stamp(file)
            let group = try file.createGroup(name)
            try group.attributes.set("source_file", URL(fileURLWithPath: csvPath).lastPathComponent)
            try group.attributes.set("source_sha256", sha)
            try group.attributes.set("row_count", Int64(csv.rowCount))
            try group.attributes.set("column_names", csv.header)
            try group.attributes.set("created", iso8601Now())
            let columns = try group.createGroup("columns")
            let missing = try group.createGroup("missing")
            let storage = csv.rowCount > 4096 ? HDF5Storage.compressed(level: 4) : .contiguous
            for (k, column) in csv.header.enumerated() {
                let raw = csv.rows.map { $0[k] }
                let mask = raw.map { CSVTable.isMissing($0) ? Int8(1) : 0 }
                let numbers: [Double?]? = try? csv.numericColumn(column)
                let dataset: HDF5Dataset
                if let numbers {
                    dataset = try columns.createDataset(column, values: numbers.map { $0 ?? .nan }, storage: storage)
                    try dataset.attributes.set("kind", "numeric")
                } else {
                    dataset = try columns.createDataset(column, values: try csv.textColumn(column).map { $0 ?? "" }, storage: storage)
                    try dataset.attributes.set("kind", "text")
                }
                dataset.close()
                if mask.contains(1) { try missing.createDataset(column, values: mask, storage: storage).close() }
            }
        }
        return (csv.rowCount, csv.header.count)
    }
}

/// A table read back from a `TableFile`, column by column on demand.
public final class HDF5Table: DataTable {
    public let source: String
    public let tableName: String
    public let columnNames: [String]
    public let rowCount: Int
    public let sourceSHA256: String
    private let file: HDF5File
    private let group: HDF5Group

    /// Opens the table `name` of a table file, or its only table when `name` is nil.
    public init(path: String, table name: String? = nil) throws {
        file = try HDF5File.open(at: path)
        try StorageFormat.table.check(file)
        let groups = try file.children().filter { $0.kind == .group }.map(\.name)
        guard let chosen = name ?? (groups.count == 1 ? groups[0] : nil) else {
            throw StorageError(file: path, object: "/", groups.isEmpty ? "holds no table" : "holds several tables (\(groups.joined(separator: ", "))): name one")
        }
        guard groups.contains(chosen) else { throw StorageError(file: path, object: "/\(chosen)", "no such table") }
        group = try file.openGroup(chosen)
        source = path
        tableName = chosen
        columnNames = try group.attributes.getArray("column_names", as: String.self)
        let rows: Int64 = try group.attributes.get("row_count")
        guard rows >= 0 else { throw StorageError(file: path, object: "/\(chosen)", "negative row_count \(rows)") }
        rowCount = Int(rows)
        sourceSHA256 = (try? group.attributes.get("source_sha256", as: String.self)) ?? ""
    }

    private func objectPath(_ column: String) -> String { "/\(tableName)/columns/\(column)" }

    private func dataset(_ column: String) throws -> HDF5Dataset {
        try requireColumn(column)
        let dataset = try group.openDataset("columns/\(column)")
        let shape = try dataset.shape
        guard shape == [rowCount] else {
            throw StorageError(file: source, object: objectPath(column), "has shape \(shape), the table has \(rowCount) rows")
        }
        return dataset
    }

    private func missingMask(_ column: String) throws -> [Bool] {
        guard try group.contains("missing/\(column)") else { return [Bool](repeating: false, count: rowCount) }
        let dataset = try group.openDataset("missing/\(column)")
        defer { dataset.close() }
        let mask = try dataset.read(as: Int8.self)
        guard mask.count == rowCount else {
            throw StorageError(file: source, object: "/\(tableName)/missing/\(column)",
                               "mask has \(mask.count) entries, the table has \(rowCount) rows")
        }
        return mask.map { $0 != 0 }
    }

    public func numericColumn(_ name: String) throws -> [Double?] {
        let dataset = try dataset(name)
        defer { dataset.close() }
        guard try dataset.dtype == .float64 else {
            throw StorageError(file: source, object: objectPath(name), "holds \(try dataset.dtype), not numbers (float64)")
        }
        let values = try dataset.read(as: Double.self)
        let missing = try missingMask(name)
        return try values.indices.map { i in
            if missing[i] { return nil }
            guard values[i].isFinite else {
                throw StorageError(file: source, object: objectPath(name), "row \(i + 1): non-finite value \(values[i]) not marked missing")
            }
            return values[i]
        }
    }

    public func textColumn(_ name: String) throws -> [String?] {
        let dataset = try dataset(name)
        defer { dataset.close() }
        let missing = try missingMask(name)
        switch try dataset.dtype {
        case .float64:
            let values = try dataset.read(as: Double.self)
            return values.indices.map { missing[$0] || !values[$0].isFinite ? nil : canonicalNumberText(values[$0]) }
        case .string:
            let values = try dataset.read(as: String.self)
            return values.indices.map { missing[$0] ? nil : values[$0] }
        case let other:
            throw StorageError(file: source, object: objectPath(name), "holds \(other), expected numbers or text")
        }
    }

    public func rowLabel(_ r: Int) -> Int { r + 1 }
}

/// Opens a data file by its extension: `.h5`/`.hdf5` as a `TableFile`, anything else as CSV.
public func openDataTable(_ path: String) throws -> any DataTable {
    let ext = URL(fileURLWithPath: path).pathExtension.lowercased()
    if ext == "h5" || ext == "hdf5" { return try HDF5Table(path: path) }
    return try CSVTable.read(contentsOf: path)
}
