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
        // Vᵀ (ld × m), W and W' (ld × n each), −Tᵀ (ld × ld), T and V₁ (nb × nb each)
        return ld * m + 2 * ld * n + ld * ld + 2 * nb * nb
    }

    /// Overwrites the first `n` columns of `a` (m × n', m ≥ n, n' ≥ n; n = n' by default) with
    /// their QR factorization in `dgeqrf` layout and τ, and applies Qᵀ to the other n' − n
    /// columns: with b as column n, that column ends up holding Qᵀb. T = `Double` or `Float`.
    @_specialize(where T == Double)
    @_specialize(where T == Float)
    public static func factor<T: QRScalar>(
        _ a: StridedMatrixView<T>, reflectors: Int? = nil, tau: UnsafeMutablePointer<T>, blockSize nb: Int,
        workspace: inout QRWorkspace
    ) {
        let m = a.rows, n = reflectors ?? a.columns, total = a.columns
        precondition(n <= total && n <= m, "cannot factor more columns than there are")
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
                        scratch: scratch)
                }
                k += jb
            }
        }
    }

    /// C ← (H₀⋯H₍jb−1₎)ᵀ·C = (I − V·Tᵀ·Vᵀ)·C for the jb reflectors stored in `panel` (the role of
    /// `dlarft` + `dlarfb`): W = VᵀC, W' = −Tᵀ·W, C += V·W', three calls of `accumulateProduct`.
    ///
    /// `scratch` holds at least `workspaceSize(rows: panel.rows, columns: jb + c.columns, …)`.
    static func applyBlockReflectorTransposed<T: QRScalar>(
        _ panel: StridedMatrixView<T>, tau: UnsafePointer<T>, to c: StridedMatrixView<T>,
        scratch: UnsafeMutablePointer<T>
    ) {
        let (rows, jb, nc) = (panel.rows, panel.columns, c.columns)
        let ld = roundUp(jb, T.lanes)
        let vt = scratch                    // ld × rows: Vᵀ with its unit triangle explicit
        let w = vt + ld * rows              // ld × nc
        let w2 = w + ld * nc                // ld × nc
        let negTt = w2 + ld * nc            // ld × ld: −Tᵀ, zero-padded
        let t = negTt + ld * ld             // jb × jb
        let v1 = t + jb * jb                // jb × jb: V's top triangle with 1s and 0s explicit

        // Vᵀ, packed so that 8 consecutive reflectors' entries of one row are contiguous (the
        // micro-kernel's A operand for W = VᵀC). Rows of the padding stay 0.
        for r in 0..<rows {
            let dst = vt + r * ld
            for i in 0..<ld {
                dst[i] = i >= jb || r < i ? 0 : r == i ? 1 : panel[r, i]
            }
        }
        for p in 0..<jb {
            for i in 0..<jb { v1[i + p * jb] = i < p ? 0 : i == p ? 1 : panel[i, p] }
        }
        formTriangularFactor(panel, tau: tau, t: t)
        for p in 0..<ld {
            for i in 0..<ld { negTt[i + p * ld] = i < jb && p <= i ? -t[p + i * jb] : 0 }
        }

        w.update(repeating: 0, count: 2 * ld * nc)
        accumulateProduct(m: ld, n: nc, k: rows, vt, lda: ld, c.base, ldb: c.leadingDimension, w, ldc: ld)
        accumulateProduct(m: ld, n: nc, k: jb, negTt, lda: ld, w, ldb: ld, w2, ldc: ld)
        accumulateProduct(m: jb, n: nc, k: jb, v1, lda: jb, w2, ldb: ld, c.base, ldc: c.leadingDimension)
        if rows > jb {
            accumulateProduct(m: rows - jb, n: nc, k: jb, panel.base + jb, lda: panel.leadingDimension,
                              w2, ldb: ld, c.base + jb, ldc: c.leadingDimension)
        }
    }

    /// The upper-triangular T of H₀⋯H₍jb−1₎ = I − V·T·Vᵀ (`dlarft`, forward, columnwise):
    /// T[i,i] = τᵢ and T[0..<i, i] = −τᵢ·T[0..<i, 0..<i]·(V[:, 0..<i]ᵀ·vᵢ).
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
