@testable import PossumLinalg
import PossumOpenBLAS
import Testing

/// `SIMDSolver(threads: P)` for any P: the TSQR reduction tree over P row leaves (qr and lstsq) and
/// the blocked QR's trailing updates shared by P threads with look-ahead.
///
/// Every run with a given P gives the same bits (the arithmetic depends only on the shape and P,
/// not on the scheduling), and every P is backward stable like P = 1: ‖[A b] − Q̂·[R̂ c]‖_F ≤
/// c·n·ε·‖[A b]‖_F (Higham Thm. 19.4 for any sequence of Householder steps; the tree only regroups
/// them, Mori–Yamamoto–Zhang 2012), with c = 10 a margin of ~10² over the observed errors. The
/// solutions of two backward-stable solves differ by at most twice the perturbation bound for that
/// backward error (Higham Thm. 20.1): ‖Δx‖ ≤ 2·η·κ·(2 + (κ + 1)·‖r‖/(‖A‖₂‖x‖))·‖x‖, η = c·n·ε,
/// κ ≤ 3 for these random tall matrices, ‖A‖₂ ≥ ‖A‖_F/√n.
@Suite struct ThreadsTests {
    static let threadCounts = [1, 2, 3, 4, 7]

    /// One in-place factorization of [A | b] (or of A alone) and one solve, with P threads.
    struct Run<T: QRScalar>: Equatable {
        var factoredValues: [T] = []
        var tau: [T] = []
        var solved: [T] = []
        /// τ of the factorization of [A | b] in `solved`.
        var solvedTau: [T] = []
        var x: [T] = []
        var residual: T = 0

        static func == (a: Run, b: Run) -> Bool {
            func bits(_ v: [T]) -> [UInt64] {
                v.flatMap { [UInt64($0.significandBitPattern), UInt64($0.exponentBitPattern), $0.sign == .minus ? 1 : 0] }
            }
            return bits(a.factoredValues) == bits(b.factoredValues) && bits(a.tau) == bits(b.tau) && bits(a.solvedTau) == bits(b.solvedTau)
                && bits(a.solved) == bits(b.solved) && bits(a.x) == bits(b.x) && bits([a.residual]) == bits([b.residual])
        }
    }

    /// Through `SIMDSolver(threads: P)`, or (`blockRows` given) through `TallSkinnyQR.factor` on a
    /// tree of P leaves with row blocks of that size, so that small shapes get up to 7 leaves.
    static func run<T: QRScalar, K: HouseholderKernels>(
        _ ab: [T], rows m: Int, columns n: Int, threads: Int, blockRows: Int? = nil, kernels: K.Type
    ) throws -> Run<T> where K.Scalar == T {
        if let mb = blockRows { return try runTree(ab, rows: m, columns: n, leaves: threads, blockRows: mb, kernels: K.self) }
        let solver = SIMDSolver(threads: threads)
        var result = Run<T>()
        var factored = Array(ab[0..<(m * n)]), solved = ab
        var tau = [T](repeating: .nan, count: solver.tauCount(rows: m, columns: n))
        var x = [T](repeating: .nan, count: n)
        var workspace = QRWorkspace()
        factored.withUnsafeMutableBufferPointer { f in
            tau.withUnsafeMutableBufferPointer { t in
                guard let fb = f.baseAddress, let tb = t.baseAddress else { return }
                solver.factor(inPlace: StridedMatrixView(base: fb, rows: m, columns: n, leadingDimension: m), tau: tb,
                              workspace: &workspace, kernels: K.self)
            }
        }
        result.factoredValues = factored
        result.tau = tau
        tau.withUnsafeMutableBufferPointer { $0.update(repeating: .nan) }
        result.residual = try solved.withUnsafeMutableBufferPointer { s in
            try tau.withUnsafeMutableBufferPointer { t in
                try x.withUnsafeMutableBufferPointer { xb in
                    guard let sb = s.baseAddress, let tb = t.baseAddress, let xp = xb.baseAddress else { return T.nan }
                    return try solver.solve(inPlace: StridedMatrixView(base: sb, rows: m, columns: n + 1, leadingDimension: m),
                                            tau: tb, solution: xp, workspace: &workspace, kernels: K.self)
                }
            }
        }
        result.solved = solved
        result.solvedTau = tau
        result.x = x
        return result
    }

