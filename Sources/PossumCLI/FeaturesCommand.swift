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

    struct Summary: Encodable {
        var out: String, rows: Int, features: [String]
        var runID: String?
        enum CodingKeys: String, CodingKey { case out, rows, features, runID = "run_id" }
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
            // The progress line is cleared before anything else is said, a failure included.
            let ran = Result { try job.run() }
            job.progress.finish()
            let features = try ran.get()
            try FeaturesFile.write(features, to: out)
            if let run { try job.log(features, to: run) }
            return features
        }
        if json {
            print(try TrackingJSON.encode(Summary(out: out, rows: features.z.rows, features: features.transform.featureNames, runID: logged?.runID)))
        } else {
            print("wrote \(out): \(features.z.rows) rows × \(features.z.columns) standardized features")
            if let logged { printError(logged.summaryLine + "\n") }
        }
    }
}
