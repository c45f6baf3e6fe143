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

    /// Panel width nb (Benchmarks/README.md: the block size).
    public static let defaultBlockSize = 32

    public var rows: Int { packed.rows }
    public var columns: Int { packed.columns }

    /// Factors `a` (m ≥ n ≥ 1, finite entries) with panels of `blockSize` columns.
    public init(factoring a: Matrix, blockSize: Int = defaultBlockSize, threads: Int = 1) throws {
        var workspace = QRWorkspace()
        try self.init(factoring: a, blockSize: blockSize, threads: threads, workspace: &workspace)
    }

    /// Factors `a`, taking scratch memory from `workspace` (no allocation once it is big enough,
    /// apart from the result's own `packed` and `tau`); `threads` as in `factor`.
    public init(factoring a: Matrix, blockSize: Int = defaultBlockSize, threads: Int = 1, workspace: inout QRWorkspace) throws {
        try validateLeastSquaresShapeFast(a)
        precondition(blockSize >= 1, "block size must be positive")
        packed = a
        tau = [Double](repeating: 0, count: a.columns)
        tau.withUnsafeMutableBufferPointer { t in
            packed.withMutableView { view in
                Self.factor(view, tau: t.baseAddress!, blockSize: blockSize, threads: threads, workspace: &workspace)
            }
        }
    }

    /// Trailing matrices with fewer columns than a tile (`MicroKernel.minimumBlockedColumns`) are
    /// updated reflector by reflector: cheaper to sweep with each reflector than to pack V and form T for.
    static func minimumBlockedColumns<K: HouseholderKernels>(_: K.Type) -> Int { K.Tile.minimumBlockedColumns }

    /// Doubles of scratch `factor` needs for an m × n matrix with panels of nb columns.
    public static func workspaceSize(rows m: Int, columns n: Int, blockSize nb: Int) -> Int {
        workspaceSize(of: Double.self, rows: m, columns: n, blockSize: nb)
    }

    /// Elements of T of scratch `factor` needs (the tile's rows set the padding).
    public static func workspaceSize<T: QRScalar>(of type: T.Type, rows m: Int, columns n: Int, blockSize nb: Int) -> Int {
        PackedBlockReflector<NativeKernels<T>>.scratchSize(rows: m, columns: n, blockSize: nb)
    }

    /// A factorization gets a thread per this many columns of its first trailing update: a thread
    /// must be worth more than waking it (Benchmarks/README.md: splitting the trailing update) …
    public static let minimumGroupColumns = 32
    /// … and per this many elements of it (enough work to pay for the wake-up).
    public static let minimumGroupElements = 1 << 14

    /// Threads for a blocked factorization whose first trailing update is `rows` × `columns`, with
    /// `threads` allowed: as many as fit `minimumGroupColumns` and `minimumGroupElements`, at most
    /// `threads`, at least 1.
    public static func updateGroups(rows: Int, columns: Int, threads: Int) -> Int {
        guard threads >= 2 && rows > 0 && columns > 0 else { return 1 }
        return max(1, min(threads, columns / minimumGroupColumns, rows * columns / minimumGroupElements))
    }

    /// Overwrites the first `n` columns of `a` (m × n', m ≥ n, n' ≥ n; n = n' by default) with
    /// their QR factorization in `dgeqrf` layout and τ, and applies Qᵀ to the other n' − n
    /// columns: with b as column n, that column ends up holding Qᵀb. T = `Double` or `Float`.
    /// Panels of nb ≥ n make this the unblocked `dgeqr2` (`PairedHouseholderQR` is the fast form
    /// of that).
    ///
    /// `threads` ≥ 2 runs on `updateGroups` threads with look-ahead: one thread factors the next
    /// panel while the others share the rest of the trailing update in column chunks. Every element
    /// gets the same operations in the same order whoever computes it, so the result is
    /// bit-for-bit the one-thread result for any P (tested).
    @_specialize(where T == Double)
    @_specialize(where T == Float)
    public static func factor<T: QRScalar>(
        _ a: StridedMatrixView<T>, reflectors: Int? = nil, tau: UnsafeMutablePointer<T>, blockSize nb: Int,
        threads: Int = 1, workspace: inout QRWorkspace
    ) {
        factor(a, reflectors: reflectors, tau: tau, blockSize: nb, threads: threads, workspace: &workspace,
               kernels: NativeKernels<T>.self)
    }

    /// `factor` with the given kernels: panels of `dgeqr2` steps, each followed by one block
    /// reflector on the trailing matrix. On one thread in that order; on several, with look-ahead
    /// (`LookAheadSchedule`): the same operations on every element, so the same bits.
    static func factor<K: HouseholderKernels>(
        _ a: StridedMatrixView<K.Scalar>, reflectors: Int? = nil, tau: UnsafeMutablePointer<K.Scalar>, blockSize nb: Int,
        threads: Int = 1, workspace: inout QRWorkspace, kernels: K.Type
    ) {
        let m = a.rows, n = reflectors ?? a.columns, total = a.columns
        precondition(n <= total && n <= m, "cannot factor more columns than there are")
        let panels = BlockedPanels(rows: m, reflectors: n, columns: total, blockSize: nb,
                                   minimumBlocked: minimumBlockedColumns(K.self))
        // No trailing update (one panel covers everything): no scratch needed, none reserved.
        guard panels.updateSteps > 0 else {
            for c in 0..<n { HouseholderQR<K>.eliminate(column: c, of: a, tau: &tau[c]) }
            return
        }
        let workers = updateGroups(rows: m, columns: total - panels.width(0), threads: threads)
        workspace.withScratch(of: K.Scalar.self, PackedBlockReflector<K>.scratchSize(rows: m, columns: total, blockSize: nb)) {
            let steps = BlockedQRSteps<K>(a, tau: tau, panels: panels, scratch: $0, threads: workers)
            if workers >= 2, #available(macOS 15, *) {
                LookAheadSchedule(steps).run(threads: workers)
            } else {
                steps.runInOrder()
            }
        }
    }

    public var r: Matrix { upperTriangle(packed) }

    public func applyQTranspose(_ b: [Double]) -> [Double] {
        HouseholderSequence<SIMDKernels>(packed: packed, tau: tau, layout: .packed).applyTranspose(b)
    }

    public func thinQ() -> Matrix { HouseholderSequence<SIMDKernels>(packed: packed, tau: tau, layout: .packed).thinQ() }

    public func solveUpper(_ c: [Double]) -> [Double] { backSubstitute(packed, c) }
}

/// The smallest multiple of `step` that is ≥ x.
@inlinable
func roundUp(_ x: Int, _ step: Int) -> Int { (x + step - 1) / step * step }
