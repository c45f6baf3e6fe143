import Foundation
import PossumData
import PossumLinalg

/// Which columns of a table form the model. Only the target is required: every other column is
/// a feature whose kind is inferred (`resolve`) unless an option says otherwise —
/// `dropped` columns are ignored, `id` is carried into predictions but is not a feature,
/// `categorical` columns are one-hot encoded and `numeric` columns read as numbers whatever
/// they look like.
///
/// In a fitted `FeatureTransform` the spec is the decided one: `categorical` lists every
/// one-hot encoded column and `numeric` every numeric feature, whether inferred or asked for.
public struct FeatureSpec: Sendable, Equatable, Codable {
    public var target: String
    public var dropped: [String]
    public var categorical: [String]
    public var numeric: [String]
    public var id: String?

    public init(target: String, dropped: [String] = [], categorical: [String] = [], numeric: [String] = [], id: String? = nil) {
        self.target = target
        self.dropped = dropped
        self.categorical = categorical
        self.numeric = numeric
        self.id = id
    }

    /// The reference possum pipeline: predict tail length; `case` is a row id; site, population
    /// and sex are categories (site is coded as digits, hence the option).
    public static let possum = FeatureSpec(target: "taill", dropped: ["case"], categorical: ["site", "Pop", "sex"])

    /// A column named twice with different roles (say both `--categorical` and `--numeric`),
    /// as a sentence; nil when the roles are consistent. `resolve` refuses such a spec.
    public var conflict: String? {
        var roles: [(String, String)] = [(target, "the target")]
        if let id { roles.append((id, "the id column")) }
        roles += dropped.map { ($0, "dropped") } + categorical.map { ($0, "categorical") } + numeric.map { ($0, "numeric") }
        var seen: [String: String] = [:]
        for (column, role) in roles {
            if let earlier = seen[column], earlier != role {
                return "column '\(column)' is both \(earlier) and \(role)"
            }
            seen[column] = role
        }
        return nil
    }
}

/// What a column of the training table is to the model.
public enum ColumnKind: String, Sendable, Equatable, Codable, CaseIterable {
    case target, id, dropped, numeric, categorical
}

/// One column of the training table and what was decided for it: its kind, and whether the
/// kind was inferred from the values or given by an option (`--target`, `--id`, `--drop`,
/// `--numeric`, `--categorical`). A model file records one per column of its training table.
public struct ColumnDecision: Sendable, Equatable, Codable {
    public var column: String
    public var kind: ColumnKind
    public var inferred: Bool

    public init(column: String, kind: ColumnKind, inferred: Bool) {
        (self.column, self.kind, self.inferred) = (column, kind, inferred)
    }
}

extension FeatureSpec {
    /// Decides every column of `table`: the options' columns as asked (each must exist), every
    /// other column numeric when each of its present cells is a finite number, else categorical.
    /// A `--numeric` column holding text is an error naming the first bad cell.
    public func resolve(_ table: some DataTable) throws -> [ColumnDecision] {
        if let conflict { throw DataError(file: table.source, conflict) }
        for name in [target] + (id.map { [$0] } ?? []) + dropped + categorical + numeric { try table.requireColumn(name) }
        return try table.columnNames.map { name in
            if name == target { return ColumnDecision(column: name, kind: .target, inferred: false) }
            if name == id { return ColumnDecision(column: name, kind: .id, inferred: false) }
            if dropped.contains(name) { return ColumnDecision(column: name, kind: .dropped, inferred: false) }
            if categorical.contains(name) { return ColumnDecision(column: name, kind: .categorical, inferred: false) }
            if numeric.contains(name) {
                try requireNumeric(name, of: table)
                return ColumnDecision(column: name, kind: .numeric, inferred: false)
            }
            let isNumeric = (try? table.missingRows(ofNumericColumn: name)) != nil
            return ColumnDecision(column: name, kind: isNumeric ? .numeric : .categorical, inferred: true)
        }
    }

    /// The decided spec: the same target, id and dropped columns, with `numeric` and
    /// `categorical` listing every feature column of that kind in table order.
    public func decided(by columns: [ColumnDecision]) -> FeatureSpec {
        FeatureSpec(target: target, dropped: dropped,
                    categorical: columns.filter { $0.kind == .categorical }.map(\.column),
                    numeric: columns.filter { $0.kind == .numeric }.map(\.column), id: id)
    }

    /// Throws unless column `name` reads as numbers. The table's own error names the bad cell
    /// for CSV; a column stored as text (HDF5) is searched for its first non-number.
    private func requireNumeric(_ name: String, of table: some DataTable) throws {
        do {
            _ = try table.missingRows(ofNumericColumn: name)
        } catch let error as DataError {
            throw error
        } catch {
            if let text = try? table.textColumn(name),
               let r = text.indices.first(where: { text[$0].map { !(Double($0)?.isFinite ?? false) } ?? false }) {
                throw DataError(file: table.source, line: table.rowLabel(r), column: name,
                                "'\(text[r] ?? "")' is not a number (the column is given to --numeric)")
            }
            throw error
        }
    }
}

