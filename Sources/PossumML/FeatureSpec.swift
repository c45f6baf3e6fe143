import PossumData
import PossumLinalg

/// Which columns of a table form the model: the target, the columns ignored, the categorical
/// columns to one-hot encode; every other column is a numeric feature.
public struct FeatureSpec: Sendable, Equatable, Codable {
    public var target: String
    public var dropped: [String]
    public var categorical: [String]

    public init(target: String, dropped: [String] = [], categorical: [String] = []) {
        self.target = target
        self.dropped = dropped
        self.categorical = categorical
    }

    /// The reference possum pipeline: predict tail length; `case` is a row id; site, population
    /// and sex are categories.
    public static let possum = FeatureSpec(target: "taill", dropped: ["case"], categorical: ["site", "Pop", "sex"])
}

/// A table turned into numbers: complete rows only, categories one-hot encoded, not yet scaled.
public struct Design: Sendable {
    /// Feature names: numeric columns in file order, then `column_level` for each category level.
    public var names: [String]
    /// rows × features.
    public var x: Matrix
    public var y: [Double]
    /// Where each kept row came from (file line for CSV, row number for HDF5).
    public var lines: [Int]
    /// Rows dropped because some used field was missing.
    public var droppedRows: Int
    public var encodings: [OneHotEncoding]
    /// The numeric columns, in feature order (the first features).
    public var numericColumns: [String]
    /// Whether `y` holds the target (prediction data may not have it; then y is NaN).
    public var hasTarget: Bool
}

/// The levels of one categorical column; encoding writes 1 in the column of the row's level.
public struct OneHotEncoding: Sendable, Equatable, Codable {
    public var column: String
    /// Sorted as pandas' `get_dummies` sorts: numerically when every level is a number, else by
    /// Unicode code points (so "Vic" < "other").
    public var levels: [String]

    public init(column: String, levels: [String]) {
        self.column = column
        self.levels = levels
    }

    /// Learns the levels from the values (already in canonical form: see `DataTable.textColumn`).
    public init(column: String, values: some Sequence<String>) {
        let distinct = Array(Set(values))
        let numbers = distinct.compactMap { text in Double(text).map { (text, $0) } }
        if numbers.count == distinct.count {
            levels = numbers.sorted { $0.1 < $1.1 }.map(\.0)
        } else {
            levels = distinct.sorted { Array($0.unicodeScalars.map(\.value)).lexicographicallyPrecedes($1.unicodeScalars.map(\.value)) }
        }
        self.column = column
    }

    public var featureNames: [String] { levels.map { "\(column)_\($0)" } }
}

extension FeatureSpec {
    /// The numeric feature columns of `table`: every column not dropped, not the target and not
    /// categorical, in file order.
    public func numericColumns(of table: some DataTable) -> [String] {
        table.columnNames.filter { $0 != target && !dropped.contains($0) && !categorical.contains($0) }
    }

    /// Builds the design: drops `dropped` columns, drops every row with a missing value in a
    /// column that is used (as pandas' `dropna` does after the drop), encodes categories.
    public func design(from table: some DataTable) throws -> Design {
        for name in [target] + dropped + categorical { try table.requireColumn(name) }
        // Levels come from the complete rows only, as with pandas' dropna() before get_dummies().
        let text = try categorical.map { try table.textColumn($0) }
        var missing = try table.missingRows(ofNumericColumn: target)
        for name in numericColumns(of: table) {
            for (r, gap) in try table.missingRows(ofNumericColumn: name).enumerated() where gap { missing[r] = true }
        }
        let encodings = zip(categorical, text).map { name, values in
            OneHotEncoding(column: name, values: values.indices.lazy.filter { !missing[$0] }.compactMap { values[$0] })
        }
        return try encode(table, numericColumns: numericColumns(of: table), encodings: encodings, requireTarget: true)
    }

    /// Encodes `table` with known columns and levels (a fitted model's), for prediction. Rows
    /// missing a feature are dropped; the target is read when present. A level the model never
    /// saw is an error naming the row: the model has no coefficient for it.
    ///
    /// Numeric columns go straight from the table into the design's column-major matrix
    /// (`DataTable.readNumericColumn`): the matrix is the only full-size copy of the data.
    public func encode(_ table: some DataTable, numericColumns: [String], encodings: [OneHotEncoding],
                       requireTarget: Bool) throws -> Design {
        for name in numericColumns + encodings.map(\.column) { try table.requireColumn(name) }
        let hasTarget = table.columnNames.contains(target)
        if requireTarget && !hasTarget { try table.requireColumn(target) }
        var keep = [Bool](repeating: true, count: table.rowCount)
        for name in numericColumns + (requireTarget ? [target] : []) {
            for (r, gap) in try table.missingRows(ofNumericColumn: name).enumerated() where gap { keep[r] = false }
        }
        let text = try encodings.map { try table.textColumn($0.column) }
        for values in text { for (r, value) in values.enumerated() where value == nil { keep[r] = false } }
        let complete = keep.indices.filter { keep[$0] }
        guard !complete.isEmpty else {
            throw DataError(file: table.source, "no complete rows: every row has a missing value in a used column")
        }
        let names = numericColumns + encodings.flatMap(\.featureNames)
        let rows = complete.count
        var x = Matrix(rows: rows, columns: names.count)
        try x.elements.withUnsafeMutableBufferPointer { elements in
            for (j, name) in numericColumns.enumerated() {
                try table.readNumericColumn(name, keeping: keep, into: UnsafeMutableBufferPointer(rebasing: elements[(j * rows)..<((j + 1) * rows)]))
            }
        }
        if !encodings.isEmpty {
            for (i, r) in complete.enumerated() {
                var offset = numericColumns.count
                for (enc, values) in zip(encodings, text) {
                    // Rows with a missing level were dropped above (keep), so value is present.
                    let value = values[r] ?? ""
                    guard let level = enc.levels.firstIndex(of: value) else {
                        throw DataError(file: table.source, line: table.rowLabel(r), column: enc.column,
                                        "level '\(value)' was not seen in training (levels: \(enc.levels.joined(separator: ", ")))")
                    }
                    x[i, offset + level] = 1
                    offset += enc.levels.count
                }
            }
        }
        var y = [Double](repeating: .nan, count: rows)
        if hasTarget {
            try y.withUnsafeMutableBufferPointer { try table.readNumericColumn(target, keeping: keep, into: $0) }
        }
        return Design(names: names, x: x, y: y, lines: complete.map { table.rowLabel($0) },
                      droppedRows: table.rowCount - rows, encodings: encodings,
                      numericColumns: numericColumns, hasTarget: hasTarget)
    }
}
