import PossumLinalg

/// z-scoring per column: (x − mean) / scale, with the population standard deviation (divide by
/// n, as scikit-learn's `StandardScaler`).
public struct StandardScaler: Sendable, Equatable, Codable {
    public var mean: [Double]
    public var scale: [Double]

    /// A scaler with known parameters (read back from a model file).
    public init(mean: [Double], scale: [Double]) {
        precondition(mean.count == scale.count, "one scale per mean")
        (self.mean, self.scale) = (mean, scale)
    }

    /// Fits means and scales. A constant column carries no information and would divide by
    /// zero; it is refused by name (`names[j]`) rather than silently kept.
    ///
    /// Each column is summed scaled by a power of two (`PowerOfTwoScaling`): the same bits as the
    /// plain sums on ordinary data, and a finite mean and scale for any finite column (the
    /// population standard deviation never exceeds the largest |x|), where the plain sums of a
    /// column holding 1e308 — or the squares of one holding 1e200 — overflow to inf.
    public init(fitting x: Matrix, names: [String]) throws {
        var mean = [Double](repeating: 0, count: x.columns), scale = mean
        for j in 0..<x.columns {
            let scaling = PowerOfTwoScaling(largest: (0..<x.rows).reduce(0) { max($0, x[$1, j].magnitude) })
            let down = scaling.down
            let m = (0..<x.rows).reduce(0) { $0 + x[$1, j] * down } / Double(x.rows)
            // Two-pass variance: subtracting the mean first avoids cancellation.
            let v = (0..<x.rows).reduce(0) { s, i in let d = x[i, j] * down - m; return s + d * d } / Double(x.rows)
            (mean[j], scale[j]) = (m * scaling.up, v.squareRoot() * scaling.up)
        }
        (self.mean, self.scale) = (mean, scale)
        if let j = scale.firstIndex(where: { $0 == 0 }) {
            throw FeatureError.constantColumn(names[j])
        }
        if let j = mean.indices.firstIndex(where: { !mean[$0].isFinite || !scale[$0].isFinite }) {
            throw FeatureError.notFinite(names[j])
        }
    }

    public func transform(_ x: Matrix) -> Matrix {
        var z = x
        transform(inPlace: &z)
        return z
    }

    /// z-scores `x` in its own storage (the same arithmetic, hence the same bits, as
    /// `transform(_:)`): training on a table as big as memory allows needs no second copy.
    public func transform(inPlace x: inout Matrix) {
        precondition(x.columns == mean.count, "scaler was fitted on \(mean.count) columns")
        let rows = x.rows
        x.elements.withUnsafeMutableBufferPointer { e in
            for j in 0..<mean.count {
                let (m, s) = (mean[j], scale[j])
                // x − m overflows for |x| near the largest double even when z is modest: such
                // an element is redone in units of the scale's binade (exact powers of two).
                let scaling = PowerOfTwoScaling(largest: s)
                let down = scaling.down
                for i in (j * rows)..<((j + 1) * rows) {
                    let z = (e[i] - m) / s
                    e[i] = z.isFinite ? z : (e[i] * down - m * down) / (s * down)
                }
            }
        }
    }
}

public enum FeatureError: Error, Equatable, Sendable, CustomStringConvertible {
    case constantColumn(String)
    case tooFewRows(rows: Int, features: Int)
    /// Too few rows because one text column has that many levels (one feature each).
    case tooManyLevels(column: String, levels: Int, rows: Int)
    /// Mean or scale not finite: only for non-finite input, which tables never hold.
    case notFinite(String)

    public var description: String {
        switch self {
        case let .constantColumn(name):
            return "feature '\(name)' is constant over the complete rows (zero variance): it cannot be standardized (--drop its column)"
        case let .notFinite(name):
            return "feature '\(name)' has a non-finite mean or scale: its values must be finite numbers"
        case let .tooManyLevels(column, levels, rows):
            return "text column '\(column)' has \(levels) level\(levels == 1 ? "" : "s") for \(rows) complete row\(rows == 1 ? "" : "s"): one feature per level leaves more features than rows (--drop it, --id if it names the rows, or --numeric if it holds numbers)"
        case let .tooFewRows(rows, features):
            return "\(rows) complete rows for \(features) features: need more rows than features"
        }
    }
}
