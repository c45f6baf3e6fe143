import PossumLinalg
import PossumProgress

/// `RidgeCV.fit` for rows that arrive in blocks (read from a file in hyperslabs, or spread over
/// processes): the same three steps on sums over blocks, so nothing of size n is ever held.
///
///     var r: Matrix? = nil
///     for block in blocks { r = try ridge.continueTriangle(r, block: z, means: m, yc: yc, solver: s) }
///     let models = try ridge.path(triangle: r!, solver: s)               // the α grid, O(p³) each
///     let basis = ridge.leaveOneOutBasis(triangle: r!, totalRows: n)     // nil: substitution is cheaper
///     for block in blocks { sums.add(ridge.leaveOneOutSums(block: z, …, totalRows: n, models: models, spectral: basis)) }
///     let fit = ridge.choose(models: models, sse: sums.sse, rss: sums.rss, tss: …, rows: n, …)
///
/// Because the means are known before the second pass (from `ColumnMoments` of a first pass),
/// the blocks are centered exactly as `fit` centers the whole matrix; the triangle and the
/// sums then differ from the in-memory ones only in rounding.
extension RidgeCV {
    /// The triangle of [X_c | y_c] for the rows so far (`r`, nil before the first block)
    /// continued with `block` centered at `means` and its centered targets `yc`: the flat-tree
    /// TSQR step of `fit`. A first block shorter than p + 1 rows is stacked under a zero
    /// triangle (zero rows change no Gram matrix), so any block size works.
    public func continueTriangle(_ r: Matrix?, block x: Matrix, means: [Double], yc: [Double],
                                 solver: some LeastSquaresSolver, progressOffset: Int = 0) throws -> Matrix {
        precondition(yc.count == x.rows && means.count == x.columns, "one target per row, one mean per column")
        let width = x.columns + 1
        guard x.rows > 0 else { return r ?? Matrix(rows: width, columns: width) }
        let start = r ?? (x.rows < width ? Matrix(rows: width, columns: width) : nil)
        return try Self.triangle(x, means: means, yc: yc, solver: solver, blockRows: rowsPerBlock, initial: start,
                                 progressOffset: progressOffset, progress: progress)
    }

    /// This block's share of the per-α sums of squared LOO residuals and of squared residuals, for
    /// a fit over `totalRows` rows centered at `means` (the leverage hᵢ = 1/n + ‖row of X_c·R_α⁻¹‖²
    /// needs the whole fit's n and R_α, nothing else of the other rows). Adding the shares of
    /// blocks that partition the rows gives `fit`'s sums. `spectral` is
    /// `leaveOneOutBasis(triangle:totalRows:)` of the triangle the models came from, computed once
    /// for all blocks: the method `fit` uses for the same rows, grid and features.
    public func leaveOneOutSums(block x: Matrix, means: [Double], yc: [Double], totalRows: Int,
                                models: [(w: [Double], r: Matrix)], spectral: RidgeSpectralBasis?,
                                progressOffset: Int = 0) -> (sse: [Double], rss: [Double]) {
        precondition(yc.count == x.rows && means.count == x.columns, "one target per row, one mean per column")
        guard x.rows > 0 else {
            let zeros = [Double](repeating: 0, count: models.count)
            return (zeros, zeros)
        }
        return Self.leaveOneOutErrors(x, means: means, yc: yc, models: models, spectral: spectral, blockRows: rowsPerBlock,
                                      totalRows: totalRows, progressOffset: progressOffset, progress: progress)
    }

    /// A ridge fit with small blocks, for tests that need several blocks from few rows.
    public func withRowsPerBlock(_ rows: Int) -> RidgeCV {
        var copy = self
        copy.rowsPerBlock = max(1, rows)
        return copy
    }
}
