import Dispatch

/// Blocked Householder QR (LAPACK `dgeqrf`): the same reflectors as `HouseholderQR`, in the same
/// packed layout, but applied to the trailing matrix `nb` at a time through the compact WY
/// representation H₀⋯H₍nb−1₎ = I − V·T·Vᵀ (Schreiber–Van Loan), so that 1 − O(nb/n) of the flops
/// run in `MicroKernel`, a register-blocked matrix product, instead of in level-2 reflector sweeps.
///
/// Backward stability: blocking only regroups the same reflector applications into products
/// whose entries are sums in a different order, so the bound of the unblocked algorithm holds
/// with a modestly larger constant: ‖A − Q̂R̂‖_F ≤ c·m·n·ε·‖A‖_F (Higham, *Accuracy and
/// Stability*, §19.5 on blocked Householder QR); observed errors are O(√n·ε).
public struct BlockedHouseholderQR: QRFactorization {
    public private(set) var packed: Matrix
    public private(set) var tau: [Double]

    /// Panel width nb, chosen by measurement on the benchmark machine (see Benchmarks/README.md).
    public static let defaultBlockSize = 32

    public var rows: Int { packed.rows }
    public var columns: Int { packed.columns }

    /// Factors `a` (m ≥ n ≥ 1, finite entries) with panels of `blockSize` columns.
    public init(factoring a: Matrix, blockSize: Int = defaultBlockSize) throws {
        var workspace = QRWorkspace()
        try self.init(factoring: a, blockSize: blockSize, workspace: &workspace)
    }

    /// Factors `a`, taking scratch memory from `workspace` (no allocation once it is big enough,
    /// apart from the result's own `packed` and `tau`).
    public init(factoring a: Matrix, blockSize: Int = defaultBlockSize, workspace: inout QRWorkspace) throws {
        try validateLeastSquaresShapeFast(a)
        precondition(blockSize >= 1, "block size must be positive")
        packed = a
        tau = [Double](repeating: 0, count: a.columns)
        tau.withUnsafeMutableBufferPointer { t in
            packed.withMutableView { view in
                Self.factor(view, tau: t.baseAddress!, blockSize: blockSize, workspace: &workspace)
            }
        }
    }

    /// Trailing matrices with fewer columns than this are updated reflector by reflector.
    static let minimumBlockedColumns = MicroKernel.nr

    /// Doubles of scratch `factor` needs for an m × n matrix with panels of nb columns.
    public static func workspaceSize(rows m: Int, columns n: Int, blockSize nb: Int) -> Int {
        workspaceSize(of: Double.self, rows: m, columns: n, blockSize: nb)
    }

    /// Elements of T of scratch `factor` needs (T's vector length sets the padding).
    public static func workspaceSize<T: QRScalar>(of type: T.Type, rows m: Int, columns n: Int, blockSize nb: Int) -> Int {
        let ld = roundUp(nb, T.lanes)
        // Vᵀ (ld × m), V in micro-panels (m rounded up to whole strips × nb), W and W' (ld × n
        // each), −Tᵀ (ld × ld), T (nb × nb)
        return ld * m + roundUp(m, T.lanes) * nb + 2 * ld * n + ld * ld + nb * nb
    }

    /// Whether a trailing update of `rows` × `columns` is split between two threads (when two
    /// are allowed): each half must be worth more than the cost of waking a thread (≈ 10 µs
    /// against ≈ 128 flops per element per panel). Measured (Benchmarks/README.md): splitting
    /// the narrow updates of the nb = 8 path (1000 × 50, Float32 100000 × 32: 24–42 trailing
    /// columns) gave 0.97–1.01×, the square ones 1.3–1.9×; so only updates of ≥ 64 columns split.
    public static func splitsUpdate(rows: Int, columns: Int) -> Bool {
        columns >= 64 && rows * columns >= 1 << 15
    }

