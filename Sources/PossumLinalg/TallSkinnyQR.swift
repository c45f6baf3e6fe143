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

    /// Block size mb, chosen by measurement (see Benchmarks/README.md): a block of mb × n
    /// doubles plus R should stay in L2 while its n reflectors sweep it.
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
    /// the block at once through the compact WY form and `MicroKernel` (level 3). Measured, for
    /// `Double`. In general the default is one vector of reflectors, `T.lanes` (8 doubles, 16
    /// floats): the block update computes W = VᵀC with V's reflectors padded to whole vectors,
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
        let m = a.rows, total = a.columns, nb = panelWidth ?? T.lanes
        let b0 = firstBlockRows(rows: m, columns: n, blockRows: mb)
        // Block 0 is an ordinary QR of its rows.
        BlockedHouseholderQR.factor(a.block(row: 0, column: 0, rows: b0, columns: total), reflectors: n, tau: tau,
                                    blockSize: nb, workspace: &workspace)
        guard b0 < m else { return }
        let scratchSize = total - min(nb, n) >= BlockedHouseholderQR.minimumBlockedColumns ? BlockedHouseholderQR.workspaceSize(of: T.self, rows: mb, columns: total, blockSize: nb) : 0
        workspace.withScratch(of: T.self, scratchSize) { scratch in
            var r0 = b0
            var blk = 1
            while r0 < m {
                let len = min(mb, m - r0)
                let blockTau = tau + blk * n
                var k0 = 0
                while k0 < n {
                    let jb = min(nb, n - k0)
                    // Narrow trailing matrix (e.g. only b): sweep it with each reflector instead.
                    let sweepAll = total - k0 - jb < BlockedHouseholderQR.minimumBlockedColumns
                    for k in k0..<(k0 + jb) {
                        blockTau[k] = eliminateStructured(a, row: k, block: r0, count: len,
                                                          applyThrough: sweepAll ? total : k0 + jb)
                    }
                    if !sweepAll && k0 + jb < total {
                        applyStructuredBlockReflector(
                            a, panel: k0, width: jb, block: r0, count: len, tau: blockTau + k0,
                            scratch: scratch)
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
    static func eliminateStructured<T: QRScalar>(_ a: StridedMatrixView<T>, row k: Int, block r0: Int, count len: Int, applyThrough end: Int) -> T {
        let x = a.column(k) + r0
        let alpha = a[k, k]
        let tailNorm = VectorKernels<T>.norm2(len, x)
        guard tailNorm != 0 else { return 0 }  // block column already zero: H = I
        let beta = alpha >= 0 ? -pythagoras(alpha, tailNorm) : pythagoras(alpha, tailNorm)
        let tau = (beta - alpha) / beta
        VectorKernels<T>.scale(len, 1 / (alpha - beta), x)
        a[k, k] = beta
        if k + 1 < end {
            applyStructuredReflector(UnsafePointer(x), count: len, tau: tau, headRow: k, tailRow: r0,
                                     to: a.block(row: 0, column: k + 1, rows: a.rows, columns: end - k - 1))
        }
        return tau
    }

    /// Applies the jb reflectors of the panel at columns k0..<k0+jb of block [r0, r0+len) to all
    /// the columns after the panel, at once: their vectors are V = [E; V_B] with E the identity
    /// on the R rows k0..<k0+jb and V_B dense on the block rows, so with C = [C_R; C_B]
    ///
    ///     W = VᵀC = C_R + V_Bᵀ·C_B,   W' = −Tᵀ·W,   C_R += W',   C_B += V_B·W',
    ///
    /// where T is `dlarft`'s triangle; since the E parts are orthonormal, V's Gram matrix is
    /// I + V_BᵀV_B and T[0..<i, i] = −τᵢ·T[0..<i, 0..<i]·(V_B[:, 0..<i]ᵀ·V_B[:, i]).
    static func applyStructuredBlockReflector<T: QRScalar>(
        _ a: StridedMatrixView<T>, panel k0: Int, width jb: Int, block r0: Int, count len: Int,
        tau: UnsafePointer<T>, scratch: UnsafeMutablePointer<T>
    ) {
        let lda = a.leadingDimension
        let c0 = k0 + jb, nc = a.columns - c0
        let ld = roundUp(jb, T.lanes)
        let vt = scratch                    // ld × len: V_Bᵀ, padding rows 0
        let w = vt + ld * len               // ld × nc
        let w2 = w + ld * nc                // ld × nc
        let negTt = w2 + ld * nc            // ld × ld
        let t = negTt + ld * ld             // jb × jb
        let vb = UnsafePointer(a.column(k0) + r0)

        for r in 0..<len {
            let dst = vt + r * ld
            for i in 0..<jb { dst[i] = vb[r + i * lda] }
            for i in jb..<ld { dst[i] = 0 }
        }
        t.update(repeating: 0, count: jb * jb)
        for i in 0..<jb {
            t[i + i * jb] = tau[i]
            guard i > 0, tau[i] != 0 else { continue }
            let ti = t + i * jb
            for j in 0..<i { ti[j] = VectorKernels<T>.dot(len, vb + j * lda, vb + i * lda) }
            for r in 0..<i {
                var s: T = 0
                for q in r..<i { s += t[r + q * jb] * ti[q] }
                ti[r] = -tau[i] * s
            }
        }
        for p in 0..<ld {
            for i in 0..<ld { negTt[i + p * ld] = i < jb && p <= i ? -t[p + i * jb] : 0 }
        }
        // W = V_Bᵀ·C_B + C_R (padding rows of W: 0), C_R added last, as the unblocked reflector
        // adds its head entry to the dot product (c[k] + vᵀc): the long sum starts from zero
        // instead of carrying R's entries, often the largest, through every rounding.
        w.update(repeating: 0, count: 2 * ld * nc)
        accumulateProduct(m: ld, n: nc, k: len, vt, lda: ld, a.column(c0) + r0, ldb: lda, w, ldc: ld, kc: reflectorProductChunk)
        for j in 0..<nc {
            let cj = a.column(c0 + j)
            for i in 0..<jb { w[i + j * ld] += cj[k0 + i] }
        }
        accumulateProduct(m: ld, n: nc, k: jb, negTt, lda: ld, w, ldb: ld, w2, ldc: ld)
        for j in 0..<nc {
            let cj = a.column(c0 + j)
            for i in 0..<jb { cj[k0 + i] += w2[i + j * ld] }
        }
        accumulateProduct(m: len, n: nc, k: jb, vb, lda: lda, w2, ldb: ld, a.column(c0) + r0, ldc: lda)
    }

    /// c ← (I − τ·v·vᵀ)·c for every column c of `c`, where v is 1 at `headRow` and v[0..<len]
    /// on rows tailRow..<tailRow+len (disjoint from headRow), 0 elsewhere.
    @inline(__always)
    static func applyStructuredReflector<T: QRScalar>(
        _ v: UnsafePointer<T>, count len: Int, tau: T, headRow k: Int, tailRow r0: Int,
        to c: StridedMatrixView<T>
    ) {
        var j = 0
        // Four columns per sweep: v is loaded once for four dot products and four updates.
        while j + 4 <= c.columns {
            let c0 = c.column(j), c1 = c.column(j + 1), c2 = c.column(j + 2), c3 = c.column(j + 3)
            let (d0, d1, d2, d3) = VectorKernels<T>.dot4(len, v, c0 + r0, c1 + r0, c2 + r0, c3 + r0)
            let w0 = tau * (c0[k] + d0), w1 = tau * (c1[k] + d1)
            let w2 = tau * (c2[k] + d2), w3 = tau * (c3[k] + d3)
            c0[k] -= w0; c1[k] -= w1; c2[k] -= w2; c3[k] -= w3
            VectorKernels<T>.axpy4(len, v, -w0, c0 + r0, -w1, c1 + r0, -w2, c2 + r0, -w3, c3 + r0)
            j += 4
        }
        while j < c.columns {
            let cj = c.column(j)
            let w = tau * (cj[k] + VectorKernels<T>.dot(len, v, cj + r0))
            cj[k] -= w
            VectorKernels<T>.axpy(len, -w, v, cj + r0)
            j += 1
        }
    }

    // MARK: - QRFactorization

    public var r: Matrix { PackedReflectors<SIMDKernels>.r(packed) }

    /// Qᵀ·b = Q_Bᵀ⋯Q₁ᵀ·Q₀ᵀ·b, block by block (4mn flops, one pass over the reflectors).
    public func applyQTranspose(_ b: [Double]) -> [Double] {
        precondition(b.count == rows, "applyQTranspose: b must have one entry per row")
        var c = b
        let m = rows
        packed.elements.withUnsafeBufferPointer { p in
            c.withUnsafeMutableBufferPointer { cb in
                let cv = MutableMatrixView(base: cb.baseAddress!, rows: m, columns: 1, leadingDimension: m)
                forEachReflector(forward: true) { head, k, r0, len, t in
                    let v = p.baseAddress! + k * m + r0
                    if head {  // block 0: the dgeqrf reflector on rows k..<b0
                        SIMDKernels.applyReflector(v - 1, tau: t, to: cv.block(row: k, column: 0, rows: len + 1, columns: 1))
                    } else {
                        Self.applyStructuredReflector(v, count: len, tau: t, headRow: k, tailRow: r0, to: cv)
                    }
                }
            }
        }
        return c
    }

    /// Q·[Iₙ; 0] = Q₀·Q₁⋯Q_B·[Iₙ; 0], applying the reflectors in reverse order.
    public func thinQ() -> Matrix {
        let (m, n) = (rows, columns)
        var q = Matrix(rows: m, columns: n)
        for j in 0..<n { q[j, j] = 1 }
        packed.elements.withUnsafeBufferPointer { p in
            q.withMutableView { qv in
                forEachReflector(forward: false) { head, k, r0, len, t in
                    let v = p.baseAddress! + k * m + r0
                    if head {
                        SIMDKernels.applyReflector(v - 1, tau: t, to: qv.block(row: k, column: 0, rows: len + 1, columns: n))
                    } else {
                        Self.applyStructuredReflector(v, count: len, tau: t, headRow: k, tailRow: r0, to: qv)
                    }
                }
            }
        }
        return q
    }

    /// Calls `body(isBlock0, k, tailRow, tailLength, τ)` for every reflector with τ ≠ 0, in the
    /// order Qᵀ applies them (forward) or the reverse. For block 0 the tail is rows k+1..<b₀.
    func forEachReflector(forward: Bool, _ body: (Bool, Int, Int, Int, Double) -> Void) {
        let (m, n) = (rows, columns)
        let b0 = Self.firstBlockRows(rows: m, columns: n, blockRows: blockRows)
        let count = Self.blockCount(rows: m, columns: n, blockRows: blockRows)
        let blocks = forward ? Array(0..<count) : Array((0..<count).reversed())
        for blk in blocks {
            let (r0, len) = blk == 0 ? (0, b0) : (b0 + (blk - 1) * blockRows, min(blockRows, m - b0 - (blk - 1) * blockRows))
            let ks = forward ? Array(0..<n) : Array((0..<n).reversed())
            for k in ks where tau[blk * n + k] != 0 {
                if blk == 0 { body(true, k, k + 1, b0 - k - 1, tau[k]) } else { body(false, k, r0, len, tau[blk * n + k]) }
            }
        }
    }

    public func solveUpper(_ c: [Double]) -> [Double] { backSubstitute(packed, c) }
}
