import ArgumentParser
import Foundation
import PossumData
import PossumFiles
import PossumLinalg
import PossumWorkflows

struct LstsqCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lstsq",
        abstract: "Solve min ‖A·x − b‖₂ (minimum-norm x when A is rank-deficient).",
        discussion: """
            A.csv: m lines of n comma-separated numbers, no header. b.csv: m numbers, one per line. \
            HDF5 works for either: FILE.h5 (its only root dataset) or FILE.h5:NAME; float64, m × n \
            (row-major) or m. x is written one number per line with 17 significant digits (exact round trip).

            The simd and naive solvers use our column-pivoted QR on equilibrated columns with compensated \
            inner products; openblas uses LAPACK dgelsy. For a wide A (m < n) the minimum-norm solution \
            comes from the QR of Aᵀ (of its rank-r row basis when rank r < m): O(m²n) time, O(mn) memory. \
            The numerical rank, a 1-norm condition estimate and the residual norm are reported; a warning \
            says when cond·ε is too large to trust 6 digits, or when the rank is below min(m, n). A solution \
            beyond Double's range (e.g. b of 1e300 over A of 1e-300) is refused, naming its column.

            --r FILE finishes a problem split over row blocks (`possum qr partial`, `possum qr combine`): \
            x from the combined R of [X | y], without reading any rows. Example: possum lstsq --r r.h5

            Out of core: an HDF5 A of more than 256 MiB (as doubles) is read a block of rows at a time \
            (a tall-skinny QR over the blocks, then the same rank-revealing solve on the (n+1)×(n+1) \
            triangle), so memory stays O(block·n + n²) whatever m. --block-rows N forces that with N rows \
            per block, --in-memory forbids it. Example: possum lstsq A.h5 b.h5 --block-rows 65536
            """)

    @Argument(help: "A: CSV (no header) or HDF5 (.h5).")
    var matrix: String?

    @Argument(help: "b: CSV (one number per line) or HDF5 (.h5).")
    var rhs: String?

    @Option(name: .customLong("r"), help: ArgumentHelp("Instead of A and b: finish from a part file of `possum qr partial`/`combine` (x = R⁻¹Qᵀy, plain least squares of its target on its columns).", valueName: "FILE"))
    var combined: String?

    @Option(name: .long, help: "Least-squares backend: our SIMD QR, LAPACK through OpenBLAS, or the scalar twin.")
    var solver: SolverChoice = .simd

    @Flag(name: .long, help: "Iterative refinement with doubled-precision residuals (simd and naive).")
    var refine = false

    // .unconditional: "-1" is a value here, not an unknown flag (LAPACK users pass RCOND = -1).
    @Option(name: .long, parsing: .unconditional,
            help: "Rank tolerance: columns with |r_kk| ≤ TOL·|r_00| are dependent (default max(m,n)·ε; a negative TOL means machine precision, 2⁻⁵³, as in LAPACK).")
    var rcond: Double?

    @Option(name: .long, help: "Write x here (one value per line) instead of standard output.")
    var out: String?

    @Flag(name: .long, help: "Print the report as JSON.")
    var json = false

    @OptionGroup var rowBlocks: RowBlockOptions

    @OptionGroup var progressOptions: ProgressOptions

    @OptionGroup var delimiterOptions: DelimiterOptions

    func validate() throws {
        if combined != nil && (matrix != nil || rhs != nil) {
            throw ValidationError("give either A and b, or --r FILE, not both")
        }
        if combined == nil && (matrix == nil || rhs == nil) {
            throw ValidationError("give A and b (or --r FILE from `possum qr combine`)")
        }
        if combined != nil && rowBlocks.isGiven {
            throw ValidationError("--block-rows and --in-memory are about reading A; --r FILE reads no rows")
        }
        if refine && solver == .openblas {
            throw ValidationError("--refine is implemented for --solver simd and naive (LAPACK's dgelsy has no refinement)")
        }
        if let rcond, !(rcond.isFinite && rcond < 1) {
            throw ValidationError("--rcond must be a finite number below 1 (negative: machine precision), got \(rcond)")
        }
    }

    /// LAPACK's convention (dgelsd, numpy's rcond = -1): a negative RCOND means machine precision.
    var rankTolerance: Double? {
        guard let rcond else { return nil }
        return rcond < 0 ? Double.ulpOfOne / 2 : rcond
    }

    func run() throws {
        try checkCommandFiles(inputs: [matrix, rhs, combined], outputs: [out])
        let options = RankRevealingOptions(tolerance: rankTolerance, refine: refine)
        let result: LeastSquaresJob.Result
        if let combined {
            result = try PartialQRJob.solve(partPath: combined, solver: solver, options: options).result
        } else if let matrix, let rhs {
            var job = LeastSquaresJob(matrixPath: matrix, rhsPath: rhs, solver: solver, options: options)
            job.reading = rowBlocks.reading
            job.delimiter = delimiterOptions.byte
            job.progress = progressOptions.reporter()
            // The progress line is cleared before anything else is said, a failure included.
            let ran = Swift.Result { try job.run() }
            job.progress.finish()
            result = try ran.get()
        } else {
            return  // validate() refused this
        }
        let xText = result.solution.x.map { String(format: "%.17g", $0) }.joined(separator: "\n") + "\n"
        if let out {
            try writeAtomically(xText.utf8, to: out)
        }
        for warning in result.warnings { printNote("warning: \(warning)\n") }
        if json {
            print(try result.json())
        } else {
            if out == nil { print(xText, terminator: "") }
            printNote(result.summary())
        }
    }
}

