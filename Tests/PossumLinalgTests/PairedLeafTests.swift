@testable import PossumLinalg
import Testing

/// The TSQR leaf that applies two reflectors per sweep (`TallSkinnyQR.factorPanelPaired`): the same
/// reflectors as the one-reflector sweeps up to rounding, and backward stable — ‖A − Q̂R̂‖_F/‖A‖_F
/// and ‖Q̂ᵀQ̂ − I‖_F ≤ 10·n·ε as in TallSkinnyQRTests — also where column k + 1 nearly lies in the
/// span of column k, the cancellation its expanded sums must not be used under.
@Suite struct PairedLeafTests {
    static func factored(_ a: Matrix, blockRows mb: Int, panelWidth nb: Int, leafWidth: Int,
                         sweep: TallSkinnyQR.LeafSweep) -> TallSkinnyQR {
        var packed = a
        var tau = [Double](repeating: 0, count: a.columns * TallSkinnyQR.blockCount(rows: a.rows, columns: a.columns, blockRows: mb))
        var workspace = QRWorkspace()
        tau.withUnsafeMutableBufferPointer { t in
            packed.withMutableView { view in
                guard let tp = t.baseAddress else { return }
                TallSkinnyQR.factor(view, reflectors: a.columns, tau: tp, blockRows: mb, panelWidth: nb, leafWidth: leafWidth,
                                    leafSweep: sweep, workspace: &workspace)
            }
        }
        return TallSkinnyQR(packed: packed, tau: tau, blockRows: mb)
    }

    /// (m, n, row block, panel, leaf): even and odd leaves, leaves narrower than the panel
    /// (recursive), panels narrower than n (block reflectors between them), a short last block,
    /// and the default for n ≤ 16 (one leaf per block step, eight-column sweeps).
    static let shapes: [(m: Int, n: Int, mb: Int, nb: Int, leaf: Int)] = [
        (333, 13, 50, 13, 8), (333, 16, 64, 16, 8), (500, 17, 100, 8, 8), (200, 12, 40, 12, 3), (1000, 16, 128, 16, 4),
        (301, 9, 37, 9, 9), (333, 16, 64, 16, 16), (500, 13, 100, 13, 16),
    ]

