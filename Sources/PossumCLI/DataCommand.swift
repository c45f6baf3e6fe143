import ArgumentParser
import Foundation
import PossumData
import PossumFiles
import PossumProgress
import PossumStorage
import PossumTracking

struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data", abstract: "Import tables into HDF5 and inspect them.",
        subcommands: [ImportCommand.self, ShowCommand.self])

    struct ImportCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Convert a CSV table to possum's column-oriented HDF5 layout (written atomically).")

        @Argument(help: "CSV file (header line, comma-separated; NA or empty = missing); - reads standard input.")
        var csv: String

        @Option(name: .long, help: "HDF5 file to write.")
        var out: String

        @Option(name: .long, help: "Table (group) name (default: the CSV file's stem).")
        var table: String?

        @Flag(name: .long, help: "Print what was written as JSON.")
        var json = false

        @Flag(name: .shortAndLong, help: "No progress line (shown on stderr when it is a terminal).")
        var quiet = false

        func run() throws {
            try checkCommandFiles(inputs: [csv], outputs: [out])
            let progress = TerminalProgress.standardError(quiet: quiet)
            defer { progress.finish() }
            let (rows, columns) = try TableFile.importCSV(csv, to: out, tableName: table, progress: progress)
            progress.finish()
            print(json ? try TrackingJSON.encode(ImportSummary(out: out, rows: rows, columns: columns))
                       : "wrote \(out): \(rows) rows × \(columns) columns")
        }

        struct ImportSummary: Encodable { var out: String; var rows: Int; var columns: Int }
    }

    struct ShowCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show", abstract: "Print a table's schema and summary statistics (CSV or HDF5).")

        @Argument(help: "CSV or HDF5 (.h5) table; - reads a CSV from standard input.")
        var file: String

        @Flag(name: .long, help: "Print the schema and statistics as JSON.")
        var json = false

        func run() throws {
            let summary = TableSummary(table: try openDataTable(file))
            print(json ? try TrackingJSON.encode(summary.columns()) : try summary.text())
        }
    }
}

/// Per-column summary: kind, missing count, and min/mean/max or the levels. Names and levels
/// are shown through `messageText` (one row per line, cut), so a hostile header cannot break or
/// blow up the table.
struct TableSummary {
    var table: any DataTable

    /// One column of `data show --json`: numeric columns have min/mean/max (null when there is
    /// no value), text columns their levels. Names are as in the file: JSON escapes them.
    struct Column: Encodable {
        var name: String
        var kind: String
        var missing: Int
        var min: Double?, mean: Double?, max: Double?
        var levels: [String]?
    }

    struct Summary: Encodable { var source: String; var rows: Int; var columns: [Column] }

    func columns() throws -> Summary {
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
                                  levels: Set(values.compactMap { $0 }).sorted()))
            }
        }
        return Summary(source: table.source, rows: table.rowCount, columns: out)
    }

    func text() throws -> String {
        var out = "\(messageText(table.source)): \(table.rowCount) rows × \(table.columnNames.count) columns\n"
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
                out += "\(line)  text      \(String(values.filter { $0 == nil }.count).leftPadded(7))  \(levels.count) levels: \(shown)\n"
            }
        }
        return out
    }
}
