import PossumML

/// A log-spaced alpha grid given on the command line as `LOWER:UPPER:COUNT`.
public struct AlphaGrid: Sendable, CustomStringConvertible {
    public var lower: Double, upper: Double, count: Int

    /// logspace(−3, 1, 30): the reference pipeline's grid (and the scikit-learn fixture's).
    public static let standard = AlphaGrid(lower: -3, upper: 1, count: 30)

    public init(lower: Double, upper: Double, count: Int) {
        (self.lower, self.upper, self.count) = (lower, upper, count)
    }

    /// The largest |LOWER| and |UPPER|: 10^±300 is a positive finite double, as every alpha must be
    /// (10^±309 is not, and a wider span's step overflows).
    public static let largestExponent = 300.0

    /// `LOWER:UPPER:COUNT` in log10, as numpy.logspace; nil unless LOWER ≤ UPPER within ±300 and
    /// 1…10 000 points.
    public init?(argument: String) {
        let parts = argument.split(separator: ":").map(String.init)
        guard parts.count == 3, let lo = Double(parts[0]), let hi = Double(parts[1]), let n = Int(parts[2]),
              lo.magnitude <= Self.largestExponent, hi.magnitude <= Self.largestExponent, lo <= hi,
              n >= 1, n <= 10_000 else { return nil }
        self.init(lower: lo, upper: hi, count: n)
    }

    public var description: String { "\(canonicalNumber(lower)):\(canonicalNumber(upper)):\(count)" }
    /// The alphas: 10^lower … 10^upper, `count` of them evenly spaced in log10.
    public var values: [Double] { logspace(lower, upper, count: count) }

    private func canonicalNumber(_ v: Double) -> String { Int(exactly: v).map(String.init) ?? "\(v)" }
}
