import PossumLinalg
import PossumOpenBLAS
import Testing

@Suite struct LeastSquaresTests {
    /// An exact oracle: integer A and integer x*, b = A·x* computed exactly (all values are small
    /// integers, so every product and sum is exact in binary). The system is consistent, so the
    /// least-squares solution is x* and the forward error is bounded by ~κ(A)·n·ε.
    @Test func consistentIntegerSystemRecoversExactSolution() throws {
        var rng = SplitMix64(seed: 2024)
        let (m, n) = (40, 9)
        let a = Matrix(rows: m, columns: n,
                       columnMajor: (0..<(m * n)).map { _ in Double(Int.random(in: -9...9, using: &rng)) })
        let xStar = (0..<n).map { _ in Double(Int.random(in: -20...20, using: &rng)) }
        let b = a.multiplied(by: xStar)  // exact: |entries| ≤ 9·20·9 ≪ 2⁵³
        for solver in allSolvers {
            let solution = try solver.solve(a, b)
            for k in 0..<n {
                #expect(abs(solution.x[k] - xStar[k]) <= 1e-11 * 20, "\(solver.name) x[\(k)]")
            }
            #expect(solution.residualNorm <= 1e-11 * scaledNorm2(b))
        }
    }

    /// The least-squares residual r = b − Ax is orthogonal to range(A): for a backward-stable
    /// solver ‖Aᵀr‖ ≤ c·m·ε·‖A‖·(‖A‖·‖x‖ + ‖b‖); we take c = 10.
    @Test(arguments: Problem.allCases)
    func residualIsOrthogonalToRange(problem: Problem) throws {
        let a = problem.matrix
        var rng = SplitMix64(seed: 77)
        let b = (0..<a.rows).map { _ in Double.random(in: -1...1, using: &rng) }
        let aNorm = a.frobeniusNorm
        for solver in allSolvers {
            let x = try solver.solve(a, b).x
            let ax = a.multiplied(by: x)
            let r = zip(b, ax).map { $0 - $1 }
            let atr = scaledNorm2(a.transposed.multiplied(by: r))
            let bound = 10 * Double(a.rows) * .ulpOfOne * aNorm * (aNorm * scaledNorm2(x) + scaledNorm2(b))
            #expect(atr <= bound, "\(solver.name): ‖Aᵀr‖ = \(atr), bound \(bound)")
        }
    }

    /// All three backends give the same x on well-conditioned problems (forward error ≲ κ·ε
    /// each; κ ≤ ~1e2 here), and the same residual norm.
    @Test(arguments: [Problem.random, .tallSkinny, .square, .oneColumn, .oneRowMore])
    func solversAgree(problem: Problem) throws {
        let a = problem.matrix
        var rng = SplitMix64(seed: 3)
        let b = (0..<a.rows).map { _ in Double.random(in: -1...1, using: &rng) }
        let reference = try OpenBLASSolver().solve(a, b)
        let viaDgels = try OpenBLASSolver().dgels(a, b)
        let xNorm = scaledNorm2(reference.x)
        for solver in allSolvers {
            let s = try solver.solve(a, b)
            for k in 0..<a.columns {
                #expect(abs(s.x[k] - reference.x[k]) <= 1e-12 * xNorm, "\(solver.name) x[\(k)]")
                #expect(abs(viaDgels[k] - reference.x[k]) <= 1e-12 * xNorm, "dgels x[\(k)]")
            }
            #expect(abs(s.residualNorm - reference.residualNorm) <= 1e-12 * scaledNorm2(b))
        }
    }

    @Test func rankDeficientMatrixIsRefusedNamingTheColumn() throws {
        var rng = SplitMix64(seed: 11)
        var a = Matrix.random(rows: 30, columns: 5, using: &rng)
        for i in 0..<30 { a[i, 3] = 2 * a[i, 0] - a[i, 1] }  // column 4 = 2·col 1 − col 2
        let b = [Double](repeating: 1, count: 30)
        for solver in allSolvers {
            #expect(throws: LinalgError.self) { try solver.solve(a, b) }
            do {
                _ = try solver.solve(a, b)
            } catch let LinalgError.rankDeficient(column, _) {
                #expect(column == 3, "\(solver.name) named column \(column + 1)")
            }
        }
    }

    @Test func zeroColumnAndZeroMatrixAreRankDeficient() throws {
        var rng = SplitMix64(seed: 12)
        var a = Matrix.random(rows: 10, columns: 3, using: &rng)
        for i in 0..<10 { a[i, 1] = 0 }
        let b = [Double](repeating: 1, count: 10)
        for solver in allSolvers {
            #expect(throws: LinalgError.rankDeficient(column: 1, ratio: 0)) { try solver.solve(a, b) }
            #expect(throws: LinalgError.rankDeficient(column: 0, ratio: 0)) {
                try solver.solve(Matrix(rows: 4, columns: 2), [1, 2, 3, 4])
            }
        }
    }

    @Test func badShapesAndValuesAreRefusedWithTheirPosition() throws {
        let good = Matrix(rowMajor: [[1, 2], [3, 4], [5, 7]])
        for solver in allSolvers {
            #expect(throws: LinalgError.underdetermined(rows: 2, columns: 3)) {
                try solver.solve(Matrix(rowMajor: [[1, 2, 3], [4, 5, 6]]), [1, 2])
            }
            #expect(throws: LinalgError.shapeMismatch("b has 2 entries, A has 3 rows")) {
                try solver.solve(good, [1, 2])
            }
            var withNaN = good
            withNaN[2, 1] = .nan
            #expect(throws: LinalgError.nonFinite(operand: "A", row: 2, column: 1)) {
                try solver.solve(withNaN, [1, 2, 3])
            }
            #expect(throws: LinalgError.nonFinite(operand: "b", row: 1, column: 0)) {
                try solver.solve(good, [1, .infinity, 3])
            }
        }
        #expect(LinalgError.nonFinite(operand: "A", row: 2, column: 1).description
                == "A has a non-finite value at row 3, column 2")
    }
}
