import ArgumentParser
import Foundation
import PossumML
import PossumTracking
import PossumWorkflows

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Fit ridge regression of a column on the others, alpha chosen by leave-one-out error.",
        discussion: """
            From a table (--data, CSV or HDF5; --target is then required): one-hot encodes the text \
            columns (every level kept), z-scores every feature, leaves out rows with a missing value. \
            From a feature set (--features, written by `possum features`): uses it as is. \
            From a combined part file and the leverage files of its row blocks (--r, --leverages): finishes \
            RidgeCV computed over blocks elsewhere (see `possum ridge --help`). A big HDF5 table (over 256 MiB \
            of doubles) is read in row blocks, in three passes, with memory independent of its rows \
            (--block-rows, --in-memory; docs/out-of-core.md).

            \(FeatureOptions.kindRule)

            Then for each alpha of the grid (default logspace(-3, 1, 30)) it factors [X; sqrt(alpha) I] \
            by QR with the chosen solver and scores it by exact leave-one-out error; the alpha with the \
            smallest error wins. The run is logged to the tracking store (params, metrics, the model file \
            and the coefficient table) unless --no-track.

            Examples:
              possum train --data mine.csv --target y --export mine-model.h5
              possum train --data big.h5 --target y --id name --drop notes
              possum train --data datasets/possum.csv --target taill --drop case \\
                --categorical site,Pop,sex --register Reg_RidgeCV_possums --stage Staging
              possum train --data mine.csv --target y --register Mine --alias champion
              possum train --data huge.h5 --target y --block-rows 65536 --export huge-model.h5
              possum train --r r.h5 --leverages lev1.h5 lev2.h5 --export model.h5
            """)

    @Option(name: .long, help: "CSV or HDF5 table to train on.")
    var data: String?

    @Option(name: .long, help: "Feature set written by `possum features` (instead of --data).")
    var features: String?

    @Option(name: .customLong("r"), help: ArgumentHelp("A combined part file (`possum qr combine`) to finish RidgeCV from, with --leverages (instead of --data).", valueName: "r.h5"))
    var part: String?

    @Option(name: .long, parsing: .upToNextOption, help: ArgumentHelp("The leverage files (`possum ridge leverages`) of row blocks covering the rows of --r, each once.", valueName: "lev.h5 …"))
    var leverages: [String] = []

    @Option(name: .long, help: "Least-squares backend: our SIMD QR, LAPACK through OpenBLAS, or the scalar twin.")
    var solver: SolverChoice = .simd

    @OptionGroup var columns: FeatureOptions

    @OptionGroup var rowBlocks: RowBlockOptions

    @Option(name: .long, parsing: .unconditional, help: "Alpha grid as LOWER:UPPER:COUNT in log10 (numpy.logspace), e.g. -3:1:30; LOWER ≤ UPPER within ±300, COUNT 1 to 10000.")
    var alphas = AlphaGrid.standard

    @Option(name: [.customLong("out"), .customLong("export")], help: "Write the fitted model to this HDF5 file (atomically).")
    var export: String?

    @Option(name: .long, help: "Register the model under this name in the model registry.")
    var register: String?

    @Option(name: .long, help: "Stage for the new registered version (case-insensitive).")
    var stage: ModelStage?

    @Option(name: .long, help: "Alias to point at the new registered version (e.g. champion); moved from the version it named before.")
    var alias: String?

    @Flag(name: .long, help: "Print the result as JSON.")
    var json = false

    @OptionGroup var logging: RunLoggingOptions

    @OptionGroup var progressOptions: ProgressOptions

    @OptionGroup var delimiterOptions: DelimiterOptions

    func validate() throws {
        if [data, features, part].compactMap({ $0 }).count > 1 { throw ValidationError("give one of --data, --features or --r") }
        if data == nil && features == nil && part == nil { throw ValidationError(FeatureOptions.noDataMessage) }
        if part != nil && leverages.isEmpty { throw ValidationError("--r needs --leverages FILE… (from `possum ridge leverages`, one per row block)") }
        if part == nil && !leverages.isEmpty { throw ValidationError("--leverages goes with --r r.h5 (the combined part file they were computed against)") }
        if stage != nil && register == nil { throw ValidationError("--stage needs --register NAME") }
        if alias != nil && register == nil { throw ValidationError("--alias needs --register NAME") }
        // Checked before training, so a bad alias never leaves a half-registered model behind.
        if let alias {
            do { try NameValidation.validateAlias(alias) } catch { throw ValidationError("--alias: \(error)") }
        }
        if register != nil && logging.noTrack { throw ValidationError("--register needs tracking (drop --no-track)") }
        if data != nil && columns.target == nil {
            throw ValidationError("--target COLUMN is required when training from a table (--data): the column to predict")
        }
        if data == nil && columns.anyGiven {
            throw ValidationError("--target, --drop, --id, --categorical and --numeric apply to --data; a feature set or part file records its columns")
        }
    }

    func run() throws {
        try checkCommandFiles(inputs: [features, data, part] + leverages, outputs: [export])
        let source: TrainingJob.Source = try part.map { .parts($0, leverages: leverages) } ?? features.map { .features($0) }
            ?? .table(try tableArgument(data), columns.spec())
        var job = TrainingJob(source: source, alphas: alphas, solver: solver)
        job.progress = progressOptions.reporter()
        job.reading = rowBlocks.reading
        job.delimiter = delimiterOptions.byte
        var logged: LoggedRun?
        let output = try LoggedRun.run(logging, name: "RidgeCV") { run in
            logged = run
            // The progress line is cleared before anything else is said, a failure included.
            let ran = Result { try job.run() }
            job.progress.finish()
            var result = try ran.get()
            for note in result.notes { printNote(note + "\n") }
            result.report.runID = run?.runID
            // Rendered before anything is exported or logged, so nothing is left behind if it fails.
            let output = json ? try result.report.json() : result.report.table()
            if let export { try result.exportModel(to: export) }
            if let run {
                let artifact = try result.log(to: run, exportedModel: export)
                if let register {
                    let version = try result.register(in: run, artifact: artifact, name: register, stage: stage ?? .none, alias: alias)
                    let aliasNote = alias.map { ", alias \($0)" } ?? ""
                    printNote("registered \(register) version \(version.version) (stage \(version.currentStage.rawValue)\(aliasNote))\n")
                }
            }
            return output
        }
        print(output)
        // On stderr, as the registration line: stdout stays the report alone (with --json, the
        // JSON's run_id carries it).
        if let logged, !json { printError(logged.summaryLine + "\n") }
    }
}


/// `--alphas LOWER:UPPER:COUNT` (parsed by `AlphaGrid.init?(argument:)`).
extension AlphaGrid: ExpressibleByArgument {
    public var defaultValueDescription: String { description }
}

