import PossumLinalg
import PossumOpenBLAS

/// One solver's result on one corpus problem.
public struct AccuracyResult: Sendable {
    public var problem: String
    public var solver: String
    /// Minimum LRE over the coefficients (0 when the solver failed or returned non-finite).
    public var lre: Double
    public var rank: Int?
    public var conditionEstimate: Double?
    public var failure: String?
}

/// The solver configurations the accuracy table compares.
public enum AccuracySolver: String, CaseIterable, Sendable {
    case simd, simdRefined = "simd+refine", naive, dgels, dgelsy

    func solve(_ p: AccuracyProblem) throws -> (x: [Double], rank: Int?, cond: Double?) {
        switch self {
        case .simd, .simdRefined, .naive, .dgelsy:
            let solver: any RankRevealingSolver
            switch self {
            case .naive: solver = NaiveSolver()
            case .dgelsy: solver = OpenBLASSolver()
            default: solver = SIMDSolver(threads: 1)  // the same table on every machine
            }
            let s = try solver.solveMinimumNorm(p.a, p.b, options: RankRevealingOptions(refine: self == .simdRefined))
            return (s.x, s.rank, s.conditionEstimate)
        case .dgels:
            return (try OpenBLASSolver().dgels(p.a, p.b), nil, nil)
        }
    }
}

public enum AccuracyReport {
    /// Solves every problem with every solver and scores it against the exact rational solution.
    public static func run(_ problems: [AccuracyProblem] = AccuracyCorpus.all(),
                           solvers: [AccuracySolver] = AccuracySolver.allCases,
                           progress: (String) -> Void = { _ in }) -> (results: [AccuracyResult], exactRanks: [String: Int]) {
        var results: [AccuracyResult] = []
        var ranks: [String: Int] = [:]
        for p in problems {
            progress(p.name)
            let exact = ExactLeastSquares.solve(p.a, p.b)
            ranks[p.name] = exact.rank
            for s in solvers {
                do {
                    let (x, rank, cond) = try s.solve(p)
                    results.append(AccuracyResult(problem: p.name, solver: s.rawValue,
                                                  lre: minimumLogRelativeError(x, exact: exact.x),
                                                  rank: rank, conditionEstimate: cond, failure: nil))
                } catch {
                    results.append(AccuracyResult(problem: p.name, solver: s.rawValue, lre: 0, rank: nil,
                                                  conditionEstimate: nil, failure: "\(error)"))
                }
            }
        }
        return (results, ranks)
    }
}
