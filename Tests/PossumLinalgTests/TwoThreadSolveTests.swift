import PossumLinalg
import PossumOpenBLAS
import Testing

/// The two-thread TSQR least-squares solve: a depth-one reduction tree over two row halves.
/// It must agree with dgels (both backward stable, κ(A) small here, so x agrees to ~κ·ε: 1e-10
/// relative leaves a margin of ~10⁴; a wrong combination step or half boundary gives O(1)), give
/// the true residual norm, and be deterministic: the same bits on every run.
@Suite struct TwoThreadSolveTests {
    func solveInHalves(_ a: Matrix, _ b: [Double], blockRows: Int) throws -> (x: [Double], residual: Double) {
        let (m, n) = (a.rows, a.columns)
        var augmented = a.elements + b
        var tau = [Double](repeating: .nan, count: n * (TallSkinnyQR.blockCount(rows: m, columns: n, blockRows: blockRows) + 1))
        var x = [Double](repeating: .nan, count: n)
        var w1 = QRWorkspace(), w2 = QRWorkspace()
        let residual = try augmented.withUnsafeMutableBufferPointer { buffer in
            try tau.withUnsafeMutableBufferPointer { t in
                try x.withUnsafeMutableBufferPointer { xb in
                    try TallSkinnyQR.solveInTwoHalves(
                        MutableMatrixView(base: buffer.baseAddress!, rows: m, columns: n + 1, leadingDimension: m),
                        blockRows: blockRows, panelWidth: 4, tau: t.baseAddress!, solution: xb.baseAddress!,
                        workspace: &w1, workspace2: &w2)
                }
            }
        }
        return (x, residual)
    }

    @Test(arguments: [(3001, 6, 100), (700, 13, 64), (40, 16, 7), (2000, 1, 300)])
    func agreesWithDgelsAndIsDeterministic(shape: (m: Int, n: Int, mb: Int)) throws {
        let a = perfTestMatrix("random", rows: shape.m, columns: shape.n, seed: UInt64(shape.m + shape.n))
        var rng = SplitMix64(seed: 41)
        let b = (0..<shape.m).map { _ in Double.random(in: -1..<1, using: &rng) }
        let first = try solveInHalves(a, b, blockRows: shape.mb)
        let second = try solveInHalves(a, b, blockRows: shape.mb)
        #expect(first.x == second.x && first.residual == second.residual, "bit-for-bit deterministic")
        let reference = try OpenBLASSolver().dgels(a, b)
        let xNorm = scaledNorm2(reference)
        for k in 0..<shape.n { #expect(abs(first.x[k] - reference[k]) <= 1e-10 * xNorm, "x[\(k)]") }
        let r = zip(b, a.multiplied(by: first.x)).map { $0 - $1 }
        #expect(abs(first.residual - scaledNorm2(r)) <= 1e-10 * scaledNorm2(b), "‖r‖")
    }

    @Test func refusesRankDeficientMatrix() throws {
        var a = perfTestMatrix("random", rows: 500, columns: 5, seed: 43)
        for i in 0..<500 { a[i, 4] = a[i, 0] + a[i, 1] }
        #expect(throws: LinalgError.self) { _ = try solveInHalves(a, [Double](repeating: 1, count: 500), blockRows: 64) }
    }

    /// Through `SIMDSolver(threads: 2)`: TSQR solves split only with ≥ 4 row blocks; blocked
    /// factorizations split big trailing updates; small problems stay on one thread.
    @Test func solverUsesTwoThreadsOnlyWhereThereIsEnoughWork() {
        let two = SIMDSolver(threads: 2)
        #expect(two.threadsUsed(solvingRows: 104, columns: 17) == 1)
        #expect(two.threadsUsed(solvingRows: 1000, columns: 1000) == 2)
        #expect(two.threadsUsed(.factor, rows: 2000, columns: 2000) == 2)
        #expect(two.threadsUsed(solvingRows: 1_000_000, columns: 16) == 2)
        #expect(two.threadsUsed(.factor, rows: 1_000_000, columns: 16) == 1)
        #expect(SIMDSolver().threadsUsed(solvingRows: 1_000_000, columns: 16) == 1)
        #expect(SIMDSolver().threadsUsed(.factor, rows: 2000, columns: 2000) == 1)
    }

    /// The blocked QR's column-split trailing update: the same bits on every run with two
    /// threads, and the same bits as one thread (each column's arithmetic does not depend on
    /// which thread does it), in both precisions, for the factorization and the fused solve.
    @Test(arguments: [(300, 150), (517, 203), (1000, 97)])
    func splitTrailingUpdateIsBitwiseDeterministic(shape: (m: Int, n: Int)) throws {
        try expectSameBits(Double.self, shape)
        try expectSameBits(Float.self, shape)
    }

    func expectSameBits<T: QRScalar>(_: T.Type, _ shape: (m: Int, n: Int)) throws {
        let (m, n) = shape
        #expect(SIMDSolver(threads: 2).threadsUsed(.solve, rows: m, columns: n) == 2)
        var rng = SplitMix64(seed: UInt64(m * n))
        let augmented = (0..<(m * (n + 1))).map { _ in T(Double.random(in: -1..<1, using: &rng)) }
        func run(threads: Int) throws -> (factor: [T], tau: [T], solved: [T], x: [T]) {
            var factor = Array(augmented[0..<(m * n)]), solved = augmented
            var tau = [T](repeating: 0, count: n), x = [T](repeating: 0, count: n)
            var workspace = QRWorkspace()
            let solver = SIMDSolver(threads: threads)
            factor.withUnsafeMutableBufferPointer { f in
                _ = solver.factor(inPlace: StridedMatrixView(base: f.baseAddress!, rows: m, columns: n, leadingDimension: m),
                                  tau: &tau, workspace: &workspace)
            }
            let tauOfFactor = tau
            _ = try solved.withUnsafeMutableBufferPointer { s in
                try solver.solve(inPlace: StridedMatrixView(base: s.baseAddress!, rows: m, columns: n + 1, leadingDimension: m),
                                 tau: &tau, solution: &x, workspace: &workspace)
            }
            return (factor, tauOfFactor, solved, x)
        }
        let one = try run(threads: 1), two = try run(threads: 2), again = try run(threads: 2)
        #expect(two.factor == again.factor && two.tau == again.tau && two.solved == again.solved && two.x == again.x,
                "2 threads, run twice: bitwise equal")
        #expect(two.factor == one.factor && two.tau == one.tau && two.x == one.x, "2 threads = 1 thread, bitwise")
    }
}
