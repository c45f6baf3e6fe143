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
        let numbers = distinct.compactMap(Double.init)
        if numbers.count == distinct.count {
            levels = distinct.sorted { Double($0)! < Double($1)! }
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
        let targetColumn = try table.numericColumn(target)
        let numeric = try numericColumns(of: table).map { try table.numericColumn($0) }
        let complete = (0..<table.rowCount).filter { r in
            targetColumn[r] != nil && text.allSatisfy { $0[r] != nil } && numeric.allSatisfy { $0[r] != nil }
        }
        let encodings = zip(categorical, text).map { name, values in
            OneHotEncoding(column: name, values: complete.compactMap { values[$0] })
        }
        return try encode(table, numericColumns: numericColumns(of: table), encodings: encodings, requireTarget: true)
    }

    /// Encodes `table` with known columns and levels (a fitted model's), for prediction. Rows
    /// missing a feature are dropped; the target is read when present. A level the model never
    /// saw is an error naming the row: the model has no coefficient for it.
    public func encode(_ table: some DataTable, numericColumns: [String], encodings: [OneHotEncoding],
                       requireTarget: Bool) throws -> Design {
        for name in numericColumns + encodings.map(\.column) { try table.requireColumn(name) }
        let numeric = try numericColumns.map { try table.numericColumn($0) }
        let text = try encodings.map { try table.textColumn($0.column) }
        let hasTarget = table.columnNames.contains(target)
        if requireTarget && !hasTarget { try table.requireColumn(target) }
        let targetColumn = hasTarget ? try table.numericColumn(target) : [Double?](repeating: nil, count: table.rowCount)

        let complete = (0..<table.rowCount).filter { r in
            (!requireTarget || targetColumn[r] != nil) && numeric.allSatisfy { $0[r] != nil } && text.allSatisfy { $0[r] != nil }
        }
        guard !complete.isEmpty else {
            throw DataError(file: table.source, "no complete rows: every row has a missing value in a used column")
        }
        let names = numericColumns + encodings.flatMap(\.featureNames)
        var x = Matrix(rows: complete.count, columns: names.count)
        for (i, r) in complete.enumerated() {
            for (j, col) in numeric.enumerated() { x[i, j] = col[r]! }
            var offset = numeric.count
            for (enc, values) in zip(encodings, text) {
                guard let level = enc.levels.firstIndex(of: values[r]!) else {
                    throw DataError(file: table.source, line: table.rowLabel(r), column: enc.column,
                                    "level '\(values[r]!)' was not seen in training (levels: \(enc.levels.joined(separator: ", ")))")
                }
                x[i, offset + level] = 1
                offset += enc.levels.count
            }
        }
        return Design(names: names, x: x, y: complete.map { targetColumn[$0] ?? .nan },
                      lines: complete.map { table.rowLabel($0) },
                      droppedRows: table.rowCount - complete.count, encodings: encodings,
                      numericColumns: numericColumns, hasTarget: hasTarget)
    }
}