    /// Overwrites the first `n` columns of `a` (m × n', m ≥ n, n' ≥ n; n = n' by default) with
    /// their QR factorization in `dgeqrf` layout and τ, and applies Qᵀ to the other n' − n
    /// columns: with b as column n, that column ends up holding Qᵀb. T = `Double` or `Float`.
    ///
    /// `threads` = 2 splits each trailing update's columns between two threads. Every column of
    /// the update is computed by the same operations in the same order whoever computes it, so
    /// the result is bit-for-bit the one-thread result (tested).
    @_specialize(where T == Double)
    @_specialize(where T == Float)
    public static func factor<T: QRScalar>(
        _ a: StridedMatrixView<T>, reflectors: Int? = nil, tau: UnsafeMutablePointer<T>, blockSize nb: Int,
        threads: Int = 1, workspace: inout QRWorkspace
    ) {
        let m = a.rows, n = reflectors ?? a.columns, total = a.columns
        precondition(n <= total && n <= m, "cannot factor more columns than there are")
        // One panel covering every reflector is the unblocked algorithm, whose fastest form is
        // `PairedHouseholderQR` (the same reflectors, applied two at a time).
        if nb >= n {
            PairedHouseholderQR.factor(a, reflectors: n, tau: tau, workspace: &workspace)
            return
        }
        // No trailing update (one panel covers everything): no scratch needed, none reserved.
        let scratchSize = total - min(nb, n) >= minimumBlockedColumns ? workspaceSize(of: T.self, rows: m, columns: total, blockSize: nb) : 0
        workspace.withScratch(of: T.self, scratchSize) { scratch in
            var k = 0
            while k < n {
                let jb = min(nb, n - k)
                // A trailing matrix narrower than a micro-tile (e.g. just b in a fused solve) is
                // cheaper to sweep with each reflector than to pack V and form T for.
                let sweepAll = total - k - jb < minimumBlockedColumns
                let panel = a.block(row: k, column: k, rows: m - k, columns: sweepAll ? total - k : jb)
                // The panel itself: unblocked, SIMD level-2 (it is O(nb/n) of the flops).
                for c in 0..<jb {
                    HouseholderQR<VectorKernels<T>>.eliminate(column: c, of: panel, tau: &tau[k + c])
                }
                if !sweepAll && k + jb < total {
                    applyBlockReflectorTransposed(
                        panel, tau: tau + k,
                        to: a.block(row: k, column: k + jb, rows: m - k, columns: total - k - jb),
                        scratch: scratch, threads: threads)
                }
                k += jb
            }
        }
    }

