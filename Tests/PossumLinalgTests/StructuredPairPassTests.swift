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
        var rng = SplitMix64(seed: UInt64(n * 31 + q))
        func random(_ count: Int) -> [T] { (0..<count).map { _ in T(Double.random(in: -1..<1, using: &rng)) } }
        let ld = n + 3
        let c0 = random(ld * q), x10 = random(n), x20 = random(n), gains1 = random(q), gains2 = random(q)
        let g: T = 0.625, s1: T = 0.75, s2: T = -1.25
        func run(widest: Int) -> [[T]] {
            var c = c0, x1 = x10, x2 = x20, first = gains1 + [0], second = gains2 + [42]
            c.withUnsafeMutableBufferPointer { cb in
                x1.withUnsafeMutableBufferPointer { ab in
                    x2.withUnsafeMutableBufferPointer { bb in
                        first.withUnsafeMutableBufferPointer { fb in
                            second.withUnsafeMutableBufferPointer { sb in
                                guard let cp = cb.baseAddress, let ap = ab.baseAddress, let bp = bb.baseAddress,
                                      let fp = fb.baseAddress, let sp = sb.baseAddress else { return }
                                K.applyStructuredPair(StridedMatrixView(base: cp, rows: n, columns: q, leadingDimension: ld),
                                                      first: ap, second: bp, crossGain: g, gains1: fp, gains2: sp,
                                                      scale1: s1, scale2: s2, carry: carry, firstDots: fp, secondDots: sp,
                                                      widestPass: widest)
                            }
                        }
                    }
                }
            }
            return [c, x1, x2, first, second]
        }
        let eight = run(widest: 8)
        for widest in 2...7 {
            let other = run(widest: widest)
            for (part, name) in zip(0..<5, ["columns", "x1", "x2", "first dots", "second dots"]) {
                // Bit patterns (Float widens exactly), so that a signed zero or a NaN cannot pass by accident.
                #expect(other[part].map { Double($0).bitPattern } == eight[part].map { Double($0).bitPattern },
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
