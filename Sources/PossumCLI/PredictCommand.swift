import ArgumentParser
import Foundation
import PossumData
import PossumFiles
import PossumML
import PossumPlot
import PossumStorage
import PossumTracking
import PossumWorkflows

struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Predict with a model file; write predictions as CSV and a predicted-vs-true picture.",
        discussion: """
            The table needs the model's feature columns (by name; other columns are ignored). Rows missing \
            a feature are skipped (and counted). With the target column present, R² and RMSE are reported \
            and the picture plots predicted against true values with the identity line. --plot FILE.svg \
            also writes FILE.png (via rsvg-convert).

            The predictions CSV has the columns row[,id][,TARGET],predicted: row is the 1-based data row \
            of the input (the header is not a row), for CSV and HDF5 alike; id is the id column's value \
            (the model's `--id`, or this command's --id); TARGET the true value when the table has it; \
            numbers have the fewest digits that read back as the same double (as Python's repr), so the \
            file holds them exactly.

            Out of core: an HDF5 table of more than 256 MiB (rows × columns as doubles) is read a block of \
            rows at a time; each block's predictions are written as they are computed (into a temporary \
            file renamed into place at the end: nothing is visible at --out before), and R² and RMSE are \
            merged over the blocks. --block-rows N forces that, --in-memory forbids it; --plot then keeps \
            two numbers per row. Example: possum predict --model m.h5 --data T.h5 --out p.csv --block-rows 65536
            """)

    @Option(name: .long, help: ArgumentHelp("Model: a file written by `possum train --export`, or a registered model NAME@STAGE, NAME@ALIAS or NAME/VERSION (looked up in --tracking-uri).", valueName: "model"))
    var model: String

    @Option(name: .long, help: "CSV or HDF5 table to predict for.")
    var data: String

    @Option(name: .long, help: ArgumentHelp("Id column to carry into the predictions (default: the one the model was trained with).", valueName: "column"))
    var id: String?

    @Option(name: .long, help: "Predictions CSV to write (default: standard output).")
    var out: String?

    @Option(name: .long, help: "Predicted-vs-true picture to write (.svg; a .png is written beside it).")
    var plot: String?

    @Flag(name: .long, help: "Print the summary (count, skipped, R², RMSE, files written) as JSON on stdout; needs --out.")
    var json = false

    @OptionGroup var progressOptions: ProgressOptions

    @OptionGroup var delimiterOptions: DelimiterOptions

    @OptionGroup var rowBlocks: RowBlockOptions

    @OptionGroup var tracking: TrackingOptions

    func validate() throws {
        if json && out == nil { throw ValidationError("--json prints the summary on standard output: give --out FILE for the predictions") }
    }

    func run() throws {
        let png = plot.map(pngPath(beside:))
        let modelFile = try tracking.modelFile(model)
        try checkCommandFiles(inputs: [modelFile, data], outputs: [out, plot, png])
        var job = PredictionJob(modelPath: modelFile, dataPath: data, idColumn: id)
        job.delimiter = delimiterOptions.byte
        job.progress = progressOptions.reporter()
        defer { job.progress.finish() }
        if let plan = try job.streamingPlan(rowBlocks.reading) {
            try runStreaming(job, plan: plan, png: png)
            return
        }
        let result = try job.run()
        job.progress.finish()
        if let out {
            try writeAtomically(result.csv().utf8, to: out)
        } else {
            print(result.csv(), terminator: "")
        }
        try writePlot(result.scatterPlot(), target: result.target, png: png)
        if json {
            print(try TrackingJSON.encode(PredictionSummary(result, out: out, plot: plot, png: png)))
        } else {
            if let note = result.note { printNote(note + "\n") }
            printNote(result.summary())
        }
    }

    /// --plot's SVG and its PNG beside it; an error when there is no truth to plot against.
    func writePlot(_ picture: @autoclosure () -> ScatterPlot?, target: String, png: String?) throws {
        guard let plot, let png else { return }
        guard let picture = picture() else {
            throw ValidationError("--plot needs the target column '\(target)' in \(data)")
        }
        let svg = picture.svg()
        try writeAtomically(svg.utf8, to: plot)
        try renderPNG(svg: svg, to: png)
    }

    /// The table a block of rows at a time: predictions written as they are computed.
    func runStreaming(_ job: PredictionJob, plan: PredictionJob.StreamingPlan, png: String?) throws {
        let streamed: PredictionJob.Streamed
        do {
            if let out {
                var result: PredictionJob.Streamed?
                try writeAtomically(to: out) { write in
                    result = try job.stream(plan, keepPoints: plot != nil) { text in
                        try text.utf8.withContiguousStorageIfAvailable { try write(UnsafeRawBufferPointer($0)) }
                            ?? Array(text.utf8).withUnsafeBytes { try write($0) }
                    }
                }
                guard let result else { return }
                streamed = result
            } else {
                streamed = try job.stream(plan, keepPoints: plot != nil) { print($0, terminator: "") }
            }
        } catch {
            job.progress.finish()
            throw error
        }
        job.progress.finish()
        try writePlot(streamed.scatterPlot(), target: streamed.target, png: png)
        if json {
            print(try TrackingJSON.encode(PredictionSummary(predictions: streamed.count, skipped: streamed.skipped,
                                                            r2: streamed.r2.flatMap(jsonNumber), rmse: streamed.rmse.flatMap(jsonNumber),
                                                            out: out, plot: plot, png: png)))
        } else {
            if let note = streamed.note { printNote(note + "\n") }
            printNote(streamed.summary())
        }
    }

    /// `predict --json`: R² and RMSE are null without a target column (or when not finite).
    struct PredictionSummary: Encodable {
        var predictions: Int, skipped: Int
        var r2: Double?, rmse: Double?
        var out: String?, plot: String?, png: String?

        init(predictions: Int, skipped: Int, r2: Double?, rmse: Double?, out: String?, plot: String?, png: String?) {
            (self.predictions, self.skipped, self.r2, self.rmse, self.out, self.plot, self.png) = (predictions, skipped, r2, rmse, out, plot, png)
        }

        init(_ result: PredictionJob.Result, out: String?, plot: String?, png: String?) {
            (predictions, skipped) = (result.predictions.count, result.skipped)
            (r2, rmse) = (result.r2.flatMap(jsonNumber), result.rmse.flatMap(jsonNumber))
            (self.out, self.plot, self.png) = (out, plot, png)
        }
    }
}

/// `--plot`'s PNG: FILE.svg → FILE.png, in the user's spelling of the path.
func pngPath(beside svg: String) -> String {
    let name = lastPathComponent(svg)
    guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return svg + ".png" }
    return String(svg.dropLast(name.distance(from: dot, to: name.endIndex))) + ".png"
}

