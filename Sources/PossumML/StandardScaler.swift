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
    public init(fitting x: Matrix, names: [String]) throws {
        let n = Double(x.rows)
        let mean = (0..<x.columns).map { j in (0..<x.rows).reduce(0) { $0 + x[$1, j] } / n }
        let scale = (0..<x.columns).map { j in
            // Two-pass variance: subtracting the mean first avoids cancellation.
            ((0..<x.rows).reduce(0) { s, i in let d = x[i, j] - mean[j]; return s + d * d } / n).squareRoot()
        }
        (self.mean, self.scale) = (mean, scale)
        if let j = scale.firstIndex(where: { $0 == 0 }) {
            throw FeatureError.constantColumn(names[j])
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
                for i in (j * rows)..<((j + 1) * rows) { e[i] = (e[i] - m) / s }
            }
        }
    }
}

public enum FeatureError: Error, Equatable, Sendable, CustomStringConvertible {
    case constantColumn(String)
    case tooFewRows(rows: Int, features: Int)

    public var description: String {
        switch self {
        case let .constantColumn(name):
            return "feature '\(name)' is constant over the complete rows (zero variance): it cannot be standardized"
        case let .tooFewRows(rows, features):
            return "\(rows) complete rows for \(features) features: need more rows than features"
        }
    }
}
