import PossumLinalg
import PossumOpenBLAS
import Testing

/// The row-block (flat-tree TSQR) factorization. Its Q is a product of block-structured
/// reflectors, so the generic checks are the ones that matter: ‖A − Q̂R̂‖_F/‖A‖_F ≤ 10·n·ε and
/// ‖Q̂ᵀQ̂ − I‖_F ≤ 10·n·ε (TSQR is backward stable with a bound like unblocked Householder's,
/// Mori–Yamamoto–Zhang 2012; observed errors are O(√n·ε), and a wrong τ, head row or block
/// boundary gives O(1)), plus R against OpenBLAS and Qᵀb against the formed Q.
@Suite struct TallSkinnyQRTests {
    /// (name, m, n, row block mb, panel width nb inside a block)
    static let cases: [(name: String, m: Int, n: Int, mb: Int, nb: Int)] = [
        ("random", 200, 6, 16, 4), ("random", 203, 13, 17, 3), ("graded", 150, 9, 20, 8), ("tall", 1000, 17, 64, 8),
        ("blockSmallerThanN", 60, 10, 4, 3), ("oneColumn", 77, 1, 8, 8), ("oneRowMore", 21, 20, 5, 6),
        ("single block", 104, 17, 512, 8), ("square", 12, 12, 3, 5), ("level-2 only", 130, 11, 23, 1),
    ]

    @Test(arguments: cases)
    func backwardErrorOrthogonalityAndR(c: (name: String, m: Int, n: Int, mb: Int, nb: Int)) throws {
        let a = perfTestMatrix(c.name, rows: c.m, columns: c.n, seed: UInt64(c.m * 7 + c.n))
        let qr = try TallSkinnyQR(factoring: a, blockRows: c.mb, panelWidth: c.nb)
        let (backward, orthogonality) = factorizationErrors(a, qr)
        let bound = 10 * Double(c.n) * .ulpOfOne
        #expect(backward <= bound, "‖A − QR‖/‖A‖ = \(backward)")
        #expect(orthogonality <= bound, "‖QᵀQ − I‖ = \(orthogonality)")
        // R is unique up to the signs of its rows. Each block step picks β = −sign(α)·‖x‖ for its
        // own pivot α, so a row's sign may differ from dgeqrf's (whose pivots are other numbers):
        // compare sign(rᵢᵢ)·R[i, :] with OpenBLAS's likewise normalized row.
        let reference = try OpenBLASQR(factoring: a).r
        let r = qr.r
        for j in 0..<c.n {
            for i in 0...j {
                let scale = max(abs(reference[i, i]), abs(reference[j, j]))
                let ours = r[i, i] < 0 ? -r[i, j] : r[i, j]
                let theirs = reference[i, i] < 0 ? -reference[i, j] : reference[i, j]
                #expect(abs(ours - theirs) <= 1e-10 * scale, "R[\(i),\(j)]")
            }
        }
    }

    @Test(arguments: cases)
    func implicitQTransposeAgreesWithFormedQ(c: (name: String, m: Int, n: Int, mb: Int, nb: Int)) throws {
        let a = perfTestMatrix(c.name, rows: c.m, columns: c.n, seed: UInt64(c.m * 7 + c.n))
        let qr = try TallSkinnyQR(factoring: a, blockRows: c.mb, panelWidth: c.nb)
        var rng = SplitMix64(seed: 99)
        let b = (0..<c.m).map { _ in Double.random(in: -1..<1, using: &rng) }
        let qtb = qr.applyQTranspose(b)
        let viaQ = qr.thinQ().transposed.multiplied(by: b)
        let bNorm = scaledNorm2(b)
        for k in 0..<c.n { #expect(abs(qtb[k] - viaQ[k]) <= 10 * Double(c.m) * .ulpOfOne * bNorm, "k=\(k)") }
        #expect(abs(scaledNorm2(qtb) - bNorm) <= 10 * Double(c.m) * .ulpOfOne * bNorm)
    }

    /// Panels inside a row block regroup the same reflectors: packed storage and τ agree with
    /// the column-by-column (panel width 1) factorization up to rounding (1e-10 leaves a margin
    /// of ~10⁴ over the observed differences; a wrong T or W entry gives O(1)).
    @Test(arguments: [2, 3, 8, 13])
    func panelsGiveTheSameReflectorsAsColumnByColumn(nb: Int) throws {
        let a = perfTestMatrix("random", rows: 333, columns: 13, seed: 31)
        let reference = try TallSkinnyQR(factoring: a, blockRows: 50, panelWidth: 1)
        let blocked = try TallSkinnyQR(factoring: a, blockRows: 50, panelWidth: nb)
        for j in 0..<13 {
            for i in 0..<333 {
                let scale = i <= j ? abs(reference.packed[j, j]) : 1
                #expect(abs(blocked.packed[i, j] - reference.packed[i, j]) <= 1e-10 * scale, "packed[\(i),\(j)]")
            }
        }
        for k in reference.tau.indices { #expect(abs(blocked.tau[k] - reference.tau[k]) <= 1e-10, "τ[\(k)]") }
    }

    /// SIMDSolver's fused solve on the tall-skinny path (several row blocks of the default size)
    /// agrees with dgels.
    @Test func fusedSolveOnTallSkinnyPathMatchesDgels() throws {
        let (m, n) = (20_000, 7)
        guard case .tallSkinny(let mb, _) = SIMDSolver.path(rows: m, columns: n) else {
            Issue.record("20000 × 7 should take the TSQR path"); return
        }
        #expect(m > 2 * mb, "several row blocks")
        let a = perfTestMatrix("random", rows: m, columns: n, seed: 21)
        var rng = SplitMix64(seed: 22)
        let b = (0..<m).map { _ in Double.random(in: -1..<1, using: &rng) }
        let ours = try SIMDSolver().solve(a, b)
        let reference = try OpenBLASSolver().dgels(a, b)
        for k in 0..<n { #expect(abs(ours.x[k] - reference[k]) <= 1e-9 * abs(reference[k]) + 1e-300, "x[\(k)]") }
        let r = zip(b, a.multiplied(by: ours.x)).map { $0 - $1 }
        #expect(abs(ours.residualNorm - scaledNorm2(r)) <= 1e-10 * scaledNorm2(b))
    }
}
