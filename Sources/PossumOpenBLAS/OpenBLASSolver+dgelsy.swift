import PossumLinalg

extension OpenBLASSolver: RankRevealingSolver {
    /// Minimum-norm least squares by LAPACK `dgelsy` (QR with column pivoting, then a complete
    /// orthogonal factorization). RCOND is our default tolerance max(m, n)·ε unless given.
    /// Refinement is ours, not LAPACK's: asking for it here is an error, not a silent no-op.
    public func solveMinimumNorm(_ a: Matrix, _ b: [Double], options: RankRevealingOptions) throws -> RankRevealingSolution {
        guard !options.refine else {
            throw LinalgError.backend("iterative refinement is implemented for the simd and naive solvers only")
        }
        guard a.rows >= 1, a.columns >= 1 else { throw LinalgError.shapeMismatch("A is empty (\(a.rows)×\(a.columns))") }
        guard b.count == a.rows else { throw LinalgError.shapeMismatch("b has \(b.count) entries, A has \(a.rows) rows") }
        if let (i, j) = a.firstNonFinite() { throw LinalgError.nonFinite(operand: "A", row: i, column: j) }
        if let i = b.firstIndex(where: { !$0.isFinite }) { throw LinalgError.nonFinite(operand: "b", row: i, column: 0) }
        // LAPACK's sizes are 32-bit: a larger A is refused, not truncated or trapped on.
        guard var m = Int32(exactly: a.rows), var n = Int32(exactly: a.columns), var ldb = Int32(exactly: max(a.rows, a.columns)) else {
            throw LinalgError.shapeMismatch("A (\(a.rows)×\(a.columns)) is too large for LAPACK's 32-bit sizes")
        }
        var nrhs: Int32 = 1, lda = m, info: Int32 = 0, rank: Int32 = 0
        // dgelsy scales A into [SMLNUM, BIGNUM] itself, but scales its R back at the end, where
        // entries near Double's largest overflow (κ would read ∞). A power of two taking max|A|
        // to [1, 2) first is exact and leaves the rank decisions alone; x is scaled back below.
        let largest = a.elements.reduce(0.0) { max($0, abs($1)) }
        let aScale = largest > 0x1p512 || (largest > 0 && largest < 0x1p-512)
            ? Double(sign: .plus, exponent: min(-largest.exponent, Double.greatestFiniteMagnitude.exponent), significand: 1) : 1
        var work = aScale == 1 ? a.elements : a.elements.map { $0 * aScale }
        var rhs = b + [Double](repeating: 0, count: max(0, a.columns - a.rows))
        var pivots = [Int32](repeating: 0, count: a.columns)
        var rcond = options.tolerance ?? Double(max(a.rows, a.columns)) * .ulpOfOne
        var lwork = Int32(-1)
        var query = 0.0
        var workspaceTooLarge = false
        try openBLAS { lib in
            lib.dgelsy(&m, &n, &nrhs, &work, &lda, &rhs, &ldb, &pivots, &rcond, &rank, &query, &lwork, &info)
            guard info == 0, let size = Int32(exactly: max(1, query.rounded(.up))) else { workspaceTooLarge = info == 0; return }
            lwork = size
            var scratch = [Double](repeating: 0, count: Int(size))
            lib.dgelsy(&m, &n, &nrhs, &work, &lda, &rhs, &ldb, &pivots, &rcond, &rank, &scratch, &lwork, &info)
        }
        if workspaceTooLarge { throw LinalgError.shapeMismatch("A (\(a.rows)×\(a.columns)) needs a LAPACK workspace beyond 32-bit sizes") }
        guard info == 0 else { throw LinalgError.backend("dgelsy: argument \(-info) had an illegal value") }
        let r = Int(rank)
        let x = rhs[0..<a.columns].map { $0 * aScale }  // (s·A)·x' = b, so x = s·x'
        // The leading r × r triangle left in A is T₁₁ = R₁₁·Zᵀ-rotated, of the same 2-norm
        // condition as R₁₁.
        var t11 = Matrix(rows: r, columns: r)
        for j in 0..<r { for i in 0...j { t11[i, j] = work[i + j * a.rows] } }
        let residual = zip(b, a.multiplied(by: x)).map { $0 - $1 }
        return RankRevealingSolution(x: x, rank: r, conditionEstimate: r > 0 ? conditionEstimate1(upperTriangular: t11) : .infinity,
                                     residualNorm: scaledNorm2(residual), refinementSteps: 0)
    }
}
