import ArgumentParser
import Foundation
import PossumStorage
import PossumWorkflows

struct QRCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qr",
        abstract: "Least squares over row blocks: a small partial result per block, combined anywhere.",
        discussion: """
            Each block of a table's rows becomes a part file holding R of [X | y] ((p+1)² numbers) and the \
            column moments, whatever its number of rows; `combine` reduces any number of parts (of parts) in any \
            order; `possum lstsq --r FILE` finishes with x = R⁻¹Qᵀy: plain (uncentered, no intercept) least \
            squares of the target on the columns over the complete rows. See docs/distributed.md.

            Example:
              possum qr partial --data t.h5 --rows 0:5000 --columns a,b --target y --out p1.h5
              possum qr partial --data t.h5 --rows 5000:9000 --columns a,b --target y --out p2.h5
              possum qr combine p1.h5 p2.h5 --out r.h5
              possum lstsq --r r.h5
            """,
        subcommands: [QRPartialCommand.self, QRCombineCommand.self])
}

/// `--data T.h5 [--table NAME] [--rows A:B]`: the rows of a table one command of a split run reads.
struct TableRows: ParsableArguments {
    @Option(name: .long, help: "The table file (from `possum data import`).")
    var data: String

    @Option(name: .long, help: "The table in the file (default: its only table).")
    var table: String?

    @Option(name: .long, help: ArgumentHelp("Rows A:B of the table, counted from 0, B excluded (default: all rows).", valueName: "A:B"))
    var rows: RowRange?
}

/// `--rows A:B`: table rows A..<B, counted from 0 (Python's slice convention, as Dask's row ranges).
struct RowRange: ExpressibleByArgument {
    var range: Range<Int>

    init?(argument: String) {
        let bounds = argument.split(separator: ":", omittingEmptySubsequences: false)
        guard bounds.count == 2, let lower = Self.count(bounds[0]), let upper = Self.count(bounds[1]), lower < upper else { return nil }
        range = lower..<upper
    }

    /// A non-negative decimal count, nil for anything else (sign, spaces, overflow).
    static func count(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        var value = 0
        for digit in text.utf8 {
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(Int(truncatingIfNeeded: digit &- UInt8(ascii: "0")))
            guard !o1 && !o2 else { return nil }
            value = sum
        }
        return value
    }
}

struct QRPartialCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "partial",
        abstract: "Write one row block's R of [X | y] and column moments to a part file.",
        discussion: """
            Reads only rows A:B of the table (HDF5 hyperslabs), keeps the rows complete in all the columns, and \
            writes R of [X | y] (upper triangular, p+1 square), Qᵀy's tail norm, the row count and the count, mean \
            and M2 of every column, in the layout of docs/distributed.md.

            Example:
              possum qr partial --data possum.h5 --rows 0:50 --columns hdlngth,skullw,totlngth --target age --out part1.h5
            """)

    @OptionGroup var block: TableRows

    @Option(name: .long, help: ArgumentHelp("The columns X, comma-separated (default: every column but the target).", valueName: "c1,c2,…"))
    var columns: String?

    @Option(name: .long, help: "The target y.")
    var target: String

    @Option(name: .long, help: "Write the part file here.")
    var out: String

    func run() throws {
        try checkCommandFiles(inputs: [block.data], outputs: [out])
        let names = columns.map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let part = try PartialQRJob.partial(data: block.data, table: block.table, rows: block.rows?.range, columns: names, target: target)
        try QRPartFile.write(part, to: out)
        printNote("rows \(part.coverage): \(part.rows) complete rows, \(part.columns.count) columns + '\(part.target)' → \(out)\n")
    }
}

struct QRCombineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "combine",
        abstract: "Reduce part files (or combined files) to one: R of the stacked R's, moments merged.",
        discussion: """
            The parts must have the same columns and target, and cover disjoint rows of each table; they may \
            come from several table files (a dataset split over files), each source recorded. \
            The result has the part layout, so combining can be a tree (combine pairs, then pairs of those).

            Example:
              possum qr combine part1.h5 part2.h5 part3.h5 --out r.h5
            """)

    @Argument(help: "Part files from `possum qr partial` or `possum qr combine`.")
    var parts: [String]

    @Option(name: .long, help: "Write the combined part file here.")
    var out: String

    func validate() throws {
        if parts.isEmpty { throw ValidationError("name at least one part file to combine") }
    }

    func run() throws {
        try checkCommandFiles(inputs: parts, outputs: [out])
        let part = try PartialQRJob.combine(parts)
        try QRPartFile.write(part, to: out)
        printNote("\(parts.count) parts: \(part.rows) complete rows, \(part.columns.count) columns + '\(part.target)', ‖residual‖ = \(String(format: "%.6g", part.residualNorm)) → \(out)\n")
    }
}
