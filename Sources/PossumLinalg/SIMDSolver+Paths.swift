/// Which algorithm `SIMDSolver` runs for which shape, and its fused least-squares solve. The
/// crossovers are measured (Benchmarks/README.md), not derived: they move with the cache sizes.
extension SIMDSolver {
    /// The algorithms behind `SIMDSolver`.
    public enum Path: String, Sendable {
        /// `TallSkinnyQR`: row blocks streamed through the cache (also covers small matrices,
        /// where block 0 is the whole matrix and this is plain unblocked QR).
        case tallSkinny
        /// `BlockedHouseholderQR`: compact-WY panels and the register-blocked micro-kernel.
        case blocked
    }

    /// Above this many columns the blocked algorithm wins (its trailing update is level 3).
    public static let blockedCrossover = 64

    /// The path taken for an m × n matrix.
    public static func path(rows m: Int, columns n: Int) -> Path {
        n > blockedCrossover ? .blocked : .tallSkinny
    }

    /// A one-line description of the configuration, printed by the benchmark.
    public var configurationDescription: String {
        "tall-skinny QR (row blocks of \(TallSkinnyQR.defaultBlockRows)) for n ≤ \(Self.blockedCrossover), "
            + "blocked QR nb=\(BlockedHouseholderQR.defaultBlockSize) above, "
            + "micro-kernel \(MicroKernel.mr)x\(MicroKernel.nr) SIMD8<Double>, threads=\(threads)"
    }

    /// The factorization `factorize` returns: the blocked algorithm, whose reflectors, τ and R
    /// are those of `dgeqrf` and of the unblocked `HouseholderQR` up to rounding — R's row signs
    /// included, which TSQR's are not (each of its block steps picks β's sign from its own pivot).
    /// TSQR serves the fused `solve`, where x and ‖r‖ do not depend on those signs; it is
    /// available as `TallSkinnyQR` to callers who want its speed and accept the signs.
    func factorizeFast(_ a: Matrix) throws -> any QRFactorization {
        try BlockedHouseholderQR(factoring: a, blockSize: Self.factorizationBlockSize(rows: a.rows, columns: a.columns))
    }

    /// Panel width for `factorize`: n itself (unblocked) for narrow matrices, `defaultBlockSize`
    /// otherwise.
    public static func factorizationBlockSize(rows m: Int, columns n: Int) -> Int {
        n <= blockedCrossover ? n : BlockedHouseholderQR.defaultBlockSize
    }

    /// min‖A·x − b‖₂ for full-column-rank A in one factorization of [A | b]: Qᵀb is formed by
    /// the same reflector sweeps that factor A, so A is read once and Q never formed.
    ///
    /// Same contract and rank test as `LeastSquaresSolver.solve` (which a call through
    /// `any LeastSquaresSolver` still reaches: it gives the same x up to rounding, slower).
    public func solve(_ a: Matrix, _ b: [Double]) throws -> LeastSquaresSolution {
        var workspace = QRWorkspace()
        return try solve(a, b, workspace: &workspace)
    }

    /// `solve(_:_:)` with caller-owned scratch memory.
    public func solve(_ a: Matrix, _ b: [Double], workspace: inout QRWorkspace) throws -> LeastSquaresSolution {
        let (m, n) = (a.rows, a.columns)
        guard b.count == m else {
            throw LinalgError.shapeMismatch("b has \(b.count) entries, A has \(m) rows")
        }
        if let i = b.firstIndex(where: { !$0.isFinite }) {
            throw LinalgError.nonFinite(operand: "b", row: i, column: 0)
        }
        try validateLeastSquaresShape(a)
        // [A | b], column-major: A's storage followed by b.
        var augmented = [Double](unsafeUninitializedCapacity: m * (n + 1)) { buffer, count in
            a.elements.withUnsafeBufferPointer { buffer.baseAddress!.initialize(from: $0.baseAddress!, count: m * n) }
            b.withUnsafeBufferPointer { (buffer.baseAddress! + m * n).initialize(from: $0.baseAddress!, count: m) }
            count = m * (n + 1)
        }
        let path = Self.path(rows: m, columns: n)
        let tauCount = path == .tallSkinny
            ? n * TallSkinnyQR.blockCount(rows: m, columns: n, blockRows: TallSkinnyQR.defaultBlockRows) : n
        var tau = [Double](repeating: 0, count: tauCount)
        return try augmented.withUnsafeMutableBufferPointer { buffer in
            let view = MutableMatrixView(base: buffer.baseAddress!, rows: m, columns: n + 1, leadingDimension: m)
            tau.withUnsafeMutableBufferPointer { t in
                switch path {
                case .tallSkinny:
                    TallSkinnyQR.factor(view, reflectors: n, tau: t.baseAddress!, blockRows: TallSkinnyQR.defaultBlockRows)
                case .blocked:
                    BlockedHouseholderQR.factor(view, reflectors: n, tau: t.baseAddress!,
                                                blockSize: BlockedHouseholderQR.defaultBlockSize, workspace: &workspace)
                }
            }
            // The rank test of `checkFullRank`, on R's diagonal in place.
            var largest = 0.0
            for i in 0..<n { largest = max(largest, abs(view[i, i])) }
            let tolerance = Double(max(m, n)) * Double.ulpOfOne * largest
            for k in 0..<n where abs(view[k, k]) <= tolerance {
                throw LinalgError.rankDeficient(column: k, ratio: largest == 0 ? 0 : abs(view[k, k]) / largest)
            }
            // R·x = (Qᵀb)[0..<n], column-oriented back substitution; ‖r‖ = ‖(Qᵀb)[n..<m]‖.
            let qtb = view.column(n)
            var x = Array(UnsafeBufferPointer(start: qtb, count: n))
            for j in stride(from: n - 1, through: 0, by: -1) {
                x[j] /= view[j, j]
                let xj = x[j]
                let rj = view.column(j)
                for i in 0..<j { x[i] -= rj[i] * xj }
            }
            let residual = SIMDKernels.norm2(m - n, qtb + n)
            return LeastSquaresSolution(x: x, residualNorm: residual)
        }
    }
}
