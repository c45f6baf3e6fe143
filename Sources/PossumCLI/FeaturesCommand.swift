import ArgumentParser
import Foundation
import PossumData
import PossumML
import PossumStorage
import PossumTracking
import PossumWorkflows

struct FeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "One-hot encode and standardize a table; write the feature set to HDF5 and log the scaler.",
        discussion: """
            --target is required. The scaler's means are logged as metrics of a run named "Scaler" (as the \
            reference pipeline does).

            \(FeatureOptions.kindRule)

            Out of core: an HDF5 table of more than 256 MiB (rows × columns as doubles) is read a block of \
            rows at a time, in two passes (the scaler's means and deviations, merged block by block; then \
            each block standardized and written), so memory stays a block whatever the number of rows. \
            --block-rows N forces that, --in-memory forbids it. Example: \
            possum features --data T.h5 --target y --out features.h5 --block-rows 65536 --no-track
            """)

    @Option(name: .long, help: ArgumentHelp("CSV or HDF5 table to encode.", valueName: "table"))
    var data: String

    @Option(name: .long, help: "Feature set file (HDF5) to write.")
    var out: String

    @OptionGroup var columns: FeatureOptions

    @OptionGroup var logging: RunLoggingOptions

    @Flag(name: .long, help: "Print what was written (and the run id) as JSON.")
    var json = false

    @OptionGroup var progressOptions: ProgressOptions

    @OptionGroup var delimiterOptions: DelimiterOptions

    @OptionGroup var rowBlocks: RowBlockOptions

    struct Summary: Encodable {
        var out: String, rows: Int, features: [String]
        var runID: String?
        var blockRows: Int?
        enum CodingKeys: String, CodingKey { case out, rows, features, runID = "run_id", blockRows = "block_rows" }
    }

    func validate() throws {
        if columns.target == nil { throw ValidationError("--target COLUMN is required: the column to predict") }
    }

    func run() throws {
        try checkCommandFiles(inputs: [data], outputs: [out])
        let spec = try columns.spec()
        var logged: LoggedRun?
        let features = try LoggedRun.run(logging, name: "Scaler") { run in
            logged = run
            var job = FeatureJob(dataPath: data, spec: spec)
            job.progress = progressOptions.reporter()
            job.reading = rowBlocks.reading
            job.delimiter = delimiterOptions.byte
            // The progress line is cleared before anything else is said, a failure included.
            let ran = Result { try job.write(to: out) }
            job.progress.finish()
            let written = try ran.get()
            for note in written.notes { printNote(note + "\n") }
            if let run { try job.log(written.transform, sha256: written.sourceSHA256, to: run) }
            return written
        }
        let names = features.transform.featureNames
        if json {
            print(try TrackingJSON.encode(Summary(out: out, rows: features.rows, features: names, runID: logged?.runID, blockRows: features.blockRows)))
        } else {
            print("wrote \(out): \(features.rows) rows × \(names.count) standardized features" + (features.blockRows.map { " (read in blocks of \($0) rows)" } ?? ""))
            if let logged { printError(logged.summaryLine + "\n") }
        }
    }
}

