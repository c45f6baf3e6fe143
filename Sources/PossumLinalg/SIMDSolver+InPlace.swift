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

    /// A TSQR least squares is split between two threads from this many row blocks on (two per
    /// thread).
    public static let twoThreadRowBlocks = 4

    /// Threads `solve(inPlace:…)` uses for an m × n `Double` problem (see `threadsUsed(_:rows:columns:)`).
    public func threadsUsed(solvingRows m: Int, columns n: Int) -> Int {
        threadsUsed(.solve, rows: m, columns: n)
    }

    /// The in-place operations, for `threadsUsed`.
    public enum Operation: Sendable { case factor, solve }

    /// Threads an in-place call uses for an m × n problem (`Double` or `Float`: the same paths) when
    /// `threads ≥ 2`:
    /// - blocked path (factor or solve, either precision): 2 when the first trailing update is
    ///   big enough to split (`BlockedHouseholderQR.splitsUpdate`);
    /// - TSQR path: 2 for a least-squares solve with at least four row blocks
    ///   (two per thread); the factorization alone runs on one thread;
    /// - else 1.
    public func threadsUsed(_ op: Operation, rows m: Int, columns n: Int) -> Int {
        guard threads >= 2 else { return 1 }
        switch Self.path(rows: m, columns: n) {
        case .blocked(let nb):
            let trailing = n - nb + (op == .solve ? 1 : 0)
            return BlockedHouseholderQR.splitsUpdate(rows: m, columns: trailing) ? 2 : 1
        case .tallSkinny(let mb, _):
            return op == .solve && m >= Self.twoThreadRowBlocks * mb ? 2 : 1
        case .unblocked:
            return 1
        }
    }

    /// Factors the first `reflectors` columns of `a` in place by `path(rows:columns:)` (layout of
    /// `BlockedHouseholderQR` or `TallSkinnyQR`) and applies Qᵀ to the remaining columns.
    /// `tau` has room for `tauCount(rows:columns:)` entries. Returns the path taken.
    @discardableResult
    @_specialize(where T == Double)
    @_specialize(where T == Float)
    public func factor<T: QRScalar>(
        inPlace a: StridedMatrixView<T>, reflectors: Int? = nil, tau: UnsafeMutablePointer<T>,
        workspace: inout QRWorkspace
    ) -> Path {
        let path = Self.path(rows: a.rows, columns: reflectors ?? a.columns)
        path.factor(inPlace: a, reflectors: reflectors, tau: tau, threads: min(threads, 2), workspace: &workspace)
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
        let path = Self.path(rows: m, columns: n)
        if threadsUsed(.solve, rows: m, columns: n) == 2, case .tallSkinny(let mb, let nb) = path {
            var second = QRWorkspace()
            swap(&second.storage, &workspace.partnerStorage)
            defer { swap(&second.storage, &workspace.partnerStorage) }
            return try TallSkinnyQR.solveInTwoHalves(augmented, blockRows: mb, panelWidth: nb, tau: tau, solution: x,
                                                     workspace: &workspace, workspace2: &second, kernels: K.self)
        }
        path.factor(inPlace: augmented, reflectors: n, tau: tau, threads: min(threads, 2), workspace: &workspace,
                    kernels: K.self)
        let view = augmented
        try checkFullRank(rows: m, columns: n) { view[$0, $0] }
        // R·x = (Qᵀb)[0..<n]; ‖r‖ = ‖(Qᵀb)[n..<m]‖.
        x.update(from: view.column(n), count: n)
        solveUpperTriangular(view, count: n, x)
        return K.norm2(m - n, view.column(n) + n)
    }
}
