import PossumLinalg
import PossumProgress

/// The two passes of `RidgeCV.fit` over the rows of X, block by block.
extension RidgeCV {
    /// Copies rows start..<start+count of X into `block` (column-major, leading dimension
    /// `count`), centered: x_ij − mean_j.
    static func centeredBlock(_ x: Matrix, means: [Double], start: Int, count: Int, into block: UnsafeMutablePointer<Double>) {
        let (n, p) = (x.rows, x.columns)
        x.elements.withUnsafeBufferPointer { e in
            for j in 0..<p {
                let source = e.baseAddress! + j * n + start, target = block + j * count, m = means[j]
                for i in 0..<count { target[i] = source[i] - m }
            }
        }
    }

    /// R₀ and c₀ = (Q₀ᵀy_c)[0..<p] of X_c = Q₀·R₀, without X_c: the triangular factor of
    /// [X_c | y_c] is built up block by block ("flat-tree" TSQR, Demmel et al. 2012): with R the
    /// (p+1) × (p+1) triangle of the rows so far, [R; B] = Q·R' for the next centered block B
    /// (through `solver`), R ← R'. Each step is an orthogonal transformation of the rows, so the
    /// final R is the R factor of all of [X_c | y_c] (up to the signs of its rows, which nothing
    /// downstream depends on) and is as backward stable as one Householder QR of the whole
    /// (Mori, Yamamoto, Zhang 2012). Its leading p × p block is R₀; its last column's top p
    /// entries are Q₀ᵀy_c, as one QR of [X_c | y_c] applies Q₀ᵀ to y_c.
    ///
    /// The first block has at least p + 1 rows (all n if n is smaller), so every stacked matrix
    /// is at least as tall as it is wide — a QR the solver accepts — whatever p is.
    static func centeredTriangle(_ x: Matrix, means: [Double], yc: [Double], solver: some LeastSquaresSolver,
                                 blockRows: Int = RidgeCV.blockRows,
                                 progress: any ProgressReporter = SilentProgress()) throws -> (r0: Matrix, c0: [Double]) {
        let p = x.columns
        let full = try triangle(x, means: means, yc: yc, solver: solver, blockRows: blockRows, progress: progress)
        return (full.submatrix(rows: 0..<p, columns: 0..<p), (0..<p).map { full[$0, p] })
    }

    /// The whole (p+1) × (p+1) triangle of [X_c | y_c] that `centeredTriangle` slices; its corner
    /// |r_pp| is the residual norm (`RowBlockTriangle` keeps it).
    /// `initial`, when given, is the triangle of rows before these (a stream of blocks continues
    /// the same flat tree); progress then counts this block's rows from `progressOffset`.
    static func triangle(_ x: Matrix, means: [Double], yc: [Double], solver: some LeastSquaresSolver,
                         blockRows: Int = RidgeCV.blockRows, initial: Matrix? = nil, progressOffset: Int = 0,
                         progress: any ProgressReporter = SilentProgress()) throws -> Matrix {
        let (n, p) = (x.rows, x.columns)
        let width = p + 1
        var r: Matrix? = initial
        var start = 0
        while start < n {
            let count = min(r == nil ? max(blockRows, width) : blockRows, n - start)
            let top = r?.rows ?? 0
            // [R; B | y_c block], column-major.
            var stacked = Matrix(rows: top + count, columns: width)
            stacked.elements.withUnsafeMutableBufferPointer { s in
                let base = s.baseAddress!, ld = top + count
                if let r {
                    for j in 0..<width { for i in 0...j { base[i + j * ld] = r[i, j] } }
                }
                x.elements.withUnsafeBufferPointer { e in
                    for j in 0..<p {
                        let source = e.baseAddress! + j * n + start, target = base + j * ld + top, m = means[j]
                        for i in 0..<count { target[i] = source[i] - m }
                    }
                }
                for i in 0..<count { base[p * ld + top + i] = yc[start + i] }
            }
            r = try solver.factorize(stacked).r
            start += count
            progress.update(completed: progressOffset + start)
        }
        guard let full = r else { throw FeatureError.tooFewRows(rows: n, features: p) }
        return full
    }