    /// The factorization of A and of [A | b] over a tree, and the solve read off the latter as
    /// `SIMDSolver.solve(inPlace:…)` does (R·x = c, ‖r‖ the norm of Qᵀb below c).
    static func runTree<T: QRScalar, K: HouseholderKernels>(
        _ ab: [T], rows m: Int, columns n: Int, leaves: Int, blockRows mb: Int, kernels: K.Type
    ) throws -> Run<T> where K.Scalar == T {
        let tree = try #require(TallSkinnyTree(rows: m, columns: n, blockRows: mb, leaves: leaves))
        var result = Run<T>()
        var workspace = QRWorkspace()
        func factored(_ values: [T], columns: Int) -> (values: [T], tau: [T]) {
            var values = values, tau = [T](repeating: .nan, count: tree.tauCount)
            values.withUnsafeMutableBufferPointer { v in
                tau.withUnsafeMutableBufferPointer { t in
                    guard let vb = v.baseAddress, let tb = t.baseAddress else { return }
                    TallSkinnyQR.factor(StridedMatrixView(base: vb, rows: m, columns: columns, leadingDimension: m),
                                        reflectors: n, tau: tb, tree: tree, panelWidth: 4, workspace: &workspace, kernels: K.self)
                }
            }
            return (values, tau)
        }
        (result.factoredValues, result.tau) = factored(Array(ab[0..<(m * n)]), columns: n)
        (result.solved, result.solvedTau) = factored(ab, columns: n + 1)
        var x = Array(result.solved[(n * m)..<(n * m + n)])
        result.solved.withUnsafeMutableBufferPointer { s in
            guard let sb = s.baseAddress else { return }
            solveUpperTriangular(StridedMatrixView(base: sb, rows: m, columns: n + 1, leadingDimension: m), count: n, &x)
        }
        result.x = x
        result.residual = T(scaledNorm2(result.solved[(n * m + n)..<((n + 1) * m)].map { Double($0) }))
        return result
    }

    /// [A | b] random in [−1, 1), rounded to T.
    static func problem<T: QRScalar>(_: T.Type, rows m: Int, columns n: Int) -> (ab: [T], wide: Matrix) {
        var rng = SplitMix64(seed: UInt64(m * 131 + n))
        let values = (0..<(m * (n + 1))).map { _ in T(Double.random(in: -1..<1, using: &rng)) }
        return (values, Matrix(rows: m, columns: n + 1, columnMajor: values.map { Double($0) }))
    }

    /// ‖[A b] − Q·[R c]‖_F / ‖[A b]‖_F for the in-place factorization `run.solved` of [A | b] by `solver`,
    /// Q applied in `Double` from the reflectors (the tree's layout, or the one-thread layouts).
    static func backwardError<T: QRScalar>(_ run: Run<T>, _ ab: Matrix, solver: SIMDSolver, tree: TallSkinnyTree?) -> Double {
        let (m, n) = (ab.rows, ab.columns - 1)
        let packedAB = Matrix(rows: m, columns: n + 1, columnMajor: run.solved.map { Double($0) })
        let packed = packedAB.submatrix(rows: 0..<m, columns: 0..<n)
        let tau = run.solvedTau.map { Double($0) }
        let applyQ: ([Double]) -> [Double]
        if let tree = tree ?? solver.tallSkinnyTree(rows: m, columns: n) {
            applyQ = TallSkinnyTreeQR(packed: packed, tau: tau, tree: tree).applyQ
        } else if case .tallSkinny(let mb, _) = SIMDSolver.path(rows: m, columns: n) {
            let layout = HouseholderSequence<ScalarKernels>.Layout.rowBlocks(
                firstRows: TallSkinnyQR.firstBlockRows(rows: m, columns: n, blockRows: mb), blockRows: mb)
            applyQ = HouseholderSequence<ScalarKernels>(packed: packed, tau: tau, layout: layout).apply
        } else {
            applyQ = HouseholderSequence<ScalarKernels>(packed: packed, tau: Array(tau[0..<n]), layout: .packed).apply
        }
        var difference = 0.0
        for j in 0...n {
            // Column j of [R c; 0 d], what Qᵀ made of [A b].
            let column = applyQ((0..<m).map { i in i <= j || j == n ? packedAB[i, j] : 0 })
            for i in 0..<m { difference += (column[i] - ab[i, j]) * (column[i] - ab[i, j]) }
        }
        return difference.squareRoot() / ab.frobeniusNorm
    }

