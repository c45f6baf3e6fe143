import PossumData
import PossumFiles
import PossumML

/// A loaded model answering scoring requests: the table of a request goes through the model's
/// own transform (`RidgeModel.predict`, the code `possum predict` runs), so the one-hot levels
/// and the scaling recorded in the model file are applied exactly as there.
public struct ScoringModel: Sendable {
    public let model: RidgeModel
    /// The file or registry reference the model was loaded from, for messages.
    public let name: String

    public init(model: RidgeModel, name: String) {
        (self.model, self.name) = (model, name)
    }

    /// One prediction per row of the request, in order; nil (JSON null) for a row missing a
    /// feature, which `possum predict` skips (it has nothing to predict from).
    public func predict(_ table: CSVTable, rows label: ScoringInput.RowLabel) throws(ScoringError) -> [Double?] {
        guard table.rowCount > 0 else { return [] }
        do {
            let (predictions, design) = try model.predict(table)
            var out = [Double?](repeating: nil, count: table.rowCount)
            for (k, row) in design.rows.enumerated() { out[row - 1] = predictions[k] }
            return out
        } catch let error as DataError {
            throw ScoringError(ScoringInput.describe(error, rows: label))
        } catch {
            throw ScoringError(messageText("\(error)", limit: 1000))
        }
    }

    /// The request body to predictions, or the refusal.
    public func score(body: [UInt8], contentType: String?) throws(ScoringError) -> [Double?] {
        let (table, label) = try ScoringInput.table(body: body, contentType: contentType)
        return try predict(table, rows: label)
    }

    /// `{"predictions": [...]}`, as MLflow's scoring server answers: each number in Swift's
    /// shortest form that reads back as the same double, null for a skipped row.
    public static func responseJSON(_ predictions: [Double?]) -> String {
        var s = #"{"predictions": ["#
        s.reserveCapacity(16 + predictions.count * 20)
        for (k, p) in predictions.enumerated() {
            if k > 0 { s += ", " }
            if let p, p.isFinite { s += "\(p)" } else { s += "null" }
        }
        return s + "]}"
    }
}
