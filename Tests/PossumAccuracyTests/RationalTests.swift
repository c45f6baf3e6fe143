import BigInt
import PossumAccuracy
import PossumLinalg
import Testing

@Suite struct RationalTests {
    @Test func doublesConvertExactly() {
        // 0.1 is 3602879701896397 / 2^55 in binary64 (IEEE 754; a textbook value).
        #expect(Rational(0.1) == Rational(BigInt(3602879701896397), BigInt(1) << 55))
        #expect(Rational(-3.0) == Rational(BigInt(-3)))
        #expect(Rational(Double.leastNonzeroMagnitude) == Rational(BigInt(1), BigInt(1) << 1074))
        #expect(Rational(0.0).isZero)
    }

    @Test func arithmeticIsExact() {
        // 0.1 + 0.2 ≠ 0.3 in doubles, but the exact sum of the two doubles is what Rational gives.
        let sum = Rational(0.1) + Rational(0.2)
        #expect(sum != Rational(0.3))
        #expect(sum - Rational(0.2) == Rational(0.1))
        #expect(Rational(BigInt(1), BigInt(3)) * Rational(BigInt(3)) == .one)
        #expect(Rational(BigInt(2), BigInt(-4)) == Rational(BigInt(-1), BigInt(2)))
    }

    @Test func doubleValueRoundTrips() {
        var rng = SplitMix64(seed: 1)
        for _ in 0..<500 {
            let x = Double.random(in: -1...1, using: &rng) * Double(sign: .plus, exponent: Int.random(in: -300...300, using: &rng), significand: 1)
            #expect(Rational(x).doubleValue == x)
        }
    }
}

@Suite struct ExactLeastSquaresTests {
    /// A = [[1,0],[0,1],[1,1]], b = (1,2,4): the normal equations [[2,1],[1,2]]x = (5,6) give
    /// x = (4/3, 7/3), by hand.
    @Test func smallFullRankProblemByHand() {
        let a = Matrix(rowMajor: [[1, 0], [0, 1], [1, 1]])
        let result = ExactLeastSquares.solve(a, [1, 2, 4])
        #expect(result.rank == 2)
        #expect(result.x == [Rational(BigInt(4), BigInt(3)), Rational(BigInt(7), BigInt(3))])
    }

    /// A = [[1,2],[2,4]] (rank 1), b = (5, 10): solutions x₁ + 2x₂ = 5; the minimum-norm one is
    /// (1, 2) — the multiple of the row (1, 2) that satisfies it.
    @Test func rankDeficientGivesMinimumNorm() {
        let a = Matrix(rowMajor: [[1, 2], [2, 4]])
        let result = ExactLeastSquares.solve(a, [5, 10])
        #expect(result.rank == 1)
        #expect(result.x == [Rational(BigInt(1)), Rational(BigInt(2))])
    }

    /// Underdetermined: one equation x₁ + x₂ + x₃ = 3 → minimum norm (1, 1, 1).
    @Test func underdeterminedGivesMinimumNorm() {
        let result = ExactLeastSquares.solve(Matrix(rowMajor: [[1, 1, 1]]), [3])
        #expect(result.rank == 1)
        #expect(result.x == [Rational(BigInt(1)), Rational(BigInt(1)), Rational(BigInt(1))])
    }

    /// The fraction-free integer route (full rank) and the rational route (used for rank
    /// deficiency) are two independent exact computations: they must agree exactly.
    @Test func fullRankRouteAgreesWithRationalRoute() {
        var rng = SplitMix64(seed: 9)
        let a = Matrix.random(rows: 12, columns: 4, using: &rng)
        let b = (0..<12).map { _ in Double.random(in: -1...1, using: &rng) }
        // A duplicated column forces the rational route for the other 4 columns' solution:
        // with columns (a₀…a₃, a₃) the minimum-norm solution splits x₃ equally over the twins.
        var twin = Matrix(rows: 12, columns: 5)
        for i in 0..<12 { for j in 0..<4 { twin[i, j] = a[i, j] }; twin[i, 4] = a[i, 3] }
        let full = ExactLeastSquares.solve(a, b)
        let split = ExactLeastSquares.solve(twin, b)
        #expect(split.rank == 4)
        let half = Rational(BigInt(1), BigInt(2))
        #expect(split.x[0..<3] == full.x[0..<3])
        #expect(split.x[3] == full.x[3] * half)
        #expect(split.x[4] == full.x[3] * half)
    }
}
