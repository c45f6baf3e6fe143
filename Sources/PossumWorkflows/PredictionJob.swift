import Foundation
import PossumData
import PossumLinalg
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
    /// A CSV's byte between fields (`--delimiter`); nil: detected from its first lines.
    public var delimiter: UInt8?

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

        /// `row[,id][,target],predicted` — row is the 1-based data row for every input; numbers in
        /// their shortest round-trip digits, so the file holds the doubles exactly.
        public func csv() -> String {
            var header = ["row"]
            if ids != nil { header.append("id") }
            if truth != nil { header.append(csvField(target)) }
            var lines = [(header + ["predicted"]).joined(separator: ",")]
            for (k, p) in predictions.enumerated() {
                var fields = [String(rows[k])]
                if let ids { fields.append(ids[k].map(csvField) ?? "") }
                if let truth { fields.append(roundTripDigits(truth[k])) }
                fields.append(roundTripDigits(p))
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
            PredictionJob.summary(count: predictions.count, skipped: skipped, r2: r2, rmse: rmse)
        }
    }

    static func summary(count: Int, skipped: Int, r2: Double?, rmse: Double?, blockRows: Int? = nil) -> String {
        // Four decimals, or four significant digits where that would print hundreds of digits.
        func figure(_ v: Double) -> String { String(format: v.magnitude < 1e6 ? "%.4f" : "%.4g", v) }
        var s = "\(count) prediction\(count == 1 ? "" : "s")"
        if skipped > 0 { s += " (\(skipped) row\(skipped == 1 ? "" : "s") skipped: missing features)" }
        if let r2, let rmse { s += ", R² = \(figure(r2)), RMSE = \(figure(rmse))" }
        if let blockRows { s += ", read in blocks of \(blockRows) rows" }
        return s + "\n"
    }

    /// The figures of a prediction streamed over blocks of rows (`stream`): the rows themselves
    /// went to the output as they were computed.
    public struct Streamed {
        public var target: String
        public var count: Int
        public var skipped: Int
        /// Said on standard error: the model's id column is not in the table.
        public var note: String?
        public var r2: Double?
        public var rmse: Double?
        public var blockRows: Int
        /// True and predicted values, kept only when asked for (a plot): two numbers a row.
        public var truth: [Double]?
        public var predictions: [Double]?

        public func summary() -> String {
            PredictionJob.summary(count: count, skipped: skipped, r2: r2, rmse: rmse, blockRows: blockRows)
        }

        public func scatterPlot() -> ScatterPlot? {
            guard let truth, let predictions, let r2, let rmse else { return nil }
            return ScatterPlot(x: truth, y: predictions,
                               title: String(format: "Predicted vs true %@ — R² = %.3f, RMSE = %.3f (n = %d)", target, r2, rmse, truth.count),
                               xLabel: "true \(target)", yLabel: "predicted \(target)")
        }
    }

    /// Reading the table a block of rows at a time: the rows per block, and the table the size
    /// check opened, which `stream` reads through instead of opening (and verifying) it again.
    public struct StreamingPlan {
        public let blockRows: Int
        let table: HDF5Table?
    }

    /// How `reading` reads this job's table: a plan for `stream`, or nil to read it whole (a CSV,
    /// or a small table) with `run`.
    public func streamingPlan(_ reading: RowBlockReading) throws -> StreamingPlan? {
        let decision = try reading.decide(forTable: dataPath)
        return decision.blockRows.map { StreamingPlan(blockRows: $0, table: decision.opened) }
    }

    /// Predictions for an HDF5 table a block of rows at a time: each block is encoded,
    /// standardized and predicted, and its CSV lines (as `Result.csv()` writes them, header
    /// first) handed to `write`. R² and RMSE come from moments merged over the blocks
    /// (`ColumnMoments` of the truth and of the residuals): RMSE = √(var r + mean r²),
    /// R² = 1 − RMSE²/var t. Memory is a block, plus two numbers a row with `keepPoints`.
    /// Blocks of `plan.blockRows`, read through the table its size check opened, if it did
    /// (`streamingPlan(.blocks(rows: N))` gives a plan for any N).
    public func stream(_ plan: StreamingPlan, keepPoints: Bool, write: (String) throws -> Void) throws -> Streamed {
        let (table, blockRows) = (try plan.table ?? HDF5Table(path: dataPath), plan.blockRows)
        let (model, note) = try modelIdentifyingRows(of: table)
        let transform = model.transform
        let blocks = try DesignBlocks(table: table, transform: transform, requireTarget: false)
        let reader = blocks.reader
        let target = transform.spec.target
        // The truth column is written when every predicted row has a target, as in memory: a
        // look at the missing masks alone (no values) decides that before the header is written.
        var hasTruth = blocks.hasTarget
        if hasTruth, reader.hasMissingValues(target) {
            progress.begin("checking \(target)", total: table.rowCount, unit: .items("rows"))
            let features = transform.numericColumns + transform.encodings.map(\.column)
            var first = 0
            while first < table.rowCount && hasTruth {
                let range = first..<(first + min(blockRows, table.rowCount - first))
                let gaps = try features.map { try reader.missing($0, rows: range) }
                let targetGaps = try reader.missing(target, rows: range)
                hasTruth = !(0..<range.count).contains { i in targetGaps[i] && gaps.allSatisfy { !$0[i] } }
                first = range.upperBound
                progress.update(completed: first)
            }
        }
        var header = ["row"]
        if blocks.idColumn != nil { header.append("id") }
        if hasTruth { header.append(csvField(target)) }
        try write((header + ["predicted"]).joined(separator: ",") + "\n")
        var moments = ColumnMoments(columns: 2)
        var (count, keptTruth, keptPredictions) = (0, [Double](), [Double]())
        progress.begin("predicting", total: table.rowCount, unit: .items("rows"))
        var first = 0
        while first < table.rowCount {
            let range = first..<(first + min(blockRows, table.rowCount - first))
            let block = try blocks.read(range)
            let z = transform.scaler.transform(block.x)
            let predictions = model.predict(z)
            if let i = predictions.firstIndex(where: { !$0.isFinite }) {
                let terms = (0..<z.columns).map { z[i, $0] * model.coefficients[$0] }
                let j = terms.firstIndex { !$0.isFinite } ?? terms.indices.max { terms[$0].magnitude < terms[$1].magnitude } ?? 0
                throw DataError(file: table.source, line: block.rows[i] + 1, column: transform.featureNames[j],
                                "value \(block.x[i, j]) is too far outside the training data: the prediction is \(predictions[i])")
            }
            var text = ""
            for (k, p) in predictions.enumerated() {
                text += String(block.rows[k] + 1)
                if let ids = block.ids { text += "," + (ids[k].map(csvField) ?? "") }
                if hasTruth { text += "," + roundTripDigits(block.y[k]) }
                text += "," + roundTripDigits(p) + "\n"
            }
            try write(text)
            if hasTruth {
                var pair = Matrix(rows: predictions.count, columns: 2)
                for (k, p) in predictions.enumerated() { (pair[k, 0], pair[k, 1]) = (block.y[k], block.y[k] - p) }
                try moments.merge(ColumnMoments(block: pair))
                if keepPoints { keptTruth += block.y; keptPredictions += predictions }
            }
            count += predictions.count
            first = range.upperBound
            progress.update(completed: first)
        }
        var (r2, rmse): (Double?, Double?) = (nil, nil)
        if hasTruth && count > 0 {
            let (means, deviations) = (moments.means, moments.standardDeviations)
            let error = hypot(deviations[1], means[1])
            rmse = error
            // A constant truth has no variance to explain: scikit-learn's force_finite rule.
            r2 = deviations[0] > 0 ? 1 - (error / deviations[0]) * (error / deviations[0]) : (error == 0 ? 1 : 0)
        }
        return Streamed(target: target, count: count, skipped: table.rowCount - count, note: note, r2: r2, rmse: rmse,
                        blockRows: blockRows, truth: hasTruth && keepPoints ? keptTruth : nil,
                        predictions: hasTruth && keepPoints ? keptPredictions : nil)
    }

    /// The model, its id column set to `idColumn` when one is given (which `table` must have), and
    /// a note when the model's own id column is not in `table` (rows are then identified by number).
    func modelIdentifyingRows(of table: any DataTable) throws -> (RidgeModel, note: String?) {
        var model = try ModelFile.read(modelPath)
        if let idColumn {
            try table.requireColumn(idColumn)
            model.transform.spec.id = idColumn
        } else if let id = model.transform.spec.id, !table.columnNames.contains(id) {
            return (model, "note: \(dataPath) has no column '\(id)' (the model's id column): predictions are identified by row only")
        }
        return (model, nil)
    }

    public func run() throws -> Result {
        let table = try openDataTable(dataPath, delimiter: delimiter, progress: progress)
        let (model, note) = try modelIdentifyingRows(of: table)
        let (predictions, design) = try model.predict(table)
        let truth = design.hasTarget && design.y.allSatisfy(\.isFinite) ? design.y : nil
        return Result(target: model.transform.spec.target, rows: design.rows, ids: design.ids, note: note, truth: truth,
                      predictions: predictions, skipped: design.droppedRows)
    }
}

/// The shortest decimal that reads back as exactly `v` (Swift's conversion; Python's `repr` gives
/// the same digits), an integer's ".0" dropped. As exact as `%.17g`, often shorter, and a fraction
/// of C's formatting time, which was most of the time of writing millions of predictions.
func roundTripDigits(_ v: Double) -> String {
    let text = v.description
    return text.utf8.count > 2 && text.hasSuffix(".0") ? String(text.utf8.dropLast(2)) ?? text : text
}

/// A CSV field as RFC 4180 writes it: quoted when it holds a comma, quote or line break.
public func csvField(_ text: String) -> String {
    guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
    return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}
