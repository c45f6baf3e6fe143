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

/// The few-register paths (`InnerProductHalves`, `RankUpdateTiles`: what AVX2 runs) against the
/// 32-register ones (`InnerProductBlock.wideBlocks`, `RankUpdateBlock.pairs`: what AVX-512 runs), bit
/// for bit: they promise every entry the same operations in the same order. Rows across the chunks
/// and strips (256) with a scalar tail, every block shape's remainders, panels wider than 8, -0 in C.
@Suite struct FewRegisterBlockTests {
    func innerProducts<T: QRScalar, R: AVX2Register>(_: T.Type, _: R.Type, rows n: Int) where R.Scalar == T {
        var rng = SplitMix64(seed: UInt64(n + 1))
        for (p, q) in [(1, 1), (2, 2), (3, 3), (4, 5), (8, 1), (8, 2), (8, 9), (8, 33), (5, 7), (16, 17)] {
            let (ldx, ldy, ldo) = (n + 3, n + 5, p + 1)
            let x = (0..<(ldx * p)).map { _ in T(Double.random(in: -1..<1, using: &rng)) }
            let y = (0..<(ldy * q)).map { _ in T(Double.random(in: -1..<1, using: &rng)) }
            for skip in [false, true] {
                var wide = [T](repeating: 7, count: ldo * q), halves = wide
                InnerProductBlock<T>.wideBlocks(rows: n, x, ldx: ldx, count: p, y, ldy: ldy, count: q, into: &wide,
                                                ldo: ldo, skipBelowDiagonal: skip)
                x.withUnsafeBufferPointer { xb in
                    y.withUnsafeBufferPointer { yb in
                        halves.withUnsafeMutableBufferPointer { ob in
                            InnerProductHalves<R>.compute(rows: n, xb.baseAddress!, ldx: ldx, count: p, yb.baseAddress!, ldy: ldy,
                                                          count: q, into: ob.baseAddress!, ldo: ldo, skipBelowDiagonal: skip)
                        }
                    }
                }
                for j in 0..<q {
                    for i in 0..<ldo where i < p ? (!skip || j >= i) : true {
                        let (a, b) = (wide[i + j * ldo], halves[i + j * ldo])
                        #expect(Double(a).bitPattern == Double(b).bitPattern, "\(T.self) n \(n) \(p) × \(q) skip \(skip): [\(i), \(j)] \(a) vs \(b)")
                    }
                }
            }
        }
    }

    func rankUpdate<T: QRScalar, R: AVX2Register>(_: T.Type, _: R.Type, rows n: Int) where R.Scalar == T {
        var rng = SplitMix64(seed: UInt64(n + 7))
        for (k, q) in [(1, 1), (5, 2), (8, 3), (8, 4), (8, 6), (8, 7), (8, 25), (3, 13), (13, 9), (16, 17)] {
            let (ldv, ldw, ldc) = (n + 1, k + 2, n + 3)
            let v = (0..<(ldv * k)).map { _ in T(Double.random(in: -1..<1, using: &rng)) }
            let w = (0..<(ldw * q)).map { _ in T(Double.random(in: -1..<1, using: &rng)) }
            // Some entries -0: a padded term weighing 0 is added by both paths (skipping it would keep a -0 that adding may make +0).
            let c0 = (0..<(ldc * q)).map { i in i % 5 == 0 ? -T(0) : T(Double.random(in: -1..<1, using: &rng)) }
            var paired = c0, tiled = c0
            RankUpdateBlock<T>.pairs(rows: n, v, ldv: ldv, count: k, w, ldw: ldw, into: &paired, ldc: ldc, columns: q)
            v.withUnsafeBufferPointer { vb in
                w.withUnsafeBufferPointer { wb in
                    tiled.withUnsafeMutableBufferPointer { cb in
                        RankUpdateTiles<R>.accumulate(rows: n, vb.baseAddress!, ldv: ldv, count: k, wb.baseAddress!, ldw: ldw,
                                                      into: cb.baseAddress!, ldc: ldc, columns: q)
                    }
                }
            }
            let mismatches = zip(paired, tiled).filter { Double($0).bitPattern != Double($1).bitPattern }.count
            #expect(mismatches == 0, "\(T.self) n \(n) k \(k) q \(q): \(mismatches) entries differ")
        }
    }

    @Test(arguments: [0, 1, 7, 8, 9, 33, 255, 256, 263, 600])
    func innerProductHalvesGiveTheWideBlocksBits(rows n: Int) {
        innerProducts(Double.self, SIMD4<Double>.self, rows: n)
        innerProducts(Float.self, SIMD8<Float>.self, rows: n)
    }

    @Test(arguments: [0, 1, 7, 8, 9, 33, 255, 256, 263, 600])
    func rankUpdateTilesGiveThePairsBits(rows n: Int) {
        rankUpdate(Double.self, SIMD4<Double>.self, rows: n)
        rankUpdate(Float.self, SIMD8<Float>.self, rows: n)
    }
}
