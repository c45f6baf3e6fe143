import PossumAccuracy
import PossumLinalg
import PossumOpenBLAS
import Testing

@Suite struct PivotedQRTests {
    /// A·D·P = Q·R with backward error ≤ 10·n·ε·‖A·D‖ (as for unpivoted QR), and the pivoting
    /// invariant: |r_kk| ≥ ‖R[k..., j]‖ for j > k, so the diagonal is non-increasing.
    @Test(arguments: [(40, 7), (7, 7), (9, 13), (50, 1)])
    func factorizationIsBackwardStableAndOrdered(shape: (rows: Int, columns: Int)) throws {
        var rng = SplitMix64(seed: UInt64(shape.rows * 31 + shape.columns))
        let a = Matrix.random(rows: shape.rows, columns: shape.columns, using: &rng)
        let qr = try PivotedHouseholderQR<CompensatedSIMDKernels>(factoring: a)
        let k = min(shape.rows, shape.columns)
        // Rebuild A·D·P column by column from Q·R: Q·R[:, j] = Q·[R[0..<k, j]; 0].
        var scaled = Matrix(rows: a.rows, columns: a.columns)
        for j in 0..<a.columns {
            let source = qr.permutation[j]
            for i in 0..<a.rows { scaled[i, j] = a[i, source] * qr.columnScale[j] }
        }
        let r = qr.r(rank: k)
        var worst = 0.0
        for j in 0..<a.columns {
            let column = qr.applyQ((0..<a.rows).map { $0 < k ? r[$0, j] : 0 })
            for i in 0..<a.rows { worst = max(worst, abs(column[i] - scaled[i, j])) }
        }
        #expect(worst <= 10 * Double(a.columns) * .ulpOfOne * scaled.frobeniusNorm)
        let d = qr.diagonal.map(abs)
        for i in 1..<max(1, d.count) { #expect(d[i] <= d[i - 1] * (1 + 1e-12), "diagonal not ordered at \(i)") }
        #expect(Set(qr.permutation) == Set(0..<a.columns))
    }

    @Test func exactDependenciesGiveTheExactRank() throws {
        for problem in AccuracyCorpus.all() where problem.exactRank != nil {
            let qr = try PivotedHouseholderQR<CompensatedSIMDKernels>(factoring: problem.a)
            #expect(qr.rank() == problem.exactRank, "\(problem.name)")
        }
        // A zero matrix has rank 0 and the minimum-norm solution 0.
        let zero = try SIMDSolver().solveMinimumNorm(Matrix(rows: 5, columns: 3), [1, 2, 3, 4, 5], options: .init())
        #expect(zero.rank == 0)
        #expect(zero.x == [0, 0, 0])
    }

    /// Minimum-norm solutions of rank-deficient and underdetermined problems against the exact
    /// oracle; rank agrees with the exact rank.
    @Test(arguments: [(20, 6, 3), (6, 10, 6), (4, 9, 2), (30, 5, 5)])
    func minimumNormMatchesExactOracle(shape: (rows: Int, columns: Int, rank: Int)) throws {
        var rng = SplitMix64(seed: UInt64(shape.rows + 100 * shape.columns))
        let (a, b) = exactRankIntegerProblem(rows: shape.rows, columns: shape.columns, rank: shape.rank, using: &rng)
        let exact = ExactLeastSquares.solve(a, b)
        #expect(exact.rank == shape.rank)
        let solvers: [any RankRevealingSolver] = [SIMDSolver(), NaiveSolver(), OpenBLASSolver()]
        for solver in solvers {
            let s = try solver.solveMinimumNorm(a, b, options: .init())
            #expect(s.rank == shape.rank, "\(solver.name)")
            // Forward error of the minimum-norm solution ≲ κ(A)·ε·(1 + …); κ of these small
            // integer products is below 1e4, so 1e-9 relative to ‖x*‖ has a wide margin.
            let xNorm = scaledNorm2(exact.xDouble)
            for j in 0..<shape.columns {
                #expect(abs(s.x[j] - exact.xDouble[j]) <= 1e-9 * xNorm, "\(solver.name) x[\(j)]")
            }
        }
    }

    /// κ₁ estimates against κ₁ computed exactly (R⁻¹ in rational arithmetic): a lower bound,
    /// and within a factor 3 on these matrices (Higham's experience: almost always within 3).
    @Test(arguments: [4, 8, 12])
    func conditionEstimateIsATightLowerBound(n: Int) {
        let kahan = AccuracyCorpus.kahan(n: n, theta: 1.1).a
        var rng = SplitMix64(seed: UInt64(n))
        var random = Matrix.random(rows: n, columns: n, using: &rng)
        for j in 0..<n { for i in (j + 1)..<max(j + 1, n) { random[i, j] = 0 }; random[j, j] += 2 }
        for r in [kahan, random] {
            let exact = exactCondition1(r)
            let estimate = conditionEstimate1(upperTriangular: r)
            #expect(estimate <= exact * (1 + 1e-10))
            #expect(estimate >= exact / 3, "estimate \(estimate) vs exact \(exact)")
        }
    }

    /// ‖R‖₁·‖R⁻¹‖₁ with R⁻¹ by exact back substitution on the identity.
    func exactCondition1(_ r: Matrix) -> Double {
        let n = r.columns
        var inverseNorm = 0.0
        for c in 0..<n {
            var x = [Rational](repeating: .zero, count: n)
            for i in stride(from: n - 1, through: 0, by: -1) {
                var s = i == c ? Rational.one : Rational.zero
                for k in (i + 1)..<max(i + 1, n) { s = s - Rational(r[i, k]) * x[k] }
                x[i] = s / Rational(r[i, i])
            }
            inverseNorm = max(inverseNorm, x.reduce(0) { $0 + abs($1.doubleValue) })
        }
        var norm = 0.0
        for j in 0..<n { norm = max(norm, (0...j).reduce(0) { $0 + abs(r[$1, j]) }) }
        return norm * inverseNorm
    }
}

/// A = L·M with L (rows × rank) and M (rank × columns) of small integers, so A has rank `rank`
/// exactly and every entry is exact in Double; b of small integers.
func exactRankIntegerProblem(rows: Int, columns: Int, rank: Int, using rng: inout SplitMix64) -> (a: Matrix, b: [Double]) {
    let l = (0..<(rows * rank)).map { _ in Double(Int.random(in: -5...5, using: &rng)) }
    let m = (0..<(rank * columns)).map { _ in Double(Int.random(in: -5...5, using: &rng)) }
    var a = Matrix(rows: rows, columns: columns)
    for i in 0..<rows {
        for j in 0..<columns {
            a[i, j] = (0..<rank).reduce(0) { $0 + l[i * rank + $1] * m[$1 * columns + j] }
        }
    }
    let b = (0..<rows).map { _ in Double(Int.random(in: -50...50, using: &rng)) }
    return (a, b)
}
