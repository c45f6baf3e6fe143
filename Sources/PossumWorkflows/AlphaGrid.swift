import PossumML

/// A log-spaced alpha grid given on the command line as `LOWER:UPPER:COUNT`.
public struct AlphaGrid: Sendable, CustomStringConvertible {
    public var lower: Double, upper: Double, count: Int

    /// logspace(−3, 1, 30): the reference pipeline's grid (and the scikit-learn fixture's).
    public static let standard = AlphaGrid(lower: -3, upper: 1, count: 30)

    public init(lower: Double, upper: Double, count: Int) {
        (self.lower, self.upper, self.count) = (lower, upper, count)
    }

    /// `LOWER:UPPER:COUNT` in log10, as numpy.logspace; nil unless finite, ordered, 1…10 000 points,
    /// each alpha a positive finite double (10^400 is not; RidgeCV requires it of every alpha).
    public init?(argument: String) {
        let parts = argument.split(separator: ":").map(String.init)
        guard parts.count == 3, let lo = Double(parts[0]), let hi = Double(parts[1]), let n = Int(parts[2]),
              lo.isFinite, hi.isFinite, lo <= hi, n >= 1, n <= 10_000 else { return nil }
        self.init(lower: lo, upper: hi, count: n)
        guard values.allSatisfy({ $0 > 0 && $0.isFinite }) else { return nil }
    }

    public var description: String { "\(canonicalNumber(lower)):\(canonicalNumber(upper)):\(count)" }
    /// The alphas: 10^lower … 10^upper, `count` of them evenly spaced in log10.
    public var values: [Double] { logspace(lower, upper, count: count) }

    private func canonicalNumber(_ v: Double) -> String { Int(exactly: v).map(String.init) ?? "\(v)" }
}
