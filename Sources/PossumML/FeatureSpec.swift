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
    /// The file line of each kept row (for messages).
    public var lines: [Int]
    /// Rows dropped because some used field was missing.
    public var droppedRows: Int
    public var encodings: [OneHotEncoding]
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
    /// Builds the design: drops `dropped` columns, drops every row with a missing value in a
    /// column that is used (as pandas' `dropna` does after the drop), encodes categories.
    public func design(from table: CSVTable) throws -> Design {
        for name in [target] + dropped + categorical { _ = try table.columnIndex(name) }
        let used = table.header.filter { !dropped.contains($0) }
        let numericNames = used.filter { $0 != target && !categorical.contains($0) }

        let numeric = try numericNames.map { try table.numericColumn($0) }
        let targetColumn = try table.numericColumn(target)
        let text = try categorical.map { try table.textColumn($0) }

        let complete = (0..<table.rowCount).filter { r in
            targetColumn[r] != nil && numeric.allSatisfy { $0[r] != nil } && text.allSatisfy { $0[r] != nil }
        }
        guard !complete.isEmpty else {
            throw DataError(file: table.source, "no complete rows: every row has a missing value in a used column")
        }
        let encodings = zip(categorical, text).map { name, values in
            OneHotEncoding(column: name, values: complete.map { values[$0]! })
        }
        let names = numericNames + encodings.flatMap(\.featureNames)
        var x = Matrix(rows: complete.count, columns: names.count)
        for (i, r) in complete.enumerated() {
            for (j, col) in numeric.enumerated() { x[i, j] = col[r]! }
            var offset = numeric.count
            for (enc, values) in zip(encodings, text) {
                x[i, offset + enc.levels.firstIndex(of: values[r]!)!] = 1
                offset += enc.levels.count
            }
        }
        return Design(names: names, x: x, y: complete.map { targetColumn[$0]! },
                      lines: complete.map { table.lines[$0] },
                      droppedRows: table.rowCount - complete.count, encodings: encodings)
    }
}
