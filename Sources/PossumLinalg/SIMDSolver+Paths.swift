/// Which algorithm `SIMDSolver` runs for which shape, and its fused least-squares solve.
extension SIMDSolver {
    /// The algorithms behind `SIMDSolver`, one case per factorization type.
    public enum Path: Equatable, Sendable, LosslessStringConvertible {
        /// `PairedHouseholderQR`: reflectors generated column by column and applied two at a time
        /// on whole vectors; best while A fits in L2 and n ≤ `blockedCrossover`.
        case unblocked
        /// `BlockedHouseholderQR` with panels of `blockSize` columns: compact-WY updates through
        /// the register-blocked micro-kernel.
        case blocked(blockSize: Int)
        /// `TallSkinnyQR` with row blocks of `blockRows` and panels of `panelWidth` reflectors inside a
        /// block (nil: `TallSkinnyQR.defaultPanelWidth(columns:)`).
        case tallSkinny(blockRows: Int, panelWidth: Int? = nil)

        /// "unblocked", "blocked:NB" or "tsqr:MB[:NB]", as `init?(_:)` reads them.
        public var description: String {
            switch self {
            case .unblocked: "unblocked"
            case .blocked(let nb): "blocked:\(nb)"
            case .tallSkinny(let mb, let nb): "tsqr:\(mb)" + (nb.map { ":\($0)" } ?? "")
            }
        }

        /// Reads "unblocked", "blocked[:NB]" or "tsqr[:MB[:NB]]" (sizes ≥ 1; a missing NB is
        /// `BlockedHouseholderQR.defaultBlockSize`, a missing MB `TallSkinnyQR.defaultBlockRows`).
        public init?(_ text: String) {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            var sizes: [Int] = []
            for part in parts.dropFirst() {
                guard let size = Int(part), size >= 1 else { return nil }
                sizes.append(size)
            }
            switch (parts.first, sizes.count) {
            case ("unblocked", 0): self = .unblocked
            case ("blocked", 0...1): self = .blocked(blockSize: sizes.first ?? BlockedHouseholderQR.defaultBlockSize)
            case ("tsqr", 0...2):
                self = .tallSkinny(blockRows: sizes.first ?? TallSkinnyQR.defaultBlockRows, panelWidth: sizes.dropFirst().first)
            default: return nil
            }
        }

        /// The factorization of this path as an object (`Double`, the `Matrix` API).
        ///
        /// R is unique only up to the signs of its rows. On the unblocked and blocked paths the
        /// reflectors, τ and R are those of `dgeqrf` (up to rounding), signs included. On the TSQR
        /// path each block step chooses β's sign from its own pivot, so rows of R (and the matching
        /// columns of Q) may have the opposite sign to `dgeqrf`'s; Q·R, Qᵀb, least-squares
        /// solutions and |R| are unaffected.
        public func factorize(_ a: Matrix) throws -> any QRFactorization {
            switch self {
            case .unblocked: return try PairedHouseholderQR(factoring: a)
            case .blocked(let nb): return try BlockedHouseholderQR(factoring: a, blockSize: nb)
            case .tallSkinny(let mb, let nb):
                return try TallSkinnyQR(factoring: a, blockRows: mb, panelWidth: nb)
            }
        }

        /// Room for τ that the in-place factorization of an m × n matrix by this path needs with
        /// any number of threads: n, or on the TSQR path n per row block, doubled for a
        /// `SIMDSolver.tallSkinnyTree` (each leaf can add a partial block and each combination n
        /// τ's; a leaf has at least two row blocks).
        public func tauCount(rows m: Int, columns n: Int) -> Int {
            if case .tallSkinny(let mb, _) = self {
                return n * (2 * TallSkinnyQR.blockCount(rows: m, columns: n, blockRows: mb) + 1)
            }
            return n
        }

        /// Factors the first `reflectors` columns of `a` in place by this path (layout of
        /// `BlockedHouseholderQR` or `TallSkinnyQR`) and applies Qᵀ to the remaining columns.
        /// `tau` has room for `tauCount(rows:columns:)` entries; `threads` splits the blocked path's
        /// trailing updates (the TSQR path here is one thread: `SIMDSolver.factor` runs its tree).
        @_specialize(where T == Double)
        @_specialize(where T == Float)
        public func factor<T: QRScalar>(
            inPlace a: StridedMatrixView<T>, reflectors: Int? = nil, tau: UnsafeMutablePointer<T>, threads: Int = 1,
            workspace: inout QRWorkspace
        ) {
            factor(inPlace: a, reflectors: reflectors, tau: tau, threads: threads, workspace: &workspace,
                   kernels: NativeKernels<T>.self)
        }

        /// `factor(inPlace:…)` with the given kernels; `residualSquares` as `SIMDSolver`'s (TSQR only).
        func factor<K: HouseholderKernels>(
            inPlace a: StridedMatrixView<K.Scalar>, reflectors: Int? = nil, tau: UnsafeMutablePointer<K.Scalar>,
            threads: Int = 1, workspace: inout QRWorkspace, kernels: K.Type, residualSquares: UnsafeMutablePointer<K.Scalar>? = nil
        ) {
            let n = reflectors ?? a.columns
            switch self {
            case .unblocked:
                PairedHouseholderQR.factor(a, reflectors: n, tau: tau, workspace: &workspace, kernels: K.self)
            case .blocked(let nb):
                BlockedHouseholderQR.factor(a, reflectors: n, tau: tau, blockSize: nb, threads: threads,
                                            workspace: &workspace, kernels: K.self)
            case .tallSkinny(let mb, let nb):
                TallSkinnyQR.factor(a, reflectors: n, tau: tau, blockRows: mb, panelWidth: nb, workspace: &workspace,
                                    kernels: K.self, residualSquares: residualSquares)
            }
        }
    }

