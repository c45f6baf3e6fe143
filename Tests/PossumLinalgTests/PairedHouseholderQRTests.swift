@testable import PossumLinalg
import PossumOpenBLAS
import Testing

/// `PairedHouseholderQR` (the in-cache path: padded copy or in place, reflectors applied in
/// pairs) against its oracles: the textbook scalar twin (`HouseholderQR<ReferenceKernels>`, one
/// reflector at a time, no SIMD) and OpenBLAS forming Q from our reflectors.
///
/// Tolerances: pairing only regroups the same reflector applications (compact WY with block
/// size 2), so packed R, the reflector tails, τ and Qᵀb agree with the twin up to a perturbation
/// of order κ(A)·n·ε (Higham §19.5 and the perturbation theory of QR). These matrices have
/// κ < 10³, so 1e-10 relative to the column scale in Double is ≥ 10× that, while a wrong sign,
/// a reflector applied with the wrong partner or a lost column gives O(1) differences.
@Suite struct PairedHouseholderQRTests {
    /// (m, n reflectors, extra right-hand-side columns): m below, at and above multiples of the
    /// vector widths (8 doubles, 16 floats: the in-place and the padded-copy branches), odd and
    /// even n (a last unpaired reflector), 0…3 extra columns (odd columns in the pair sweep); from
    /// `blockOfFourMinimumRows` rows on, blocks of four reflectors (where at least
    /// `blockOfFourMinimumTrailingColumns` columns follow) with every number of trailing columns
    /// mod 4, and pairs for the last reflectors.
    static let shapes: [(m: Int, n: Int, extra: Int)] = [
        (1, 1, 1), (3, 2, 1), (8, 8, 0), (9, 9, 1), (16, 5, 2), (17, 17, 1), (24, 7, 0),
        (32, 31, 3), (100, 17, 1), (104, 17, 1), (104, 16, 3), (120, 32, 1),
        (256, 4, 0), (263, 6, 1), (264, 12, 1), (270, 13, 0), (272, 13, 2), (257, 17, 1), (300, 16, 3), (320, 23, 1),
    ]

    /// A column-major m × total block inside a buffer with leading dimension m + 3 whose three
    /// extra rows are NaN: any read of them would poison the results, any write would show.
    struct Sentinelled<T: QRScalar> {
        var storage: [T]
        let m: Int, total: Int
        var ld: Int { m + 3 }

        init(m: Int, total: Int, seed: UInt64) {
            self.m = m
            self.total = total
            var rng = SplitMix64(seed: seed)
            storage = [T](repeating: .nan, count: (m + 3) * total)
            for j in 0..<total { for i in 0..<m { storage[i + j * (m + 3)] = T(Double.random(in: -1..<1, using: &rng)) } }
        }

        subscript(i: Int, j: Int) -> T { storage[i + j * ld] }

        var sentinelsIntact: Bool {
            (0..<total).allSatisfy { j in (m..<ld).allSatisfy { storage[$0 + j * ld].isNaN } }
        }

        /// Factors the first n columns with `body`, in place, and returns τ.
        mutating func factor(reflectors n: Int, _ body: (StridedMatrixView<T>, UnsafeMutablePointer<T>) -> Void) -> [T] {
            var tau = [T](repeating: 0, count: n)
            let (m, total, ld) = (m, total, ld)
            storage.withUnsafeMutableBufferPointer { p in
                tau.withUnsafeMutableBufferPointer { t in
                    body(StridedMatrixView(base: p.baseAddress!, rows: m, columns: total, leadingDimension: ld), t.baseAddress!)
                }
            }
            return tau
        }
    }

