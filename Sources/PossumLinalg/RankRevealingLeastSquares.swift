/// Options for the rank-revealing least-squares solve.
public struct RankRevealingOptions: Sendable, Equatable {
    /// Columns k with |r_kk| ≤ tolerance·|r₀₀| (after equilibration) count as dependent; nil for
    /// the default max(m, n)·ε.
    public var tolerance: Double?
    /// Iterative refinement with doubled-precision residuals (full-rank problems).
    public var refine: Bool

    /// Options with the default cutoff and no refinement unless asked.
    public init(tolerance: Double? = nil, refine: Bool = false) {
        self.tolerance = tolerance
        self.refine = refine
    }
}

/// The minimum-norm least-squares solution and the facts a user needs to trust it.
public struct RankRevealingSolution: Sendable, Equatable {
    /// argmin ‖x‖₂ over the minimizers of ‖A·x − b‖₂.
    public var x: [Double]
    /// The numerical rank used.
    public var rank: Int
    /// κ₁ of the leading rank × rank block of R (equilibrated columns): the condition number that
    /// governs the accuracy of x. About −log10(κ·ε) correct digits are to be expected.
    public var conditionEstimate: Double
    /// ‖b − A·x‖₂.
    public var residualNorm: Double
    /// Refinement steps taken (0 without refinement).
    public var refinementSteps: Int

    /// A solution with its facts, as the solvers report it.
    public init(x: [Double], rank: Int, conditionEstimate: Double, residualNorm: Double, refinementSteps: Int) {
        (self.x, self.rank, self.conditionEstimate, self.residualNorm, self.refinementSteps) =
            (x, rank, conditionEstimate, residualNorm, refinementSteps)
    }

    /// Whether the numerical rank is below the number of unknowns.
    public var isRankDeficient: Bool { rank < x.count }
    /// Whether cond·ε is so large that fewer than about 6 digits can be trusted.
    public var isIllConditioned: Bool { conditionEstimate * .ulpOfOne > 1e-6 }
}

extension PivotedHouseholderQR {
    /// Solves min‖A·x − b‖₂ with minimum ‖x‖₂, as LAPACK's `dgelsy` does.
    ///
    /// With rank r, R = [R₁₁ R₁₂] and c = Qᵀb: a basic solution is y = [R₁₁⁻¹c₁; 0] in the
    /// equilibrated, permuted coordinates, x_b = D·P·y. The null space of A is spanned by the
    /// columns of N = D·P·[−R₁₁⁻¹R₁₂; I]; the minimum-norm solution is x_b minus its projection
    /// on range(N), computed with an orthonormal basis of N from this same QR code.
    public func minimumNormSolution(_ a: Matrix, _ b: [Double], options: RankRevealingOptions = .init()) throws -> RankRevealingSolution {
        guard b.count == rows else { throw LinalgError.shapeMismatch("b has \(b.count) entries, A has \(rows) rows") }
        if let i = b.firstIndex(where: { !$0.isFinite }) { throw LinalgError.nonFinite(operand: "b", row: i, column: 0) }
        let n = columns
        let r = rank(tolerance: options.tolerance)
        guard r > 0 else {
            return RankRevealingSolution(x: [Double](repeating: 0, count: n), rank: 0, conditionEstimate: .infinity,
                                         residualNorm: scaledNorm2(b), refinementSteps: 0)
        }
        let r11 = leadingTriangle(r)
        let c = applyQTranspose(b)
        if rows < n {
            // Wide: through the QR of Aᵀ (or of its rank-r row basis), O(m²n) — see
            // MinimumNormLeastSquares.swift; the null-space projection below would cost n³.
            let x = try wideMinimumNormSolution(a, b, c: c, rank: r)
            let residual = zip(b, a.multiplied(by: x)).map { $0 - $1 }
            return RankRevealingSolution(x: x, rank: r, conditionEstimate: conditionEstimate1(upperTriangular: r11),
                                         residualNorm: scaledNorm2(residual), refinementSteps: 0)
        }
        var y = backSubstitute(r11, Array(c[0..<r])) + [Double](repeating: 0, count: n - r)
        var steps = 0
        if r == n && options.refine && rows >= n {
            steps = refine(a, b, y: &y)
        }
        var x = toOriginalCoordinates(y)
        if r < n { x = removingNullSpaceComponent(x, rank: r, r11: r11) }
        let residual = zip(b, a.multiplied(by: x)).map { $0 - $1 }
        return RankRevealingSolution(x: x, rank: r, conditionEstimate: conditionEstimate1(upperTriangular: r11),
                                     residualNorm: scaledNorm2(residual), refinementSteps: steps)
    }

