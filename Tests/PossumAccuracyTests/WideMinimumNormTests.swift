import PossumAccuracy
import PossumLinalg
import PossumOpenBLAS
import Testing

/// Minimum-norm solutions of wide problems (m < n, full row rank) from every solver, judged by
/// theory rather than by agreement among themselves:
/// - residual: a backward-stable x has ‖A·x − b‖ ≤ c·n·ε·‖A‖_F·‖x‖ (computed in doubled precision);
/// - x ⟂ null(A): its distance from the row space range(Aᵀ) is ≤ c·n·ε·κ₂(A)·‖x‖ (the computed
///   orthonormal basis spans the row space of A + ΔA, at an angle ≲ ‖ΔA‖/σ_min);
/// - forward error against an independent oracle (exact rational x* = Aᵀ(AAᵀ)⁻¹b, or LAPACK's
///   dgelsy where the rational one is too slow) ≤ c·n·ε·κ₂(A)·‖x*‖ (Higham §21.2).
/// κ₂(A) is bounded from the 1-norm estimate of the R of Aᵀ = QR: κ₂ ≤ m·κ₁ and the estimator is
/// within a factor 3, times √m for the row equilibration (van der Sluis). c = 10.
/// The API is `Double` only (the rank-revealing solvers are), so there is no `Float` variant.
@Suite struct WideMinimumNormTests {
    enum Oracle { case exact, dgelsy }

    /// (rows, columns, oracle): the shapes; 17 × 104 is shaped like the transpose of the
    /// possum design (intercept, one-hot site indicators, measurements in mm of different sizes).
    static let cases: [(Int, Int, Oracle)] = [(2, 20000, .exact), (3, 7, .exact), (17, 104, .exact), (50, 1000, .dgelsy)]

    static func problem(rows m: Int, columns n: Int) -> (a: Matrix, b: [Double]) {
        var rng = SplitMix64(seed: UInt64(m * 100_003 + n))
        var a = Matrix.random(rows: m, columns: n, using: &rng)
        if m == 17 {
            for j in 0..<n {
                a[0, j] = 1                                              // intercept
                let site = j % 7
                for k in 1...6 { a[k, j] = k == site ? 1 : 0 }           // sites 1…6 (site 0: none)
                for k in 7..<17 { a[k, j] = Double(20 * k) * (1 + 0.1 * a[k, j]) }  // mm, ±10 %
            }
        }
        let b = (0..<m).map { _ in Double.random(in: -1...1, using: &rng) }
        return (a, b)
    }

    /// An upper bound on κ₂(A), from the R of Aᵀ (OpenBLAS, independent of the solvers judged).
    static func conditionBound(_ a: Matrix) throws -> Double {
        let r = try OpenBLASSolver().factorize(a.transposed).r
        let m = Double(a.rows)
        return 3 * m * m.squareRoot() * conditionEstimate1(upperTriangular: r)
    }

    /// The broken bounds for x (empty when x passes); `reference` is the oracle's x*.
    static func violations(_ x: [Double], _ a: Matrix, _ b: [Double], reference: [Double], kappa: Double, oracleFactor: Double) throws -> [String] {
        let (m, n) = (a.rows, a.columns)
        let epsilon = Double.ulpOfOne
        let c = 10.0
        var found: [String] = []
        let xNorm = scaledNorm2(x)
        let residual = scaledNorm2(compensatedResidualsReference(a, x: x, b: b, r: [Double](repeating: 0, count: m)).f)
        let residualBound = c * Double(n) * epsilon * a.frobeniusNorm * xNorm
        if !(residual <= residualBound) { found.append("residual \(residual) > \(residualBound)") }
        // Distance of x from range(Aᵀ): the residual of min‖Aᵀy − x‖ (LAPACK dgels, doubled-precision residual).
        let t = a.transposed
        let y = try OpenBLASSolver().solve(t, x).x
        let distance = scaledNorm2(compensatedResidualsReference(t, x: y, b: x, r: [Double](repeating: 0, count: n)).f)
        let distanceBound = c * Double(n) * epsilon * kappa * xNorm
        if !(distance <= distanceBound) { found.append("distance from the row space \(distance) > \(distanceBound)") }
        let error = scaledNorm2(zip(x, reference).map { $0 - $1 })
        let errorBound = oracleFactor * c * Double(n) * epsilon * kappa * scaledNorm2(reference)
        if !(error <= errorBound) { found.append("error vs oracle \(error) > \(errorBound)") }
        return found
    }

