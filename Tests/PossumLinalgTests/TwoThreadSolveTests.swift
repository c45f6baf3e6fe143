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

    /// Through `SIMDSolver(threads: 2)`: the path is only taken for ≥ 4 row blocks.
    @Test func solverUsesTwoThreadsOnlyForLongTallSkinnyProblems() {
        let two = SIMDSolver(threads: 2)
        #expect(two.threadsUsed(solvingRows: 104, columns: 17) == 1)
        #expect(two.threadsUsed(solvingRows: 1000, columns: 1000) == 1)
        #expect(two.threadsUsed(solvingRows: 1_000_000, columns: 16) == 2)
        #expect(SIMDSolver().threadsUsed(solvingRows: 1_000_000, columns: 16) == 1)
    }
}
