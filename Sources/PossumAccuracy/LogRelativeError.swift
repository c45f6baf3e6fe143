import Foundation

/// The log relative error of NIST's StRD evaluations: LRE = −log10(|x − x*| / |x*|), the number
/// of correct significant digits, capped at 15.9 (about what a double can hold) and floored at 0.
/// When x* = 0 the absolute error is used instead.
public func logRelativeError(_ computed: Double, exact: Double) -> Double {
    guard computed.isFinite else { return 0 }
    let error = abs(computed - exact)
    if error == 0 { return 15.9 }
    let relative = exact == 0 ? error : error / abs(exact)
    return min(15.9, max(0, -log10(relative)))
}

/// The minimum LRE over the components, the figure NIST's tables report.
public func minimumLogRelativeError(_ computed: [Double], exact: [Double]) -> Double {
    precondition(computed.count == exact.count, "vectors must have equal length")
    return zip(computed, exact).map { logRelativeError($0, exact: $1) }.min() ?? 15.9
}

/// LRE of a computed double against an exact rational, with the error itself computed exactly.
public func logRelativeError(_ computed: Double, exact: Rational) -> Double {
    guard computed.isFinite else { return 0 }
    let error = Rational(computed) - exact
    if error.isZero { return 15.9 }
    let relative = exact.isZero ? error : error / exact
    return min(15.9, max(0, -log10(abs(relative.doubleValue))))
}

/// Minimum LRE against exact rationals.
public func minimumLogRelativeError(_ computed: [Double], exact: [Rational]) -> Double {
    precondition(computed.count == exact.count, "vectors must have equal length")
    return zip(computed, exact).map { logRelativeError($0, exact: $1) }.min() ?? 15.9
}
