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

    public init(factoring a: Matrix, blockRows: Int = defaultBlockRows, panelWidth: Int? = nil) throws {
        var workspace = QRWorkspace()
        try self.init(factoring: a, blockRows: blockRows, panelWidth: panelWidth, workspace: &workspace)
    }

    /// Factors `a` with scratch memory from `workspace` (no allocation once it is big enough,
    /// apart from the result's own storage).
    public init(factoring a: Matrix, blockRows: Int = defaultBlockRows, panelWidth: Int? = nil,
                workspace: inout QRWorkspace) throws {
        try validateLeastSquaresShapeFast(a)
        precondition(blockRows >= 1 && (panelWidth ?? 1) >= 1, "block rows and panel width must be positive")
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

    /// Reflectors per panel inside a block when n > `widestRecursivePanel`: a panel is factored
    /// (recursively down to `defaultLeafWidth` columns, level 2 below that), then applied to the
    /// rest of the block at once through the compact WY form (level 3: the kernels'
    /// `innerProducts` and `rankUpdate`). The same for `Float` and `Double`: the block update pads
    /// nothing to whole vectors, so a wider Float panel would only move work to level 2
    /// (Benchmarks/README.md: the roof, tall-skinny).
    public static let defaultPanelWidth = 8

    /// Up to this many columns one panel spans all n: block 0 is then factored by the paired
    /// in-cache QR, faster on its rows than the blocked QR, and each block step is one panel (for
    /// a single leaf of paired sweeps: `defaultLeaves`). Wider, panels of n measured slower: their
    /// top-level block reflectors cost more than the sweeps they replace (Benchmarks/README.md: the
    /// roof, tall-skinny).
    public static let widestRecursivePanel = 16

    /// The panel width of an n-column TSQR when none is given.
    public static func defaultPanelWidth(columns n: Int) -> Int {
        n <= widestRecursivePanel ? n : defaultPanelWidth
    }

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
        panelWidth: Int? = nil, leafWidth: Int? = nil, leafSweep: LeafSweep? = nil, workspace: inout QRWorkspace
    ) {
        factor(a, reflectors: n, tau: tau, blockRows: mb, panelWidth: panelWidth, leafWidth: leafWidth,
               leafSweep: leafSweep, workspace: &workspace, kernels: NativeKernels<T>.self)
    }

    /// `factor` with the given kernels: block 0 by the in-cache QR, then per block, panels of
    /// structured reflectors (each factored by `factorPanelRecursive` down to `leafWidth` columns)
    /// each followed by one block reflector on the rest of the block.
    ///
    /// `residualSquares` (with a column n, b): set to Σ (Qᵀb)ᵢ² over rows n..<m, each block's part
    /// summed by `K.sumOfSquares` right after the block is factored, while it is still in cache, so
    /// that ‖r‖ needs no second pass over the column (unscaled: the caller guards it as `norm2` does).
    static func factor<K: HouseholderKernels>(
        _ a: StridedMatrixView<K.Scalar>, reflectors n: Int, tau: UnsafeMutablePointer<K.Scalar>, blockRows mb: Int,
        panelWidth: Int? = nil, leafWidth: Int? = nil, leafSweep: LeafSweep? = nil, workspace: inout QRWorkspace,
        kernels: K.Type, residualSquares: UnsafeMutablePointer<K.Scalar>? = nil
    ) {
        let m = a.rows, total = a.columns, nb = panelWidth ?? defaultPanelWidth(columns: n)
        let leafDefaults = defaultLeaves(K.Scalar.self)
        let leaf = leafWidth ?? leafDefaults.width
        let sweep = leafSweep ?? leafDefaults.sweep
        let b0 = firstBlockRows(rows: m, columns: n, blockRows: mb)
        // Block 0 is an ordinary QR of its rows: one panel is the paired unblocked QR.
        let block0 = a.block(row: 0, column: 0, rows: b0, columns: total)
        if nb >= n {
            PairedHouseholderQR.factor(block0, reflectors: n, tau: tau, workspace: &workspace, kernels: K.self)
        } else {
            BlockedHouseholderQR.factor(block0, reflectors: n, tau: tau, blockSize: nb, workspace: &workspace, kernels: K.self)
        }
        let residual = total > n ? residualSquares : nil
        residual?.pointee = K.sumOfSquares(b0 - n, a.column(n) + n)
        guard b0 < m else { return }
        let scratchSize = blockStepScratch(columns: total, reflectors: n, panelWidth: nb, leafWidth: leaf, kernels: K.self)
        workspace.withScratch(of: K.Scalar.self, scratchSize) { scratch in
            var r0 = b0
            var blk = 1
            while r0 < m {
                let len = min(mb, m - r0)
                factorBlockStep(a, reflectors: n, block: r0, rows: len, tau: tau + blk * n, panelWidth: nb,
                                leafWidth: leaf, leafSweep: sweep, scratch: scratch, kernels: K.self)
                // The block's part of b is final: later blocks touch only R's rows and their own.
                residual?.pointee += K.sumOfSquares(len, a.column(n) + r0)
                r0 += len
                blk += 1
            }
        }
    }

    /// Elements of scratch `factorBlockStep` needs.
    static func blockStepScratch<K: HouseholderKernels>(
        columns total: Int, reflectors n: Int, panelWidth nb: Int, leafWidth: Int, kernels: K.Type
    ) -> Int {
        total - min(nb, n) >= BlockedHouseholderQR.minimumBlockedColumns(K.self) || min(nb, n) > leafWidth
            ? Householder<K>.structuredBlockReflectorScratch(columns: total, blockSize: nb) : 0
    }

    /// One block step: [R; A_B] = Q_B·[R'; 0] for the triangle R on rows 0..<n and the block A_B on
    /// rows r0..<r0+len, by panels of `nb` structured reflectors (recursive down to `leafWidth`)
    /// each followed by one block reflector on the rest of the block; the columns past n get the
    /// same reflectors.
    static func factorBlockStep<K: HouseholderKernels>(
        _ a: StridedMatrixView<K.Scalar>, reflectors n: Int, block r0: Int, rows len: Int, tau: UnsafeMutablePointer<K.Scalar>,
        panelWidth nb: Int, leafWidth: Int, leafSweep: LeafSweep = .paired, scratch: UnsafeMutablePointer<K.Scalar>,
        kernels: K.Type
    ) {
        let total = a.columns
        let minimumBlocked = BlockedHouseholderQR.minimumBlockedColumns(K.self)
        var k0 = 0
        while k0 < n {
            let jb = min(nb, n - k0)
            // Narrow trailing matrix (e.g. only b): sweep it with each reflector instead.
            let sweepAll = total - k0 - jb < minimumBlocked
            factorPanelRecursive(a, from: k0, count: jb, block: r0, rows: len, applyThrough: sweepAll ? total : k0 + jb,
                                 tau: tau, leafWidth: leafWidth, leafSweep: leafSweep, scratch: scratch, kernels: K.self)
            let c0 = k0 + jb
            if !sweepAll && c0 < total {
                Householder<K>.applyStructuredBlockReflector(
                    a.block(row: r0, column: k0, rows: len, columns: jb), tau: tau + k0,
                    to: a.block(row: r0, column: c0, rows: len, columns: total - c0),
                    head: a.block(row: k0, column: c0, rows: jb, columns: total - c0), scratch: scratch)
            }
            k0 += jb
        }
    }

    /// Reflector `row`'s gains on `columns`, from dots[j] = xᵀcⱼ over the block rows (x its unscaled
    /// tail): w = τ·(cⱼ[row] + scale·dots[j]), the head entry added after the long sum; cⱼ[row] −= w;
    /// dots[j] ← −w·scale, the factor the sweep multiplies x by. For the single and the paired leaf.
    @inline(__always)
    static func applyHeadGains<T: QRScalar>(
        _ a: StridedMatrixView<T>, row: Int, columns: Range<Int>, tau t: T, scale: T, dots: UnsafeMutablePointer<T>
    ) {
        for j in columns {
            let cj = a.column(j)
            let w = t * (cj[row] + scale * dots[j])
            cj[row] -= w
            dots[j] = -(w * scale)
        }
    }

    /// dots[j] = xᵀcⱼ over the block rows for x = column `k`, j in `from..<end`, four columns per sweep: the
    /// panel's first reflector's inputs, for the single and the paired leaf alike.
    @inline(__always)
    static func gatherDots<K: HouseholderKernels>(
        _ a: StridedMatrixView<K.Scalar>, of k: Int, from j0: Int, through end: Int, block r0: Int, rows len: Int,
        into dots: UnsafeMutablePointer<K.Scalar>, kernels: K.Type
    ) {
        let x = UnsafePointer(a.column(k) + r0)
        var j = j0
        while j < end {
            let cnt = min(4, end - j)
            let (d0, d1, d2, d3) = K.dot4(len, x, a.column(j) + r0, a.column(j + min(1, cnt - 1)) + r0,
                                          a.column(j + min(2, cnt - 1)) + r0, a.column(j + min(3, cnt - 1)) + r0)
            dots[j] = d0
            if cnt > 1 { dots[j + 1] = d1 }
            if cnt > 2 { dots[j + 2] = d2 }
            if cnt > 3 { dots[j + 3] = d3 }
            j += cnt
        }
    }

    /// The structured reflectors k0..<k0+count of one block step, each applied to columns
    /// k+1..<end of the rows {k} ∪ [r0, r0+len) as soon as it is made (what `eliminateStructured`
    /// does one reflector at a time), in one sweep per reflector instead of four: the sweep that
    /// applies reflector k also takes the next reflector's inputs from the columns it has just
    /// updated — the sum of squares of column k+1 and its dot products with the later columns — and
    /// scales x into v = x/(α − β) (so vᵀc = (xᵀc)/(α − β)). Only the panel's first reflector has a
    /// separate dot sweep. `Householder.generate`'s guard still applies: `norm2` redoes the sum of
    /// squares scaled when the plain one is unsafe.
    static func factorPanelStructured<K: HouseholderKernels>(
        _ a: StridedMatrixView<K.Scalar>, from k0: Int, count: Int, block r0: Int, rows len: Int, applyThrough end: Int,
        tau: UnsafeMutablePointer<K.Scalar>, kernels: K.Type
    ) {
        typealias T = K.Scalar
        withUnsafeTemporaryAllocation(of: T.self, capacity: end) { buffer in
            // dots[j]: xᵀc_j of the current reflector's x, then its gain −w_j/(α − β).
            guard let dots = buffer.baseAddress else { return }
            var squares = K.sumOfSquares(len, a.column(k0) + r0)
            var haveDots = false
            for k in k0..<(k0 + count) {
                let x = a.column(k) + r0
                let alpha = a[k, k]
                let tailNorm = K.norm2(len, x, sumOfSquares: squares)
                let hasNext = k + 1 < k0 + count
                guard tailNorm != 0 else {
                    tau[k] = 0  // block column already zero: H = I
                    haveDots = false
                    if hasNext { squares = K.sumOfSquares(len, a.column(k + 1) + r0) }
                    continue
                }
                let (beta, scale, t) = Householder<K>.coefficients(alpha: alpha, length: pythagoras(alpha, tailNorm))
                tau[k] = t
                a[k, k] = beta
                guard k + 1 < end else {
                    K.scale(len, scale, x)
                    continue
                }
                if !haveDots { gatherDots(a, of: k, from: k + 1, through: end, block: r0, rows: len, into: dots, kernels: K.self) }
                applyHeadGains(a, row: k, columns: (k + 1)..<end, tau: t, scale: scale, dots: dots)
                // The update sweep also scales x into v and gathers the next reflector's inputs.
                K.updateColumns(a.block(row: r0, column: k + 1, rows: len, columns: end - k - 1), adding: x,
                                gains: dots + k + 1, scaleX: scale,
                                dotsWith: hasNext ? UnsafePointer(a.column(k + 1) + r0) : nil, into: dots + k + 1)
                if hasNext { squares = dots[k + 1] }
                haveDots = hasNext
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
