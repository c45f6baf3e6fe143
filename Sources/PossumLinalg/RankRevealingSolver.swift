/// A solver that can also answer rank-deficient and underdetermined problems, with the
/// minimum-norm solution, the numerical rank, and a condition estimate.
public protocol RankRevealingSolver: LeastSquaresSolver {
    /// argmin ‖x‖₂ over the minimizers of ‖A·x − b‖₂ for A of any shape and rank, with the rank
    /// decided by `options.tolerance`.
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

extension RankRevealingSolver {
    /// `solveMinimumNorm` for finite data of any magnitude (1e300, 1e-300 and mixes): a b with
    /// entries above 2⁸⁹⁶ is scaled by a power of two to that size — exact, and x scales with b —
    /// so the solvers' intermediate sums (Qᵀb, A·x) keep 2¹²⁸ of headroom below overflow; A's
    /// columns (rows, when wide) are equilibrated by the solvers themselves. Ordinary data are
    /// left alone (bit-for-bit the answers of `solveMinimumNorm`), and a small b is not scaled up:
    /// beside columns near 1e308 that would push x·scale into the subnormals. An x or
    /// ‖b − A·x‖ outside Double's range is refused (`LinalgError.outOfRange`), never returned
    /// as ±∞ or NaN.
    public func solveMinimumNormInRange(_ a: Matrix, _ b: [Double], options: RankRevealingOptions) throws -> RankRevealingSolution {
        let largest = b.reduce(0.0) { max($0, abs($1)) }
        guard largest.isFinite else {
            throw LinalgError.nonFinite(operand: "b", row: b.firstIndex { !$0.isFinite } ?? 0, column: 0)
        }
        let scale = largest > 0x1p896 ? Double(sign: .plus, exponent: 896 - largest.exponent, significand: 1) : 1
        var solution = try solveMinimumNorm(a, b.map { $0 * scale }, options: options)
        // 1/scale is a power of two in [1, 2¹²⁷]: the unscaling is exact unless x leaves the range.
        let unscale = 1 / scale
        solution.x = solution.x.map { $0 * unscale }
        if let j = solution.x.firstIndex(where: { !$0.isFinite }) {
            throw LinalgError.outOfRange(operand: "x", message: "the minimum-norm solution's entry x[\(j + 1)] (column \(j + 1) of A) is beyond Double's range (±1.8e308): rescale column \(j + 1) of A or b")
        }
        solution.residualNorm *= unscale
        guard solution.residualNorm.isFinite else {
            throw LinalgError.outOfRange(operand: "residual", message: "the residual norm ‖b − A·x‖ is beyond Double's range (±1.8e308): rescale b")
        }
        return solution
    }
}
