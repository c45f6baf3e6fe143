@testable import PossumLinalg
import Testing

/// ‖r‖ of the TSQR least squares is summed while the blocks are factored (on each leaf's thread)
/// instead of in a serial pass afterwards. The sum must be Σ (Qᵀb)ᵢ² over every row below R:
/// the same terms as a pass over the finished column, in another order, so the two agree to
/// |Δ| ≤ γ_m·Σ (Qᵀb)ᵢ² (Higham §3.1, any summation order), taken here as 2·m·ε relative.
@Suite struct TallSkinnyResidualTests {
    static func check<K: HouseholderKernels>(rows m: Int, columns n: Int, blockRows mb: Int, leaves p: Int, kernels: K.Type) throws {
        typealias T = K.Scalar
        var rng = SplitMix64(seed: UInt64(m * 31 + n * 7 + p))
        var ab = (0..<(m * (n + 1))).map { _ in T(Double.random(in: -1..<1, using: &rng)) }
        let tree = try #require(TallSkinnyTree(rows: m, columns: n, blockRows: mb, leaves: p))
        var tau = [T](repeating: .nan, count: tree.tauCount)
        var summed: T = .nan
        var workspace = QRWorkspace()
        ab.withUnsafeMutableBufferPointer { v in
            tau.withUnsafeMutableBufferPointer { t in
                guard let vb = v.baseAddress, let tb = t.baseAddress else { return }
                TallSkinnyQR.factor(StridedMatrixView(base: vb, rows: m, columns: n + 1, leadingDimension: m),
                                    reflectors: n, tau: tb, tree: tree, panelWidth: 4, workspace: &workspace,
                                    kernels: K.self, residualSquares: &summed)
            }
        }
        // The rows below R of Qᵀb: everything in column n past row n.
        let pass = ab[(n * m + n)..<((n + 1) * m)].reduce(0.0) { $0 + Double($1) * Double($1) }
        let label = "\(T.self) \(m)×\(n), mb \(mb), \(p) leaves, \(K.self)"
        #expect(abs(Double(summed) - pass) <= 2 * Double(m) * Double(T.ulpOfOne) * pass, "\(label): \(summed) vs \(pass)")
    }

    @Test(arguments: [1, 2, 3, 7])
    func summedWhileFactoringEqualsAPassOverTheColumn(leaves: Int) throws {
        try Self.check(rows: 3_000, columns: 13, blockRows: 64, leaves: leaves, kernels: NativeKernels<Double>.self)
        try Self.check(rows: 3_000, columns: 13, blockRows: 64, leaves: leaves, kernels: NativeKernels<Float>.self)
        try Self.check(rows: 1_001, columns: 5, blockRows: 37, leaves: leaves, kernels: ReferenceKernels<Double>.self)
    }

    /// `SIMDSolver.solve(inPlace:)` on the TSQR path returns the root of that sum, guarded by
    /// `norm2`: for b = 0 the sum is 0, below the underflow guard, and the scaled pass gives 0.
    @Test(arguments: [1, 2])
    func solveReturnsTheSummedNormAndHandlesZeroB(threads: Int) throws {
        let (m, n) = (300_000, 3)
        let solver = SIMDSolver(threads: threads)
        guard case .tallSkinny = SIMDSolver.path(rows: m, columns: n) else {
            Issue.record("\(m)×\(n) is expected on the TSQR path")
            return
        }
        var rng = SplitMix64(seed: 5)
        for zeroB in [false, true] {
            let a = (0..<(m * n)).map { _ in Double.random(in: -1..<1, using: &rng) }
            let b = zeroB ? [Double](repeating: 0, count: m) : (0..<m).map { _ in Double.random(in: -1..<1, using: &rng) }
            var ab = a + b
            let norm = try solveInPlace(solver, &ab, rows: m, columns: n, kernels: NativeKernels<Double>.self).residual
            let pass = scaledNorm2(Array(ab[(n * m + n)..<((n + 1) * m)]))
            #expect(abs(norm - pass) <= 2 * Double(m) * .ulpOfOne * pass, "threads \(threads), b = 0: \(zeroB)")
            if zeroB { #expect(norm == 0) }
        }
    }
}
