import Foundation
@testable import PossumML
import PossumLinalg
import Testing

/// Block summaries merged in any order or tree give the in-memory statistics.
@Suite struct ColumnMomentsTests {
    struct Generator {
        var state: UInt64
        mutating func uniform() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53) - 0.5
        }
    }

    /// Columns: plain noise, a large common offset (1e8 + noise), huge values, tiny values.
    func table(rows n: Int, seed: UInt64) -> Matrix {
        var g = Generator(state: seed)
        var x = Matrix(rows: n, columns: 4)
        for i in 0..<n {
            x[i, 0] = g.uniform() * 3 + 1
            x[i, 1] = 1e8 + g.uniform()
            x[i, 2] = 1e300 * g.uniform()
            x[i, 3] = 1e-300 * (g.uniform() + 2)
        }
        return x
    }

    func rows(_ x: Matrix, _ range: Range<Int>) -> Matrix { x.submatrix(rows: range, columns: 0..<x.columns) }

    func expectClose(_ m: ColumnMoments, _ scaler: StandardScaler, _ label: String) {
        for j in 0..<m.columns {
            let (mean, sd) = (m.means[j], m.standardDeviations[j])
            #expect(abs(mean - scaler.mean[j]) <= 1e-12 * abs(scaler.mean[j]), "\(label) mean[\(j)] \(mean) vs \(scaler.mean[j])")
            #expect(abs(sd - scaler.scale[j]) <= 1e-12 * scaler.scale[j], "\(label) sd[\(j)] \(sd) vs \(scaler.scale[j])")
        }
    }

    @Test func mergedBlocksEqualTheInMemoryScalerInAnyOrderAndTree() throws {
        let n = 1000
        let x = table(rows: n, seed: 11)
        let scaler = try StandardScaler(fitting: x, names: ["a", "offset", "huge", "tiny"])
        // Uneven cuts, including a one-row block.
        let cuts = [0, 1, 137, 400, 401, 777, n]
        let blocks = (0..<(cuts.count - 1)).map { ColumnMoments(block: rows(x, cuts[$0]..<cuts[$0 + 1])) }
        #expect(blocks.map(\.count).reduce(0, +) == n)

        var forward = ColumnMoments(columns: 4)
        for b in blocks { try forward.merge(b) }
        var backward = ColumnMoments(columns: 4)
        for b in blocks.reversed() { try backward.merge(b) }
        // A balanced tree: pairs, then pairs of pairs.
        var level = blocks
        while level.count > 1 {
            level = try stride(from: 0, to: level.count, by: 2).map { k in
                k + 1 < level.count ? try level[k].merged(with: level[k + 1]) : level[k]
            }
        }
        #expect(forward.count == n && backward.count == n && level[0].count == n)
        expectClose(forward, scaler, "forward")
        expectClose(backward, scaler, "backward")
        expectClose(level[0], scaler, "tree")
        expectClose(ColumnMoments(block: x), scaler, "one block")
        // Sums are what centering needs: n·mean.
        #expect(abs(forward.sums[1] - Double(n) * scaler.mean[1]) <= 1e-12 * Double(n) * scaler.mean[1])
    }

    @Test func theNaiveSumOfSquaresFailsWhereTheMergeDoesNot() throws {
        let n = 1000
        let x = table(rows: n, seed: 5)
        let column = (0..<n).map { x[$0, 1] }
        let scaler = try StandardScaler(fitting: x, names: ["a", "offset", "huge", "tiny"])
        // The textbook one-pass formula Σx²/n − mean²: Σx² ≈ 1e19, whose rounding error alone is
        // far larger than n·σ² ≈ 83.
        let mean = column.reduce(0, +) / Double(n)
        let naiveVariance = column.reduce(0) { $0 + $1 * $1 } / Double(n) - mean * mean
        let trueVariance = scaler.scale[1] * scaler.scale[1]
        #expect(abs(naiveVariance - trueVariance) > 1e-3 * trueVariance)
        // Merged blocks of 10 rows: 100 merges, each δ between means near 1e8.
        var merged = ColumnMoments(columns: 4)
        for start in stride(from: 0, to: n, by: 10) { try merged.merge(ColumnMoments(block: rows(x, start..<(start + 10)))) }
        #expect(abs(merged.variances[1] - trueVariance) <= 2e-12 * trueVariance)
    }

    @Test func emptySummaryIsTheIdentityAndCountsCannotOverflow() throws {
        let x = table(rows: 20, seed: 3)
        let m = ColumnMoments(block: x)
        #expect(try ColumnMoments(columns: 4).merged(with: m) == m)
        #expect(try m.merged(with: ColumnMoments(columns: 4)) == m)
        let huge = try #require(ColumnMoments(count: Int.max, exponents: m.exponents, scaledMeanHigh: m.scaledMeanHigh,
                                              scaledMeanLow: m.scaledMeanLow, scaledM2: m.scaledM2))
        #expect(throws: ColumnMomentsError.countOverflow) { try huge.merged(with: m) }
        #expect(ColumnMoments(count: 1, exponents: [2000], scaledMeanHigh: [0], scaledMeanLow: [0], scaledM2: [0]) == nil)
    }
}
