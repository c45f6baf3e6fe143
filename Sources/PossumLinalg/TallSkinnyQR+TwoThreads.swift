import Dispatch

/// A value handed to the other thread of `solveInTwoHalves`. Each thread touches a disjoint part
/// of what the pointers address (its own rows, τ entries and workspace), which is what makes the
/// unchecked `Sendable` sound.
struct SharedWithWorker<T>: @unchecked Sendable {
    let value: T
}

extension TallSkinnyQR {
    /// The first half's rows are a multiple of this many (64 bytes of `Double`s), so both halves
    /// start on the same SIMD alignment.
    public static let splitAlignment = 8

    /// Rows of the first half in `solveInTwoHalves`: about m/2, a multiple of `splitAlignment`,
    /// and at least n rows in each half.
    public static func splitRow(rows m: Int, columns n: Int) -> Int {
        min(max(roundUp((m + 1) / 2, splitAlignment), n), m - n)
    }

    /// Whether `solveInTwoHalves` can split an m × n problem (both halves need n rows, with room to
    /// align the split).
    public static func canSplit(rows m: Int, columns n: Int) -> Bool { m >= 2 * n + splitAlignment }

    /// min‖A·x − b‖₂ on `augmented` = [A | b] with two threads: TSQR reduction tree of depth one.
    ///
    /// The row halves [A₁ b₁] and [A₂ b₂] are factored concurrently by `factor` (one streaming
    /// pass each, Qᵢᵀbᵢ formed on the way), giving triangles R₁, R₂ and cᵢ = (Qᵢᵀbᵢ)[0..<n]; then
    /// [R₁ c₁; R₂ c₂] (2n × (n + 1)) is factored by the same structured reflectors as a TSQR block
    /// step, giving R and c with R·x = c, and ‖r‖² = ‖r₁‖² + ‖r₂‖² + ‖(combined)[n..<2n]‖².
    ///
    /// Deterministic: the split depends only on m and n, each half's arithmetic only on its rows,
    /// so the result is bit-for-bit the same on every run (it differs from the one-thread result
    /// by rounding only). Backward stable like TSQR (the tree only reorders orthogonal steps).
    ///
    /// `tau` has room for n·(blockCount(h) + blockCount(m − h)) entries, h = `splitRow`;
    /// `workspace` serves the first half and the combination, `workspace2` the second half.
    /// Throws `rankDeficient` like `SIMDSolver.solve(inPlace:…)`. `augmented` is overwritten.
    @_specialize(where T == Double)
    @_specialize(where T == Float)
    public static func solveInTwoHalves<T: QRScalar>(
        _ augmented: StridedMatrixView<T>, blockRows mb: Int, panelWidth: Int? = nil,
        tau: UnsafeMutablePointer<T>, solution x: UnsafeMutablePointer<T>,
        workspace: inout QRWorkspace, workspace2: inout QRWorkspace
    ) throws -> T {
        try solveInTwoHalves(augmented, blockRows: mb, panelWidth: panelWidth, tau: tau, solution: x,
                             workspace: &workspace, workspace2: &workspace2, kernels: NativeKernels<T>.self)
    }

    /// `solveInTwoHalves` with the given kernels.
    static func solveInTwoHalves<K: HouseholderKernels>(
        _ augmented: StridedMatrixView<K.Scalar>, blockRows mb: Int, panelWidth: Int? = nil,
        tau: UnsafeMutablePointer<K.Scalar>, solution x: UnsafeMutablePointer<K.Scalar>,
        workspace: inout QRWorkspace, workspace2: inout QRWorkspace, kernels: K.Type
    ) throws -> K.Scalar {
        typealias T = K.Scalar
        let m = augmented.rows, n = augmented.columns - 1, nb = panelWidth ?? T.lanes
        precondition(n >= 1 && canSplit(rows: m, columns: n), "solveInTwoHalves: too few rows to split")
        let h = splitRow(rows: m, columns: n)
        let top = augmented.block(row: 0, column: 0, rows: h, columns: n + 1)
        let bottom = augmented.block(row: h, column: 0, rows: m - h, columns: n + 1)
        let tau2 = tau + n * blockCount(rows: h, columns: n, blockRows: mb)

        withUnsafeTemporaryAllocation(of: QRWorkspace.self, capacity: 2) { spaces in
            // Move the workspaces' storage into the shared slots (no copy) and back afterwards.
            spaces.initializeElement(at: 0, to: workspace)
            spaces.initializeElement(at: 1, to: workspace2)
            workspace = QRWorkspace()
            workspace2 = QRWorkspace()
            defer {
                workspace = spaces.moveElement(from: 0)
                workspace2 = spaces.moveElement(from: 1)
            }
            let shared = SharedWithWorker(value: (top, bottom, tau, tau2, spaces.baseAddress!))
            DispatchQueue.concurrentPerform(iterations: 2) { half in
                let (top, bottom, tau, tau2, spaces) = shared.value
                if half == 0 {
                    factor(top, reflectors: n, tau: tau, blockRows: mb, panelWidth: nb, workspace: &spaces[0], kernels: K.self)
                } else {
                    factor(bottom, reflectors: n, tau: tau2, blockRows: mb, panelWidth: nb, workspace: &spaces[1], kernels: K.self)
                }
            }
        }

        // ‖r₁‖ and ‖r₂‖: the parts of Qᵢᵀbᵢ below each half's triangle.
        let r1 = K.norm2(h - n, top.column(n) + n)
        let r2 = K.norm2(m - h - n, bottom.column(n) + n)
        // S = [R₁ c₁; R₂ c₂], 2n × (n + 1), zeros below the triangles.
        let ld = 2 * n
        return try workspace.withScratch(of: T.self, ld * (n + 1)) { s in
            let sv = StridedMatrixView(base: s, rows: ld, columns: n + 1, leadingDimension: ld)
            for j in 0...n {
                for i in 0..<n {
                    sv[i, j] = j == n || i <= j ? top[i, j] : 0
                    sv[n + i, j] = j == n || i <= j ? bottom[i, j] : 0
                }
            }
            for k in 0..<n {
                _ = eliminateStructured(sv, row: k, block: n, count: n, applyThrough: n + 1, kernels: K.self)
            }
            try checkFullRank(rows: m, columns: n) { sv[$0, $0] }
            x.update(from: sv.column(n), count: n)
            solveUpperTriangular(sv, count: n, x)
            let r3 = K.norm2(n, sv.column(n) + n)
            return pythagoras(pythagoras(r1, r2), r3)
        }
    }
}
