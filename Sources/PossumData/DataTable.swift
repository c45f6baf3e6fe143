/// A table of named columns, read from CSV or HDF5 alike: what the feature pipeline consumes.
public protocol DataTable {
    /// The file name used in messages.
    var source: String { get }
    var columnNames: [String] { get }
    var rowCount: Int { get }
    /// Column `name` as finite numbers, nil where missing; an error names the first bad row.
    func numericColumn(_ name: String) throws -> [Double?]
    /// Column `name` as text, nil where missing; numbers are given in canonical form
    /// (`canonicalNumberText`) so that CSV text and stored doubles yield the same levels.
    func textColumn(_ name: String) throws -> [String?]
    /// Where row r came from, for messages: a file line for CSV, a 1-based row number otherwise.
    func rowLabel(_ r: Int) -> Int
}

extension DataTable {
    /// Throws unless the table has column `name`, listing the columns it has.
    public func requireColumn(_ name: String) throws {
        guard columnNames.contains(name) else {
            throw DataError(file: source, "no column '\(name)' (columns: \(columnNames.joined(separator: ", ")))")
        }
    }
}

/// The canonical text of a number used as a category level: integers without a decimal point
/// ("3", as pandas prints an int column), other values in Swift's shortest round-trip form.
public func canonicalNumberText(_ v: Double) -> String {
    if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
    return "\(v)"
}

extension CSVTable: DataTable {
    public var columnNames: [String] { header }
    public func rowLabel(_ r: Int) -> Int { lines[r] }
}
