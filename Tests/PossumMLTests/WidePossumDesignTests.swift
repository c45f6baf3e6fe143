import PossumLinalg
import PossumML
import PossumOpenBLAS
import Testing

/// The transpose of the real possum design (features × rows: wide, 101 columns) through the wide
/// minimum-norm path of our solvers, against LAPACK's dgelsy and bounds from theory (c = 10):
/// - full row rank (one level of each category dropped, Pop dropped as a function of site):
///   residual ≤ c·n·ε·‖A‖_F·‖x‖ (a consistent system) and |x − x_dgelsy| ≤ 2·c·n·ε·κ·‖x‖,
///   κ₂ ≤ 3·m^1.5·(1-norm estimate of the R of Aᵀ);
/// - the design as trained on (every level: rank 17 of 20 raw, 16 standardized): the rank, and
///   the least-squares perturbation bound ‖Δx‖/‖x‖ ≤ 2·c·n·ε·κ·(2 + (κ + 1)·‖r‖/(‖A‖_F‖x‖))
///   (Higham, Thm 20.1) with κ bounded from both solvers' estimates for the rank-r part.
@Suite struct WidePossumDesignTests {
    static let c = 10.0, epsilon = Double.ulpOfOne

    @Test func fullRowRankTransposedDesign() throws {
        let design = try PossumReferenceTests.possumDesign()
        let dropped: Set<String> = ["site_1", "Pop_Vic", "Pop_other", "sex_f"]
        let kept = design.names.indices.filter { !dropped.contains(design.names[$0]) }
        let x = design.x
        var reduced = Matrix(rows: x.rows, columns: kept.count)
        for (k, j) in kept.enumerated() { for i in 0..<x.rows { reduced[i, k] = x[i, j] } }
        let z = try StandardScaler(fitting: reduced, names: kept.map { design.names[$0] }).transform(reduced)
        for (name, features) in [("raw", reduced), ("standardized", z)] {
            let a = features.transposed
            let (m, n) = (a.rows, a.columns)
            let b = Array(design.y.prefix(m))
            let oracle = try OpenBLASSolver().solveMinimumNorm(a, b, options: .init())
            let kappa = 3 * Double(m) * Double(m).squareRoot() * conditionEstimate1(upperTriangular: try OpenBLASSolver().factorize(features).r)
            let errorBound = 2 * Self.c * Double(n) * Self.epsilon * kappa * scaledNorm2(oracle.x)
            for solver in [SIMDSolver(), NaiveSolver()] as [any RankRevealingSolver] {
                let s = try solver.solveMinimumNormInRange(a, b, options: .init())
                #expect(s.rank == m && oracle.rank == m, "\(name) \(solver.name): rank \(s.rank), dgelsy \(oracle.rank)")
                let residual = scaledNorm2(compensatedResidualsReference(a, x: s.x, b: b, r: [Double](repeating: 0, count: m)).f)
                #expect(residual <= Self.c * Double(n) * Self.epsilon * a.frobeniusNorm * scaledNorm2(s.x), "\(name) \(solver.name): residual \(residual)")
                let error = scaledNorm2(zip(s.x, oracle.x).map { $0 - $1 })
                #expect(error <= errorBound, "\(name) \(solver.name): error \(error) > \(errorBound)")
            }
            // The bound can fail: x off by one part in a million breaks it.
            #expect(1e-6 * scaledNorm2(oracle.x) > errorBound, "\(name): κ bound \(errorBound) too loose to judge")
        }
    }

    @Test func rankDeficientTransposedDesign() throws {
        let design = try PossumReferenceTests.possumDesign()
        let z = try StandardScaler(fitting: design.x, names: design.names).transform(design.x)
        for (name, features, rank) in [("raw", design.x, 17), ("standardized", z, 16)] {
            let a = features.transposed
            let (m, n) = (a.rows, a.columns)
            let b = Array(design.y.prefix(m))
            let oracle = try OpenBLASSolver().solveMinimumNorm(a, b, options: .init())
            #expect(oracle.rank == rank, "\(name): dgelsy rank \(oracle.rank)")
            for solver in [SIMDSolver(), NaiveSolver()] as [any RankRevealingSolver] {
                let s = try solver.solveMinimumNormInRange(a, b, options: .init())
                #expect(s.rank == rank, "\(name) \(solver.name): rank \(s.rank)")
                let kappa = 3 * Double(m) * Double(m).squareRoot() * max(s.conditionEstimate, oracle.conditionEstimate)
                let xNorm = scaledNorm2(oracle.x)
                let amplification = 2 + (kappa + 1) * oracle.residualNorm / (a.frobeniusNorm * xNorm)
                let bound = 2 * Self.c * Double(n) * Self.epsilon * kappa * amplification * xNorm
                let error = scaledNorm2(zip(s.x, oracle.x).map { $0 - $1 })
                #expect(error <= bound, "\(name) \(solver.name): error \(error) > \(bound)")
                #expect(1e-3 * xNorm > bound, "\(name): bound \(bound) too loose to judge")
            }
        }
    }
}
