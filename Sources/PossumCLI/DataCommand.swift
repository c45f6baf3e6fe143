import ArgumentParser
import Foundation
import PossumData
import PossumFiles
import PossumStorage
import PossumTracking
import PossumWorkflows

struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data", abstract: "Import tables into HDF5 and inspect them.",
        subcommands: [ImportCommand.self, ShowCommand.self])

    struct ImportCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Convert a CSV table to possum's column-oriented HDF5 layout (written atomically).",
            discussion: "The CSV is streamed, so it may be larger than memory; train, features and predict read the HDF5 table in row blocks. Example: possum data import mine.csv --out mine.h5")

        @Argument(help: "CSV file (header line; comma, tab, semicolon or pipe between fields, found from the first lines unless --delimiter; NA or empty = missing); - reads standard input.")
        var csv: String

        @Option(name: .long, help: "HDF5 file to write.")
        var out: String

        @Option(name: .long, help: "Table (group) name (default: the CSV file's stem).")
        var table: String?

        @Flag(name: .long, help: ArgumentHelp(
            "Deflate the numeric columns too (shuffle + zlib level 4).",
            discussion: "By default numbers are stored uncompressed: measured doubles shrink only 15-20 %, and every pass of train, features or predict over the table would inflate them again. Text columns and missing-value masks are always deflated. Example: possum data import big.csv --out big.h5 --compress"))
        var compress = false

        @Flag(name: .long, help: "Print what was written as JSON.")
        var json = false

        @OptionGroup var progressOptions: ProgressOptions

        @OptionGroup var delimiterOptions: DelimiterOptions

        func run() throws {
            try checkCommandFiles(inputs: [csv], outputs: [out])
            let progress = progressOptions.reporter()
            defer { progress.finish() }
            let (rows, columns) = try TableFile.importCSV(csv, to: out, tableName: table, compressNumbers: compress,
                                                          delimiter: delimiterOptions.byte, progress: progress)
            progress.finish()
            print(json ? try TrackingJSON.encode(ImportSummary(out: out, rows: rows, columns: columns))
                       : "wrote \(out): \(rows) rows × \(columns) columns")
        }

        struct ImportSummary: Encodable { var out: String; var rows: Int; var columns: Int }
    }

    struct ShowCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show", abstract: "Print a table's schema and summary statistics (CSV or HDF5).",
            discussion: """
            One line per column: its kind as train would decide it (numeric when every present cell is \
            a number, else text), the missing count, and min/mean/max or the levels; a text column of \
            mostly numbers names its first cell that is not one. The first line says how a CSV was read \
            when not plain comma-separated (semicolon-separated, decimal commas, …; docs/data.md).
            Example: possum data show mine.csv
            """)

        @Argument(help: "CSV or HDF5 (.h5) table; - reads a CSV from standard input.")
        var file: String

        @Flag(name: .long, help: "Print the schema and statistics as JSON.")
        var json = false

        @OptionGroup var delimiterOptions: DelimiterOptions

        func run() throws {
            let summary = TableSummary(table: try openDataTable(file, delimiter: delimiterOptions.byte))
            print(json ? try TrackingJSON.encode(summary.columns()) : try summary.text())
        }
    }
}
