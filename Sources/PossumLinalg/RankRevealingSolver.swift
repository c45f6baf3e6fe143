/// A solver that can also answer rank-deficient and underdetermined problems, with the
/// minimum-norm solution, the numerical rank, and a condition estimate.
public protocol RankRevealingSolver: LeastSquaresSolver {
    func solveMinimumNorm(_ a: Matrix, _ b: [Double], options: RankRevealingOptions) throws -> RankRevealingSolution
}

extension SIMDSolver: RankRevealingSolver {
    public func solveMinimumNorm(_ a: Matrix, _ b: [Double], options: RankRevealingOptions) throws -> RankRevealingSolution {
        try PivotedHouseholderQR<CompensatedSIMDKernels>(factoring: a).minimumNormSolution(a, b, options: options)
    }
}

extension NaiveSolver: RankRevealingSolver {
    public func solveMinimumNorm(_ a: Matrix, _ b: [Double], options: RankRevealingOptions) throws -> RankRevealingSolution {
        try PivotedHouseholderQR<ScalarKernels>(factoring: a).minimumNormSolution(a, b, options: options)
    }
}
