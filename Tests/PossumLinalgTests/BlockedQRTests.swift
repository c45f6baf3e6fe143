import PossumLinalg
import PossumOpenBLAS
import Testing

/// ‖A − Q̂R̂‖_F/‖A‖_F and ‖Q̂ᵀQ̂ − I‖_F of a factorization.
func factorizationErrors(_ a: Matrix, _ qr: some QRFactorization) -> (backward: Double, orthogonality: Double) {
    let q = qr.thinQ()
    let backward = (a - q.multiplied(by: qr.r)).frobeniusNorm / a.frobeniusNorm
    let orthogonality = (q.transposed.multiplied(by: q) - .identity(a.columns)).frobeniusNorm
    return (backward, orthogonality)
}

/// Test matrices for the blocked and tall-skinny paths: sizes chosen to be multiples of neither
/// the SIMD width (8), the micro-tile (8 × 6), nor the block sizes used.
func perfTestMatrix(_ name: String, rows m: Int, columns n: Int, seed: UInt64) -> Matrix {
    var rng = SplitMix64(seed: seed)
    var a = Matrix.random(rows: m, columns: n, using: &rng)
    if name == "graded" {  // columns scaled 1e-6 … 1e6: the error bounds are column-scaling invariant
        for j in 0..<n {
            let s = pow10(Double(12 * j / max(n - 1, 1) - 6))
            for i in 0..<m { a[i, j] *= s }
        }
    }
    return a
}

/// The blocked Householder QR (compact WY + micro-kernel) against the unblocked scalar QR and
/// OpenBLAS. The bound 10·n·ε on both errors is the target; the worst-case theory allows
/// c·m·n·ε (Higham §19.5) but observed errors are O(√n·ε) — a factor ≥ 10 below the bound here —
/// while a wrong entry of T, a missed reflector or an off-by-one in V gives errors of order 1.
@Suite struct BlockedQRTests {
    static let cases: [(name: String, m: Int, n: Int, nb: Int)] = [
        ("random", 90, 45, 8), ("random", 71, 33, 32), ("graded", 60, 37, 6), ("tall", 400, 20, 7),
        ("square", 53, 53, 12), ("square", 97, 97, 32), ("oneColumn", 30, 1, 8), ("oneRowMore", 42, 41, 16),
        ("panelWider", 19, 11, 64),
    ]

    @Test(arguments: cases)
    func backwardErrorAndOrthogonality(c: (name: String, m: Int, n: Int, nb: Int)) throws {
        let a = perfTestMatrix(c.name, rows: c.m, columns: c.n, seed: UInt64(c.m * 131 + c.n))
        let qr = try BlockedHouseholderQR(factoring: a, blockSize: c.nb)
        let (backward, orthogonality) = factorizationErrors(a, qr)
        let bound = 10 * Double(c.n) * .ulpOfOne
        #expect(backward <= bound, "‖A − QR‖/‖A‖ = \(backward)")
        #expect(orthogonality <= bound, "‖QᵀQ − I‖ = \(orthogonality)")
    }

