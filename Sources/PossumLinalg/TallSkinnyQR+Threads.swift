import Dispatch
import Synchronization

/// A value handed to the worker threads of a threaded factorization. Each thread touches a
/// disjoint part of what the pointers address (its own rows, τ entries, columns or workspace),
/// which is what makes the unchecked `Sendable` sound.
struct SharedWithWorker<T>: @unchecked Sendable {
    let value: T
}

/// The leaves of a `TallSkinnyTree` still to factor, taken one at a time by the worker threads.
final class LeafCounter: Sendable {
    private let next = Atomic<Int>(0)
    /// The next leaf's index (≥ the leaf count once all are taken).
    func take() -> Int { next.add(1, ordering: .relaxed).oldValue }
}

/// How a tall-skinny m × n matrix is cut into P leaves for a parallel TSQR (Demmel, Grigori,
/// Hoemmen, Langou 2012) and how the leaves' triangles are recombined: a binary reduction tree.
///
/// Leaf i owns rows leafStart(i)..<leafStart(i + 1) (boundaries aligned to `splitAlignment`, each
/// leaf ≥ n rows) and is factored by `TallSkinnyQR.factor` on its own rows, leaving its triangle Rᵢ
/// on its first n rows. Then level by level, leaf i absorbs leaf i + s (s = 1, 2, 4, …, i a
/// multiple of 2s): [Rᵢ; Rᵢ₊ₛ] = Q·[R; 0] by n structured reflectors (the LAPACK `dtpqrt`
/// structure with a triangular lower part): reflector k has its 1 on row k of Rᵢ and its tail on
/// rows 0…k of Rᵢ₊ₛ, where it is stored (the upper triangle of the absorbed leaf's first n rows,
/// which its own reflectors never use). R ends on rows 0..<n, and every other row of a column
/// past n holds a part of Qᵀ·that column below the triangle, as on one thread.
///
/// τ: leaf i's `TallSkinnyQR` τ's from `leafTauOffset(i)`, then n per combination in the order of
/// `combinations`. The arithmetic depends only on (m, n, mb, P) — P leaves here, however many threads
/// factor them: the result is bit-for-bit the same on every run and whatever the scheduling; it
/// differs from one leaf by rounding only.
public struct TallSkinnyTree: Sendable, Equatable {
    public let rows: Int
    public let columns: Int
    public let blockRows: Int
    public let leaves: Int

    /// Leaf boundaries are multiples of this many rows (64 bytes of `Double`s), so every leaf
    /// starts on the same SIMD alignment.
    public static let splitAlignment = 8

    /// nil when P leaves of an m × n matrix would not each have n rows (with room to align the
    /// boundaries), or a size is not positive.
    public init?(rows m: Int, columns n: Int, blockRows mb: Int, leaves p: Int) {
        guard n >= 1, mb >= 1, p >= 1, m >= n, p == 1 || m / p >= n + Self.splitAlignment else { return nil }
        (rows, columns, blockRows, leaves) = (m, n, mb, p)
    }

    /// The first row of leaf i (i = `leaves` gives m): about i·m/P, rounded up to the alignment.
    public func leafStart(_ i: Int) -> Int {
        if i <= 0 { return 0 }
        if i >= leaves { return rows }
        let (q, r) = rows.quotientAndRemainder(dividingBy: leaves)
        return min(rows, roundUp(q * i + r * i / leaves, Self.splitAlignment))
    }

    /// Rows of leaf i.
    public func leafRows(_ i: Int) -> Int { leafStart(i + 1) - leafStart(i) }

    /// Where leaf i's τ's start.
    public func leafTauOffset(_ i: Int) -> Int {
        (0..<i).reduce(0) { $0 + columns * TallSkinnyQR.blockCount(rows: leafRows($1), columns: columns, blockRows: blockRows) }
    }

    /// The (absorbing, absorbed) leaf pairs, in the order they are combined: level by level.
    public var combinations: [(into: Int, from: Int)] {
        var pairs: [(into: Int, from: Int)] = []
        var step = 1
        while step < leaves {
            for i in stride(from: 0, to: leaves - step, by: 2 * step) { pairs.append((i, i + step)) }
            step *= 2
        }
        return pairs
    }

    /// Where combination c's n τ's start.
    public func combinationTauOffset(_ c: Int) -> Int { leafTauOffset(leaves) + c * columns }

    /// Entries of τ the factorization writes.
    public var tauCount: Int { combinationTauOffset(leaves - 1) }
}