    /// C ← (H₀⋯H₍jb−1₎)ᵀ·C = (I − V·Tᵀ·Vᵀ)·C for the jb reflectors stored in `panel` (the role of
    /// `dlarft` + `dlarfb`): W = VᵀC, W' = −Tᵀ·W, C += V·W', three tiled products.
    ///
    /// V is packed twice, once per product it feeds (BLIS-style): as Vᵀ with `T.lanes`
    /// reflectors' entries of a row contiguous (A of W = VᵀC), and in micro-panels, `T.lanes`
    /// rows × jb contiguous (A of C += V·W'), so that the micro-kernel streams both from
    /// consecutive addresses instead of jb columns a whole leading dimension apart. Packing
    /// costs 2·rows·jb copies against 4·rows·jb·nc flops.
    ///
    /// With `threads` ≥ 2 (and `splitsUpdate`), the columns of C (and of W, W') are split in two
    /// halves updated concurrently; V, T and the packings are shared and read-only by then.
    ///
    /// `scratch` holds at least `workspaceSize(of: T.self, rows: panel.rows, columns: jb + c.columns, …)`.
    static func applyBlockReflectorTransposed<T: QRScalar>(
        _ panel: StridedMatrixView<T>, tau: UnsafePointer<T>, to c: StridedMatrixView<T>,
        scratch: UnsafeMutablePointer<T>, threads: Int = 1
    ) {
        let (rows, jb, nc) = (panel.rows, panel.columns, c.columns)
        let mr = T.lanes
        let ld = roundUp(jb, mr)
        let vt = scratch                    // ld × rows: Vᵀ with its unit triangle explicit
        let vp = vt + ld * rows             // roundUp(rows, mr) × jb in micro-panels: V
        let w = vp + roundUp(rows, mr) * jb // ld × nc
        let w2 = w + ld * nc                // ld × nc
        let negTt = w2 + ld * nc            // ld × ld: −Tᵀ, zero-padded
        let t = negTt + ld * ld             // jb × jb

        // Unit diagonal and zeros above it explicit; padding rows of Vᵀ (reflectors jb..<ld) and
        // of the last micro-panel (rows ≥ `rows`) are 0. Below the first jb rows V is the panel
        // itself, copied without tests: Vᵀ row by row (a gather across the jb columns), the
        // micro-panels one vector (mr consecutive rows of one column) at a time.
        @inline(__always) func vEntry(_ r: Int, _ i: Int) -> T { r >= rows || r < i ? 0 : r == i ? 1 : panel[r, i] }
        for r in 0..<rows {
            let dst = vt + r * ld
            if r < jb {
                for i in 0..<jb { dst[i] = vEntry(r, i) }
            } else {
                for i in 0..<jb { dst[i] = panel[r, i] }
            }
            for i in jb..<ld { dst[i] = 0 }
        }
        var r0 = 0
        while r0 < rows {
            let strip = vp + r0 * jb
            for i in 0..<jb {
                if r0 >= jb && r0 + mr <= rows {
                    T.store(T.load(panel.column(i) + r0), strip + i * mr)
                } else {
                    for q in 0..<mr { strip[i * mr + q] = vEntry(r0 + q, i) }
                }
            }
            r0 += mr
        }
        formTriangularFactor(panel, tau: tau, t: t)
        for p in 0..<ld {
            for i in 0..<ld { negTt[i + p * ld] = i < jb && p <= i ? -t[p + i * jb] : 0 }
        }

        let update = TrailingUpdate(vt: vt, vp: vp, w: w, w2: w2, negTt: negTt, c: c, jb: jb, ld: ld)
        guard threads >= 2 && splitsUpdate(rows: rows, columns: nc) else {
            update.columns(0, nc)
            return
        }
        // Whole micro-tiles on each side; which thread does a column does not change its bits.
        let split = roundUp(nc / 2, MicroKernel.nr)
        let shared = SharedWithWorker(value: update)
        DispatchQueue.concurrentPerform(iterations: 2) { half in
            if half == 0 { shared.value.columns(0, split) } else { shared.value.columns(split, nc - split) }
        }
    }

    /// The three products of `applyBlockReflectorTransposed` on a range of C's columns (a value,
    /// not a closure, so the one-thread path allocates no closure context: steady state).
    struct TrailingUpdate<T: QRScalar> {
        let vt: UnsafeMutablePointer<T>, vp: UnsafeMutablePointer<T>
        let w: UnsafeMutablePointer<T>, w2: UnsafeMutablePointer<T>, negTt: UnsafeMutablePointer<T>
        let c: StridedMatrixView<T>
        let jb: Int, ld: Int

        /// Columns of C taken through all three products at a time (a multiple of the tile's 6).
        ///
        /// Column j of W, W' and the update depend only on column j of C, so the update can run
        /// block by block: a block of C (rows × 24) is read by W = VᵀC and updated by C += V·W'
        /// while it is still in L2 (1000 rows: 96 KiB in Float32, 192 KiB in Float64) or at
        /// least L3, instead of the whole trailing matrix being read once per product (from
        /// L3, or memory from 2000² on). Measured (Benchmarks/README.md, round 3): qr Float32
        /// 1000² 1.05× → 1.09× of sgeqrf, Float64 2000² ≈ +10–20 %, 4000² 1.07× → 1.17×; 12, 36,
        /// 48, 96 and 192 columns measured the same as 24 within the noise.
        static var columnBlock: Int { 24 }

        /// Columns j0..<j0+count of the update: touches only those columns of C, W and W'. Each
        /// column gets the same operations in the same order whatever j0, count and the block
        /// boundaries (they fall on multiples of 6 from j0, itself a multiple of 6 or 0), so
        /// splitting the columns between threads does not change a bit.
        func columns(_ j0: Int, _ count: Int) {
            var j = j0
            while j < j0 + count {
                let width = min(Self.columnBlock, j0 + count - j)
                block(j, width)
                j += width
            }
        }

