import Foundation
import PossumData
import PossumML
import PossumPlot
import PossumStorage
import PossumProgress

/// Predictions for a table, with the accuracy figures when the truth is known.
public struct PredictionJob {
    /// A model file written by `TrainingJob.Result.exportModel` / `possum train --out`.
    public var modelPath: String
    /// A CSV or HDF5 table with the model's feature columns (by name).
    public var dataPath: String
    /// Overrides the model's id column; nil: the model's, if the table has it.
    public var idColumn: String? = nil
    /// Hears the table's rows as they are read (a CSV's).
    public var progress: any ProgressReporter = SilentProgress()

    public init(modelPath: String, dataPath: String, idColumn: String? = nil) {
        (self.modelPath, self.dataPath, self.idColumn) = (modelPath, dataPath, idColumn)
    }

    /// The predictions, the rows they are for, and R²/RMSE when the table has the target.
    public struct Result {
        public var target: String
        /// 1-based data row numbers.
        public var rows: [Int]
        /// The id column's values (nil where missing), when there is an id column.
        public var ids: [String?]?
        /// Said on standard error: the model's id column is not in the table.
        public var note: String?
        public var truth: [Double]?
        public var predictions: [Double]
        public var skipped: Int

        /// Scaled sums of squares (PossumML): finite for finite values whatever their size.
        public var rmse: Double? { truth.map { rootMeanSquareError(truth: $0, predicted: predictions) } }
        /// R² with scikit-learn's force_finite rule for a constant truth (1 if perfect, else 0).
        public var r2: Double? { truth.map { coefficientOfDetermination(truth: $0, predicted: predictions) } }

        /// `row[,id][,target],predicted` — row is the 1-based data row for every input; 17
        /// significant digits so the file round-trips the doubles exactly.
        public func csv() -> String {
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

        public func scatterPlot() -> ScatterPlot? {
            guard let truth, let r2, let rmse else { return nil }
            return ScatterPlot(x: truth, y: predictions,
                               title: String(format: "Predicted vs true %@ — R² = %.3f, RMSE = %.3f (n = %d)", target, r2, rmse, truth.count),
                               xLabel: "true \(target)", yLabel: "predicted \(target)")
        }

        /// Four decimals, or four significant digits where that would print hundreds of digits
        /// (a huge RMSE; an R² of −inf when the errors dwarf the truth's spread beyond any double).
        public func figure(_ v: Double) -> String { String(format: v.magnitude < 1e6 ? "%.4f" : "%.4g", v) }

        public func summary() -> String {
            var s = "\(predictions.count) predictions"
            if skipped > 0 { s += " (\(skipped) rows skipped: missing features)" }
            if let r2, let rmse { s += ", R² = \(figure(r2)), RMSE = \(figure(rmse))" }
            return s + "\n"
        }
    }

    public func run() throws -> Result {
        var model = try ModelFile.read(modelPath)
        let table = try openDataTable(dataPath, progress: progress)
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
public func csvField(_ text: String) -> String {
    guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
    return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}
