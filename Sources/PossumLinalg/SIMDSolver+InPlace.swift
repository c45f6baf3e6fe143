/// The allocation-free core of `SIMDSolver`: factorization and least squares on caller-owned
/// storage. With a `QRWorkspace` that has served a problem of the same size before, these
/// allocate nothing — the steady state of a caller (or a benchmark) that solves many problems.
/// Inputs are not validated here (the `Matrix` entry points do that): finite entries, m ≥ n ≥ 1.
///
/// Generic over the scalar: `Double` and `Float` storage take the same paths
/// (`path(rows:columns:)`): the same algorithms and kernels, instantiated with `SIMD16<Float>` for
/// `Float`, with ε = `Float.ulpOfOne` in the rank test.
extension SIMDSolver {
    /// Entries of τ the in-place factorization of an m × n matrix writes (n, or n per row block
    /// on the TSQR path).
    public static func tauCount(rows m: Int, columns n: Int) -> Int {
        path(rows: m, columns: n).tauCount(rows: m, columns: n)
    }

    /// A TSQR leaf has at least this many row blocks: fewer, and the leaf's first block (factored
    /// in cache) and the combination would be a large share of its work.
    public static let minimumLeafRowBlocks = 2

    /// The TSQR tree cuts up to this many leaves per thread, so that a thread slowed by another
    /// process on its core leaves its remaining leaves to the others instead of holding up the join.
    public static let leavesPerThread = 4

    /// Threads `solve(inPlace:…)` uses for an m × n problem (see `threadsUsed(_:rows:columns:)`).
    public func threadsUsed(solvingRows m: Int, columns n: Int) -> Int {
        threadsUsed(.solve, rows: m, columns: n)
    }

    /// The in-place operations, for `threadsUsed`.
    public enum Operation: Sendable { case factor, solve }

    /// Threads an in-place call (or `factorize`, for `.factor`) uses for an m × n problem (`Double`
    /// or `Float`: the same paths), at most `threads`:
    /// - blocked path: `BlockedHouseholderQR.updateGroups` of the first trailing update (later
    ///   updates are smaller and may keep fewer busy);
    /// - TSQR path: the leaves of `tallSkinnyTree` (at least `minimumLeafRowBlocks` row blocks each),
    ///   for the factorization and the least-squares solve alike;
    /// - else 1.
    public func threadsUsed(_ op: Operation, rows m: Int, columns n: Int) -> Int {
        guard threads >= 2 else { return 1 }
        switch Self.path(rows: m, columns: n) {
        case .blocked(let nb):
            let trailing = n - nb + (op == .solve ? 1 : 0)
            return BlockedHouseholderQR.updateGroups(rows: m, columns: trailing, threads: threads)
        case .tallSkinny:
            return min(threads, tallSkinnyTree(rows: m, columns: n)?.leaves ?? 1)
        case .unblocked:
            return 1
        }
    }

    /// The reduction tree the TSQR path of an m × n factorization runs on with `threads`: the same
    /// number of leaves for every thread, up to `leavesPerThread`, each of at least
    /// `minimumLeafRowBlocks` row blocks (fewer leaves than threads when the rows do not go round);
    /// nil when that leaves one leaf (or the path is not TSQR): the one-thread `TallSkinnyQR` layout.
    public func tallSkinnyTree(rows m: Int, columns n: Int) -> TallSkinnyTree? {
        guard threads >= 2, case .tallSkinny(let mb, _) = Self.path(rows: m, columns: n) else { return nil }
        let most = m / (Self.minimumLeafRowBlocks * mb)
        var leaves = most >= threads ? threads * min(Self.leavesPerThread, most / threads) : most
        while leaves >= 2 {
            if let tree = TallSkinnyTree(rows: m, columns: n, blockRows: mb, leaves: leaves) { return tree }
            leaves -= 1
        }
        return nil
    }

    /// Entries of τ the in-place factorization of an m × n matrix writes with this solver's threads
    /// (at most `tauCount(rows:columns:)`, which serves any thread count).
    public func tauCount(rows m: Int, columns n: Int) -> Int {
        tallSkinnyTree(rows: m, columns: n)?.tauCount ?? Self.path(rows: m, columns: n).tauCount(rows: m, columns: n)
    }