    /// For every model (w, R_α): the sum over rows of the squared LOO residual
    /// ((y_c − X_c·w)ᵢ / (1 − hᵢ))² with hᵢ = 1/n + ‖row i of X_c·R_α⁻¹‖², and the residual sum of
    /// squares Σ(y_c − X_c·w)ᵢ², in one pass over the rows of X.
    ///
    /// Z = B·R_α⁻¹ for a centered block B is column-oriented forward substitution,
    /// Z_j = (B_j − Σ_{k<j} r_kj·Z_k) / r_jj: axpys of block length on cache-resident columns.
    /// Why this is accurate: triangular substitution is backward stable (each row z solves
    /// z·(R_α + ΔR) = b with |ΔR| ≤ pε|R_α|, Higham Thm. 8.5), so the relative error of hᵢ is
    /// of order p·κ(R_α)·ε, and κ(R_α)² = κ(X_cᵀX_c + αI) ≤ 1 + σ_max(X_c)²/α is bounded by the
    /// penalty itself — even when X_c is rank-deficient (possum's one-hot design keeps every
    /// level), where X_c·R₀⁻¹ would not exist. For standardized features σ_max² ≤ n·p.
    /// Rows are summed in order, one α at a time per block, as a single loop over all n would.
    ///
    /// `totalRows` is the n of the whole fit when `x` is one block of it (the 1/n of hᵢ); the sums
    /// are then that block's share, added up over blocks by the caller.
    ///
    /// With `spectral` (R₀'s basis, `leaveOneOutBasis`, chosen when it costs fewer flops) the
    /// leverages come from it instead (`leaveOneOutErrorsSpectral`, as accurate to the same order);
    /// without, by the substitution below, which also serves the tests as the reference.
    static func leaveOneOutErrors(_ x: Matrix, means: [Double], yc: [Double], models: [(w: [Double], r: Matrix)],
                                  spectral: RidgeSpectralBasis?,
                                  blockRows: Int = RidgeCV.blockRows, totalRows: Int? = nil, progressOffset: Int = 0,
                                  progress: any ProgressReporter = SilentProgress()) -> (sse: [Double], rss: [Double]) {
        if let spectral {
            return leaveOneOutErrorsSpectral(x, means: means, yc: yc, models: models, basis: spectral, blockRows: blockRows,
                                             totalRows: totalRows, progressOffset: progressOffset, progress: progress)
        }
        let (n, p) = (x.rows, x.columns)
        let oneOverN = 1 / Double(totalRows ?? n)
        let mb = min(blockRows, n)
        var sse = [Double](repeating: 0, count: models.count)
        var rss = [Double](repeating: 0, count: models.count)
        let block = UnsafeMutablePointer<Double>.allocate(capacity: mb * p)
        let z = UnsafeMutablePointer<Double>.allocate(capacity: mb * p)
        let h = UnsafeMutablePointer<Double>.allocate(capacity: mb)
        let fitted = UnsafeMutablePointer<Double>.allocate(capacity: mb)
        defer { block.deallocate(); z.deallocate(); h.deallocate(); fitted.deallocate() }
        // Reciprocal diagonals, one multiply per element instead of a divide.
        let inverseDiagonals = models.map { m in (0..<p).map { 1 / m.r[$0, $0] } }
        var start = 0
        while start < n {
            let count = min(mb, n - start)
            centeredBlock(x, means: means, start: start, count: count, into: block)
            for (a, model) in models.enumerated() {
                for i in 0..<count { h[i] = oneOverN; fitted[i] = 0 }
                for j in 0..<p {
                    let bj = block + j * count, zj = z + j * count
                    SIMDKernels.axpy(count, model.w[j], bj, fitted)
                    zj.update(from: bj, count: count)
                    for k in 0..<j { SIMDKernels.axpy(count, -model.r[k, j], z + k * count, zj) }
                    SIMDKernels.scale(count, inverseDiagonals[a][j], zj)
                    addSquares(count, zj, into: h)
                }
                var s = sse[a], q = rss[a]
                for i in 0..<count {
                    let e = yc[start + i] - fitted[i]
                    let loo = e / (1 - h[i])
                    s += loo * loo
                    q += e * e
                }
                (sse[a], rss[a]) = (s, q)
            }
            start += count
            progress.update(completed: progressOffset + start)
        }
        return (sse, rss)
    }

    /// h += t ⊙ t, eight at a time (t and h are distinct buffers).
    @inline(__always)
    static func addSquares(_ count: Int, _ t: UnsafePointer<Double>, into h: UnsafeMutablePointer<Double>) {
        var i = 0
        while i + 8 <= count {
            let tv = UnsafeRawPointer(t + i).loadUnaligned(as: SIMD8<Double>.self)
            let hv = UnsafeRawPointer(h + i).loadUnaligned(as: SIMD8<Double>.self)
            UnsafeMutableRawPointer(h + i).storeBytes(of: hv.addingProduct(tv, tv), as: SIMD8<Double>.self)
            i += 8
        }
        while i < count { h[i] += t[i] * t[i]; i += 1 }
    }
}
