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
    /// the block at once through the compact WY form (level 3: `InnerProductBlock`,
    /// `RankUpdateBlock`). The same for `Float` and `Double`: the block update pads nothing to
    /// whole vectors, so a wider Float panel would only move work to level 2 (Benchmarks/README.md:
    /// the roof, tall-skinny).
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
        let m = a.rows, total = a.columns, nb = panelWidth ?? defaultPanelWidth
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
                    factorPanelStructured(a, from: k0, count: jb, block: r0, rows: len,
                                          applyThrough: sweepAll ? total : k0 + jb, tau: blockTau, kernels: K.self)
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
                let beta = alpha >= 0 ? -pythagoras(alpha, tailNorm) : pythagoras(alpha, tailNorm)
                let scale = 1 / (alpha - beta)
                let t = (beta - alpha) / beta
                tau[k] = t
                a[k, k] = beta
                guard k + 1 < end else {
                    K.scale(len, scale, x)
                    continue
                }
                if !haveDots {
                    var j0 = k + 1
                    while j0 < end {
                        let cnt = min(4, end - j0)
                        let (d0, d1, d2, d3) = dot4(len, x, a.column(j0) + r0, a.column(j0 + min(1, cnt - 1)) + r0,
                                                    a.column(j0 + min(2, cnt - 1)) + r0, a.column(j0 + min(3, cnt - 1)) + r0)
                        dots[j0] = d0
                        if cnt > 1 { dots[j0 + 1] = d1 }
                        if cnt > 2 { dots[j0 + 2] = d2 }
                        if cnt > 3 { dots[j0 + 3] = d3 }
                        j0 += cnt
                    }
                }
                for j in (k + 1)..<end {
                    // w = τ·(c[k] + vᵀc_tail); the head entry is added after the long sum.
                    let cj = a.column(j)
                    let w = t * (cj[k] + scale * dots[j])
                    cj[k] -= w
                    dots[j] = -(w * scale)
                }
                let next: UnsafePointer<T>? = hasNext ? UnsafePointer(a.column(k + 1) + r0) : nil
                var j0 = k + 1
                while j0 < end {
                    let cnt = min(4, end - j0)
                    // Missing columns repeat the last real one with its gain: identical values stored.
                    let j1 = j0 + min(1, cnt - 1), j2 = j0 + min(2, cnt - 1), j3 = j0 + min(3, cnt - 1)
                    let (e0, e1, e2, e3) = update4(
                        len, x, scale: scale, scaleX: j0 + cnt >= end, next: next, nextIsFirst: j0 == k + 1,
                        dots[j0], a.column(j0) + r0, dots[j1], a.column(j1) + r0, dots[j2], a.column(j2) + r0,
                        dots[j3], a.column(j3) + r0)
                    if hasNext {
                        dots[j0] = e0
                        if cnt > 1 { dots[j0 + 1] = e1 }
                        if cnt > 2 { dots[j0 + 2] = e2 }
                        if cnt > 3 { dots[j0 + 3] = e3 }
                    }
                    j0 += cnt
                }
                if hasNext { squares = dots[k + 1] }
                haveDots = hasNext
            }
        }
    }

    /// (xᵀc₀, xᵀc₁, xᵀc₂, xᵀc₃) in one sweep, two vector accumulators per column so that the FMA
    /// latency is hidden.
    @inline(__always)
    static func dot4<T: QRScalar>(
        _ n: Int, _ x: UnsafePointer<T>, _ c0: UnsafePointer<T>, _ c1: UnsafePointer<T>, _ c2: UnsafePointer<T>,
        _ c3: UnsafePointer<T>
    ) -> (T, T, T, T) {
        var s0 = T.zeroVector, s1 = T.zeroVector, s2 = T.zeroVector, s3 = T.zeroVector
        var u0 = T.zeroVector, u1 = T.zeroVector, u2 = T.zeroVector, u3 = T.zeroVector
        var i = 0
        while i + 2 * T.lanes <= n {
            let xv = T.load(x + i), xu = T.load(x + i + T.lanes)
            s0 = T.fma(s0, xv, T.load(c0 + i)); u0 = T.fma(u0, xu, T.load(c0 + i + T.lanes))
            s1 = T.fma(s1, xv, T.load(c1 + i)); u1 = T.fma(u1, xu, T.load(c1 + i + T.lanes))
            s2 = T.fma(s2, xv, T.load(c2 + i)); u2 = T.fma(u2, xu, T.load(c2 + i + T.lanes))
            s3 = T.fma(s3, xv, T.load(c3 + i)); u3 = T.fma(u3, xu, T.load(c3 + i + T.lanes))
            i += 2 * T.lanes
        }
        if i + T.lanes <= n {
            let xv = T.load(x + i)
            s0 = T.fma(s0, xv, T.load(c0 + i)); s1 = T.fma(s1, xv, T.load(c1 + i))
            s2 = T.fma(s2, xv, T.load(c2 + i)); s3 = T.fma(s3, xv, T.load(c3 + i))
            i += T.lanes
        }
        var d0 = T.sum(T.add(s0, u0)), d1 = T.sum(T.add(s1, u1)), d2 = T.sum(T.add(s2, u2)), d3 = T.sum(T.add(s3, u3))
        while i < n {
            let xi = x[i]
            d0 += xi * c0[i]; d1 += xi * c1[i]; d2 += xi * c2[i]; d3 += xi * c3[i]
            i += 1
        }
        return (d0, d1, d2, d3)
    }

    /// cⱼ += gⱼ·x for four columns, then optionally x ← scale·x; returns (yᵀc₀, yᵀc₁, yᵀc₂, yᵀc₃)
    /// of the updated columns for y = `next` (y = the updated c₀ when `nextIsFirst`), zeros when
    /// `next` is nil. Repeated columns must come with equal gains (they store identical values).
    @inline(__always)
    static func update4<T: QRScalar>(
        _ n: Int, _ x: UnsafeMutablePointer<T>, scale: T, scaleX: Bool, next: UnsafePointer<T>?, nextIsFirst: Bool,
        _ g0: T, _ c0: UnsafeMutablePointer<T>, _ g1: T, _ c1: UnsafeMutablePointer<T>,
        _ g2: T, _ c2: UnsafeMutablePointer<T>, _ g3: T, _ c3: UnsafeMutablePointer<T>
    ) -> (T, T, T, T) {
        let a0 = T.splat(g0), a1 = T.splat(g1), a2 = T.splat(g2), a3 = T.splat(g3)
        var e0 = T.zeroVector, e1 = T.zeroVector, e2 = T.zeroVector, e3 = T.zeroVector
        var i = 0
        while i + T.lanes <= n {
            let xv = T.load(x + i)
            let n0 = T.fma(T.load(c0 + i), xv, a0), n1 = T.fma(T.load(c1 + i), xv, a1)
            let n2 = T.fma(T.load(c2 + i), xv, a2), n3 = T.fma(T.load(c3 + i), xv, a3)
            T.store(n3, c3 + i); T.store(n2, c2 + i); T.store(n1, c1 + i); T.store(n0, c0 + i)
            if let next {
                let y = nextIsFirst ? n0 : T.load(next + i)
                e0 = T.fma(e0, y, n0); e1 = T.fma(e1, y, n1); e2 = T.fma(e2, y, n2); e3 = T.fma(e3, y, n3)
            }
            if scaleX { T.store(T.scaled(xv, scale), x + i) }
            i += T.lanes
        }
        var s0 = T.sum(e0), s1 = T.sum(e1), s2 = T.sum(e2), s3 = T.sum(e3)
        while i < n {
            let xi = x[i]
            let n0 = c0[i] + g0 * xi, n1 = c1[i] + g1 * xi, n2 = c2[i] + g2 * xi, n3 = c3[i] + g3 * xi
            c3[i] = n3; c2[i] = n2; c1[i] = n1; c0[i] = n0
            if let next {
                let y = nextIsFirst ? n0 : next[i]
                s0 += y * n0; s1 += y * n1; s2 += y * n2; s3 += y * n3
            }
            if scaleX { x[i] = xi * scale }
            i += 1
        }
        return (s0, s1, s2, s3)
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
