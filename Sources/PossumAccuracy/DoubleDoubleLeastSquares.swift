import Foundation
import PossumLinalg

/// min‖A·x − b‖₂ for full-column-rank A by Householder QR of [A | b] in double-double arithmetic:
/// the oracle where the exact rational one is too slow (n ≳ 20 with many rows).
///
/// Accuracy: Householder QR is backward stable in any precision (Higham Thm 19.4), so the
/// computed x is the exact solution of a problem perturbed by c·m·n·u relative, u ≈ 5e-32, and
/// its error is about c·m·n·u·(κ + κ²·‖r‖/(‖A‖‖x‖)) relative — below 1e-20 for the study's
/// problems with κ ≤ 1e8, so LRE up to the cap of 15.9 is measured correctly. The test suite
/// checks it against the rational oracle.
public enum DoubleDoubleLeastSquares {
    public static func solve(_ a: Matrix, _ b: [Double]) -> [DoubleDouble] {
        let (m, n) = (a.rows, a.columns)
        precondition(m >= n && b.count == m, "needs m ≥ n and one b per row")
        // Column-major [A | b].
        var c = (0..<n).flatMap { j in (0..<m).map { DoubleDouble(a[$0, j]) } } + b.map(DoubleDouble.init)
        for k in 0..<n {
            let base = k * m
            var norm2 = DoubleDouble.zero
            for i in k..<m { norm2 = norm2 + c[base + i] * c[base + i] }
            let norm = norm2.squareRoot()
            guard norm.hi != 0 else { continue }
            // β = −sign(α)·‖x‖ so that v₀ = α − β never cancels; H = I − 2·v·vᵀ/(vᵀv).
            let alpha = c[base + k]
            let beta = alpha.hi >= 0 ? -norm : norm
            c[base + k] = alpha - beta
            var vv = DoubleDouble.zero
            for i in k..<m { vv = vv + c[base + i] * c[base + i] }
            for j in (k + 1)...n {
                let col = j * m
                var w = DoubleDouble.zero
                for i in k..<m { w = w + c[base + i] * c[col + i] }
                let f = (w + w) / vv
                for i in k..<m { c[col + i] = c[col + i] - f * c[base + i] }
            }
            c[base + k] = beta
        }
        // R·x = (Qᵀb)[0..<n].
        var x = (0..<n).map { c[n * m + $0] }
        for j in stride(from: n - 1, through: 0, by: -1) {
            x[j] = x[j] / c[j * m + j]
            for i in 0..<j { x[i] = x[i] - c[j * m + i] * x[j] }
        }
        return x
    }
}

/// LRE of a computed double against a double-double reference (same cap and floor as the
/// rational version).
public func logRelativeError(_ computed: Double, reference: DoubleDouble) -> Double {
    guard computed.isFinite else { return 0 }
    let error = (DoubleDouble(computed) - reference).magnitude.hi
    if error == 0 { return 15.9 }
    let relative = reference.hi == 0 ? error : error / abs(reference.hi)
    return min(15.9, max(0, -log10(relative)))
}

/// Minimum LRE against a double-double reference.
public func minimumLogRelativeError(_ computed: [Double], reference: [DoubleDouble]) -> Double {
    precondition(computed.count == reference.count, "vectors must have equal length")
    return zip(computed, reference).map { logRelativeError($0, reference: $1) }.min() ?? 15.9
}