        /// W = VᵀC, W' = −Tᵀ·W, C += V·W' for columns j0..<j0+count.
        func block(_ j0: Int, _ count: Int) {
            let rows = c.rows
            let wj = w + ld * j0, w2j = w2 + ld * j0, cj = c.column(j0)
            wj.update(repeating: 0, count: ld * count)
            w2j.update(repeating: 0, count: ld * count)
            accumulateProduct(m: ld, n: count, k: rows, vt, lda: ld, cj, ldb: c.leadingDimension, wj, ldc: ld, kc: reflectorProductChunk)
            // −Tᵀ is lower triangular: strip s of its rows (mr = T.lanes of them) has no entries
            // past column (s + 1)·mr, so its inner dimension stops there (a quarter of the flops
            // of this product saved in Float32, 3/8 in Float64; only exact zeros are skipped).
            let mr = T.lanes
            var s0 = 0
            while s0 < ld {
                accumulateProduct(m: mr, n: count, k: min(jb, s0 + mr), negTt + s0, lda: ld, wj, ldb: ld, w2j + s0, ldc: ld)
                s0 += mr
            }
            accumulatePackedProduct(m: rows, n: count, k: jb, vp, w2j, ldb: ld, cj, ldc: c.leadingDimension)
        }
    }

    /// The upper-triangular T of H₀⋯H₍jb−1₎ = I − V·T·Vᵀ (`dlarft`, forward, columnwise):
    /// T[i,i] = τᵢ and T[0..<i, i] = −τᵢ·T[0..<i, 0..<i]·(V[:, 0..<i]ᵀ·vᵢ).
    ///
    /// The inner products vⱼᵀvᵢ are vector dot products (16 partial sums), not one level-3
    /// Gram product VᵀV through the micro-kernel: that was ~0.7 % faster in Float32 1000², but
    /// its entries are single FMA chains over the rows, and an error in T is a departure of
    /// I − V·T·Vᵀ from orthogonality that goes straight into the backward error: κ = 1e8,
    /// 160 × 66, mean LRE − dgels −0.35 digits with the Gram product, −0.23 with dot products
    /// (`BlockedPathAccuracyTests`).
    static func formTriangularFactor<T: QRScalar>(_ v: StridedMatrixView<T>, tau: UnsafePointer<T>, t: UnsafeMutablePointer<T>) {
        let (rows, jb) = (v.rows, v.columns)
        t.update(repeating: 0, count: jb * jb)
        for i in 0..<jb {
            t[i + i * jb] = tau[i]
            guard i > 0, tau[i] != 0 else { continue }
            // y_j = vⱼᵀvᵢ; vᵢ is 0 above row i and 1 at row i. Stored in T's column i for now.
            let ti = t + i * jb
            let vi = UnsafePointer(v.column(i))
            for j in 0..<i {
                ti[j] = v[i, j] + VectorKernels<T>.dot(rows - i - 1, v.column(j) + i + 1, vi + i + 1)
            }
            // T[0..<i, i] = −τᵢ·T[0..<i,0..<i]·y, top down: row r needs y_q for q ≥ r only.
            for r in 0..<i {
                var s: T = 0
                for q in r..<i { s += t[r + q * jb] * ti[q] }
                ti[r] = -tau[i] * s
            }
        }
    }

    public var r: Matrix { PackedReflectors<SIMDKernels>.r(packed) }

    public func applyQTranspose(_ b: [Double]) -> [Double] {
        PackedReflectors<SIMDKernels>.applyQTranspose(packed, tau, b)
    }

    public func thinQ() -> Matrix { PackedReflectors<SIMDKernels>.thinQ(packed, tau) }

    public func solveUpper(_ c: [Double]) -> [Double] { backSubstitute(packed, c) }
}

/// The smallest multiple of `step` that is ≥ x.
@inlinable
func roundUp(_ x: Int, _ step: Int) -> Int { (x + step - 1) / step * step }
