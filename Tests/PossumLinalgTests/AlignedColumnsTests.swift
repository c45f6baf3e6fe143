@testable import PossumLinalg
import Testing

/// The solver's own [A | b] copy puts every column on a 64-byte line (so no SIMD access of the
/// TSQR leaf straddles two lines), and alignment changes no bits: the in-place solve on a Swift
/// array (columns 32 bytes past a line) gives the same x and ‖r‖ as `solve(_:_:)`.
@Suite struct AlignedColumnsTests {
    @Test(arguments: [1, 7, 8, 9, 1_000, 1_003])
    func everyColumnStartsOnA64ByteLine(rows: Int) {
        for columns in [1, 3, 17] {
            AlignedColumns.with(rows: rows, columns: columns, of: Double.self) { base, ld in
                #expect(ld >= rows)
                for j in 0..<columns { #expect(UInt(bitPattern: base + j * ld) % 64 == 0, "\(rows) rows, column \(j)") }
            }
            AlignedColumns.with(rows: rows, columns: columns, of: Float.self) { base, ld in
                #expect(ld >= rows)
                for j in 0..<columns { #expect(UInt(bitPattern: base + j * ld) % 64 == 0, "Float, \(rows) rows, column \(j)") }
            }
        }
    }

    @Test(arguments: [(200_003, 5), (300_000, 16), (150, 7)])
    func alignedCopyGivesTheBitsOfAnArrayBuffer(shape: (m: Int, n: Int)) throws {
        let (m, n) = shape
        var rng = SplitMix64(seed: UInt64(m + n))
        let a = Matrix(rows: m, columns: n, columnMajor: (0..<(m * n)).map { _ in Double.random(in: -1..<1, using: &rng) })
        let b = (0..<m).map { _ in Double.random(in: -1..<1, using: &rng) }
        for threads in [1, 2] {
            let solver = SIMDSolver(threads: threads)
            let solution = try solver.solve(a, b)
            var ab = a.elements + b
            let (x, residual) = try solveInPlace(solver, &ab, rows: m, columns: n, kernels: NativeKernels<Double>.self)
            #expect(solution.x.map(\.bitPattern) == x.map(\.bitPattern), "\(m)×\(n), \(threads) threads: x")
            #expect(solution.residualNorm.bitPattern == residual.bitPattern, "\(m)×\(n), \(threads) threads: ‖r‖")
        }
    }
}