    /// Runs every P twice and checks determinism, backward error and agreement with P = 1.
    /// With `bitwiseAcrossP` (the blocked split), every P must give P = 1's bits, so the backward
    /// error is measured for P = 1 only.
    static func check<T: QRScalar, K: HouseholderKernels>(
        _: T.Type, rows m: Int, columns n: Int, blockRows: Int? = nil, threadCounts: [Int] = threadCounts,
        kernels: K.Type, bitwiseAcrossP: Bool
    ) throws where K.Scalar == T {
        let (ab, wide) = problem(T.self, rows: m, columns: n)
        let eps = Double(T.ulpOfOne)
        let eta = 10 * Double(n) * eps
        let one = try run(ab, rows: m, columns: n, threads: 1, blockRows: blockRows, kernels: K.self)
        let a = wide.submatrix(rows: 0..<m, columns: 0..<n)
        let xNorm = scaledNorm2(one.x.map { Double($0) })
        let kappa = 3.0
        let ratio = Double(n).squareRoot() * Double(one.residual) / (a.frobeniusNorm * xNorm)
        let xTolerance = 2 * eta * kappa * (2 + (kappa + 1) * ratio) * xNorm
        for p in threadCounts {
            let solver = SIMDSolver(threads: p)
            let tree = blockRows.flatMap { TallSkinnyTree(rows: m, columns: n, blockRows: $0, leaves: p) }
            let first = try run(ab, rows: m, columns: n, threads: p, blockRows: blockRows, kernels: K.self)
            let second = try run(ab, rows: m, columns: n, threads: p, blockRows: blockRows, kernels: K.self)
            let used = tree?.leaves ?? solver.threadsUsed(.solve, rows: m, columns: n)
            let label = "\(T.self) \(m)×\(n) P=\(p) (\(used) used)"
            #expect(first == second, "\(label): run twice, the same bits")
            if bitwiseAcrossP { #expect(first == one, "\(label): the same bits as P = 1") }
            if !bitwiseAcrossP || p == 1 {
                #expect(backwardError(first, wide, solver: solver, tree: tree) <= eta, "\(label): backward error of [A b] = Q·[R c]")
            }
            for k in 0..<n {
                #expect(abs(Double(first.x[k]) - Double(one.x[k])) <= xTolerance, "\(label): x[\(k)] against P = 1")
            }
            #expect(abs(Double(first.residual) - Double(one.residual)) <= eta * wide.frobeniusNorm, "\(label): ‖r‖")
        }
    }

    /// The TSQR tree over 1…7 leaves, on row blocks small enough that these shapes have them.
    @Test(arguments: [(3_000, 13, 64), (1_500, 40, 50)])
    func tallSkinnyTreeIsDeterministicAndStableForEveryP(shape: (m: Int, n: Int, mb: Int)) throws {
        try Self.check(Double.self, rows: shape.m, columns: shape.n, blockRows: shape.mb,
                       kernels: NativeKernels<Double>.self, bitwiseAcrossP: false)
        try Self.check(Float.self, rows: shape.m, columns: shape.n, blockRows: shape.mb,
                       kernels: NativeKernels<Float>.self, bitwiseAcrossP: false)
    }

    /// Through the solver: a tall-skinny shape on the TSQR path where 7 threads get 7 leaves
    /// (2 row blocks of 2048 rows each).
    @Test func solverRunsTheTreeOnEveryLeaf() throws {
        let (m, n) = (28_700, 16)
        #expect(SIMDSolver(threads: 7).threadsUsed(.factor, rows: m, columns: n) == 7)
        #expect(SIMDSolver(threads: 3).threadsUsed(.solve, rows: m, columns: n) == 3)
        try Self.check(Double.self, rows: m, columns: n, threadCounts: [1, 2, 7], kernels: NativeKernels<Double>.self,
                       bitwiseAcrossP: false)
        try Self.check(Float.self, rows: m, columns: n, threadCounts: [1, 3], kernels: NativeKernels<Float>.self,
                       bitwiseAcrossP: false)
    }

    /// Square-ish shapes on the blocked path, P = 7 splitting the first trailing update into 7
    /// groups: each column's arithmetic does not depend on the group, so every P gives P = 1's bits.
    @Test func blockedSplitIsBitwiseTheOneThreadResultForEveryP() throws {
        let (m, n) = (520, 260)
        #expect(SIMDSolver(threads: 7).threadsUsed(.factor, rows: m, columns: n) == 7)
        try Self.check(Double.self, rows: m, columns: n, kernels: NativeKernels<Double>.self, bitwiseAcrossP: true)
        try Self.check(Float.self, rows: m, columns: n, kernels: NativeKernels<Float>.self, bitwiseAcrossP: true)
    }

    /// The threaded paths instantiated with the scalar reference kernels (what every other
    /// architecture's kernels are checked against): the same guarantees.
    @Test func threadedPathsWithReferenceKernels() throws {
        try Self.check(Double.self, rows: 3_000, columns: 13, blockRows: 64, kernels: ReferenceKernels<Double>.self,
                       bitwiseAcrossP: false)
        try Self.check(Float.self, rows: 1_500, columns: 40, blockRows: 50, kernels: ReferenceKernels<Float>.self,
                       bitwiseAcrossP: false)
        try Self.check(Double.self, rows: 520, columns: 260, threadCounts: [1, 7], kernels: ReferenceKernels<Double>.self,
                       bitwiseAcrossP: true)
    }

    /// The tree by hand, on shapes the solver would not split: small row blocks, leaves of n rows
    /// plus the alignment, a leaf per P up to 7, one column; Qᵀb, Q·c and the thin Q of the object.
    @Test(arguments: [(400, 13, 16, 7), (999, 1, 64, 5), (2000, 20, 50, 3), (90, 4, 8, 7)])
    func treeObjectGivesROrthonormalQAndQtb(c: (m: Int, n: Int, mb: Int, p: Int)) throws {
        let tree = try #require(TallSkinnyTree(rows: c.m, columns: c.n, blockRows: c.mb, leaves: c.p))
        for i in 0..<c.p {
            #expect(tree.leafRows(i) >= c.n, "leaf \(i) holds its triangle")
            #expect(tree.leafStart(i) % TallSkinnyTree.splitAlignment == 0)
        }
        var rng = SplitMix64(seed: UInt64(c.m + c.p))
        let a = Matrix.random(rows: c.m, columns: c.n, using: &rng)
        let b = (0..<c.m).map { _ in Double.random(in: -1..<1, using: &rng) }
        let qr = try TallSkinnyTreeQR(factoring: a, tree: tree, panelWidth: 4)
        let again = try TallSkinnyTreeQR(factoring: a, tree: tree, panelWidth: 4)
        #expect(qr.packed.elements.map(\.bitPattern) == again.packed.elements.map(\.bitPattern), "deterministic")
        let eta = 10 * Double(c.n) * Double.ulpOfOne
        // A = Q·R and QᵀQ = I.
        let q = qr.thinQ(), r = qr.r
        var worst = 0.0, worstOrthogonality = 0.0
        for j in 0..<c.n {
            for i in 0..<c.m {
                var s = 0.0
                for k in 0...j { s += q[i, k] * r[k, j] }
                worst = max(worst, abs(s - a[i, j]))
            }
            for k in 0..<c.n {
                var s = 0.0
                for i in 0..<c.m { s += q[i, j] * q[i, k] }
                worstOrthogonality = max(worstOrthogonality, abs(s - (j == k ? 1 : 0)))
            }
        }
        #expect(worst <= eta * a.frobeniusNorm, "A = QR")
        #expect(worstOrthogonality <= eta * Double(c.m).squareRoot(), "QᵀQ = I")
        // Qᵀb then Q gives b back; its first n entries are those of Q_thinᵀb.
        let qtb = qr.applyQTranspose(b)
        let back = qr.applyQ(qtb)
        for i in 0..<c.m { #expect(abs(back[i] - b[i]) <= eta * scaledNorm2(b), "Q·Qᵀb = b, row \(i)") }
        for j in 0..<c.n {
            var s = 0.0
            for i in 0..<c.m { s += q[i, j] * b[i] }
            #expect(abs(s - qtb[j]) <= eta * scaledNorm2(b), "(Qᵀb)[\(j)]")
        }
    }

    /// More leaves than threads: the threads take leaves from a counter, so which thread factors
    /// which leaf changes from run to run — the bits, including lstsq's ‖r‖², must not.
    @Test func leavesTakenByAnyThreadGiveTheSameBits() throws {
        let (m, n, mb) = (3_000, 13, 64)
        let tree = try #require(TallSkinnyTree(rows: m, columns: n, blockRows: mb, leaves: 8))
        var rng = SplitMix64(seed: 31)
        let ab = (0..<(m * (n + 1))).map { _ in Double.random(in: -1..<1, using: &rng) }
        func run(threads: Int) -> (packed: [UInt64], tau: [UInt64], residual: UInt64) {
            var packed = ab, tau = [Double](repeating: 0, count: tree.tauCount), residual = 0.0
            var workspace = QRWorkspace()
            packed.withUnsafeMutableBufferPointer { p in
                tau.withUnsafeMutableBufferPointer { t in
                    guard let pb = p.baseAddress, let tb = t.baseAddress else { return }
                    TallSkinnyQR.factor(StridedMatrixView(base: pb, rows: m, columns: n + 1, leadingDimension: m),
                                        reflectors: n, tau: tb, tree: tree, threads: threads, panelWidth: 4,
                                        workspace: &workspace, kernels: NativeKernels<Double>.self,
                                        residualSquares: &residual)
                }
            }
            return (packed.map(\.bitPattern), tau.map(\.bitPattern), residual.bitPattern)
        }
        let one = run(threads: 1)
        for threads in [2, 3, 8, 8, 2] {
            let other = run(threads: threads)
            #expect(other.packed == one.packed && other.tau == one.tau && other.residual == one.residual,
                    "8 leaves on \(threads) threads: the bits of 8 leaves on 1")
        }
    }

    /// The solver cuts the same number of leaves for each thread, up to `leavesPerThread`, as the
    /// rows allow; it never uses more threads than it was given.
    @Test func solverCutsLeavesPerThread() throws {
        let two = SIMDSolver(threads: 2)
        // 1e6 × 16: row blocks of 2048 rows, room for 244 leaves of two blocks: four per thread.
        #expect(two.tallSkinnyTree(rows: 1_000_000, columns: 16)?.leaves == 2 * SIMDSolver.leavesPerThread)
        #expect(two.threadsUsed(.solve, rows: 1_000_000, columns: 16) == 2)
        // 20000 × 16: room for 4 leaves, two per thread.
        #expect(two.tallSkinnyTree(rows: 20_000, columns: 16)?.leaves == 4)
        // 10000 × 16: room for 2 leaves, one per thread; 3 threads get 2 of them.
        #expect(two.tallSkinnyTree(rows: 10_000, columns: 16)?.leaves == 2)
        #expect(SIMDSolver(threads: 3).tallSkinnyTree(rows: 10_000, columns: 16)?.leaves == 2)
        #expect(SIMDSolver(threads: 3).threadsUsed(.factor, rows: 10_000, columns: 16) == 2)
    }

    /// A tree needs n rows per leaf (plus the alignment); the solver's tree has a leaf per thread
    /// only with two row blocks per leaf, and small problems stay on one thread.
    @Test func threadsUsedFollowsTheWork() {
        #expect(TallSkinnyTree(rows: 100, columns: 13, blockRows: 8, leaves: 5) == nil)
        #expect(TallSkinnyTree(rows: 105, columns: 13, blockRows: 8, leaves: 5) != nil)
        #expect(TallSkinnyTree(rows: 10, columns: 11, blockRows: 8, leaves: 1) == nil)
        let eight = SIMDSolver(threads: 8)
        #expect(eight.threadsUsed(solvingRows: 104, columns: 17) == 1)
        #expect(eight.threadsUsed(.factor, rows: 1_000_000, columns: 16) == 8)
        #expect(eight.threadsUsed(.solve, rows: 1_000_000, columns: 16) == 8)
        // 1e5 × 32: row blocks of 1024 rows, so 48 leaves could be cut; 64 threads get 48.
        #expect(SIMDSolver(threads: 64).threadsUsed(.solve, rows: 100_000, columns: 32) == 48)
        // 2000²: the first trailing update has 1968 columns, room for 61 groups of 32.
        #expect(SIMDSolver(threads: 64).threadsUsed(.factor, rows: 2000, columns: 2000) == 61)
        #expect(SIMDSolver(threads: 2).threadsUsed(.factor, rows: 2000, columns: 2000) == 2)
        #expect(SIMDSolver(threads: 1).threadsUsed(.factor, rows: 2000, columns: 2000) == 1)
        #expect(SIMDSolver(threads: 1).tallSkinnyTree(rows: 1_000_000, columns: 16) == nil)
        for p in [1, 2, 3, 8, 64] {
            let solver = SIMDSolver(threads: p)
            for (m, n) in [(1_000_000, 16), (100_000, 32), (20_000, 8), (5_000, 60)] {
                #expect(solver.tauCount(rows: m, columns: n) <= SIMDSolver.tauCount(rows: m, columns: n),
                        "the static τ count serves every thread count")
            }
        }
    }

    /// The `Matrix` API with threads: the tree object on tall-skinny shapes, the split blocked QR
    /// on wide ones, and the fused solve agreeing with dgels.
    @Test func matrixAPIUsesTheThreads() throws {
        var rng = SplitMix64(seed: 77)
        let a = Matrix.random(rows: 28_700, columns: 16, using: &rng)
        let b = (0..<a.rows).map { _ in Double.random(in: -1..<1, using: &rng) }
        let four = SIMDSolver(threads: 4)
        #expect(try four.factorize(a) is TallSkinnyTreeQR)
        #expect(try SIMDSolver(threads: 1).factorize(a) is TallSkinnyQR)
        let threaded = try four.solve(a, b)
        let qr = try four.factorize(a)
        let generic = qr.solveUpper(qr.applyQTranspose(b))
        let reference = try OpenBLASSolver().dgels(a, b)
        let xNorm = scaledNorm2(reference)
        for k in 0..<16 {
            #expect(abs(threaded.x[k] - reference[k]) <= 1e-10 * xNorm, "fused x[\(k)]")
            #expect(abs(generic[k] - reference[k]) <= 1e-10 * xNorm, "factorize x[\(k)]")
        }
    }
}
