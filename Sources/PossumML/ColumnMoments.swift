import Foundation
import PossumLinalg

/// Count, mean and M2 = Σ(x − mean)² per column of a set of rows, built block by block and
/// merged pairwise in any order or tree (Chan, Golub, LeVeque 1979):
///
///     n = nₐ + n_b,  δ = m_b − mₐ,  m = mₐ + δ·n_b/n,  M2 = M2ₐ + M2_b + δ²·nₐ·n_b/n.
///
/// Two guards keep the merged statistics as accurate as the in-memory two-pass ones
/// (`StandardScaler`):
/// - Each column is held scaled by a power of two (`PowerOfTwoScaling`, 2^-e with e the binade
///   of its largest |x|), so a column holding 1e200 has a finite M2; merging rescales the summary
///   with the smaller e by an exact power of two.
/// - The mean is a double-double (high + low). With a large common offset (1e8 + noise of order 1)
///   a double mean carries an error of order ulp(1e8) ≈ 1.5e-8, and δ between two block means would
///   inherit it at first order; with the low part, δ = (hᵦ − hₐ) + (lᵦ − lₐ) is accurate to a few
///   ulps of δ itself (hᵦ − hₐ is exact by Sterbenz's lemma when the means are close).
public struct ColumnMoments: Sendable, Equatable {
    /// Rows summarized.
    public private(set) var count: Int
    /// Per column: e of the scaling 2^-e the next three are held in.
    public private(set) var exponents: [Int]
    /// Per column: the mean of x·2^-e, high + low parts (|low| ≤ ulp(high)/2 after a merge).
    public private(set) var scaledMeanHigh: [Double]
    public private(set) var scaledMeanLow: [Double]
    /// Per column: Σ(x·2^-e − mean)².
    public private(set) var scaledM2: [Double]

    public var columns: Int { exponents.count }

    /// The summary of no rows (the identity of `merge`).
    public init(columns: Int) {
        count = 0
        exponents = [Int](repeating: 0, count: columns)
        scaledMeanHigh = [Double](repeating: 0, count: columns)
        scaledMeanLow = scaledMeanHigh
        scaledM2 = scaledMeanHigh
    }

    /// A summary read back from storage; nil when its parts are inconsistent (lengths differ, a
    /// negative count or M2, a non-finite part, an exponent outside the scaling's range).
    public init?(count: Int, exponents: [Int], scaledMeanHigh: [Double], scaledMeanLow: [Double], scaledM2: [Double]) {
        let p = exponents.count
        guard count >= 0, scaledMeanHigh.count == p, scaledMeanLow.count == p, scaledM2.count == p,
              exponents.allSatisfy({ (-1000...1000).contains($0) }),
              (scaledMeanHigh + scaledMeanLow + scaledM2).allSatisfy(\.isFinite),
              scaledM2.allSatisfy({ $0 >= 0 }) else { return nil }
        (self.count, self.exponents, self.scaledMeanHigh, self.scaledMeanLow, self.scaledM2) =
            (count, exponents, scaledMeanHigh, scaledMeanLow, scaledM2)
    }

    /// The summary of the rows of `block` (every column, two passes over each).
    public init(block x: Matrix) {
        self.init(columns: x.columns)
        count = x.rows
        guard x.rows > 0 else { return }
        x.elements.withUnsafeBufferPointer { e in
            for j in 0..<x.columns {
                (exponents[j], scaledMeanHigh[j], scaledMeanLow[j], scaledM2[j]) =
                    Self.summary(UnsafeBufferPointer(rebasing: e[(j * x.rows)..<((j + 1) * x.rows)]))
            }
        }
    }

    /// The summary of columns given as arrays of one length (rows of a table block, read
    /// column by column: no matrix is built for them).
    public init(columnValues: [[Double]]) {
        self.init(columns: columnValues.count)
        count = columnValues.first?.count ?? 0
        precondition(columnValues.allSatisfy { $0.count == count }, "columns of one length")
        guard count > 0 else { return }
        for (j, column) in columnValues.enumerated() {
            (exponents[j], scaledMeanHigh[j], scaledMeanLow[j], scaledM2[j]) = column.withUnsafeBufferPointer(Self.summary)
        }
    }