    @Test(arguments: cases)
    func everySolverMeetsTheBounds(shape: (rows: Int, columns: Int, oracle: Oracle)) throws {
        let (a, b) = Self.problem(rows: shape.rows, columns: shape.columns)
        let kappa = try Self.conditionBound(a)
        let reference: [Double]
        let oracleFactor: Double
        switch shape.oracle {
        case .exact:
            reference = try #require(ExactLeastSquares.solveFullRowRank(a, b)).map(\.doubleValue)
            oracleFactor = 1
        case .dgelsy:
            reference = try OpenBLASSolver().solveMinimumNorm(a, b, options: .init()).x
            oracleFactor = 2  // the oracle's own error is of the same size
        }
        let solvers: [any RankRevealingSolver] = [SIMDSolver(), NaiveSolver(), OpenBLASSolver()]
        for solver in solvers {
            let s = try solver.solveMinimumNormInRange(a, b, options: .init())
            #expect(s.rank == shape.rows, "\(solver.name)")
            let broken = try Self.violations(s.x, a, b, reference: reference, kappa: kappa, oracleFactor: oracleFactor)
            #expect(broken.isEmpty, "\(solver.name) \(shape.rows)×\(shape.columns): \(broken)")
        }
        // The checks can fail: a 1e-6 relative error breaks the residual and oracle bounds, a
        // null-space component of 1e-6·‖x‖ (A·x unchanged) breaks the row-space and oracle bounds.
        let scaled = reference.map { $0 * (1 + 1e-6) }
        let scaledBroken = try Self.violations(scaled, a, b, reference: reference, kappa: kappa, oracleFactor: oracleFactor)
        #expect(scaledBroken.contains { $0.hasPrefix("residual") } && scaledBroken.contains { $0.hasPrefix("error") })
        let t = a.transposed
        let last = (0..<shape.columns).map { $0 == shape.columns - 1 ? 1.0 : 0 }
        let projected = t.multiplied(by: try OpenBLASSolver().solve(t, last).x)
        let nullVector = zip(last, projected).map { $0 - $1 }
        let size = 1e-6 * scaledNorm2(reference) / scaledNorm2(nullVector)
        let tilted = zip(reference, nullVector).map { $0 + size * $1 }
        let tiltedBroken = try Self.violations(tilted, a, b, reference: reference, kappa: kappa, oracleFactor: oracleFactor)
        #expect(tiltedBroken.contains { $0.hasPrefix("distance") } && tiltedBroken.contains { $0.hasPrefix("error") }
                && !tiltedBroken.contains { $0.hasPrefix("residual") }, "\(tiltedBroken)")
    }

    /// Entries of 1e308, 1e300 and 1e-300 in one problem (wide, tall, and tall with a column
    /// whose 2-norm overflows), against the exact rational solution: normwise relative error
    /// ≤ c·n·ε·κ, κ bounded from the solver's 1-norm estimate (3·n^1.5·estimate). Normwise only:
    /// a backward-stable solution promises no more for small entries (x₁ = 1e-8 beside x₃ = 1
    /// in the wide case keeps about 8 digits in every solver, dgelsy included).
    @Test func extremeMagnitudesMatchTheExactSolution() throws {
        let wide = Matrix(rowMajor: [[1e300, 1e-300, 1e308], [-1e308, 5, 1e-300]])
        let wideB = [1e308, -1e300]
        let tall = Matrix(rowMajor: [[1e300, 2], [3, -1e308], [1e-300, 5]])
        let overflowing = Matrix(rowMajor: [[1.7e308, 1], [1.7e308, -1], [1e-300, 3]])
        let tallB = [1e308, -1e308, 1e308]
        let cases = [(wide, wideB, try #require(ExactLeastSquares.solveFullRowRank(wide, wideB)).map(\.doubleValue)),
                     (tall, tallB, ExactLeastSquares.solve(tall, tallB).xDouble),
                     (overflowing, tallB, ExactLeastSquares.solve(overflowing, tallB).xDouble)]
        for (a, b, exact) in cases {
            let solvers: [any RankRevealingSolver] = [SIMDSolver(), NaiveSolver(), OpenBLASSolver()]
            for solver in solvers {
                let s = try solver.solveMinimumNormInRange(a, b, options: .init())
                // dgelsy decides rank without equilibrating columns: beside columns of 1.7e308,
                // [1, −1, 3] is negligible normwise and it answers rank 1 (LAPACK's semantics).
                if solver.name == "openblas" && a == overflowing { #expect(s.rank == 1); continue }
                let n = Double(max(a.rows, a.columns))
                let bound = 10 * n * .ulpOfOne * 3 * n * n.squareRoot() * s.conditionEstimate
                let normwise = scaledNorm2(zip(s.x, exact).map { $0 - $1 }) / scaledNorm2(exact)
                #expect(s.rank == min(a.rows, a.columns), "\(a.rows)×\(a.columns) \(solver.name)")
                #expect(normwise <= bound, "\(a.rows)×\(a.columns) \(solver.name): \(s.x) vs \(exact)")
            }
        }
    }

    /// Rank-deficient wide A (rank r < m): the minimum-norm least-squares solution (not a
    /// solution of A·x = b, which may not exist) against the exact oracle, rank reported as r.
    @Test(arguments: [(3, 12, 2), (5, 11, 3), (4, 9, 1)])
    func rankDeficientWideMatchesExactOracle(shape: (rows: Int, columns: Int, rank: Int)) throws {
        var rng = SplitMix64(seed: UInt64(shape.rows * 7 + shape.columns))
        let (a, b) = exactRankIntegerProblem(rows: shape.rows, columns: shape.columns, rank: shape.rank, using: &rng)
        let exact = ExactLeastSquares.solve(a, b)
        #expect(exact.rank == shape.rank)
        let solvers: [any RankRevealingSolver] = [SIMDSolver(), NaiveSolver(), OpenBLASSolver()]
        for solver in solvers {
            let s = try solver.solveMinimumNormInRange(a, b, options: .init())
            #expect(s.rank == shape.rank, "\(solver.name)")
            // Small-integer factors: κ of the rank-r part is below 1e4; 1e-9·‖x*‖ leaves a wide margin.
            let error = scaledNorm2(zip(s.x, exact.xDouble).map { $0 - $1 })
            #expect(error <= 1e-9 * scaledNorm2(exact.xDouble), "\(solver.name): error \(error)")
        }
    }
}