/// A table turned into numbers: complete rows only, categories one-hot encoded, not yet scaled.
public struct Design: Sendable {
    /// Feature names: numeric columns in file order, then `column_level` for each category level.
    public var names: [String]
    /// rows × features.
    public var x: Matrix
    public var y: [Double]
    /// Where each kept row came from, for messages (file line for CSV, row number for HDF5).
    public var lines: [Int]
    /// The 1-based data row number of each kept row (the header is not a row), for any input.
    public var rows: [Int]
    /// The id column's value for each kept row (nil when missing), if the spec names an id
    /// column and the table has it.
    public var ids: [String?]?
    /// Rows dropped because some used field was missing.
    public var droppedRows: Int
    public var encodings: [OneHotEncoding]
    /// The numeric columns, in feature order (the first features).
    public var numericColumns: [String]
    /// Whether `y` holds the target (prediction data may not have it; then y is NaN).
    public var hasTarget: Bool
    /// What was decided for each column of the table (training designs only; empty otherwise).
    public var columns: [ColumnDecision] = []
    /// The columns decided text (inferred, not `--categorical`) whose values are mostly numbers,
    /// found from the values read to encode them: what train and features note.
    public var mostlyNumbers: [String: StrayText] = [:]
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
    /// Builds the training design: decides every column (`resolve`), drops every row with a
    /// missing value in a column that is used (as pandas' `dropna` does after the drop), encodes
    /// categories with every level seen in the complete rows.
    public func design(from table: some DataTable) throws -> Design {
        let columns = try resolve(table)
        let spec = decided(by: columns)
        // Levels come from the complete rows only, as with pandas' dropna() before get_dummies().
        let text = try spec.categorical.map { try table.textColumn($0) }
        var missing = try table.missingRows(ofNumericColumn: target)
        for name in spec.numeric {
            for (r, gap) in try table.missingRows(ofNumericColumn: name).enumerated() where gap { missing[r] = true }
        }
        for values in text { for (r, value) in values.enumerated() where value == nil { missing[r] = true } }
        let encodings = zip(spec.categorical, text).map { name, values in
            OneHotEncoding(column: name, values: values.indices.lazy.filter { !missing[$0] }.compactMap { values[$0] })
        }
        var design = try spec.encode(table, numericColumns: spec.numeric, encodings: encodings, requireTarget: true)
        design.columns = columns
        let inferred = Set(columns.filter { $0.kind == .categorical && $0.inferred }.map(\.column))
        for (name, values) in zip(spec.categorical, text) where inferred.contains(name) {
            design.mostlyNumbers[name] = StrayText(values, table: table)
        }
        return design
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
        var emptyColumns: [String] = []
        // Concrete [Bool], not a generic sequence: unspecialized, this loop looked up generic
        // metadata for every cell and was most of an in-memory train's time on a large table.
        func drop(_ name: String, missing: [Bool]) {
            var any = false
            for (r, gap) in zip(keep.indices, missing) { if gap { keep[r] = false } else { any = true } }
            if !any { emptyColumns.append(name) }
        }
        for name in numericColumns + (requireTarget ? [target] : []) {
            drop(name, missing: try table.missingRows(ofNumericColumn: name))
        }
        let text = try encodings.map { try table.textColumn($0.column) }
        for (enc, values) in zip(encodings, text) { drop(enc.column, missing: values.map { $0 == nil }) }
        let complete = keep.indices.filter { keep[$0] }
        guard !complete.isEmpty else {
            // A column with no value at all is the usual reason: name it, and the way out.
            let hint = emptyColumns.isEmpty || table.rowCount == 0 ? ""
                : " (no value at all in \(emptyColumns.map { "'\($0)'" }.joined(separator: ", ")): --drop it)"
            throw DataError(file: table.source, "no complete rows: every row has a missing value in a used column" + hint)
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
        let ids = try id.flatMap { table.columnNames.contains($0) ? try idValues($0, of: table) : nil }
        return Design(names: names, x: x, y: y, lines: complete.map { table.rowLabel($0) }, rows: complete.map { $0 + 1 },
                      ids: ids.map { all in complete.map { all[$0] } },
                      droppedRows: table.rowCount - rows, encodings: encodings,
                      numericColumns: numericColumns, hasTarget: hasTarget)
    }

    /// The id column as written: a CSV field verbatim (trimmed), so "007" stays "007"; a stored
    /// HDF5 value as text. Nil where missing.
    private func idValues(_ name: String, of table: some DataTable) throws -> [String?] {
        if let csv = table as? CSVTable {
            let k = try csv.columnIndex(name)
            return csv.rows.map { CSVTable.isMissing($0[k]) ? nil : $0[k].trimmingCharacters(in: .whitespaces) }
        }
        return try table.textColumn(name)
    }
}
