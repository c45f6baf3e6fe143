/// Solutions of min ‖A·X − B‖_F for several right-hand sides at once.
public struct LeastSquaresSolutions<Scalar: QRScalar>: Equatable, Sendable {
    /// X, n × k: column j minimizes ‖A·xⱼ − bⱼ‖₂.
    public var x: ColumnMajorMatrix<Scalar>
    /// ‖bⱼ − A·xⱼ‖₂ for each column j of B.
    public var residualNorms: [Scalar]
}

/// One-shot least squares: factor and solve in one call, on the fastest path for the shape.
public enum LeastSquares {
    /// X (n × k) minimizing ‖A·X − B‖_F for A m × n of full column rank (m ≥ n ≥ 1) and B m × k,
    /// and the residual norm of each column.
    ///
    /// Unlike ``QRDecomposition``, which keeps Q for later solves, this factors [A | B] in place:
    /// the factorization applies each reflector (or, on the tall-skinny path, each row block's
    /// reflectors) to the k columns of B in the same sweep that updates A's trailing columns, so
    /// B costs one extra pass per reflector rather than k separate solves, and every path of
    /// ``SIMDSolver/path(rows:columns:)`` — including the streaming TSQR — serves it.
    /// `threads` (default: every CPU this process may use) is `SIMDSolver/threads`.
    ///
    /// Throws like ``QRDecomposition/solve(_:)``: rank-deficient A, shape errors, non-finite entries.
    public static func solve<Scalar: QRScalar>(
        _ a: ColumnMajorMatrix<Scalar>, _ b: ColumnMajorMatrix<Scalar>, threads: Int = CPUFeatures.coresAvailable
    ) throws -> LeastSquaresSolutions<Scalar> {
        var workspace = QRWorkspace()
        return try solve(a, b, threads: threads, workspace: &workspace)
    }

    /// ``solve(_:_:threads:)`` taking its scratch from `workspace`.
    public static func solve<Scalar: QRScalar>(
        _ a: ColumnMajorMatrix<Scalar>, _ b: ColumnMajorMatrix<Scalar>, threads: Int = CPUFeatures.coresAvailable,
        workspace: inout QRWorkspace
    ) throws -> LeastSquaresSolutions<Scalar> {
        let (m, n, k) = (a.rows, a.columns, b.columns)
        guard m >= n else { throw LinalgError.underdetermined(rows: m, columns: n) }
        guard n >= 1 else { throw LinalgError.shapeMismatch("A has no columns") }
        guard b.rows == m else { throw LinalgError.shapeMismatch("B has \(b.rows) rows, A has \(m)") }
        guard threads >= 1 else { throw LinalgError.shapeMismatch("threads must be at least 1, got \(threads)") }
        if let (i, j) = a.firstNonFinite() { throw LinalgError.nonFinite(operand: "A", row: i, column: j) }
        if let (i, j) = b.firstNonFinite() { throw LinalgError.nonFinite(operand: "B", row: i, column: j) }
        let (total, overflow) = (n + k).multipliedReportingOverflow(by: m)
        guard !overflow else { throw LinalgError.shapeMismatch("[A | B] is too large (\(m)×\(n + k))") }
        var augmented = ColumnMajorMatrix<Scalar>(rows: m, columns: n + k)
        var x = ColumnMajorMatrix<Scalar>(rows: n, columns: k)
        var residualNorms = [Scalar](repeating: 0, count: k)
        var tau = [Scalar](repeating: 0, count: SIMDSolver.tauCount(rows: m, columns: n))
        let solver = SIMDSolver(threads: threads)
        assert(total == augmented.elements.count)
        try augmented.withMutableView { ab in
            a.withView { av in for j in 0..<n { ab.column(j).update(from: av.column(j), count: m) } }
            b.withView { bv in for j in 0..<k { ab.column(n + j).update(from: bv.column(j), count: m) } }
            try tau.withUnsafeMutableBufferPointer { t in
                try withBaseAddress(t) { tauBase in
                    solver.factor(inPlace: ab, reflectors: n, tau: tauBase, workspace: &workspace)
                    // Every path leaves R in the top n × n triangle and QᵀB in B's columns.
                    try checkFullRank(rows: m, columns: n) { ab[$0, $0] }
                }
            }
            x.withMutableView { xv in
                for j in 0..<k {
                    let c = ab.column(n + j)
                    solveUpperTriangular(ab, count: n, c)
                    xv.column(j).update(from: c, count: n)
                    residualNorms[j] = NativeKernels<Scalar>.norm2(m - n, c + n)
                }
            }
        }
        return LeastSquaresSolutions(x: x, residualNorms: residualNorms)
    }
}
