@testable import PossumLinalg
import Testing

/// Two-level blocking (`BlockedHouseholderQR.factor(outerBlockSize:)`): outer panels factored by
/// the one-level blocked QR inside them, one block reflector per outer panel on the trailing
/// matrix, its T from the Gram matrix through the tile joined by the recursive rule. Shapes small
/// enough for a debug build, with the outer panel forced: a narrow last outer panel that sweeps to
/// the end, columns past the reflectors, an outer width not a multiple of the tile's rows.
@Suite struct TwoLevelBlockedQRTests {
    static let shapes: [(m: Int, columns: Int, reflectors: Int, nb: Int, kb: Int)] = [
        (300, 200, 200, 16, 64), (260, 197, 197, 16, 64), (400, 150, 130, 8, 48), (350, 180, 180, 32, 96),
    ]

    static func factored<K: HouseholderKernels>(
        _ values: [K.Scalar], _ s: (m: Int, columns: Int, reflectors: Int, nb: Int, kb: Int), outer: Int, threads: Int,
        kernels: K.Type
    ) -> [K.Scalar] {
        var a = values
        var tau = [K.Scalar](repeating: .nan, count: s.reflectors)
        var workspace = QRWorkspace()
        a.withUnsafeMutableBufferPointer { ab in
            tau.withUnsafeMutableBufferPointer { tb in
                guard let base = ab.baseAddress, let t = tb.baseAddress else { return }
                BlockedHouseholderQR.factor(StridedMatrixView(base: base, rows: s.m, columns: s.columns, leadingDimension: s.m),
                                            reflectors: s.reflectors, tau: t, blockSize: s.nb, outerBlockSize: outer,
                                            threads: threads, workspace: &workspace, kernels: K.self)
            }
        }
        return a + tau
    }

    /// The same factors as one level (packed R, reflector tails, τ, and Qᵀ applied to the columns
    /// past the reflectors) up to rounding: these random matrices have κ < 1e3, so 1e-10 relative
    /// to the column scale leaves a wide margin while a wrong T entry gives errors of order 1.
    @Test(arguments: shapes)
    func sameFactorsAsOneLevel(shape: (m: Int, columns: Int, reflectors: Int, nb: Int, kb: Int)) {
        func check<K: HouseholderKernels>(_: K.Type) where K.Scalar == Double {
            var rng = SplitMix64(seed: UInt64(shape.m * 13 + shape.columns))
            let values = (0..<(shape.m * shape.columns)).map { _ in Double.random(in: -1..<1, using: &rng) }
            let one = Self.factored(values, shape, outer: shape.nb, threads: 1, kernels: K.self)
            let two = Self.factored(values, shape, outer: shape.kb, threads: 1, kernels: K.self)
            #expect(one.map(\.bitPattern) != two.map(\.bitPattern), "the two-level path ran")
            var worst = 0.0
            for j in 0..<shape.columns {
                for i in 0..<shape.m {
                    let scale = i <= j ? max(abs(one[i + i * shape.m]), 1) : 1
                    worst = max(worst, abs(one[i + j * shape.m] - two[i + j * shape.m]) / scale)
                }
            }
            for j in 0..<shape.reflectors { worst = max(worst, abs(one[shape.m * shape.columns + j] - two[shape.m * shape.columns + j])) }
            #expect(worst <= 1e-10, "\(K.self) \(shape): largest difference \(worst)")
        }
        check(NativeKernels<Double>.self)
        check(ReferenceKernels<Double>.self)
    }

    /// Every P gives the one-thread bits of the two-level factorization.
    @Test(arguments: shapes)
    func everyThreadCountGivesTheOneThreadBits(shape: (m: Int, columns: Int, reflectors: Int, nb: Int, kb: Int)) {
        func check<K: HouseholderKernels>(_: K.Type) {
            var rng = SplitMix64(seed: UInt64(shape.m * 7 + shape.columns))
            let values = (0..<(shape.m * shape.columns)).map { _ in K.Scalar(Double.random(in: -1..<1, using: &rng)) }
            let one = Self.factored(values, shape, outer: shape.kb, threads: 1, kernels: K.self)
            for p in [2, 3, 7] {
                let many = Self.factored(values, shape, outer: shape.kb, threads: p, kernels: K.self)
                #expect(many.map { Double($0).bitPattern } == one.map { Double($0).bitPattern }, "\(K.Scalar.self) \(shape) P=\(p)")
            }
        }
        check(NativeKernels<Double>.self)
        check(NativeKernels<Float>.self)
        check(ReferenceKernels<Double>.self)
    }
}
