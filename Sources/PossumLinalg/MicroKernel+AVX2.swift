/// The lanes × 6 tile sized for AVX2+FMA (x86-64): mr = `T.lanes` rows are one `T.Vector` — 8
/// doubles or 16 floats, two ymm registers — and 6 columns give 6 accumulators = 12 ymm of the 16
/// AVX2 has, plus 2 for the column of A and 1 for the broadcast element of B: the largest tile that
/// does not spill. Each step p costs 1 vector load of A, 6 broadcasts of B and 6 vector FMAs:
/// 12·mr flops per mr + 6 elements loaded, enough to keep the FMA units busy from L1.
public enum AVX2Tile<Scalar: QRScalar>: MicroKernel {
    public static var mr: Int { Scalar.lanes }
    public static var nr: Int { 6 }
    /// Four tiles wide: a rows × 24 block of C stays in L2 between W = VᵀC and C += V·W'
    /// (Benchmarks/README.md: the column block).
    public static var columnBlock: Int { 24 }

    @inlinable
    public static func accumulateTile(
        k: Int, _ a: UnsafePointer<Scalar>, lda: Int, _ b: UnsafePointer<Scalar>, ldb: Int,
        _ c: UnsafeMutablePointer<Scalar>, ldc: Int
    ) {
        typealias T = Scalar
        var c0 = T.zeroVector, c1 = T.zeroVector, c2 = T.zeroVector
        var c3 = T.zeroVector, c4 = T.zeroVector, c5 = T.zeroVector
        let b0 = b, b1 = b + ldb, b2 = b + 2 * ldb, b3 = b + 3 * ldb, b4 = b + 4 * ldb, b5 = b + 5 * ldb
        var ap = a
        for p in 0..<k {
            let av = T.load(ap)
            c0 = T.fma(c0, av, T.splat(b0[p]))
            c1 = T.fma(c1, av, T.splat(b1[p]))
            c2 = T.fma(c2, av, T.splat(b2[p]))
            c3 = T.fma(c3, av, T.splat(b3[p]))
            c4 = T.fma(c4, av, T.splat(b4[p]))
            c5 = T.fma(c5, av, T.splat(b5[p]))
            ap += lda
        }
        // C is touched once per tile: read, add the product, write back.
        T.store(T.add(T.load(c), c0), c)
        T.store(T.add(T.load(c + ldc), c1), c + ldc)
        T.store(T.add(T.load(c + 2 * ldc), c2), c + 2 * ldc)
        T.store(T.add(T.load(c + 3 * ldc), c3), c + 3 * ldc)
        T.store(T.add(T.load(c + 4 * ldc), c4), c + 4 * ldc)
        T.store(T.add(T.load(c + 5 * ldc), c5), c + 5 * ldc)
    }

    /// Partial tiles run the full tile's FMAs (the accumulators of missing columns repeat the last
    /// real one) and store only the real entries: the update's row and column counts are rarely
    /// multiples of the tile, and a loop of scalar chains there costs far more than its flops.
    @inlinable
    public static func accumulateTile(
        rows: Int, columns: Int, k: Int, _ a: UnsafePointer<Scalar>, lda: Int, _ b: UnsafePointer<Scalar>, ldb: Int,
        _ c: UnsafeMutablePointer<Scalar>, ldc: Int
    ) {
        typealias T = Scalar
        var c0 = T.zeroVector, c1 = T.zeroVector, c2 = T.zeroVector
        var c3 = T.zeroVector, c4 = T.zeroVector, c5 = T.zeroVector
        let last = columns - 1
        let b0 = b, b1 = b + min(1, last) * ldb, b2 = b + min(2, last) * ldb
        let b3 = b + min(3, last) * ldb, b4 = b + min(4, last) * ldb, b5 = b + min(5, last) * ldb
        var ap = a
        for p in 0..<k {
            let av = T.load(ap)
            c0 = T.fma(c0, av, T.splat(b0[p]))
            c1 = T.fma(c1, av, T.splat(b1[p]))
            c2 = T.fma(c2, av, T.splat(b2[p]))
            c3 = T.fma(c3, av, T.splat(b3[p]))
            c4 = T.fma(c4, av, T.splat(b4[p]))
            c5 = T.fma(c5, av, T.splat(b5[p]))
            ap += lda
        }
        addPartial(c0, rows: rows, columns: columns, toColumn: 0, of: c, ldc: ldc)
        addPartial(c1, rows: rows, columns: columns, toColumn: 1, of: c, ldc: ldc)
        addPartial(c2, rows: rows, columns: columns, toColumn: 2, of: c, ldc: ldc)
        addPartial(c3, rows: rows, columns: columns, toColumn: 3, of: c, ldc: ldc)
        addPartial(c4, rows: rows, columns: columns, toColumn: 4, of: c, ldc: ldc)
        addPartial(c5, rows: rows, columns: columns, toColumn: 5, of: c, ldc: ldc)
    }
}
