/// Householder QR for m ≫ n by row blocks (sequential, "flat-tree" TSQR; Demmel, Grigori,
/// Hoemmen, Langou 2012), built so that A travels through memory once.
///
/// The rows are cut into blocks A₀ (the first max(mb, n) rows) and A₁, A₂, … (mb rows each).
/// A₀ is factored in cache as usual; then for each later block the n × n triangle R so far and
/// the block are factored together, [R; Aᵢ] = Qᵢ·[R'; 0], by n Householder reflectors whose
/// vectors are eₖ on the rows of R and a dense mb-vector on the block (the LAPACK `dtpqrt`
/// structure). Each block is read from memory once, factored while it sits in L1/L2, and written
/// back once: the level-2 sweeps that make unblocked QR memory-bound for tall A (n passes over
/// 8mn bytes) hit the cache instead. The flop count is the same 2mn² − O(n³).
///
/// Storage: R in the upper triangle of the first n rows; block 0's reflector tails below the
/// diagonal of its rows (`dgeqrf` layout); block i's reflector k in column k of its own rows.
/// τ for block i, reflector k at `tau[i·n + k]`. Q = Q₀·Q₁⋯Q_B is never formed unless asked for.
///
/// Backward stability: every reflector is an exact-arithmetic orthogonal transformation computed
/// as in `HouseholderQR`, so the same analysis applies (Higham Thm. 19.4 for any sequence of
/// Householder transformations; TSQR specifically: Mori, Yamamoto, Zhang 2012): the computed R
/// satisfies ‖A − Q̂R̂‖_F ≤ c·(b₀ + #blocks·n)·n·ε·‖A‖_F, no worse than the unblocked algorithm.
public struct TallSkinnyQR: QRFactorization {
    public private(set) var packed: Matrix
    public private(set) var tau: [Double]
    /// Rows per block after the first.
    public let blockRows: Int

    /// Block size mb: a block of mb × n doubles plus R should stay in L2 while its n reflectors
    /// sweep it (Benchmarks/README.md: the row block).
    public static let defaultBlockRows = 2048

    public var rows: Int { packed.rows }
    public var columns: Int { packed.columns }

    public init(factoring a: Matrix, blockRows: Int = defaultBlockRows, panelWidth: Int = defaultPanelWidth) throws {
        var workspace = QRWorkspace()
        try self.init(factoring: a, blockRows: blockRows, panelWidth: panelWidth, workspace: &workspace)
    }

    /// Factors `a` with scratch memory from `workspace` (no allocation once it is big enough,
    /// apart from the result's own storage).
    public init(factoring a: Matrix, blockRows: Int = defaultBlockRows, panelWidth: Int = defaultPanelWidth,
                workspace: inout QRWorkspace) throws {
        try validateLeastSquaresShapeFast(a)
        precondition(blockRows >= 1 && panelWidth >= 1, "block rows and panel width must be positive")
        self.blockRows = blockRows
        packed = a
        let n = a.columns
        tau = [Double](repeating: 0, count: n * Self.blockCount(rows: a.rows, columns: n, blockRows: blockRows))
        tau.withUnsafeMutableBufferPointer { t in
            packed.withMutableView { view in
                Self.factor(view, reflectors: n, tau: t.baseAddress!, blockRows: blockRows, panelWidth: panelWidth,
                            workspace: &workspace)
            }
        }
    }

    /// A factorization in this layout computed elsewhere — e.g. by `factor` on `Float` storage,
    /// widened exactly to `Double` — so that its Q can be formed and applied in double precision.
    /// `tau` holds `blockCount(rows:columns:blockRows:)`·n entries.
    public init(packed: Matrix, tau: [Double], blockRows: Int) {
        precondition(tau.count >= packed.columns * Self.blockCount(rows: packed.rows, columns: packed.columns, blockRows: blockRows),
                     "TSQR layout: n τ's per row block")
        self.packed = packed
        self.tau = tau
        self.blockRows = blockRows
    }

    /// Reflectors per panel inside a block: the first `panelWidth` are generated column by
    /// column (level 2, on an L2-resident mb × panelWidth slice), then applied to the rest of
    /// the block at once through the compact WY form and `MicroKernel` (level 3). The default is
    /// one vector of reflectors, `T.lanes` (8 doubles, 16 floats): the block update computes W = VᵀC with V's reflectors padded to whole vectors,
    /// so a Float panel of 8 would spend half of that product on zeros.
    public static let defaultPanelWidth = 8

    /// Rows of block 0: at least n, so that R fits in it.
    @inlinable
    static func firstBlockRows(rows m: Int, columns n: Int, blockRows mb: Int) -> Int {
        min(m, max(mb, n))
    }

    /// Number of row blocks, block 0 included.
    public static func blockCount(rows m: Int, columns n: Int, blockRows mb: Int) -> Int {
        let b0 = firstBlockRows(rows: m, columns: n, blockRows: mb)
        return 1 + (m - b0 + mb - 1) / mb
    }

