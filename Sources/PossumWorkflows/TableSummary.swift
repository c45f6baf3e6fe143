import Foundation
import PossumData
import PossumFiles
import PossumProgress

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
        let out = try summarized().map { column in
            switch column.values {
            case .numbers(let low, let mean, let high):
                Column(name: column.name, kind: "numeric", missing: column.missing, min: low.flatMap(jsonNumber),
                       mean: mean.flatMap(jsonNumber), max: high.flatMap(jsonNumber), levels: nil)
            case .text(let levels, let stray):
                Column(name: column.name, kind: "text", missing: column.missing, levels: levels, notNumbers: stray)
            }
        }
        return Summary(source: table.source, dialect: dialect, rows: table.rowCount, columns: out)
    }

    /// What `data show` prints.
    public func text() throws -> String {
        let columns = try summarized()
        var out = "\(messageText(table.source)): \(table.rowCount) rows × \(table.columnNames.count) columns"
            + (dialect.map { " (\($0))" } ?? "") + "\n"
        let shownNames = table.columnNames.map { messageText($0, limit: 60) }
        let width = max(8, shownNames.map(\.count).max() ?? 0)
        out += "column".padding(toLength: width, withPad: " ", startingAt: 0) + "  kind      missing  summary\n"
        for (column, shownName) in zip(columns, shownNames) {
            let line = shownName.padding(toLength: width, withPad: " ", startingAt: 0)
            let missing = String(column.missing).leftPadded(7)
            switch column.values {
            case .numbers(let low, let mean, let high):
                var summary = "-"
                if let low, let high, let mean {
                    summary = String(format: "min %.4g  mean %.4g  max %.4g", low, mean, high)
                }
                out += "\(line)  numeric   \(missing)  \(summary)\n"
            case .text(let levels, let stray):
                let shown = levels.prefix(8).map { messageText($0, limit: 40) }.joined(separator: ", ") + (levels.count > 8 ? ", …" : "")
                out += "\(line)  text      \(missing)  \(levels.count) levels: \(shown)\(stray?.text ?? "")\n"
            }
        }
        return out
    }

    /// One column's summary, for both outputs.
    struct Summarized {
        enum Values {
            case numbers(min: Double?, mean: Double?, max: Double?)
            case text(levels: [String], stray: StrayText?)
        }
        var name: String
        var missing: Int
        var values: Values
    }

    /// Bytes a row of a column may take while it is summarized, at the most: a text column's read from
    /// HDF5 (each variable-length string a heap block, its pointer, the `[String]` and its copy, the
    /// `[String?]` and its level: about 100), which a numeric attempt on a text column also reads for
    /// its error; a numeric column takes less (its value, flag and `Double?`).
    static let rowBytes = 128

    /// Each column in turn, held whole while it is summarized. What it takes is asked of one
    /// `MemoryHeadroom.Meter` (the check of every data-sized allocation) before it is read, so that a
    /// column that does not fit under a memory limit is a one-line error naming it, not an abort.
    func summarized(headroom: () -> Int = MemoryHeadroom.available) throws -> [Summarized] {
        var meter = MemoryHeadroom.Meter()
        func admit(_ name: String, bytesPerRow: Int) throws {
            let (bytes, overflow) = table.rowCount.multipliedReportingOverflow(by: bytesPerRow)
            guard !overflow, meter.admits(bytes, headroom: headroom) else {
                func size(_ bytes: Int) -> String { ProgressLine.formatBytes(Double(bytes)) }
                throw DataError(file: table.source, "column '\(messageText(name, limit: 60))': summarizing its \(table.rowCount) rows takes about "
                                + "\(overflow ? "more than any machine has" : size(bytes)) and this process may take \(size(headroom())) more "
                                + "(a memory or address-space limit)")
            }
        }
        var out: [Summarized] = []
        for name in table.columnNames {
            try admit(name, bytesPerRow: Self.rowBytes)
            if let values = try? table.numericColumn(name) {
                // One pass, in row order: the sum, least and greatest as reduce, min() and max() give them.
                var count = 0, sum = 0.0, low: Double?, high: Double?
                for case let value? in values {
                    count += 1
                    sum += value
                    if low.map({ value < $0 }) ?? true { low = value }
                    if high.map({ $0 < value }) ?? true { high = value }
                }
                out.append(Summarized(name: name, missing: values.count - count,
                                      values: .numbers(min: low, mean: count == 0 ? nil : sum / Double(count), max: high)))
            } else {
                let values = try table.textColumn(name)
                out.append(Summarized(name: name, missing: values.filter { $0 == nil }.count,
                                      values: .text(levels: Set(values.compactMap { $0 }).sorted(), stray: StrayText(values, table: table))))
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