    /// One column's e, mean high and low parts and M2. The sums run in eight interleaved lanes
    /// (one SIMD register), added at the end: as accurate as one running sum (better, the lanes
    /// being shorter) and not bound by the latency of one chain of additions.
    static func summary(_ c: UnsafeBufferPointer<Double>) -> (Int, Double, Double, Double) {
        typealias V = SIMD8<Double>
        guard let base = c.baseAddress, !c.isEmpty else { return (0, 0, 0, 0) }
        let n = Double(c.count), whole = c.count - c.count % 8
        func lanes(_ i: Int) -> V { UnsafeRawPointer(base + i).loadUnaligned(as: V.self) }
        var largestLanes = V()
        for i in stride(from: 0, to: whole, by: 8) {
            let x = lanes(i)
            let magnitude = x.replacing(with: -x, where: x .< 0)
            largestLanes.replace(with: magnitude, where: magnitude .> largestLanes)
        }
        var largest = largestLanes.max()
        for i in whole..<c.count { largest = max(largest, c[i].magnitude) }
        let scaling = PowerOfTwoScaling(largest: largest)
        let down = scaling.down
        var sumLanes = V()
        for i in stride(from: 0, to: whole, by: 8) { sumLanes += lanes(i) * down }
        var sum = sumLanes.sum()
        for i in whole..<c.count { sum += c[i] * down }
        let high = sum / n
        // The mean of the deviations from `high` is the part of the mean that `high` rounded off.
        var deviationLanes = V(), squareLanes = V()
        for i in stride(from: 0, to: whole, by: 8) { deviationLanes += lanes(i) * down - high }
        var deviation = deviationLanes.sum()
        for i in whole..<c.count { deviation += c[i] * down - high }
        let low = deviation / n
        for i in stride(from: 0, to: whole, by: 8) {
            let d = (lanes(i) * down - high) - low
            squareLanes += d * d
        }
        var m2 = squareLanes.sum()
        for i in whole..<c.count { let d = (c[i] * down - high) - low; m2 += d * d }
        let (h, l) = twoSum(high, low)
        return (scaling.exponent, h, l, m2)
    }

    /// Folds `other` (a summary of other rows, same columns) into this one. Throws only when the
    /// total count does not fit an Int.
    public mutating func merge(_ other: ColumnMoments) throws {
        precondition(other.columns == columns, "moments of \(other.columns) columns merged into \(columns)")
        let (total, overflow) = count.addingReportingOverflow(other.count)
        guard !overflow else { throw ColumnMomentsError.countOverflow }
        guard other.count > 0 else { return }
        guard count > 0 else { self = other; return }
        let (na, nb, n) = (Double(count), Double(other.count), Double(total))
        for j in 0..<columns {
            // A common scale: the larger binade; the other side moves down by an exact power of two.
            let e = max(exponents[j], other.exponents[j])
            let (ha, la, ma) = Self.rescaled(scaledMeanHigh[j], scaledMeanLow[j], scaledM2[j], from: exponents[j], to: e)
            let (hb, lb, mb) = Self.rescaled(other.scaledMeanHigh[j], other.scaledMeanLow[j], other.scaledM2[j], from: other.exponents[j], to: e)
            let delta = (hb - ha) + (lb - la)
            // Scaled means lie in (−2, 2), so δ² < 16 and δ²·nₐn_b/n < 16·n: finite for any count.
            let m2 = ma + mb + delta * delta * (na * (nb / n))
            let (h, l) = Self.twoSum(ha, la + delta * (nb / n))
            (exponents[j], scaledMeanHigh[j], scaledMeanLow[j], scaledM2[j]) = (e, h, l, m2)
        }
        count = total
    }

    /// `self` merged with `other`.
    public func merged(with other: ColumnMoments) throws -> ColumnMoments {
        var m = self
        try m.merge(other)
        return m
    }