    /// Blocking regroups the same reflectors, so packed R, the reflector tails and τ match the
    /// unblocked scalar algorithm and R matches OpenBLAS's (same sign convention) — up to
    /// perturbation of order κ(A)·ε; 1e-10 relative to the column scale leaves a wide margin for
    /// these κ < 1e3 (after column scaling) matrices.
    @Test(arguments: cases)
    func sameFactorsAsUnblockedScalarAndOpenBLAS(c: (name: String, m: Int, n: Int, nb: Int)) throws {
        let a = perfTestMatrix(c.name, rows: c.m, columns: c.n, seed: UInt64(c.m * 131 + c.n))
        let blocked = try BlockedHouseholderQR(factoring: a, blockSize: c.nb)
        let scalar = try HouseholderQR<ScalarKernels>(factoring: a)
        let lapack = try OpenBLASQR(factoring: a)
        for j in 0..<c.n {
            let scale = abs(scalar.packed[j, j])
            for i in 0..<c.m {
                let tol = 1e-10 * (i <= j ? max(scale, abs(scalar.packed[i, i])) : 1)
                #expect(abs(blocked.packed[i, j] - scalar.packed[i, j]) <= tol, "packed[\(i),\(j)]")
                if i <= j { #expect(abs(blocked.packed[i, j] - lapack.packed[i, j]) <= tol, "R[\(i),\(j)] vs dgeqrf") }
            }
            #expect(abs(blocked.tau[j] - scalar.tau[j]) <= 1e-10, "τ[\(j)]")
        }
    }

    /// A workspace reused across factorizations does not grow once big enough, and the result
    /// is bit-for-bit deterministic.
    @Test func workspaceIsReusedAndResultsAreDeterministic() throws {
        let a = perfTestMatrix("random", rows: 70, columns: 40, seed: 3)
        var workspace = QRWorkspace()
        let first = try BlockedHouseholderQR(factoring: a, blockSize: 16, workspace: &workspace)
        let capacity = workspace.capacity
        #expect(capacity >= BlockedHouseholderQR.workspaceSize(rows: 70, columns: 40, blockSize: 16))
        let second = try BlockedHouseholderQR(factoring: a, blockSize: 16, workspace: &workspace)
        #expect(workspace.capacity == capacity)
        #expect(first.packed == second.packed && first.tau == second.tau)
    }

    /// The fused solve (Qᵀb formed while factoring [A | b]) on the blocked path agrees with
    /// dgels; both are backward stable and κ(A) is small, so x agrees to ~κ·ε.
    @Test func fusedSolveOnBlockedPathMatchesDgels() throws {
        let a = perfTestMatrix("random", rows: 150, columns: 70, seed: 11)
        #expect(SIMDSolver.path(rows: 150, columns: 70) == .blocked(blockSize: BlockedHouseholderQR.defaultBlockSize))
        var rng = SplitMix64(seed: 12)
        let b = (0..<150).map { _ in Double.random(in: -1..<1, using: &rng) }
        let ours = try SIMDSolver().solve(a, b)
        let reference = try OpenBLASSolver().dgels(a, b)
        let xNorm = scaledNorm2(reference)
        for k in 0..<70 { #expect(abs(ours.x[k] - reference[k]) <= 1e-10 * xNorm, "x[\(k)]") }
        let r = zip(b, a.multiplied(by: ours.x)).map { $0 - $1 }
        #expect(abs(ours.residualNorm - scaledNorm2(r)) <= 1e-10 * scaledNorm2(b))
    }

    /// The fused solve on every path: the trailing update must reach b's column even when one
    /// panel covers all of A's columns (n ≤ nb).
    @Test(arguments: [(40, 9), (104, 17), (300, 50), (20_000, 3)])
    func fusedSolveMatchesDgelsOnEveryPath(shape: (m: Int, n: Int)) throws {
        let a = perfTestMatrix("random", rows: shape.m, columns: shape.n, seed: UInt64(shape.m))
        var rng = SplitMix64(seed: 14)
        let b = (0..<shape.m).map { _ in Double.random(in: -1..<1, using: &rng) }
        let ours = try SIMDSolver().solve(a, b)
        let reference = try OpenBLASSolver().dgels(a, b)
        let xNorm = scaledNorm2(reference)
        for k in 0..<shape.n { #expect(abs(ours.x[k] - reference[k]) <= 1e-10 * xNorm, "\(SIMDSolver.path(rows: shape.m, columns: shape.n)) x[\(k)]") }
    }

    @Test func fusedSolveRefusesRankDeficientMatrix() throws {
        var a = perfTestMatrix("random", rows: 90, columns: 70, seed: 13)
        for i in 0..<90 { a[i, 50] = 2 * a[i, 3] - a[i, 7] }
        let b = [Double](repeating: 1, count: 90)
        #expect(throws: LinalgError.self) { try SIMDSolver().solve(a, b) }
    }
}
