@testable import PossumLinalg
import Testing

/// `updateColumns` sweeps the columns four at a time and the last one to three as groups of two
/// and one. Every column gets the same operations in the same order whichever group it is in, so
/// each column's update and dot product must be bit-for-bit those of a call on that column alone:
/// a grouping that padded, dropped or reordered anything would show (the twin tests bound the
/// arithmetic itself against `ReferenceKernels`).
@Suite struct UpdateColumnsGroupingTests {
    static func check<K: HouseholderKernels>(_: K.Type, rows n: Int, columns q: Int) {
        typealias T = K.Scalar
        var rng = SplitMix64(seed: UInt64(n * 17 + q))
        let ld = n + 3
        let x0 = (0..<n).map { _ in T(Double.random(in: -1..<1, using: &rng)) }
        let c0 = (0..<(ld * q)).map { _ in T(Double.random(in: -1..<1, using: &rng)) }
        let next = (0..<n).map { _ in T(Double.random(in: -1..<1, using: &rng)) }
        let gains = (0..<q).map { _ in T(Double.random(in: -1..<1, using: &rng)) }
        /// Columns `range` of c0 updated in one call: (columns, x after, dots).
        func run(_ range: Range<Int>) -> (c: [T], x: [T], dots: [T]) {
            var c = Array(c0[(range.lowerBound * ld)..<(range.upperBound * ld)]), x = x0
            var dots = Array(gains[range])
            c.withUnsafeMutableBufferPointer { cb in
                x.withUnsafeMutableBufferPointer { xb in
                    dots.withUnsafeMutableBufferPointer { db in
                        next.withUnsafeBufferPointer { nb in
                            guard let cp = cb.baseAddress, let xp = xb.baseAddress, let dp = db.baseAddress else { return }
                            K.updateColumns(StridedMatrixView(base: cp, rows: n, columns: range.count, leadingDimension: ld),
                                            adding: xp, gains: dp, scaleX: 0.75, dotsWith: nb.baseAddress, into: dp)
                        }
                    }
                }
            }
            return (c, x, dots)
        }
        let together = run(0..<q)
        for j in 0..<q {
            let alone = run(j..<(j + 1))
            #expect(Array(together.c[(j * ld)..<(j * ld + n)]) == Array(alone.c[0..<n]), "\(K.self) \(n)×\(q): column \(j)")
            #expect(together.dots[j] == alone.dots[0], "\(K.self) \(n)×\(q): dot \(j)")
            #expect(together.x == alone.x, "\(K.self) \(n)×\(q): x scaled once")
        }
    }

    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 9, 11])
    func eachColumnGetsTheBitsOfASweepOfItsOwn(columns q: Int) {
        for n in [0, 5, 8, 37, 256] {
            Self.check(NativeKernels<Double>.self, rows: n, columns: q)
            Self.check(NativeKernels<Float>.self, rows: n, columns: q)
            Self.check(VectorKernels<Double, PortableTile<Double>>.self, rows: n, columns: q)
        }
    }
}
