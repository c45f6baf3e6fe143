import ArgumentParser
import Foundation
import PossumData
import PossumFiles
import PossumML
import PossumPlot
import PossumStorage
import PossumTracking

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
            predicted has 17 significant digits, so it round-trips the double exactly.
            """)

    @Option(name: .long, help: "Model file written by `possum train --export`.")
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

    func validate() throws {
        if json && out == nil { throw ValidationError("--json prints the summary on standard output: give --out FILE for the predictions") }
    }

    func run() throws {
        let png = plot.map(pngPath(beside:))
        try checkCommandFiles(inputs: [model, data], outputs: [out, plot, png])
        let result = try PredictionJob(modelPath: model, dataPath: data, idColumn: id).run()
        if let out {
            try writeAtomically(result.csv().utf8, to: out)
        } else {
            print(result.csv(), terminator: "")
        }
        if let plot, let png {
            guard let picture = result.scatterPlot() else {
                throw ValidationError("--plot needs the target column '\(result.target)' in \(data)")
            }
            let svg = picture.svg()
            try writeAtomically(svg.utf8, to: plot)
            try renderPNG(svg: svg, to: png)
        }
        if json {
            print(try TrackingJSON.encode(PredictionSummary(result, out: out, plot: plot, png: png)))
        } else {
            if let note = result.note { printNote(note + "\n") }
            printNote(result.summary())
        }
    }

    /// `predict --json`: R² and RMSE are null without a target column (or when not finite).
    struct PredictionSummary: Encodable {
        var predictions: Int, skipped: Int
        var r2: Double?, rmse: Double?
        var out: String?, plot: String?, png: String?

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

/// Predictions for a table, with the accuracy figures when the truth is known.
struct PredictionJob {
    var modelPath: String
    var dataPath: String
    /// Overrides the model's id column; nil: the model's, if the table has it.
    var idColumn: String? = nil

    struct Result {
        var target: String
        /// 1-based data row numbers.
        var rows: [Int]
        /// The id column's values (nil where missing), when there is an id column.
        var ids: [String?]?
        /// Said on standard error: the model's id column is not in the table.
        var note: String?
        var truth: [Double]?
        var predictions: [Double]
        var skipped: Int

        /// Scaled sums of squares (PossumML): finite for finite values whatever their size.
        var rmse: Double? { truth.map { rootMeanSquareError(truth: $0, predicted: predictions) } }
        /// R² with scikit-learn's force_finite rule for a constant truth (1 if perfect, else 0).
        var r2: Double? { truth.map { coefficientOfDetermination(truth: $0, predicted: predictions) } }

        /// `row[,id][,target],predicted` — row is the 1-based data row for every input; 17
        /// significant digits so the file round-trips the doubles exactly.
        func csv() -> String {
            var header = ["row"]
            if ids != nil { header.append("id") }
            if truth != nil { header.append(csvField(target)) }
            var lines = [(header + ["predicted"]).joined(separator: ",")]
            for (k, p) in predictions.enumerated() {
                var fields = [String(rows[k])]
                if let ids { fields.append(ids[k].map(csvField) ?? "") }
                if let truth { fields.append(String(format: "%.17g", truth[k])) }
                fields.append(String(format: "%.17g", p))
                lines.append(fields.joined(separator: ","))
            }
            return lines.joined(separator: "\n") + "\n"
        }

        func scatterPlot() -> ScatterPlot? {
            guard let truth, let r2, let rmse else { return nil }
            return ScatterPlot(x: truth, y: predictions,
                               title: String(format: "Predicted vs true %@ — R² = %.3f, RMSE = %.3f (n = %d)", target, r2, rmse, truth.count),
                               xLabel: "true \(target)", yLabel: "predicted \(target)")
        }

        /// Four decimals, or four significant digits where that would print hundreds of digits
        /// (a huge RMSE; an R² of −inf when the errors dwarf the truth's spread beyond any double).
        func figure(_ v: Double) -> String { String(format: v.magnitude < 1e6 ? "%.4f" : "%.4g", v) }

        func summary() -> String {
            var s = "\(predictions.count) predictions"
            if skipped > 0 { s += " (\(skipped) rows skipped: missing features)" }
            if let r2, let rmse { s += ", R² = \(figure(r2)), RMSE = \(figure(rmse))" }
            return s + "\n"
        }
    }

    func run() throws -> Result {
        var model = try ModelFile.read(modelPath)
        let table = try openDataTable(dataPath)
        var note: String?
        if let idColumn {
            try table.requireColumn(idColumn)
            model.transform.spec.id = idColumn
        } else if let id = model.transform.spec.id, !table.columnNames.contains(id) {
            note = "note: \(dataPath) has no column '\(id)' (the model's id column): predictions are identified by row only"
        }
        let (predictions, design) = try model.predict(table)
        let truth = design.hasTarget && design.y.allSatisfy(\.isFinite) ? design.y : nil
        return Result(target: model.transform.spec.target, rows: design.rows, ids: design.ids, note: note, truth: truth,
                      predictions: predictions, skipped: design.droppedRows)
    }
}

/// A CSV field as RFC 4180 writes it: quoted when it holds a comma, quote or line break.
func csvField(_ text: String) -> String {
    guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
    return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}