    /// Packed storage and τ agree with the one-reflector sweeps' to 1e-10 (relative to the diagonal
    /// in R's rows), as panels against column-by-column in TallSkinnyQRTests: the expanded sums differ
    /// from the direct ones by rounding; a wrong gain, scale or head gives O(1).
    @Test(arguments: shapes)
    func pairedLeavesGiveTheSameReflectorsAsSingleSweeps(s: (m: Int, n: Int, mb: Int, nb: Int, leaf: Int)) {
        let a = perfTestMatrix("random", rows: s.m, columns: s.n, seed: UInt64(s.m + s.n))
        let single = Self.factored(a, blockRows: s.mb, panelWidth: s.nb, leafWidth: s.leaf, sweep: .single)
        let paired = Self.factored(a, blockRows: s.mb, panelWidth: s.nb, leafWidth: s.leaf, sweep: .paired)
        for j in 0..<s.n {
            for i in 0..<s.m {
                let scale = i <= j ? abs(single.packed[j, j]) : 1
                #expect(abs(paired.packed[i, j] - single.packed[i, j]) <= 1e-10 * scale, "packed[\(i),\(j)]")
            }
        }
        for k in single.tau.indices { #expect(abs(paired.tau[k] - single.tau[k]) <= 1e-10, "τ[\(k)]") }
        let (backward, orthogonality) = factorizationErrors(a, paired)
        let bound = 10 * Double(s.n) * .ulpOfOne
        #expect(backward <= bound, "‖A − QR‖/‖A‖ = \(backward)")
        #expect(orthogonality <= bound, "‖QᵀQ − I‖ = \(orthogonality)")
    }

    /// Every odd column is its left neighbour plus δ·noise in every block (δ = 1e-9 … 1e-15, and
    /// exactly equal): after reflector k, column k + 1's tail is δ-small, and its sums expanded from
    /// O(1) terms would be pure rounding. The guard sends these pairs to the one-reflector sweep.
    @Test(arguments: [1e-9, 1e-12, 1e-15, 0])
    func nearlyDependentColumnsStayBackwardStable(delta: Double) {
        let (m, n) = (400, 12)
        var a = perfTestMatrix("random", rows: m, columns: n, seed: 5)
        var rng = SplitMix64(seed: 6)
        for j in stride(from: 1, to: n, by: 2) {
            for i in 0..<m { a[i, j] = a[i, j - 1] + delta * Double.random(in: -1..<1, using: &rng) }
        }
        for leaf in [8, 4] {
            let paired = Self.factored(a, blockRows: 50, panelWidth: n, leafWidth: leaf, sweep: .paired)
            let (backward, orthogonality) = factorizationErrors(a, paired)
            let bound = 10 * Double(n) * .ulpOfOne
            #expect(backward <= bound, "leaf \(leaf): ‖A − QR‖/‖A‖ = \(backward)")
            #expect(orthogonality <= bound, "leaf \(leaf): ‖QᵀQ − I‖ = \(orthogonality)")
        }
    }

    /// The same in Float32, whose default leaves are paired too: δ = 1e-3 … 1e-7 against Float's
    /// ε ≈ 1.2e-7, and 0; Q̂ formed in Float64 from the Float32 reflectors, as in Float32QRTests,
    /// against the matrix rounded to Float, bound 10·n·ε of Float.
    @Test(arguments: [1e-3, 1e-5, 1e-7, 0])
    func nearlyDependentColumnsStayBackwardStableInFloat32(delta: Double) {
        let (m, n, mb) = (400, 12, 50)
        var a = perfTestMatrix("random", rows: m, columns: n, seed: 5)
        var rng = SplitMix64(seed: 6)
        for j in stride(from: 1, to: n, by: 2) {
            for i in 0..<m { a[i, j] = a[i, j - 1] + delta * Double.random(in: -1..<1, using: &rng) }
        }
        let rounded: [Float] = (0..<(m * n)).map { Float(a[$0 % m, $0 / m]) }
        let reference = Matrix(rows: m, columns: n, columnMajor: rounded.map(Double.init))
        for leaf in [16, 4] {
            var packed = rounded
            var tau = [Float](repeating: 0, count: n * TallSkinnyQR.blockCount(rows: m, columns: n, blockRows: mb))
            var workspace = QRWorkspace()
            packed.withUnsafeMutableBufferPointer { p in
                tau.withUnsafeMutableBufferPointer { t in
                    guard let pb = p.baseAddress, let tb = t.baseAddress else { return }
                    TallSkinnyQR.factor(StridedMatrixView(base: pb, rows: m, columns: n, leadingDimension: m), reflectors: n,
                                        tau: tb, blockRows: mb, panelWidth: n, leafWidth: leaf, leafSweep: .paired,
                                        workspace: &workspace)
                }
            }
            let qr = TallSkinnyQR(packed: Matrix(rows: m, columns: n, columnMajor: packed.map(Double.init)),
                                  tau: tau.map(Double.init), blockRows: mb)
            let (backward, orthogonality) = factorizationErrors(reference, qr)
            let bound = 10 * Double(n) * Double(Float.ulpOfOne)
            #expect(backward <= bound, "leaf \(leaf): ‖A − QR‖/‖A‖ = \(backward)")
            #expect(orthogonality <= bound, "leaf \(leaf): ‖QᵀQ − I‖ = \(orthogonality)")
        }
    }

    /// Columns already zero on a block's rows (H = I, τ = 0): the first three (a later column's
    /// block rows fill in from the reflectors before it), so a leaf meets H = I three times in a
    /// row, each time with the next column's sums to carry over.
    @Test func zeroBlockColumnsKeepTheSameReflectors() {
        let (m, n, mb) = (300, 12, 50)
        var a = perfTestMatrix("random", rows: m, columns: n, seed: 8)
        for j in 0..<3 { for i in mb..<m { a[i, j] = 0 } }
        let single = Self.factored(a, blockRows: mb, panelWidth: n, leafWidth: 16, sweep: .single)
        let paired = Self.factored(a, blockRows: mb, panelWidth: n, leafWidth: 16, sweep: .paired)
        for k in single.tau.indices { #expect(abs(paired.tau[k] - single.tau[k]) <= 1e-10, "τ[\(k)]") }
        #expect(paired.tau.contains(0), "no zero block column was met")
        for j in 0..<n {
            for i in 0...j { #expect(abs(paired.packed[i, j] - single.packed[i, j]) <= 1e-10 * abs(single.packed[j, j]), "R[\(i),\(j)]") }
        }
        let (backward, orthogonality) = factorizationErrors(a, paired)
        #expect(backward <= 10 * Double(n) * .ulpOfOne, "‖A − QR‖/‖A‖ = \(backward)")
        #expect(orthogonality <= 10 * Double(n) * .ulpOfOne, "‖QᵀQ − I‖ = \(orthogonality)")
    }
}