    @Test(arguments: shapes)
    func matchesTheScalarTwinInDouble(shape: (m: Int, n: Int, extra: Int)) {
        let (m, n, total) = (shape.m, shape.n, shape.n + shape.extra)
        var paired = Sentinelled<Double>(m: m, total: total, seed: UInt64(m * 97 + total))
        var twin = paired
        var workspace = QRWorkspace()
        let tau = paired.factor(reflectors: n) { PairedHouseholderQR.factor($0, reflectors: n, tau: $1, workspace: &workspace) }
        let twinTau = twin.factor(reflectors: n) { view, t in
            for k in 0..<n { HouseholderQR<ScalarKernels>.eliminate(column: k, of: view, tau: &t[k]) }
        }
        #expect(paired.sentinelsIntact, "rows beyond m were written")
        for j in 0..<total {
            let scale = abs(twin[min(j, n - 1), min(j, n - 1)]) + 1
            for i in 0..<m {
                // Columns ≥ n hold Qᵀb: compare every row; reflector columns: R and the tails.
                #expect(abs(paired[i, j] - twin[i, j]) <= 1e-10 * scale, "[\(i), \(j)] of \(m)×\(total)")
            }
        }
        for k in 0..<n { #expect(abs(tau[k] - twinTau[k]) <= 1e-10, "τ[\(k)]") }
    }

    /// Float: the backward error of Q̂R̂ (Q formed in Double by OpenBLAS from our Float
    /// reflectors) is within 10·n·ε_Float, and Qᵀb matches the Float scalar twin's.
    @Test(arguments: shapes)
    func isBackwardStableInFloat(shape: (m: Int, n: Int, extra: Int)) {
        let (m, n, total) = (shape.m, shape.n, shape.n + shape.extra)
        let original = Sentinelled<Float>(m: m, total: total, seed: UInt64(m * 89 + total))
        var paired = original
        var twin = original
        var workspace = QRWorkspace()
        let tau = paired.factor(reflectors: n) { PairedHouseholderQR.factor($0, reflectors: n, tau: $1, workspace: &workspace) }
        _ = twin.factor(reflectors: n) { view, t in
            for k in 0..<n { HouseholderQR<ReferenceKernels<Float>>.eliminate(column: k, of: view, tau: &t[k]) }
        }
        #expect(paired.sentinelsIntact, "rows beyond m were written")
        var a = Matrix(rows: m, columns: n), packed = Matrix(rows: m, columns: n)
        for j in 0..<n { for i in 0..<m { a[i, j] = Double(original[i, j]); packed[i, j] = Double(paired[i, j]) } }
        let qr = OpenBLASQR(packed: packed, tau: tau.map(Double.init))
        let eps = Double(Float.ulpOfOne)
        let backward = (a - qr.thinQ().multiplied(by: qr.r)).frobeniusNorm / a.frobeniusNorm
        #expect(backward <= 10 * Double(n) * eps, "‖A − QR‖/‖A‖ = \(backward)")
        // Qᵀb: the same orthogonal map applied to b, so it agrees to ~κ·n·ε_Float·‖b‖.
        for j in n..<total {
            var bNorm: Float = 0
            for i in 0..<m { bNorm = max(bNorm, abs(original[i, j])) }
            for i in 0..<m {
                #expect(abs(paired[i, j] - twin[i, j]) <= 1e-3 * bNorm, "(Qᵀb)[\(i)] column \(j)")
            }
        }
    }

    /// Columns that need no reflection (zero below the diagonal) get τ = 0 exactly, and the rest
    /// of the factorization is unaffected: H = I is skipped without touching other columns.
    @Test(arguments: [21, 270])
    func columnsAlreadyTriangularGiveZeroTau(rows m: Int) {
        let n = 6
        var paired = Sentinelled<Double>(m: m, total: n + 1, seed: 5)
        // Column 0 is e₀·2 (already triangular); column 3 is zero.
        for i in 0..<m { paired.storage[i] = i == 0 ? 2 : 0; paired.storage[i + 3 * paired.ld] = 0 }
        var twin = paired
        var workspace = QRWorkspace()
        let tau = paired.factor(reflectors: n) { PairedHouseholderQR.factor($0, reflectors: n, tau: $1, workspace: &workspace) }
        let twinTau = twin.factor(reflectors: n) { view, t in
            for k in 0..<n { HouseholderQR<ScalarKernels>.eliminate(column: k, of: view, tau: &t[k]) }
        }
        #expect(tau[0] == 0 && twinTau[0] == 0)
        for j in 0...n { for i in 0..<m { #expect(abs(paired[i, j] - twin[i, j]) <= 1e-12, "[\(i), \(j)]") } }
        for k in 0..<n { #expect(abs(tau[k] - twinTau[k]) <= 1e-12, "τ[\(k)]") }
    }

    /// The scratch may hold anything from an earlier call — even NaN bit patterns when a Double
    /// workspace is reused for Float: the explicit reflector vectors must be written in full
    /// before they are read. Same bits as with a fresh workspace.
    @Test(arguments: [37, 270])
    func staleScratchDoesNotLeakIn(rows m: Int) {
        let n = 9
        let original = Sentinelled<Float>(m: m, total: n + 1, seed: 11)
        var fresh = original, reused = original
        var freshWorkspace = QRWorkspace(), dirty = QRWorkspace()
        let size = PairedHouseholderQR.scratchSize(of: Float.self, rows: m, columns: n + 1)
        dirty.withScratch(of: Float.self, size) { $0.update(repeating: .nan, count: size) }
        let tau1 = fresh.factor(reflectors: n) { PairedHouseholderQR.factor($0, reflectors: n, tau: $1, workspace: &freshWorkspace) }
        let tau2 = reused.factor(reflectors: n) { PairedHouseholderQR.factor($0, reflectors: n, tau: $1, workspace: &dirty) }
        #expect(tau1 == tau2)
        #expect(zip(fresh.storage, reused.storage).allSatisfy { $0.bitPattern == $1.bitPattern })
    }
}
