@testable import PossumLinalg
import Testing

/// `VectorKernels.applyStructuredPair` splits its columns into passes as wide as the architecture's
/// registers allow (KernelSelection.swift: 8 on AVX-512, 2 on AVX2). Every column gets the same
/// operations in the same order in any pass, so every width must give bit-for-bit the results of
/// width 8 (the passes before the per-architecture choice): updated columns, x₁ and x₂ scaled, and
/// both inner products. A pass that dropped, padded or reordered a term would show here (the twin
/// tests bound the arithmetic itself against `ReferenceKernels`).
@Suite struct StructuredPairPassTests {
    static func check<T: QRScalar, Tile: MicroKernel>(_: VectorKernels<T, Tile>.Type, rows n: Int, columns q: Int,
                                                      carry: Bool) where Tile.Scalar == T {
        typealias K = VectorKernels<T, Tile>
        let inputs = StructuredPairInputs<T>(rows: n, columns: q, seed: UInt64(n * 31 + q))
        func run(widest: Int) -> [[T]] {
            let o = inputs.run { c, x1, x2, first, second in
                K.applyStructuredPair(c, first: x1, second: x2, crossGain: inputs.crossGain, gains1: first, gains2: second,
                                      scale1: inputs.scale1, scale2: inputs.scale2, carry: carry, firstDots: first,
                                      secondDots: second, widestPass: widest)
            }
            return [o.c, o.x1, o.x2, o.first, o.second]
        }
        let eight = run(widest: 8)
        for widest in 2...7 {
            let other = run(widest: widest)
            for (part, name) in zip(0..<5, ["columns", "x1", "x2", "first dots", "second dots"]) {
                #expect(bitPatterns(other[part]) == bitPatterns(eight[part]),
                        "\(K.self) \(n)×\(q) carry \(carry): \(name) of passes of \(widest) differ from passes of 8")
            }
        }
    }

    @Test(arguments: Array(1...17))
    func everyPassWidthGivesTheBitsOfPassesOfEight(columns q: Int) {
        for n in [0, 5, 8, 37, 256] {
            for carry in [true, false] {
                Self.check(NativeKernels<Double>.self, rows: n, columns: q, carry: carry)
                Self.check(NativeKernels<Float>.self, rows: n, columns: q, carry: carry)
                Self.check(VectorKernels<Double, PortableTile<Double>>.self, rows: n, columns: q, carry: carry)
            }
        }
    }
}
