import Foundation

/// Sums of squares without overflow or underflow, by power-of-two scaling.
///
/// Values are multiplied by 2^-e, e the binade of the largest magnitude, so they lie within
/// (−2, 2) and their squares and sums stay finite for any practical count. Multiplying by a power
/// of two is exact (outside the subnormal range), and rounding commutes with it, so on ordinary
/// data every result is bit for bit what the plain formula gives; only data whose plain sums
/// would overflow (or vanish) gets a different — now finite — answer.
public struct PowerOfTwoScaling: Sendable, Equatable {
    /// e, clamped so that 2^e and 2^-e are both normal doubles.
    public let exponent: Int

    /// The scaling for values whose largest magnitude is `largest` (identity for 0 or non-finite).
    public init(largest: Double) {
        exponent = largest.isFinite && largest > 0 ? max(-1000, min(1000, largest.exponent)) : 0
    }

    /// 2^-e: multiply a value by it to bring it near 1.
    public var down: Double { Double(sign: .plus, exponent: -exponent, significand: 1) }
    /// 2^e: multiply a scaled result by it to undo the scaling (scalbn for squares: see below).
    public var up: Double { Double(sign: .plus, exponent: exponent, significand: 1) }

    /// `scaledSquares` (a sum of squares of scaled values) back in the values' units, without an
    /// intermediate 2^(2e) that could overflow on its own: inf only when the result is.
    public func unscaleSquares(_ scaledSquares: Double) -> Double { scalbn(scaledSquares, 2 * exponent) }
}

/// √(Σ(tᵢ − pᵢ)²/n): finite for any finite values whose true RMSE is representable (the plain
/// formula overflows once a difference passes ~1e154, or a difference itself overflows). NaN for
/// no values.
public func rootMeanSquareError(truth: [Double], predicted: [Double]) -> Double {
    let scaling = PowerOfTwoScaling(largest: max(largestMagnitude(truth), largestMagnitude(predicted)))
    return (scaledResidualSquares(truth, predicted, scaling) / Double(truth.count)).squareRoot() * scaling.up
}

/// R² = 1 − Σ(tᵢ − pᵢ)² / Σ(tᵢ − t̄)², each sum of squares computed scaled, so finite data cannot
/// make it NaN through inf/inf. A constant truth has no variance to explain: then R² is 1 for a
/// perfect prediction and 0 otherwise, scikit-learn's `r2_score(force_finite=True)` rule.
public func coefficientOfDetermination(truth: [Double], predicted: [Double]) -> Double {
    let truthScaling = PowerOfTwoScaling(largest: largestMagnitude(truth))
    let down = truthScaling.down
    let scaledTruth = truth.map { $0 * down }
    let mean = scaledTruth.reduce(0, +) / Double(truth.count)
    let totalScaled = scaledTruth.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
    // Predictions can be far outside the truth's range (a bad model): residuals get their own scale.
    let residualScaling = PowerOfTwoScaling(largest: max(largestMagnitude(truth), largestMagnitude(predicted)))
    let residualScaled = scaledResidualSquares(truth, predicted, residualScaling)
    guard totalScaled > 0 else { return residualScaled == 0 ? 1 : 0 }
    // (Σr²·2^-2a)/(Σd²·2^-2b) · 2^(2a−2b): the ratio of the plain sums, bit for bit when they are finite.
    return 1 - scalbn(residualScaled / totalScaled, 2 * (residualScaling.exponent - truthScaling.exponent))
}

func largestMagnitude(_ values: [Double]) -> Double { values.reduce(0) { max($0, $1.magnitude) } }

/// Σ(tᵢ·2^-e − pᵢ·2^-e)²: the scaled differences cannot overflow where tᵢ − pᵢ would.
func scaledResidualSquares(_ truth: [Double], _ predicted: [Double], _ scaling: PowerOfTwoScaling) -> Double {
    precondition(truth.count == predicted.count, "one prediction per true value")
    let down = scaling.down
    return zip(truth, predicted).reduce(0) { s, pair in let r = pair.0 * down - pair.1 * down; return s + r * r }
}