extension TallSkinnyQR {
    /// Factors the first `n` columns of `a` in place over the leaves of `tree` (the layout and τ of
    /// `TallSkinnyTree`), the leaves concurrently, and applies the same reflectors to the remaining
    /// columns: with b as column n, that column ends up holding Qᵀb, its first n entries the c of
    /// R·x = c and the rest the residual's components. `tau` has room for `tree.tauCount` entries.
    /// Backward stable like TSQR: the tree only regroups orthogonal steps (Mori, Yamamoto, Zhang
    /// 2012: the bound grows with the tree's depth log₂P, not with P).
    ///
    /// `threads` (default: one per leaf, at most `tree.leaves`) take the leaves from a shared
    /// counter, so a thread whose core is busy elsewhere leaves its share to the others; the bits
    /// do not depend on which thread factors which leaf.
    @_specialize(where T == Double)
    @_specialize(where T == Float)
    public static func factor<T: QRScalar>(
        _ a: StridedMatrixView<T>, reflectors n: Int, tau: UnsafeMutablePointer<T>, tree: TallSkinnyTree,
        threads: Int? = nil, panelWidth: Int? = nil, workspace: inout QRWorkspace
    ) {
        factor(a, reflectors: n, tau: tau, tree: tree, threads: threads, panelWidth: panelWidth, workspace: &workspace,
               kernels: NativeKernels<T>.self)
    }

    /// `factor(_:reflectors:tau:tree:…)` with the given kernels. `residualSquares` (with a column n,
    /// b): set to Σ (Qᵀb)ᵢ² over the rows below R, each leaf summing its own rows on its own thread
    /// (`factor(…residualSquares:)`), then each absorbed triangle's n rows after the tree; a fixed
    /// order for a given P, so the same bits on every run.
    static func factor<K: HouseholderKernels>(
        _ a: StridedMatrixView<K.Scalar>, reflectors n: Int, tau: UnsafeMutablePointer<K.Scalar>, tree: TallSkinnyTree,
        threads: Int? = nil, panelWidth: Int? = nil, workspace: inout QRWorkspace, kernels: K.Type,
        residualSquares: UnsafeMutablePointer<K.Scalar>? = nil
    ) {
        precondition(tree.rows == a.rows && tree.columns == n && n <= a.columns, "TSQR tree of another shape")
        let p = tree.leaves
        guard p >= 2 else {
            factor(a, reflectors: n, tau: tau, blockRows: tree.blockRows, panelWidth: panelWidth, workspace: &workspace,
                   kernels: K.self, residualSquares: residualSquares)
            return
        }
        let residual = a.columns > n ? residualSquares : nil
        let workers = min(max(threads ?? p, 1), p)
        let nextLeaf = LeafCounter()
        withUnsafeTemporaryAllocation(of: K.Scalar.self, capacity: p) { leafSquares in
            guard let squares = leafSquares.baseAddress else { return }
            squares.initialize(repeating: 0, count: p)
            workspace.withThreadWorkspaces(workers) { spaces in
                let shared = SharedWithWorker(value: (a, tau, spaces, residual.map { _ in squares }))
                DispatchQueue.concurrentPerform(iterations: workers) { worker in
                    let (a, tau, spaces, squares) = shared.value
                    var i = nextLeaf.take()
                    while i < p {
                        let leaf = a.block(row: tree.leafStart(i), column: 0, rows: tree.leafRows(i), columns: a.columns)
                        factor(leaf, reflectors: n, tau: tau + tree.leafTauOffset(i), blockRows: tree.blockRows,
                               panelWidth: panelWidth, workspace: &spaces[worker], kernels: K.self,
                               residualSquares: squares.map { [i] in $0 + i })
                        i = nextLeaf.take()
                    }
                }
            }
            residual?.pointee = (0..<p).reduce(0) { $0 + squares[$1] }
        }
        for (c, pair) in tree.combinations.enumerated() {
            let top = tree.leafStart(pair.into), below = tree.leafStart(pair.from)
            // Rows from the absorbing leaf's triangle down to the end of the absorbed one's.
            let rows = a.block(row: top, column: 0, rows: below + n - top, columns: a.columns)
            let combinationTau = tau + tree.combinationTauOffset(c)
            for k in 0..<n {
                // Column k of the absorbed triangle is nonzero on its rows 0…k only (the reflectors
                // before k kept it upper triangular).
                combinationTau[k] = eliminateStructured(rows, row: k, block: below - top, count: k + 1,
                                                        applyThrough: a.columns, kernels: K.self)
            }
            // The absorbed triangle's rows of b now hold residual components, final from here on.
            residual?.pointee += K.sumOfSquares(n, a.column(n) + below)
        }
    }
}

/// A TSQR factorization over the leaves of a `TallSkinnyTree`, as an object (the `Matrix` API of
/// `SIMDSolver(threads:)` on tall-skinny matrices): R, Qᵀb, Q·c and the thin Q of the tree's layout.
public struct TallSkinnyTreeQR: QRFactorization {
    public private(set) var packed: Matrix
    public private(set) var tau: [Double]
    public let tree: TallSkinnyTree
    /// nil: `TallSkinnyQR.defaultPanelWidth(columns:)`.
    public let panelWidth: Int?

    public var rows: Int { packed.rows }
    public var columns: Int { packed.columns }