    private func leadingTriangle(_ r: Int) -> Matrix {
        var t = Matrix(rows: r, columns: r)
        for j in 0..<r { for i in 0...j { t[i, j] = packed[i, j] } }
        return t
    }

    /// x = D·P·y.
    private func toOriginalCoordinates(_ y: [Double]) -> [Double] {
        var x = [Double](repeating: 0, count: columns)
        for k in 0..<columns { x[permutation[k]] = columnScale[k] * y[k] }
        return x
    }

    private func removingNullSpaceComponent(_ x: [Double], rank r: Int, r11: Matrix) -> [Double] {
        let n = columns
        var basis = Matrix(rows: n, columns: n - r)
        for t in 0..<(n - r) {
            let w = backSubstitute(r11, (0..<r).map { -packed[$0, r + t] })
            let y = w + (0..<(n - r)).map { $0 == t ? 1.0 : 0.0 }
            let v = toOriginalCoordinates(y)
            for i in 0..<n { basis[i, t] = v[i] }
        }
        // The null-space basis has full column rank by construction (its lower block is I).
        guard let q = try? HouseholderQR<Kernels>(factoring: basis).thinQ() else { return x }
        let coefficients = q.transposed.multiplied(by: x)
        let projection = q.multiplied(by: coefficients)
        return zip(x, projection).map { $0 - $1 }
    }

    /// Björck's refinement of the augmented system [I Ã; Ãᵀ 0]·[r; y] = [b; 0] with Ã = A·D·P:
    /// residuals f = b − r − Ãy and g = −Ãᵀr in doubled precision, corrections from the QR
    /// factors (Rᵀh = g, d = Qᵀf, δy = R⁻¹(d₁ − h), δr = Q·[h; d₂]). Refining r along with y is
    /// what makes this converge for large-residual problems, where refining y alone does not
    /// (Björck 1967; Higham §20.5). Stops when the correction stops shrinking or is below ε‖y‖.
    private func refine(_ a: Matrix, _ b: [Double], y: inout [Double]) -> Int {
        let (m, n) = (rows, columns)
        let r11 = leadingTriangle(n)
        var residual = compensatedResiduals(a, x: toOriginalCoordinates(y), b: b, r: [Double](repeating: 0, count: m)).f
        var previous = Double.infinity
        for step in 1...10 {
            let (f, gx) = compensatedResiduals(a, x: toOriginalCoordinates(y), b: b, r: residual)
            let g = (0..<n).map { k in columnScale[k] * gx[permutation[k]] }  // Ãᵀ = Pᵀ·D·Aᵀ
            let h = forwardSubstituteTransposed(r11, g)
            let d = applyQTranspose(f)
            let dy = backSubstitute(r11, (0..<n).map { d[$0] - h[$0] })
            let dr = applyQ(h + Array(d[n..<m]))
            let size = scaledNorm2(dy)
            if !(size < previous / 2) && step > 1 { return step - 1 }  // stagnation: keep what we have
            for k in 0..<n { y[k] += dy[k] }
            for i in 0..<m { residual[i] += dr[i] }
            previous = size
            if size <= Double.ulpOfOne * scaledNorm2(y) { return step }
        }
        return 10
    }
}

/// Solves Uᵀ·h = g for upper-triangular U (forward substitution on the transpose).
func forwardSubstituteTransposed(_ u: Matrix, _ g: [Double]) -> [Double] {
    var h = g
    for j in 0..<u.columns {
        var s = h[j]
        for i in 0..<j { s -= u[i, j] * h[i] }
        h[j] = s / u[j, j]
    }
    return h
}
