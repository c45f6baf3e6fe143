import PossumLinalg
import Testing

/// The micro-kernels (every tile, not only this architecture's), the portable edge and the tiled
/// products against the scalar twin `ReferenceTile`.
///
/// Every entry is a sum of k products in some order, so the kernels may differ from the twin by
/// at most γₖ·Σₚ|aᵢₚ·bₚⱼ| each (Higham Lemma 3.1; γₖ = kε/(1 − kε)); the bound below is twice that
/// (both sides round) plus the rounding of adding to C's initial entry. A wrong index, stride or
/// skipped term moves entries by O(1) ≫ the bound. Both precisions: ε is T's (`Float`'s tile is
/// 16 × 6, one `SIMD16<Float>` per column).
@Suite struct MicroKernelTests {
    func gammaBound<T: QRScalar>(_ k: Int, _: T.Type) -> T { T(k + 1) * T.ulpOfOne / (1 - T(k + 1) * T.ulpOfOne) }

    /// Strided operands (leading dimensions larger than the tile) with random contents; C starts
    /// non-zero so that "+=" is tested, not "=".
    struct Operands<T: QRScalar> {
        var a: [T], b: [T], c: [T]
        let lda: Int, ldb: Int, ldc: Int
        init(mr: Int, nr: Int, k: Int, seed: UInt64) {
            var rng = SplitMix64(seed: seed)
            (lda, ldb, ldc) = (mr + 3, k + 2, mr + 5)
            a = (0..<(lda * max(k, 1))).map { _ in T(Double.random(in: -1..<1, using: &rng)) }
            b = (0..<(ldb * nr)).map { _ in T(Double.random(in: -1..<1, using: &rng)) }
            c = (0..<(ldc * nr)).map { _ in T(Double.random(in: -1..<1, using: &rng)) }
        }
    }

