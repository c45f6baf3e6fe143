import PossumFiles

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
    /// Which rows of numeric column `name` are missing (true = missing). Refuses a column that
    /// is not numeric; a store may leave checking the present values to
    /// `readNumericColumn(_:keeping:into:)`, which reads them.
    func missingRows(ofNumericColumn name: String) throws -> [Bool]
    /// Writes the values of numeric column `name` at the rows where `keep` is true, in row
    /// order, into `destination` (exactly that many slots; NaN where the value is missing), and
    /// checks every present value of the column, kept or not, as `numericColumn` does. This is
    /// how a design matrix is filled column by column without a `[Double?]` copy of the column.
    func readNumericColumn(_ name: String, keeping keep: [Bool], into destination: UnsafeMutableBufferPointer<Double>) throws
    /// The SHA-256 of the bytes the table was read from, when it was computed while reading
    /// (a CSV, which may be a stream read once); nil when the caller must hash the file itself.
    var contentSHA256: String? { get }
}

extension DataTable {
    public var contentSHA256: String? { nil }

    /// Through `numericColumn`: for tables already in memory.
    public func missingRows(ofNumericColumn name: String) throws -> [Bool] {
        try numericColumn(name).map { $0 == nil }
    }

    /// Through `numericColumn`: for tables already in memory.
    public func readNumericColumn(_ name: String, keeping keep: [Bool], into destination: UnsafeMutableBufferPointer<Double>) throws {
        let column = try numericColumn(name)
        precondition(keep.count == column.count, "one keep flag per row")
        var k = 0
        for (r, value) in column.enumerated() where keep[r] {
            destination[k] = value ?? .nan
            k += 1
        }
        precondition(k == destination.count, "destination holds one slot per kept row")
    }

    /// Throws unless the table has column `name`, listing the columns it has (`noColumnError`).
    public func requireColumn(_ name: String) throws {
        guard columnNames.contains(name) else {
            throw noColumnError(name, columns: columnNames, source: source)
        }
    }
}

/// The canonical text of a number used as a category level: integers without a decimal point
/// ("3", as pandas prints an int column), other values in Swift's shortest round-trip form.
public func canonicalNumberText(_ v: Double) -> String {
    if v == v.rounded(), abs(v) < 1e15, let integer = Int64(exactly: v) { return String(integer) }
    return "\(v)"
}

extension CSVTable: DataTable {
    public var columnNames: [String] { header }
    public func rowLabel(_ r: Int) -> Int { lines[r] }
}
