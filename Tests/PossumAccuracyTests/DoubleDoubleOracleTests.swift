import PossumAccuracy
import PossumLinalg
import Testing

/// The double-double oracle (used by `possum accuracy --trials` where the rational one is too
/// slow) against the exact rational oracle.
@Suite struct DoubleDoubleOracleTests {
    /// Its error is about c·m·n·u·κ·(1 + κ·‖r‖/(‖A‖‖x‖)) relative, u ≈ 5e-32 (Householder QR is
    /// backward stable in any precision; column scaling does not enter, so κ is that of the
    /// equilibrated A, ≤ 1e8 here): with c = 10, below 1e-18 for these problems. We require
    /// 1e-18 per component, 100× below a double's half-ulp, so an LRE measured against it up to
    /// the cap of 15.9 is the LRE against the exact solution. The error is computed exactly.
    @Test(arguments: ["tall-random", "square-random", "longley-like", "poly-deg6", "graded-1e±8", "kahan-16", "int-consistent"])
    func agreesWithExactSolutionOnCorpus(name: String) {
        let p = AccuracyCorpus.all().first { $0.name == name }!
        check(p)
    }

    @Test(arguments: 0..<3)
    func agreesWithExactSolutionOnConditionedProblems(seed: UInt64) {
        check(AccuracyFamily.conditioned(rows: 104, columns: 17, log10Condition: 8).make(seed))
    }

    func check(_ p: AccuracyProblem) {
        let exact = ExactLeastSquares.solve(p.a, p.b).x
        let dd = DoubleDoubleLeastSquares.solve(p.a, p.b)
        for (j, (x, e)) in zip(dd, exact).enumerated() {
            let error = Rational(x.hi) + Rational(x.lo) - e
            let bound = Rational(1e-18) * (e.isZero ? Rational.one : e)
            #expect(abs(error.doubleValue) <= abs(bound.doubleValue), "\(p.name) x[\(j)]: error \(error.doubleValue), x* \(e.doubleValue)")
        }
    }

    /// The arithmetic itself: (1 + 2⁻⁶⁰)² and its square root, exact in double-double.
    @Test func arithmeticKeepsTheLowWord() {
        let tiny = Double(sign: .plus, exponent: -60, significand: 1)
        let x = DoubleDouble(1) + DoubleDouble(tiny)
        #expect(x.hi == 1 && x.lo == tiny)
        let square = x * x
        #expect(square.hi == 1 && square.lo == 2 * tiny)  // 2⁻¹²⁰ is below the low word's ulp
        let root = square.squareRoot()
        #expect(root.hi == 1 && abs(root.lo - tiny) <= tiny * 1e-15)
        let quotient = DoubleDouble(1) / DoubleDouble(3)
        #expect(abs(((quotient * DoubleDouble(3)) - DoubleDouble(1)).hi) <= 1e-31)
    }
}
