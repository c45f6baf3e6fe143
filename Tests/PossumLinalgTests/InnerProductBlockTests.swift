@testable import PossumLinalg
import Testing

/// `InnerProductBlock` (TSQR's Gram matrix and W = VᵀC) against plain scalar sums. Each entry is a
/// dot product of n terms summed in some order, so it may differ from the textbook sum by at most
/// γₙ·Σ|xᵢyᵢ| per side (Higham Lemma 3.1); the bound is twice that. A wrong stride, column or
/// skipped tail row moves entries by O(1).
@Suite struct InnerProductBlockTests {
    func check<T: QRScalar>(_: T.Type, rows n: Int, p: Int, q: Int, skip: Bool) {
        var rng = SplitMix64(seed: UInt64(n * 131 + p * 17 + q))
        let (ldx, ldy, ldo) = (n + 3, n + 1, p + 2)
        let x = (0..<(ldx * p)).map { _ in T(Double.random(in: -1..<1, using: &rng)) }
        let y = (0..<(ldy * q)).map { _ in T(Double.random(in: -1..<1, using: &rng)) }
        let sentinel: T = 12345
        var out = [T](repeating: sentinel, count: ldo * q)
        InnerProductBlock<T>.compute(rows: n, x, ldx: ldx, count: p, y, ldy: ldy, count: q, into: &out, ldo: ldo,
                                     skipBelowDiagonal: skip)
        let gamma = T(n + 1) * T.ulpOfOne / (1 - T(n + 1) * T.ulpOfOne)
        for j in 0..<q {
            for i in 0..<ldo {
                let got = out[i + j * ldo]
                guard i < p else { #expect(got == sentinel, "padding row \(i) written"); continue }
                if skip && j < i { continue }  // may be skipped: only j ≥ i is promised
                var sum: T = 0, magnitude: T = 0
                for r in 0..<n {
                    sum += x[r + i * ldx] * y[r + j * ldy]
                    magnitude += abs(x[r + i * ldx] * y[r + j * ldy])
                }
                #expect(abs(got - sum) <= 2 * gamma * magnitude, "out[\(i),\(j)] = \(got), want \(sum)")
            }
        }
    }

    @Test(arguments: [0, 1, 7, 8, 9, 33, 300])
    func matchesScalarSumsDouble(rows: Int) {
        for (p, q) in [(1, 1), (3, 2), (4, 4), (5, 9), (8, 17), (13, 6)] {
            check(Double.self, rows: rows, p: p, q: q, skip: false)
            check(Double.self, rows: rows, p: p, q: q, skip: true)
        }
    }

    @Test(arguments: [0, 1, 15, 16, 17, 300])
    func matchesScalarSumsFloat(rows: Int) {
        for (p, q) in [(1, 1), (4, 4), (5, 9), (8, 17)] {
            check(Float.self, rows: rows, p: p, q: q, skip: false)
            check(Float.self, rows: rows, p: p, q: q, skip: true)
        }
    }

    /// The narrow paths for a last group of one or two columns (b beside a panel) give each entry
    /// the bits the full-width paths give it: they sum the same terms in the same order.
    @Test(arguments: [1, 9, 16, 37, 300])
    func narrowPathsGiveTheFullPathsBits(rows n: Int) {
        func check<T: QRScalar>(_: T.Type) {
            var rng = SplitMix64(seed: UInt64(n))
            let x = (0..<(n * 4)).map { _ in T(Double.random(in: -1..<1, using: &rng)) }
            let y = (0..<(n * 2)).map { _ in T(Double.random(in: -1..<1, using: &rng)) }
            for q in 1...2 {
                var narrow = [T](repeating: 0, count: 4 * q), full = narrow
                InnerProductBlock<T>.narrowBlock(rows: n, x, ldx: n, count: 4, y, ldy: n, count: q, into: &narrow, ldo: 4)
                InnerProductBlock<T>.block(rows: n, x, ldx: n, count: 4, y, ldy: n, count: q, into: &full, ldo: 4)
                #expect(narrow == full, "\(T.self) q = \(q)")
            }
            for k in [1, 5, 8] {
                let v = (0..<(n * k)).map { _ in T(Double.random(in: -1..<1, using: &rng)) }
                let w = (0..<(2 * k)).map { _ in T(Double.random(in: -1..<1, using: &rng)) }
                let c = (0..<(2 * n)).map { _ in T(Double.random(in: -1..<1, using: &rng)) }
                var alone = c, paired = c
                RankUpdateBlock<T>.single(rows: n, v, ldv: n, count: k, w, &alone)
                paired.withUnsafeMutableBufferPointer { b in
                    w.withUnsafeBufferPointer { wb in
                        guard let base = b.baseAddress, let w0 = wb.baseAddress else { return }
                        RankUpdateBlock<T>.pair(rows: n, v, ldv: n, count: k, w0, w0 + k, base, base + n)
                    }
                }
                #expect(Array(alone[0..<n]) == Array(paired[0..<n]), "\(T.self) k = \(k)")
            }
        }
        check(Double.self)
        check(Float.self)
    }
}
