/// Which algorithm `SIMDSolver` runs for which shape, and its fused least-squares solve. The
/// crossovers are measured (Benchmarks/README.md), not derived: they move with the cache sizes.
extension SIMDSolver {
    /// The algorithms behind `SIMDSolver`.
    public enum Path: Equatable, Sendable {
        /// `PairedHouseholderQR`: reflectors generated column by column and applied two at a time
        /// on whole vectors; best while A fits in L2 and n ≤ 64.
        case unblocked
        /// `BlockedHouseholderQR` with panels of `blockSize` columns: compact-WY updates through
        /// the register-blocked micro-kernel.
        case blocked(blockSize: Int)
        /// `TallSkinnyQR` with row blocks of `blockRows`: A streamed through the cache once.
        case tallSkinny(blockRows: Int)
    }

    /// Above this many columns the blocked algorithm with `BlockedHouseholderQR.defaultBlockSize`
    /// wins for every m (its trailing update is level 3 and the panel is a small share).
    public static let blockedCrossover = 64

    /// The path taken for an m × n matrix. Crossovers measured with `possum-bench
    /// --simd-variant` on the benchmark machine (Benchmarks/README.md):
    /// - n > 64: blocked, nb = 32.
    /// - A bigger than L2 (m·n > 128 Ki doubles = 1 MiB) and n ≤ 64: TSQR, row blocks of about
    ///   256 KiB (32 Ki doubles / n rows, at least 256) so a block stays in L2 while n reflectors
    ///   sweep it. Bigger blocks also mean fewer sequential updates of R (TSQR's error grows
    ///   slowly with their number). Its least squares splits between two threads.
    /// - otherwise (m·n ≤ 128 Ki, n ≤ 64): unblocked, `PairedHouseholderQR`. It replaced blocked
    ///   nb = 8 above 16 Ki elements: 1.2–1.8× faster on every shape measured there (300 × 40 …
    ///   4000 × 32, both dtypes). It stays ahead of TSQR on one thread up to ≈ 4 MiB (16000 × 32),
    ///   but TSQR's least squares uses two threads, so the TSQR crossover stays at L2.
    /// The same crossovers serve `Float` (measured for `Double`, not retuned; its TSQR row blocks
    /// of 32 Ki elements are 128 KiB); only TSQR's panel width is per type
    /// (`TallSkinnyQR.defaultPanelWidth`).
    public static func path(rows m: Int, columns n: Int) -> Path {
        if n > blockedCrossover { return .blocked(blockSize: BlockedHouseholderQR.defaultBlockSize) }
        if m * n > 1 << 17 { return .tallSkinny(blockRows: max(256, (1 << 15) / n)) }
        return .unblocked
    }

    /// A one-line description of the configuration, printed by the benchmark.
    public var configurationDescription: String {
        "TSQR (row blocks of 32Ki/n doubles) for m·n > 128Ki and n ≤ \(Self.blockedCrossover), "
            + "blocked QR (nb = \(BlockedHouseholderQR.defaultBlockSize)) for n > \(Self.blockedCrossover), paired unblocked QR otherwise, "
            + "micro-kernel \(MicroKernel.mr)x\(MicroKernel.nr) SIMD8<Double> / 16x\(MicroKernel.nr) SIMD16<Float>, "
            + (threads >= 2 ? "2 threads: trailing updates of the blocked QR split by columns, TSQR least squares "
               + "split by rows (m ≥ 4·row block); 1 for the rest" : "1 thread")
    }

    /// The factorization `factorize` returns, by `path(rows:columns:)`.
    ///
    /// R is unique only up to the signs of its rows. On the unblocked and blocked paths the
    /// reflectors, τ and R are those of `dgeqrf` (up to rounding), signs included. On the TSQR path
    /// each block step chooses β's sign from its own pivot, so rows of R (and the matching
    /// columns of Q) may have the opposite sign to `dgeqrf`'s; Q·R, Qᵀb, least-squares solutions
    /// and |R| are unaffected.
    func factorizeFast(_ a: Matrix) throws -> any QRFactorization {
        switch Self.path(rows: a.rows, columns: a.columns) {
        // One panel of n columns: the unblocked algorithm, without HouseholderQR's slower scan.
        case .unblocked: return try BlockedHouseholderQR(factoring: a, blockSize: a.columns)
        case .blocked(let nb): return try BlockedHouseholderQR(factoring: a, blockSize: nb)
        case .tallSkinny(let mb): return try TallSkinnyQR(factoring: a, blockRows: mb)
        }
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
        guard allFinite(m, b) else {
            throw LinalgError.nonFinite(operand: "b", row: b.firstIndex(where: { !$0.isFinite })!, column: 0)
        }
        try validateLeastSquaresShapeFast(a)
        // [A | b], column-major: A's storage followed by b.
        var augmented = [Double](unsafeUninitializedCapacity: m * (n + 1)) { buffer, count in
            a.elements.withUnsafeBufferPointer { buffer.baseAddress!.initialize(from: $0.baseAddress!, count: m * n) }
            b.withUnsafeBufferPointer { (buffer.baseAddress! + m * n).initialize(from: $0.baseAddress!, count: m) }
            count = m * (n + 1)
        }
        var tau = [Double](repeating: 0, count: Self.tauCount(rows: m, columns: n))
        var x = [Double](repeating: 0, count: n)
        let residual = try augmented.withUnsafeMutableBufferPointer { buffer in
            try tau.withUnsafeMutableBufferPointer { t in
                try x.withUnsafeMutableBufferPointer { xb in
                    try solve(inPlace: MutableMatrixView(base: buffer.baseAddress!, rows: m, columns: n + 1, leadingDimension: m),
                              tau: t.baseAddress!, solution: xb.baseAddress!, workspace: &workspace)
                }
            }
        }
        return LeastSquaresSolution(x: x, residualNorm: residual)
    }
}