    /// Factors the first `n` columns of `a` in place (R and reflectors as described above) and
    /// applies the same reflectors to the remaining columns: with b as column n, that column
    /// ends up holding Qᵀb — least squares in the same single pass over A.
    ///
    /// `tau` has room for `blockCount · n` entries.
    @_specialize(where T == Double)
    @_specialize(where T == Float)
    public static func factor<T: QRScalar>(
        _ a: StridedMatrixView<T>, reflectors n: Int, tau: UnsafeMutablePointer<T>, blockRows mb: Int,
        panelWidth: Int? = nil, workspace: inout QRWorkspace
    ) {
        factor(a, reflectors: n, tau: tau, blockRows: mb, panelWidth: panelWidth, workspace: &workspace,
               kernels: NativeKernels<T>.self)
    }

    /// `factor` with the given kernels: block 0 by the in-cache QR, then per block, panels of
    /// structured reflectors each followed by one block reflector on the rest of the block.
    static func factor<K: HouseholderKernels>(
        _ a: StridedMatrixView<K.Scalar>, reflectors n: Int, tau: UnsafeMutablePointer<K.Scalar>, blockRows mb: Int,
        panelWidth: Int? = nil, workspace: inout QRWorkspace, kernels: K.Type
    ) {
        let m = a.rows, total = a.columns, nb = panelWidth ?? K.Scalar.lanes
        let b0 = firstBlockRows(rows: m, columns: n, blockRows: mb)
        // Block 0 is an ordinary QR of its rows: one panel is the paired unblocked QR.
        let block0 = a.block(row: 0, column: 0, rows: b0, columns: total)
        if nb >= n {
            PairedHouseholderQR.factor(block0, reflectors: n, tau: tau, workspace: &workspace, kernels: K.self)
        } else {
            BlockedHouseholderQR.factor(block0, reflectors: n, tau: tau, blockSize: nb, workspace: &workspace, kernels: K.self)
        }
        guard b0 < m else { return }
        let minimumBlocked = BlockedHouseholderQR.minimumBlockedColumns(K.self)
        let scratchSize = total - min(nb, n) >= minimumBlocked
            ? Householder<K>.structuredBlockReflectorScratch(columns: total, blockSize: nb) : 0
        workspace.withScratch(of: K.Scalar.self, scratchSize) { scratch in
            var r0 = b0
            var blk = 1
            while r0 < m {
                let len = min(mb, m - r0)
                let blockTau = tau + blk * n
                var k0 = 0
                while k0 < n {
                    let jb = min(nb, n - k0)
                    // Narrow trailing matrix (e.g. only b): sweep it with each reflector instead.
                    let sweepAll = total - k0 - jb < minimumBlocked
                    for k in k0..<(k0 + jb) {
                        blockTau[k] = eliminateStructured(a, row: k, block: r0, count: len,
                                                          applyThrough: sweepAll ? total : k0 + jb, kernels: K.self)
                    }
                    let c0 = k0 + jb
                    if !sweepAll && c0 < total {
                        Householder<K>.applyBlockReflector(
                            a.block(row: r0, column: k0, rows: len, columns: jb), tau: blockTau + k0,
                            to: a.block(row: r0, column: c0, rows: len, columns: total - c0),
                            head: a.block(row: k0, column: c0, rows: jb, columns: total - c0), scratch: scratch)
                    }
                    k0 += jb
                }
                r0 += len
                blk += 1
            }
        }
    }

    /// Generates the reflector that zeroes a[r0..<r0+len, k] against the pivot a[k, k] and
    /// applies it to columns k+1..<end of the rows {k} ∪ [r0, r0+len); returns τ.
    @inline(__always)
    static func eliminateStructured<K: HouseholderKernels>(
        _ a: StridedMatrixView<K.Scalar>, row k: Int, block r0: Int, count len: Int, applyThrough end: Int, kernels: K.Type
    ) -> K.Scalar {
        let x = a.column(k) + r0
        let (beta, tau) = Householder<K>.generate(alpha: a[k, k], tail: x, count: len)
        guard tau != 0 else { return 0 }  // block column already zero: H = I
        a[k, k] = beta
        if k + 1 < end {
            Householder<K>.applyReflector(UnsafePointer(x), count: len, tau: tau, head: k, tailRow: r0,
                                          to: a.block(row: 0, column: k + 1, rows: a.rows, columns: end - k - 1))
        }
        return tau
    }

    // MARK: - QRFactorization

    public var r: Matrix { upperTriangle(packed) }

    /// Q as its reflectors: Q₀·Q₁⋯Q_B, block by block.
    var q: HouseholderSequence<SIMDKernels> {
        HouseholderSequence(packed: packed, tau: tau, layout: .rowBlocks(
            firstRows: Self.firstBlockRows(rows: rows, columns: columns, blockRows: blockRows), blockRows: blockRows))
    }

    /// Qᵀ·b = Q_Bᵀ⋯Q₁ᵀ·Q₀ᵀ·b, block by block (4mn flops, one pass over the reflectors).
    public func applyQTranspose(_ b: [Double]) -> [Double] { q.applyTranspose(b) }

    /// Q·[Iₙ; 0] = Q₀·Q₁⋯Q_B·[Iₙ; 0], applying the reflectors in reverse order.
    public func thinQ() -> Matrix { q.thinQ() }

    public func solveUpper(_ c: [Double]) -> [Double] { backSubstitute(packed, c) }
}
