/// The (2·lanes) × 6 tile sized for AVX-512 (x86-64 with 32 zmm registers): a column of the tile
/// is two `T.Vector`s — 16 doubles or 32 floats, two zmm registers — so its 12 accumulators are 12
/// independent FMA chains, enough for two FMA pipes of 4-cycle latency (8 in flight); `AVX2Tile`
/// on zmm has only 6. With 2 columns of A and B's elements broadcast straight from memory by the
/// FMAs, each step p is 2 vector loads + 6 broadcasts for 12 FMAs, and 14 of the 32 registers.
///
/// Each entry of C gets the same single FMA chain over p, from zero, added to C once, as in
/// `AVX2Tile` and the edge: every tile gives the same bits.
public enum AVX512Tile<Scalar: QRScalar>: MicroKernel {
    public static var mr: Int { 2 * Scalar.lanes }
    public static var nr: Int { 6 }
    /// 32 tiles wide: each block of C reads the packed V (two copies, m × nb each, more than L2
    /// holds beside C for m ≳ 1000) once, so wider blocks read it less often; much wider ones
    /// measured slower again, C no longer cached between its two reads (Benchmarks/README.md,
    /// "Square and 104 × 17 against the roof").
    public static var columnBlock: Int { 192 }

    @inlinable
    public static func accumulateTile(
        k: Int, _ a: UnsafePointer<Scalar>, lda: Int, _ b: UnsafePointer<Scalar>, ldb: Int,
        _ c: UnsafeMutablePointer<Scalar>, ldc: Int
    ) {
        typealias T = Scalar
        let lanes = T.lanes
        var c0 = T.zeroVector, c1 = T.zeroVector, c2 = T.zeroVector
        var c3 = T.zeroVector, c4 = T.zeroVector, c5 = T.zeroVector
        var d0 = T.zeroVector, d1 = T.zeroVector, d2 = T.zeroVector
        var d3 = T.zeroVector, d4 = T.zeroVector, d5 = T.zeroVector
        let b0 = b, b1 = b + ldb, b2 = b + 2 * ldb, b3 = b + 3 * ldb, b4 = b + 4 * ldb, b5 = b + 5 * ldb
        var ap = a
        for p in 0..<k {
            let upper = T.load(ap), lower = T.load(ap + lanes)
            var s = T.splat(b0[p]); c0 = T.fma(c0, upper, s); d0 = T.fma(d0, lower, s)
            s = T.splat(b1[p]); c1 = T.fma(c1, upper, s); d1 = T.fma(d1, lower, s)
            s = T.splat(b2[p]); c2 = T.fma(c2, upper, s); d2 = T.fma(d2, lower, s)
            s = T.splat(b3[p]); c3 = T.fma(c3, upper, s); d3 = T.fma(d3, lower, s)
            s = T.splat(b4[p]); c4 = T.fma(c4, upper, s); d4 = T.fma(d4, lower, s)
            s = T.splat(b5[p]); c5 = T.fma(c5, upper, s); d5 = T.fma(d5, lower, s)
            ap += lda
        }
        @inline(__always) func add(_ upper: T.Vector, _ lower: T.Vector, toColumn j: Int) {
            let cj = c + j * ldc
            T.store(T.add(T.load(cj), upper), cj)
            T.store(T.add(T.load(cj + lanes), lower), cj + lanes)
        }
        add(c0, d0, toColumn: 0); add(c1, d1, toColumn: 1); add(c2, d2, toColumn: 2)
        add(c3, d3, toColumn: 3); add(c4, d4, toColumn: 4); add(c5, d5, toColumn: 5)
    }

    /// Partial tiles: up to `lanes` rows, the one-vector tile (`AVX2Tile`'s loop: 6 chains, and
    /// no FMAs on rows that do not exist); more, both vectors. Missing columns repeat the last real
    /// one's FMAs; only the real entries are stored.
    @inlinable
    public static func accumulateTile(
        rows: Int, columns: Int, k: Int, _ a: UnsafePointer<Scalar>, lda: Int, _ b: UnsafePointer<Scalar>, ldb: Int,
        _ c: UnsafeMutablePointer<Scalar>, ldc: Int
    ) {
        typealias T = Scalar
        let lanes = T.lanes
        guard rows > lanes else {
            AVX2Tile<T>.accumulateTile(rows: rows, columns: columns, k: k, a, lda: lda, b, ldb: ldb, c, ldc: ldc)
            return
        }
        var c0 = T.zeroVector, c1 = T.zeroVector, c2 = T.zeroVector
        var c3 = T.zeroVector, c4 = T.zeroVector, c5 = T.zeroVector
        var d0 = T.zeroVector, d1 = T.zeroVector, d2 = T.zeroVector
        var d3 = T.zeroVector, d4 = T.zeroVector, d5 = T.zeroVector
        let last = columns - 1
        let b0 = b, b1 = b + min(1, last) * ldb, b2 = b + min(2, last) * ldb
        let b3 = b + min(3, last) * ldb, b4 = b + min(4, last) * ldb, b5 = b + min(5, last) * ldb
        var ap = a
        for p in 0..<k {
            let upper = T.load(ap), lower = T.load(ap + lanes)
            var s = T.splat(b0[p]); c0 = T.fma(c0, upper, s); d0 = T.fma(d0, lower, s)
            s = T.splat(b1[p]); c1 = T.fma(c1, upper, s); d1 = T.fma(d1, lower, s)
            s = T.splat(b2[p]); c2 = T.fma(c2, upper, s); d2 = T.fma(d2, lower, s)
            s = T.splat(b3[p]); c3 = T.fma(c3, upper, s); d3 = T.fma(d3, lower, s)
            s = T.splat(b4[p]); c4 = T.fma(c4, upper, s); d4 = T.fma(d4, lower, s)
            s = T.splat(b5[p]); c5 = T.fma(c5, upper, s); d5 = T.fma(d5, lower, s)
            ap += lda
        }
        // The upper vector is whole; the lower one holds rows - lanes real rows.
        let lowerRows = rows - lanes
        @inline(__always) func add(_ upper: T.Vector, _ lower: T.Vector, toColumn j: Int) {
            addPartial(upper, rows: lanes, columns: columns, toColumn: j, of: c, ldc: ldc)
            addPartial(lower, rows: lowerRows, columns: columns, toColumn: j, of: c + lanes, ldc: ldc)
        }
        add(c0, d0, toColumn: 0); add(c1, d1, toColumn: 1); add(c2, d2, toColumn: 2)
        add(c3, d3, toColumn: 3); add(c4, d4, toColumn: 4); add(c5, d5, toColumn: 5)
    }
}
