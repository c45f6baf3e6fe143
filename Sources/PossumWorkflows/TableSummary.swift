import Foundation
import PossumData
import PossumFiles

/// Per-column summary: kind, missing count, and min/mean/max or the levels. Names and levels
/// are shown through `messageText` (one row per line, cut), so a hostile header cannot break or
/// blow up the table.
public struct TableSummary {
    public var table: any DataTable

    public init(table: any DataTable) { self.table = table }

    /// A CSV's dialect when it is not plain comma-separated; nil otherwise (and for HDF5).
    var dialect: String? { (table as? CSVTable)?.dialect }

    /// One column of `data show --json`: numeric columns have min/mean/max (null when there is
    /// no value), text columns their levels. Names are as in the file: JSON escapes them.
    public struct Column: Encodable {
        public var name: String
        public var kind: String
        public var missing: Int
        public var min: Double?, mean: Double?, max: Double?
        public var levels: [String]?
        /// For a text column whose present values are mostly numbers: the values that are not,
        /// and the first of them (`StrayText`).
        public var notNumbers: StrayText?

        enum CodingKeys: String, CodingKey {
            case name, kind, missing, min, mean, max, levels
            case notNumbers = "not_numbers"
        }
    }

    /// The cells that make a text column's mostly numbers text (one type for data show, train and features).
    public typealias StrayText = PossumData.StrayText

    public struct Summary: Encodable {
        public var source: String
        /// A CSV's dialect when it is not plain comma-separated (`semicolon-separated, decimal commas`).
        public var dialect: String?
        public var rows: Int
        public var columns: [Column]
    }

    /// What `data show --json` prints.
    public func columns() throws -> Summary {
        var out: [Column] = []
        for name in table.columnNames {
            if let values = try? table.numericColumn(name) {
                let present = values.compactMap { $0 }
                let mean = present.isEmpty ? nil : present.reduce(0, +) / Double(present.count)
                out.append(Column(name: name, kind: "numeric", missing: values.count - present.count,
                                  min: present.min().flatMap(jsonNumber), mean: mean.flatMap(jsonNumber),
                                  max: present.max().flatMap(jsonNumber), levels: nil))
            } else {
                let values = try table.textColumn(name)
                out.append(Column(name: name, kind: "text", missing: values.filter { $0 == nil }.count,
                                  levels: Set(values.compactMap { $0 }).sorted(), notNumbers: StrayText(values, table: table)))
            }
        }
        return Summary(source: table.source, dialect: dialect, rows: table.rowCount, columns: out)
    }

    /// What `data show` prints.
    public func text() throws -> String {
        var out = "\(messageText(table.source)): \(table.rowCount) rows × \(table.columnNames.count) columns"
            + (dialect.map { " (\($0))" } ?? "") + "\n"
        let shownNames = table.columnNames.map { messageText($0, limit: 60) }
        let width = max(8, shownNames.map(\.count).max() ?? 0)
        out += "column".padding(toLength: width, withPad: " ", startingAt: 0) + "  kind      missing  summary\n"
        for (name, shownName) in zip(table.columnNames, shownNames) {
            let line = shownName.padding(toLength: width, withPad: " ", startingAt: 0)
            if let values = try? table.numericColumn(name) {
                let present = values.compactMap { $0 }
                let mean = present.isEmpty ? Double.nan : present.reduce(0, +) / Double(present.count)
                var summary = "-"
                if let low = present.min(), let high = present.max() {
                    summary = String(format: "min %.4g  mean %.4g  max %.4g", low, mean, high)
                }
                out += "\(line)  numeric   \(String(values.count - present.count).leftPadded(7))  \(summary)\n"
            } else {
                let values = try table.textColumn(name)
                let levels = Set(values.compactMap { $0 }).sorted()
                let shown = levels.prefix(8).map { messageText($0, limit: 40) }.joined(separator: ", ") + (levels.count > 8 ? ", …" : "")
                let stray = StrayText(values, table: table)?.text ?? ""
                out += "\(line)  text      \(String(values.filter { $0 == nil }.count).leftPadded(7))  \(levels.count) levels: \(shown)\(stray)\n"
            }
        }
        return out
    }
}

private extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