    /// Factors `a` (finite, tree.rows × tree.columns) over the tree's leaves on `threads` threads
    /// (default: one per leaf).
    public init(factoring a: Matrix, tree: TallSkinnyTree, threads: Int? = nil, panelWidth: Int? = nil) throws {
        try validateLeastSquaresShapeFast(a)
        precondition(a.rows == tree.rows && a.columns == tree.columns, "TSQR tree of another shape")
        self.tree = tree
        self.panelWidth = panelWidth
        var packed = a
        var tau = [Double](repeating: 0, count: tree.tauCount)
        var workspace = QRWorkspace()
        tau.withUnsafeMutableBufferPointer { t in
            packed.withMutableView { view in
                guard let base = t.baseAddress else { return }
                TallSkinnyQR.factor(view, reflectors: tree.columns, tau: base, tree: tree, threads: threads, panelWidth: panelWidth,
                                    workspace: &workspace)
            }
        }
        self.packed = packed
        self.tau = tau
    }

    /// A factorization in the tree's layout computed elsewhere (e.g. in place on `Float` storage,
    /// widened exactly to `Double`), so that its Q can be formed and applied in double precision.
    public init(packed: Matrix, tau: [Double], tree: TallSkinnyTree, panelWidth: Int? = nil) {
        precondition(packed.rows == tree.rows && packed.columns == tree.columns && tau.count >= tree.tauCount,
                     "TSQR tree layout: the tree's shape and τ count")
        self.packed = packed
        self.tau = tau
        self.tree = tree
        self.panelWidth = panelWidth
    }

    public var r: Matrix { upperTriangle(packed) }

    public func applyQTranspose(_ b: [Double]) -> [Double] {
        precondition(b.count == rows, "Qᵀb: b must have one entry per row")
        var c = b
        applyLeaves(to: &c, transpose: true)
        withColumns(&c, columns: 1) { applyCombinations(to: $0, transpose: true) }
        return c
    }

    /// Q·c (c has one entry per row).
    public func applyQ(_ c: [Double]) -> [Double] {
        precondition(c.count == rows, "Qc: c must have one entry per row")
        var q = c
        withColumns(&q, columns: 1) { applyCombinations(to: $0, transpose: false) }
        applyLeaves(to: &q, transpose: false)
        return q
    }

    /// Q·[Iₙ; 0]: the combinations' product applied to [Iₙ; 0], then each leaf's Q to its rows.
    public func thinQ() -> Matrix {
        let (m, n) = (rows, columns)
        var e = [Double](repeating: 0, count: m * n)
        for j in 0..<n { e[j + j * m] = 1 }
        withColumns(&e, columns: n) { applyCombinations(to: $0, transpose: false) }
        var q = Matrix(rows: m, columns: n)
        for j in 0..<n {
            var column = Array(e[(j * m)..<((j + 1) * m)])
            applyLeaves(to: &column, transpose: false)
            for i in 0..<m { q[i, j] = column[i] }
        }
        return q
    }

    public func solveUpper(_ c: [Double]) -> [Double] { backSubstitute(packed, c) }

    private func withColumns(_ storage: inout [Double], columns: Int, _ body: (MutableMatrixView) -> Void) {
        let m = rows
        storage.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            body(MutableMatrixView(base: base, rows: m, columns: columns, leadingDimension: m))
        }
    }

    /// Each leaf's own Q (transposed or not) applied to its rows of the vector `x`.
    private func applyLeaves(to x: inout [Double], transpose: Bool) {
        let n = columns, mb = tree.blockRows
        for i in 0..<tree.leaves {
            let r0 = tree.leafStart(i), len = tree.leafRows(i)
            let offset = tree.leafTauOffset(i)
            let count = n * TallSkinnyQR.blockCount(rows: len, columns: n, blockRows: mb)
            let leaf = HouseholderSequence<SIMDKernels>(
                packed: packed.submatrix(rows: r0..<(r0 + len), columns: 0..<n), tau: Array(tau[offset..<(offset + count)]),
                layout: .rowBlocks(firstRows: TallSkinnyQR.firstBlockRows(rows: len, columns: n, blockRows: mb), blockRows: mb))
            let part = Array(x[r0..<(r0 + len)])
            x.replaceSubrange(r0..<(r0 + len), with: transpose ? leaf.applyTranspose(part) : leaf.apply(part))
        }
    }

    /// The combinations' reflectors applied to `c`: in order for Qᵀ, in reverse for Q.
    private func applyCombinations(to c: MutableMatrixView, transpose: Bool) {
        let n = columns, m = rows
        let pairs = Array(tree.combinations.enumerated())
        packed.elements.withUnsafeBufferPointer { p in
            guard let base = p.baseAddress else { return }
            for (index, pair) in transpose ? pairs : pairs.reversed() {
                let top = tree.leafStart(pair.into), below = tree.leafStart(pair.from)
                let ks = transpose ? Array(0..<n) : Array((0..<n).reversed())
                for k in ks {
                    Householder<SIMDKernels>.applyReflector(
                        base + k * m + below, count: k + 1, tau: tau[tree.combinationTauOffset(index) + k],
                        head: top + k, tailRow: below, to: c)
                }
            }
        }
    }
}