    func expectClose<T: QRScalar>(_ got: [T], _ want: [T], _ o: Operands<T>, mr: Int, nr: Int, k: Int,
                                  sourceLocation: SourceLocation = #_sourceLocation) {
        for j in 0..<nr {
            for i in 0..<mr {
                var magnitude = abs(o.c[i + j * o.ldc])
                for p in 0..<k { magnitude += abs(o.a[i + p * o.lda] * o.b[p + j * o.ldb]) }
                let bound = 2 * gammaBound(k, T.self) * magnitude
                #expect(abs(got[i + j * o.ldc] - want[i + j * o.ldc]) <= bound,
                        "C[\(i),\(j)] = \(got[i + j * o.ldc]) vs twin \(want[i + j * o.ldc])",
                        sourceLocation: sourceLocation)
            }
        }
        // Entries of C outside the tile (the padding rows of each column) are untouched.
        for j in 0..<nr { for i in mr..<o.ldc { #expect(got[i + j * o.ldc] == o.c[i + j * o.ldc]) } }
    }

    func twin<T: QRScalar>(_ o: Operands<T>, mr: Int, nr: Int, k: Int) -> [T] {
        var c = o.c
        ReferenceTile<T>.reference(mr: mr, nr: nr, k: k, o.a, lda: o.lda, o.b, ldb: o.ldb, &c, ldc: o.ldc)
        return c
    }

    @Test(arguments: [0, 1, 2, 7, 8, 33, 256])
    func fullTileMatchesScalarTwin(k: Int) {
        fullTile(AVX2Tile<Double>.self, k: k)
        fullTile(AVX2Tile<Float>.self, k: k)
        fullTile(PortableTile<Double>.self, k: k)
        fullTile(PortableTile<Float>.self, k: k)
        fullTile(AVX512Tile<Double>.self, k: k)
        fullTile(AVX512Tile<Float>.self, k: k)
        fullTile(AVX2TallTile<Double>.self, k: k)
        fullTile(AVX2TallTile<Float>.self, k: k)
    }

    /// A whole tile: mr = lanes (8 for `Double`, 16 for `Float`), nr the tile's own.
    func fullTile<M: MicroKernel>(_: M.Type, k: Int) {
        typealias T = M.Scalar
        let o = Operands<T>(mr: M.mr, nr: M.nr, k: k, seed: UInt64(k) + 5)
        var c = o.c
        M.accumulateTile(k: k, o.a, lda: o.lda, o.b, ldb: o.ldb, &c, ldc: o.ldc)
        expectClose(c, twin(o, mr: M.mr, nr: M.nr, k: k), o, mr: M.mr, nr: M.nr, k: k)
    }

    @Test(arguments: [(1, 1), (7, 6), (8, 5), (9, 6), (15, 3), (16, 1), (17, 7), (3, 2)])
    func edgeTilesMatchScalarTwin(shape: (mr: Int, nr: Int)) {
        edgeTile(Double.self, shape: shape)
        edgeTile(Float.self, shape: (shape.mr * 2, shape.nr))  // Float strips are 16 rows
    }

    func edgeTile<T: QRScalar>(_: T.Type, shape: (mr: Int, nr: Int)) {
        let k = 19
        let o = Operands<T>(mr: shape.mr, nr: shape.nr, k: k, seed: UInt64(shape.mr * 10 + shape.nr))
        var c = o.c
        NativeTile<T>.accumulateEdge(mr: shape.mr, nr: shape.nr, k: k, o.a, lda: o.lda, o.b, ldb: o.ldb, &c, ldc: o.ldc)
        expectClose(c, twin(o, mr: shape.mr, nr: shape.nr, k: k), o, mr: shape.mr, nr: shape.nr, k: k)
    }

    /// The full tile restricted to a partial tile (the padded last strip of a packed A, the last
    /// columns of C): the stored entries match the twin, the rest of C is untouched.
    @Test(arguments: [(1, 6), (3, 2), (7, 5), (8, 1), (8, 6), (5, 3)])
    func partialTileMatchesScalarTwin(shape: (rows: Int, columns: Int)) {
        partialTile(AVX2Tile<Double>.self, shape)
        partialTile(AVX2Tile<Float>.self, shape)
        partialTile(AVX2Tile<Float>.self, (shape.rows + 8, shape.columns))
        partialTile(PortableTile<Double>.self, (shape.rows, min(shape.columns, 4)))
        partialTile(PortableTile<Float>.self, (shape.rows + 8, min(shape.columns, 4)))
        // Two vectors per column: partial strips of one vector or less, and of more than one.
        partialTile(AVX512Tile<Double>.self, shape)
        partialTile(AVX512Tile<Double>.self, (shape.rows + 8, shape.columns))
        partialTile(AVX512Tile<Float>.self, (shape.rows + 8, shape.columns))
        partialTile(AVX512Tile<Float>.self, (shape.rows + 24, shape.columns))
        // The tall AVX2 tile: two vectors per column too, at most 3 columns.
        partialTile(AVX2TallTile<Double>.self, (shape.rows, min(shape.columns, 3)))
        partialTile(AVX2TallTile<Double>.self, (shape.rows + 8, min(shape.columns, 3)))
        partialTile(AVX2TallTile<Float>.self, (shape.rows + 8, min(shape.columns, 3)))
        partialTile(AVX2TallTile<Float>.self, (shape.rows + 24, min(shape.columns, 3)))
    }

    func partialTile<M: MicroKernel>(_: M.Type, _ shape: (rows: Int, columns: Int)) {
        typealias T = M.Scalar
        let k = 33
        let (rows, columns) = shape
        // A holds only `rows` rounded up to whole vectors, as the contract allows.
        let o = Operands<T>(mr: (rows + T.lanes - 1) / T.lanes * T.lanes, nr: 6, k: k, seed: UInt64(rows * 7 + columns) + 40)
        var c = o.c
        M.accumulateTile(rows: rows, columns: columns, k: k, o.a, lda: o.lda, o.b, ldb: o.ldb, &c, ldc: o.ldc)
        expectClose(c, twin(o, mr: rows, nr: columns, k: k), o, mr: rows, nr: columns, k: k)
        // Columns past `columns`: untouched.
        for j in columns..<6 { for i in 0..<o.ldc { #expect(c[i + j * o.ldc] == o.c[i + j * o.ldc]) } }
    }

    /// The tiled product over sizes that are not multiples of the tile, with cache blocks small
    /// enough (kc = 5, mc = 16) that every chunking loop runs several times and has a remainder.
    @Test(arguments: [(1, 1, 1), (8, 6, 5), (37, 13, 23), (16, 12, 10), (45, 7, 3), (5, 20, 40)])
    func tiledProductMatchesScalarTwin(size: (m: Int, n: Int, k: Int)) {
        tiledProduct(Double.self, size: size)
        tiledProduct(Float.self, size: size)
    }

    func tiledProduct<T: QRScalar>(_: T.Type, size: (m: Int, n: Int, k: Int)) {
        let o = Operands<T>(mr: size.m, nr: size.n, k: size.k, seed: UInt64(size.m + 100 * size.n + 10_000 * size.k))
        for (kc, mc) in [(5, 16), (256, 128)] {
            var c = o.c
            accumulateProduct(m: size.m, n: size.n, k: size.k, o.a, lda: o.lda, o.b, ldb: o.ldb, &c, ldc: o.ldc,
                              kc: kc, mc: mc)
            expectClose(c, twin(o, mr: size.m, nr: size.n, k: size.k), o, mr: size.m, nr: size.n, k: size.k)
            var portable = o.c
            PortableTile<T>.accumulateProduct(m: size.m, n: size.n, k: size.k, o.a, lda: o.lda, o.b, ldb: o.ldb,
                                              &portable, ldc: o.ldc, kc: kc, mc: mc)
            expectClose(portable, twin(o, mr: size.m, nr: size.n, k: size.k), o, mr: size.m, nr: size.n, k: size.k)
            var wide = o.c
            AVX512Tile<T>.accumulateProduct(m: size.m, n: size.n, k: size.k, o.a, lda: o.lda, o.b, ldb: o.ldb,
                                            &wide, ldc: o.ldc, kc: kc, mc: mc)
            expectClose(wide, twin(o, mr: size.m, nr: size.n, k: size.k), o, mr: size.m, nr: size.n, k: size.k)
            // The AVX2 tiles, lanes × 6 and (2·lanes) × 3: each entry the same FMA chain, so the same bits.
            var narrow = o.c, tall = o.c
            AVX2Tile<T>.accumulateProduct(m: size.m, n: size.n, k: size.k, o.a, lda: o.lda, o.b, ldb: o.ldb,
                                          &narrow, ldc: o.ldc, kc: kc, mc: mc)
            AVX2TallTile<T>.accumulateProduct(m: size.m, n: size.n, k: size.k, o.a, lda: o.lda, o.b, ldb: o.ldb,
                                              &tall, ldc: o.ldc, kc: kc, mc: mc)
            expectClose(tall, twin(o, mr: size.m, nr: size.n, k: size.k), o, mr: size.m, nr: size.n, k: size.k)
            #expect(tall == narrow, "AVX2TallTile and AVX2Tile: the same bits")
        }
    }

    /// The product with A packed in micro-panels (the blocked QR's C += V·W'): pack the same
    /// operands, compare with the scalar twin on the unpacked A. Row blocks of 2·mr (and the
    /// default) so the row chunking runs several times with a partial last strip.
    @Test(arguments: [(1, 1, 1), (8, 6, 5), (37, 13, 23), (16, 12, 32), (45, 7, 3), (100, 20, 64)])
    func packedProductMatchesScalarTwin(size: (m: Int, n: Int, k: Int)) {
        packedProduct(Double.self, size: size)
        packedProduct(Float.self, size: size)
    }

    func packedProduct<T: QRScalar>(_: T.Type, size: (m: Int, n: Int, k: Int)) {
        let o = Operands<T>(mr: size.m, nr: size.n, k: size.k, seed: UInt64(7 * size.m + 11 * size.n + 13 * size.k))
        packedProduct(NativeTile<T>.self, o, size: size)
        packedProduct(PortableTile<T>.self, o, size: size)
        packedProduct(AVX512Tile<T>.self, o, size: size)
        packedProduct(AVX2Tile<T>.self, o, size: size)
        packedProduct(AVX2TallTile<T>.self, o, size: size)
    }

    /// A packed in M's micro-panels (mr = `M.mr` rows), multiplied through M.
    func packedProduct<M: MicroKernel>(_: M.Type, _ o: Operands<M.Scalar>, size: (m: Int, n: Int, k: Int)) {
        typealias T = M.Scalar
        let (m, n, k) = size
        let mr = M.mr, strips = (m + mr - 1) / mr
        var packed = [T](repeating: .nan, count: strips * mr * k)  // padding rows: never stored, any value is read
        for i in 0..<(strips * mr) {
            for p in 0..<k { packed[(i / mr) * mr * k + p * mr + i % mr] = i < m ? o.a[i + p * o.lda] : 0 }
        }
        for mc in [2 * mr, 128] {
            var c = o.c
            M.accumulatePackedProduct(m: m, n: n, k: k, packed, o.b, ldb: o.ldb, &c, ldc: o.ldc, mc: mc)
            expectClose(c, twin(o, mr: m, nr: n, k: k), o, mr: m, nr: n, k: k)
        }
    }
}