    /// Above this many columns the blocked algorithm with `BlockedHouseholderQR.defaultBlockSize`
    /// wins for every m (its trailing update is level 3 and the panel is a small share).
    public static let blockedCrossover = 64
    /// Above this many elements (m·n; 1 MiB of doubles, the L2 size) and n ≤ `blockedCrossover`,
    /// TSQR streams A through the cache once; below, the paired unblocked QR works in cache.
    public static let tallSkinnyCrossover = 1 << 17
    /// TSQR row blocks hold about this many elements (256 KiB of doubles), so a block stays in L2
    /// while n reflectors sweep it …
    public static let tallSkinnyBlockElements = 1 << 15
    /// … and at least this many rows: bigger blocks mean fewer sequential updates of R.
    public static let minimumTallSkinnyBlockRows = 256

    /// The path taken for an m × n matrix (`Double` or `Float`; the crossovers are measured, see
    /// Benchmarks/README.md, and move with the cache sizes):
    /// - n > `blockedCrossover`: blocked, nb = `BlockedHouseholderQR.defaultBlockSize`.
    /// - m·n > `tallSkinnyCrossover`: TSQR, row blocks of `tallSkinnyBlockElements`/n rows (at
    ///   least `minimumTallSkinnyBlockRows`), over a `tallSkinnyTree` with threads.
    /// - otherwise: unblocked (`PairedHouseholderQR`).
    public static func path(rows m: Int, columns n: Int) -> Path {
        if n > blockedCrossover { return .blocked(blockSize: BlockedHouseholderQR.defaultBlockSize) }
        if m * n > tallSkinnyCrossover {
            return .tallSkinny(blockRows: max(minimumTallSkinnyBlockRows, tallSkinnyBlockElements / n))
        }
        return .unblocked
    }

    /// A one-line description of the configuration, printed by the benchmark.
    public var configurationDescription: String {
        "TSQR (row blocks of \(Self.tallSkinnyBlockElements)/n elements) for m·n > \(Self.tallSkinnyCrossover) and n ≤ \(Self.blockedCrossover), "
            + "blocked QR (nb = \(BlockedHouseholderQR.defaultBlockSize)) for n > \(Self.blockedCrossover), paired unblocked QR otherwise, "
            + "micro-kernel \(NativeTile<Double>.mr)x\(NativeTile<Double>.nr) SIMD8<Double> / "
            + "\(NativeTile<Float>.mr)x\(NativeTile<Float>.nr) SIMD16<Float>, "
            + (threads >= 2 ? "up to \(threads) threads: the blocked QR's trailing updates shared in chunks with look-ahead "
               + "(≥ \(BlockedHouseholderQR.minimumGroupColumns) columns per thread), TSQR qr and lstsq over a reduction tree of "
               + "row leaves (up to \(Self.leavesPerThread) per thread, taken as threads come free; ≥ \(Self.minimumLeafRowBlocks) row blocks each); 1 for the rest" : "1 thread")
    }

    /// The factorization `factorize` returns, by `path(rows:columns:)`, on up to `threads` threads
    /// (a `TallSkinnyTreeQR` where `tallSkinnyTree` gives a tree).
    func factorizeFast(_ a: Matrix) throws -> any QRFactorization {
        let path = Self.path(rows: a.rows, columns: a.columns)
        switch path {
        case .blocked(let nb) where threads >= 2:
            return try BlockedHouseholderQR(factoring: a, blockSize: nb, threads: threads)
        case .tallSkinny(_, let nb):
            if let tree = tallSkinnyTree(rows: a.rows, columns: a.columns) {
                return try TallSkinnyTreeQR(factoring: a, tree: tree, threads: threads, panelWidth: nb)
            }
            return try path.factorize(a)
        default:
            return try path.factorize(a)
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
        var tau = [Double](repeating: 0, count: Self.tauCount(rows: m, columns: n))
        var x = [Double](repeating: 0, count: n)
        // [A | b], column-major, every column on a 64-byte line (AlignedColumns: the same bits, faster).
        let residual = try AlignedColumns.with(rows: m, columns: n + 1, of: Double.self) { augmented, ld in
            a.elements.withUnsafeBufferPointer { elements in
                guard let source = elements.baseAddress else { return }
                for j in 0..<n { (augmented + j * ld).initialize(from: source + j * m, count: m) }
            }
            b.withUnsafeBufferPointer { values in
                guard let source = values.baseAddress else { return }
                (augmented + n * ld).initialize(from: source, count: m)
            }
            return try tau.withUnsafeMutableBufferPointer { t in
                try x.withUnsafeMutableBufferPointer { xb in
                    try solve(inPlace: MutableMatrixView(base: augmented, rows: m, columns: n + 1, leadingDimension: ld),
                              tau: t.baseAddress!, solution: xb.baseAddress!, workspace: &workspace)
                }
            }
        }
        return LeastSquaresSolution(x: x, residualNorm: residual)
    }
}