    /// Factors the first `reflectors` columns of `a` in place by `path(rows:columns:)` and applies
    /// Qᵀ to the remaining columns, on up to `threads` threads: layout of `BlockedHouseholderQR`,
    /// of `TallSkinnyQR`, or with a `tallSkinnyTree` that tree's. `tau` has room for
    /// `tauCount(rows:columns:)` entries. Returns the path taken.
    @discardableResult
    @_specialize(where T == Double)
    @_specialize(where T == Float)
    public func factor<T: QRScalar>(
        inPlace a: StridedMatrixView<T>, reflectors: Int? = nil, tau: UnsafeMutablePointer<T>,
        workspace: inout QRWorkspace
    ) -> Path {
        factor(inPlace: a, reflectors: reflectors, tau: tau, workspace: &workspace, kernels: NativeKernels<T>.self)
    }

    /// `factor(inPlace:…)` with the given kernels. `residualSquares`: on the TSQR path (with a
    /// column past the reflectors), set to Σ (Qᵀb)ᵢ² over rows n..<m while it factors; other paths
    /// leave it alone.
    @discardableResult
    func factor<K: HouseholderKernels>(
        inPlace a: StridedMatrixView<K.Scalar>, reflectors: Int? = nil, tau: UnsafeMutablePointer<K.Scalar>,
        workspace: inout QRWorkspace, kernels: K.Type, residualSquares: UnsafeMutablePointer<K.Scalar>? = nil
    ) -> Path {
        let n = reflectors ?? a.columns
        let path = Self.path(rows: a.rows, columns: n)
        if case .tallSkinny(_, let nb) = path, let tree = tallSkinnyTree(rows: a.rows, columns: n) {
            TallSkinnyQR.factor(a, reflectors: n, tau: tau, tree: tree, threads: threads, panelWidth: nb,
                                workspace: &workspace, kernels: K.self,
                                residualSquares: residualSquares)
        } else {
            path.factor(inPlace: a, reflectors: n, tau: tau, threads: threads, workspace: &workspace, kernels: K.self,
                        residualSquares: residualSquares)
        }
        return path
    }

    /// min‖A·x − b‖₂ on `augmented` = [A | b] (m × (n + 1)), overwritten by the factorization;
    /// writes x (n entries) to `solution` and returns ‖b − A·x‖₂. Throws `rankDeficient` like
    /// `LeastSquaresSolver.solve` (same test on R's diagonal, |r_kk| ≤ max(m, n)·ε·max|r_ii|).
    @_specialize(where T == Double)
    @_specialize(where T == Float)
    public func solve<T: QRScalar>(
        inPlace augmented: StridedMatrixView<T>, tau: UnsafeMutablePointer<T>,
        solution x: UnsafeMutablePointer<T>, workspace: inout QRWorkspace
    ) throws -> T {
        try solve(inPlace: augmented, tau: tau, solution: x, workspace: &workspace, kernels: NativeKernels<T>.self)
    }

    /// `solve(inPlace:…)` with the given kernels.
    func solve<K: HouseholderKernels>(
        inPlace augmented: StridedMatrixView<K.Scalar>, tau: UnsafeMutablePointer<K.Scalar>,
        solution x: UnsafeMutablePointer<K.Scalar>, workspace: inout QRWorkspace, kernels: K.Type
    ) throws -> K.Scalar {
        let m = augmented.rows, n = augmented.columns - 1
        precondition(n >= 1 && m >= n, "solve(inPlace:) needs [A | b] with m ≥ n ≥ 1")
        // TSQR sums ‖r‖² block by block while it factors (on every leaf's thread): no serial pass.
        var tallSkinnySquares: K.Scalar = 0
        let path = factor(inPlace: augmented, reflectors: n, tau: tau, workspace: &workspace, kernels: K.self,
                          residualSquares: &tallSkinnySquares)
        var squares: K.Scalar? = nil
        if case .tallSkinny = path { squares = tallSkinnySquares }
        let view = augmented
        try checkFullRank(rows: m, columns: n) { view[$0, $0] }
        // R·x = (Qᵀb)[0..<n]; ‖r‖ = ‖(Qᵀb)[n..<m]‖ (its unscaled square from TSQR, guarded by norm2).
        x.update(from: view.column(n), count: n)
        if case .unblocked = path {
            // Short enough that the divisions' latency shows: reciprocals off the chain.
            solveUpperTriangularByReciprocals(view, count: n, x)
        } else {
            solveUpperTriangular(view, count: n, x)
        }
        return K.norm2(m - n, view.column(n) + n, sumOfSquares: squares ?? K.sumOfSquares(m - n, view.column(n) + n))
    }
}
