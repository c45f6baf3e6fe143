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
        if case .tallSkinny(let mb) = path(rows: m, columns: n) {
            // + 1 block: splitting the rows in two halves can add one partial block.
            return n * (TallSkinnyQR.blockCount(rows: m, columns: n, blockRows: mb) + 1)
        }
        return n
    }

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
        case .tallSkinny(let mb):
            return op == .solve && m >= 4 * mb ? 2 : 1
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
        let n = reflectors ?? a.columns
        let path = Self.path(rows: a.rows, columns: n)
        switch path {
        case .unblocked:
            BlockedHouseholderQR.factor(a, reflectors: n, tau: tau, blockSize: n, workspace: &workspace)
        case .blocked(let nb):
            BlockedHouseholderQR.factor(a, reflectors: n, tau: tau, blockSize: nb, threads: min(threads, 2),
                                        workspace: &workspace)
        case .tallSkinny(let mb):
            TallSkinnyQR.factor(a, reflectors: n, tau: tau, blockRows: mb, workspace: &workspace)
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
        let m = augmented.rows, n = augmented.columns - 1
        precondition(n >= 1 && m >= n, "solve(inPlace:) needs [A | b] with m ≥ n ≥ 1")
        if threadsUsed(.solve, rows: m, columns: n) == 2,
           case .tallSkinny(let mb) = Self.path(rows: m, columns: n) {
            var second = QRWorkspace()
            swap(&second.storage, &workspace.partnerStorage)
            defer { swap(&second.storage, &workspace.partnerStorage) }
            return try TallSkinnyQR.solveInTwoHalves(augmented, blockRows: mb, tau: tau, solution: x,
                                                     workspace: &workspace, workspace2: &second)
        }
        factor(inPlace: augmented, reflectors: n, tau: tau, workspace: &workspace)
        let view = augmented
        try checkFullRank(rows: m, columns: n) { view[$0, $0] }
        // R·x = (Qᵀb)[0..<n]; ‖r‖ = ‖(Qᵀb)[n..<m]‖.
        backSubstituteInPlace(view, solution: x)
        return VectorKernels<T>.norm2(m - n, view.column(n) + n)
    }
}
