/// A lanes × 4 tile for any architecture without a tuned one (arm64 until someone writes NEON):
/// 4 accumulators of 64 bytes fit the register file of every SIMD ISA Swift targets with room to
/// spare (4 of 32 zmm, 8 of 16 ymm, 16 of 32 NEON q registers), so it never spills, at the price
/// of more loads of A per flop than a wider tile.
public enum PortableTile<Scalar: QRScalar>: MicroKernel {
    public static var mr: Int { Scalar.lanes }
    public static var nr: Int { 4 }
    public static var columnBlock: Int { 24 }

    @inlinable
    public static func accumulateTile(
        k: Int, _ a: UnsafePointer<Scalar>, lda: Int, _ b: UnsafePointer<Scalar>, ldb: Int,
        _ c: UnsafeMutablePointer<Scalar>, ldc: Int
    ) {
        accumulateTile(rows: mr, columns: nr, k: k, a, lda: lda, b, ldb: ldb, c, ldc: ldc)
    }

    @inlinable
    public static func accumulateTile(
        rows: Int, columns: Int, k: Int, _ a: UnsafePointer<Scalar>, lda: Int, _ b: UnsafePointer<Scalar>, ldb: Int,
        _ c: UnsafeMutablePointer<Scalar>, ldc: Int
    ) {
        typealias T = Scalar
        var c0 = T.zeroVector, c1 = T.zeroVector, c2 = T.zeroVector, c3 = T.zeroVector
        let last = columns - 1
        let b0 = b, b1 = b + min(1, last) * ldb, b2 = b + min(2, last) * ldb, b3 = b + min(3, last) * ldb
        var ap = a
        for p in 0..<k {
            let av = T.load(ap)
            c0 = T.fma(c0, av, T.splat(b0[p]))
            c1 = T.fma(c1, av, T.splat(b1[p]))
            c2 = T.fma(c2, av, T.splat(b2[p]))
            c3 = T.fma(c3, av, T.splat(b3[p]))
            ap += lda
        }
        addPartial(c0, rows: rows, columns: columns, toColumn: 0, of: c, ldc: ldc)
        addPartial(c1, rows: rows, columns: columns, toColumn: 1, of: c, ldc: ldc)
        addPartial(c2, rows: rows, columns: columns, toColumn: 2, of: c, ldc: ldc)
        addPartial(c3, rows: rows, columns: columns, toColumn: 3, of: c, ldc: ldc)
    }
}
