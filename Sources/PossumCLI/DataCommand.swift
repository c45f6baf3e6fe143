import ArgumentParser
import Foundation
import PossumData
import PossumFiles
import PossumStorage

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

        func run() throws {
            try checkCommandFiles(inputs: [csv], outputs: [out])
            let (rows, columns) = try TableFile.importCSV(csv, to: out, tableName: table)
            print("wrote \(out): \(rows) rows × \(columns) columns")
        }
    }

    struct ShowCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show", abstract: "Print a table's schema and summary statistics (CSV or HDF5).")

        @Argument(help: "CSV or HDF5 (.h5) table; - reads a CSV from standard input.")
        var file: String

        func run() throws {
            print(try TableSummary(table: openDataTable(file)).text())
        }
    }
}

/// Per-column summary: kind, missing count, and min/mean/max or the levels. Names and levels
/// are shown through `messageText` (one row per line, cut), so a hostile header cannot break or
/// blow up the table.
struct TableSummary {
    var table: any DataTable

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
