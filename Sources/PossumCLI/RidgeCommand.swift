import ArgumentParser
import Foundation
import PossumStorage
import PossumWorkflows

struct RidgeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ridge",
        abstract: "RidgeCV over row blocks processed anywhere: the leave-one-out pass per block.",
        discussion: """
            `possum train` over blocks of rows that live in other processes or machines, without moving rows: \
            `qr partial` per block and `qr combine` give the centered triangle and the column moments of all rows; \
            `ridge leverages` per block gives that block's share of the leave-one-out sums for every alpha against \
            the combined file; `possum train --r r.h5 --leverages …` adds them up, picks alpha and writes, logs and \
            registers the model as `train --data` does. The features are the numeric columns of the parts, z-scored \
            with the combined moments. See docs/distributed.md.

            Example:
              possum qr partial --data t.h5 --rows 0:5000 --target y --out p1.h5
              possum qr partial --data t.h5 --rows 5000:9000 --target y --out p2.h5
              possum qr combine p1.h5 p2.h5 --out r.h5
              possum ridge leverages --data t.h5 --rows 0:5000 --r r.h5 --out lev1.h5
              possum ridge leverages --data t.h5 --rows 5000:9000 --r r.h5 --out lev2.h5
              possum train --r r.h5 --leverages lev1.h5 lev2.h5 --no-track
            """,
        subcommands: [RidgeLeveragesCommand.self])
}

struct RidgeLeveragesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "leverages",
        abstract: "Write one row block's leave-one-out sums (per alpha) against a combined part file.",
        discussion: """
            Reads only rows A:B of the table (HDF5 hyperslabs), standardizes them with the moments of the combined \
            part file, and sums for every alpha of the grid the squared leave-one-out residual (e/(1 − h))² and the \
            squared residual e², with the leverage h of each row from the ridge triangle of all rows. The rows must \
            be among those the combined file was built from. Output: the layout of docs/distributed.md.

            Example:
              possum ridge leverages --data possum.h5 --rows 0:50 --r r.h5 --out lev1.h5
            """)

    @OptionGroup var block: TableRows

    @Option(name: .customLong("r"), help: ArgumentHelp("The combined part file (`possum qr combine`) of all the rows.", valueName: "r.h5"))
    var part: String

    @Option(name: .long, parsing: .unconditional, help: "Alpha grid as LOWER:UPPER:COUNT in log10, as `possum train --alphas` (the same grid must be given to train).")
    var alphas = AlphaGrid.standard

    @Option(name: .long, help: "Solver for the small per-alpha QRs.")
    var solver: SolverChoice = .simd

    @Option(name: .long, help: "Write the leverage file here.")
    var out: String

    func run() throws {
        try checkCommandFiles(inputs: [block.data, part], outputs: [out])
        let sums = try RidgePartsJob.leverages(data: block.data, table: block.table, rows: block.rows?.range, partPath: part, alphas: alphas.values, solver: solver)
        try RidgeLeveragesFile.write(sums, to: out)
        let range = sums.sources.first?.rowRanges.map { "\($0.lowerBound):\($0.upperBound)" }.joined(separator: ",") ?? ""
        printNote("rows \(range): \(sums.rows) complete rows, \(sums.alphas.count) alphas → \(out)\n")
    }
}