    /// mean(self) − mean(other) per column in plain units, from the high and low parts: accurate
    /// to a few ulps of the difference itself, where the difference of the rounded means of two
    /// blocks near 1e8 would carry an error of ulp(1e8). (Combining centered R factors of blocks
    /// stacks √nᵢ·(meanᵢ − mean) rows, Chan's δ as a row.)
    public func meanDifferences(from other: ColumnMoments) -> [Double] {
        precondition(other.columns == columns, "moments of \(other.columns) columns against \(columns)")
        return (0..<columns).map { j in
            let e = max(exponents[j], other.exponents[j])
            let (ha, la, _) = Self.rescaled(scaledMeanHigh[j], scaledMeanLow[j], 0, from: exponents[j], to: e)
            let (hb, lb, _) = Self.rescaled(other.scaledMeanHigh[j], other.scaledMeanLow[j], 0, from: other.exponents[j], to: e)
            return ((ha - hb) + (la - lb)) * PowerOfTwoScaling(exponent: e).up
        }
    }

    /// Column means (NaN for no rows).
    public var means: [Double] {
        (0..<columns).map { j in count == 0 ? .nan : (scaledMeanHigh[j] + scaledMeanLow[j]) * PowerOfTwoScaling(exponent: exponents[j]).up }
    }

    /// The exact mean minus `means` (the double it rounds to), per column: what centering at
    /// `means` leaves in a column whose spread is small beside its mean (1e8 + noise: up to
    /// ulp(1e8)/2, against a spread of order 1). Subtracting it after the mean centers to rounding.
    public var meanResiduals: [Double] {
        (0..<columns).map { j in
            guard count > 0 else { return .nan }
            return Self.twoSum(scaledMeanHigh[j], scaledMeanLow[j]).1 * PowerOfTwoScaling(exponent: exponents[j]).up
        }
    }

    /// Population standard deviations √(M2/n), as `StandardScaler`'s scale (NaN for no rows).
    public var standardDeviations: [Double] {
        (0..<columns).map { j in
            count == 0 ? .nan : (scaledM2[j] / Double(count)).squareRoot() * PowerOfTwoScaling(exponent: exponents[j]).up
        }
    }

    /// Population variances M2/n, inf only when the variance itself is beyond Double's range.
    public var variances: [Double] {
        (0..<columns).map { j in
            count == 0 ? .nan : PowerOfTwoScaling(exponent: exponents[j]).unscaleSquares(scaledM2[j] / Double(count))
        }
    }

    /// Column sums n·mean (what centering needs), inf when the sum is beyond Double's range.
    public var sums: [Double] {
        (0..<columns).map { j in
            (scaledMeanHigh[j] + scaledMeanLow[j]) * Double(count) * PowerOfTwoScaling(exponent: exponents[j]).up
        }
    }

    /// The high and low parts and M2 held at scale 2^-from, expressed at 2^-to (to ≥ from).
    static func rescaled(_ high: Double, _ low: Double, _ m2: Double, from: Int, to: Int) -> (Double, Double, Double) {
        guard from != to else { return (high, low, m2) }
        let shift = from - to
        return (scalbn(high, shift), scalbn(low, shift), scalbn(m2, 2 * shift))
    }

    /// s + t = a + b exactly (Knuth's TwoSum), s = fl(a + b).
    static func twoSum(_ a: Double, _ b: Double) -> (Double, Double) {
        let s = a + b
        let bb = s - a
        return (s, (a - (s - bb)) + (b - bb))
    }
}

public enum ColumnMomentsError: Error, Equatable, Sendable, CustomStringConvertible {
    case countOverflow
    public var description: String { "the merged row count does not fit a 64-bit integer" }
}

extension PowerOfTwoScaling {
    /// The scaling 2^-e for a known e (clamped to the range `init(largest:)` produces).
    public init(exponent: Int) {
        self.init(largest: Double(sign: .plus, exponent: max(-1000, min(1000, exponent)), significand: 1))
    }
}
