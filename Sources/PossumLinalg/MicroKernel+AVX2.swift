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

/// The (2·lanes) × 3 tile for AVX2+FMA: 16 doubles or 32 floats per column — four ymm registers —
/// and 3 columns: 12 ymm accumulators (12 FMA chains), the 3 broadcast elements of B and one
/// register for A's current ymm: all 16. Each step p costs 4 ymm loads of A and 3 broadcasts for
/// 12 FMAs where the lanes × 6 tile (`AVX2Tile`) needs 6 broadcasts: on Zen 3 a broadcast from
/// memory takes a slot of the FMA pipes, which holds the 8 × 6 tile below the FMA peak
/// (figures: Benchmarks/README.md, "Square on the AVX2 guest"). Written on ymm-sized vectors (`AVX2Register`):
/// through `SIMD8<Double>` pairs the compiler kept A's two halves and spilled.
///
/// Each entry of C gets the same single FMA chain over p, from zero, added to C once, as in the
/// other tiles: the same bits. Not selected (KernelSelection.swift): ahead of `AVX2Tile` in L1, but
/// within the noise in the QR, whose products wait on L3 as much as on the tile.
public enum AVX2TallTile<Scalar: QRScalar>: MicroKernel {
    public static var mr: Int { 2 * Scalar.lanes }
    public static var nr: Int { 3 }
    /// Eight tiles wide: the 24 columns of `AVX2Tile`'s block (narrower and wider blocks measured no
    /// better on a 512 KiB L2; Benchmarks/README.md, "Square on the AVX2 guest").
    public static var columnBlock: Int { 24 }
    /// Six, as for the lanes × 6 tile, so that both block the same panels and give the same bits.
    public static var minimumBlockedColumns: Int { 6 }

    @inlinable
    public static func accumulateTile(
        k: Int, _ a: UnsafePointer<Scalar>, lda: Int, _ b: UnsafePointer<Scalar>, ldb: Int,
        _ c: UnsafeMutablePointer<Scalar>, ldc: Int
    ) {
        if Scalar.self == Double.self {
            AVX2TallTileCore<SIMD4<Double>>.full(k: k, rebound(a), lda: lda, rebound(b), ldb: ldb, rebound(c), ldc: ldc)
        } else if Scalar.self == Float.self {
            AVX2TallTileCore<SIMD8<Float>>.full(k: k, rebound(a), lda: lda, rebound(b), ldb: ldb, rebound(c), ldc: ldc)
        } else {
            ReferenceTile<Scalar>.reference(mr: mr, nr: nr, k: k, a, lda: lda, b, ldb: ldb, c, ldc: ldc)
        }
    }

    /// Partial tiles: up to `lanes` rows, the upper half only (6 chains; no FMAs on rows that do not
    /// exist); more, the whole tile. Missing columns repeat the last real one's FMAs; only the real
    /// entries are stored.
    @inlinable
    public static func accumulateTile(
        rows: Int, columns: Int, k: Int, _ a: UnsafePointer<Scalar>, lda: Int, _ b: UnsafePointer<Scalar>, ldb: Int,
        _ c: UnsafeMutablePointer<Scalar>, ldc: Int
    ) {
        if Scalar.self == Double.self {
            AVX2TallTileCore<SIMD4<Double>>.partial(rows: rows, columns: columns, k: k, rebound(a), lda: lda, rebound(b), ldb: ldb,
                                                    rebound(c), ldc: ldc)
        } else if Scalar.self == Float.self {
            AVX2TallTileCore<SIMD8<Float>>.partial(rows: rows, columns: columns, k: k, rebound(a), lda: lda, rebound(b), ldb: ldb,
                                                   rebound(c), ldc: ldc)
        } else {
            ReferenceTile<Scalar>.reference(mr: rows, nr: columns, k: k, a, lda: lda, b, ldb: ldb, c, ldc: ldc)
        }
    }
}

/// One ymm register's worth of a scalar type (`SIMD4<Double>`, `SIMD8<Float>`), for tiles that must
/// schedule single registers. Each conformance names its concrete SIMD type, so that the
/// single-instruction overloads are the ones called (as in `QRScalar`).
public protocol AVX2Register: SIMD where Scalar: QRScalar {
    static func load(_ p: UnsafePointer<Scalar>) -> Self
    static func store(_ v: Self, _ p: UnsafeMutablePointer<Scalar>)
    static func fma(_ acc: Self, _ x: Self, _ y: Self) -> Self
    static func add(_ x: Self, _ y: Self) -> Self
}

extension SIMD4: AVX2Register where Scalar == Double {
    @inlinable @inline(__always) public static func load(_ p: UnsafePointer<Double>) -> SIMD4<Double> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Double>.self)
    }
    @inlinable @inline(__always) public static func store(_ v: SIMD4<Double>, _ p: UnsafeMutablePointer<Double>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD4<Double>.self)
    }
    @inlinable @inline(__always) public static func fma(_ acc: SIMD4<Double>, _ x: SIMD4<Double>, _ y: SIMD4<Double>) -> SIMD4<Double> {
        acc.addingProduct(x, y)
    }
    @inlinable @inline(__always) public static func add(_ x: SIMD4<Double>, _ y: SIMD4<Double>) -> SIMD4<Double> { x + y }
}

extension SIMD8: AVX2Register where Scalar == Float {
    @inlinable @inline(__always) public static func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }
    @inlinable @inline(__always) public static func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
    }
    @inlinable @inline(__always) public static func fma(_ acc: SIMD8<Float>, _ x: SIMD8<Float>, _ y: SIMD8<Float>) -> SIMD8<Float> {
        acc.addingProduct(x, y)
    }
    @inlinable @inline(__always) public static func add(_ x: SIMD8<Float>, _ y: SIMD8<Float>) -> SIMD8<Float> { x + y }
}

/// `AVX2TallTile`'s loops on registers R: a tile column is 4 registers (its upper half 2).
public enum AVX2TallTileCore<R: AVX2Register> {
    public typealias S = R.Scalar

    /// The whole 4R × 3 tile.
    @inlinable @inline(__always)
    public static func full(
        k: Int, _ a: UnsafePointer<S>, lda: Int, _ b: UnsafePointer<S>, ldb: Int, _ c: UnsafeMutablePointer<S>, ldc: Int
    ) {
        let w = R.scalarCount
        var x0 = R(), x1 = R(), x2 = R(), x3 = R(), y0 = R(), y1 = R(), y2 = R(), y3 = R()
        var z0 = R(), z1 = R(), z2 = R(), z3 = R()
        let b0 = b, b1 = b + ldb, b2 = b + 2 * ldb
        var ap = a
        for p in 0..<k {
            // The three broadcasts first, then A a register at a time: 12 + 3 + 1 registers.
            let s0 = R(repeating: b0[p]), s1 = R(repeating: b1[p]), s2 = R(repeating: b2[p])
            var u = R.load(ap)
            x0 = R.fma(x0, u, s0); y0 = R.fma(y0, u, s1); z0 = R.fma(z0, u, s2)
            u = R.load(ap + w)
            x1 = R.fma(x1, u, s0); y1 = R.fma(y1, u, s1); z1 = R.fma(z1, u, s2)
            u = R.load(ap + 2 * w)
            x2 = R.fma(x2, u, s0); y2 = R.fma(y2, u, s1); z2 = R.fma(z2, u, s2)
            u = R.load(ap + 3 * w)
            x3 = R.fma(x3, u, s0); y3 = R.fma(y3, u, s1); z3 = R.fma(z3, u, s2)
            ap += lda
        }
        @inline(__always) func add(_ v0: R, _ v1: R, _ v2: R, _ v3: R, toColumn j: Int) {
            let cj = c + j * ldc
            R.store(R.add(R.load(cj), v0), cj)
            R.store(R.add(R.load(cj + w), v1), cj + w)
            R.store(R.add(R.load(cj + 2 * w), v2), cj + 2 * w)
            R.store(R.add(R.load(cj + 3 * w), v3), cj + 3 * w)
        }
        add(x0, x1, x2, x3, toColumn: 0)
        add(y0, y1, y2, y3, toColumn: 1)
        add(z0, z1, z2, z3, toColumn: 2)
    }

    /// C[0..<rows, 0..<columns] of the tile (1 ≤ rows ≤ 4R, 1 ≤ columns ≤ 3); A holds `rows`
    /// rounded up to whole halves (2R).
    @inlinable
    public static func partial(
        rows: Int, columns: Int, k: Int, _ a: UnsafePointer<S>, lda: Int, _ b: UnsafePointer<S>, ldb: Int,
        _ c: UnsafeMutablePointer<S>, ldc: Int
    ) {
        let w = R.scalarCount
        let last = columns - 1
        let b0 = b, b1 = b + min(1, last) * ldb, b2 = b + min(2, last) * ldb
        var x0 = R(), x1 = R(), x2 = R(), x3 = R(), y0 = R(), y1 = R(), y2 = R(), y3 = R()
        var z0 = R(), z1 = R(), z2 = R(), z3 = R()
        var ap = a
        if rows > 2 * w {
            for p in 0..<k {
                let s0 = R(repeating: b0[p]), s1 = R(repeating: b1[p]), s2 = R(repeating: b2[p])
                var u = R.load(ap)
                x0 = R.fma(x0, u, s0); y0 = R.fma(y0, u, s1); z0 = R.fma(z0, u, s2)
                u = R.load(ap + w)
                x1 = R.fma(x1, u, s0); y1 = R.fma(y1, u, s1); z1 = R.fma(z1, u, s2)
                u = R.load(ap + 2 * w)
                x2 = R.fma(x2, u, s0); y2 = R.fma(y2, u, s1); z2 = R.fma(z2, u, s2)
                u = R.load(ap + 3 * w)
                x3 = R.fma(x3, u, s0); y3 = R.fma(y3, u, s1); z3 = R.fma(z3, u, s2)
                ap += lda
            }
        } else {
            for p in 0..<k {
                let s0 = R(repeating: b0[p]), s1 = R(repeating: b1[p]), s2 = R(repeating: b2[p])
                var u = R.load(ap)
                x0 = R.fma(x0, u, s0); y0 = R.fma(y0, u, s1); z0 = R.fma(z0, u, s2)
                u = R.load(ap + w)
                x1 = R.fma(x1, u, s0); y1 = R.fma(y1, u, s1); z1 = R.fma(z1, u, s2)
                ap += lda
            }
        }
        @inline(__always) func add(_ v: R, register r: Int, toColumn j: Int) {
            guard j < columns else { return }
            let here = rows - r * w
            guard here > 0 else { return }
            let cj = c + j * ldc + r * w
            if here >= w {
                R.store(R.add(R.load(cj), v), cj)
            } else {
                for i in 0..<here { cj[i] += v[i] }
            }
        }
        add(x0, register: 0, toColumn: 0); add(x1, register: 1, toColumn: 0)
        add(x2, register: 2, toColumn: 0); add(x3, register: 3, toColumn: 0)
        add(y0, register: 0, toColumn: 1); add(y1, register: 1, toColumn: 1)
        add(y2, register: 2, toColumn: 1); add(y3, register: 3, toColumn: 1)
        add(z0, register: 0, toColumn: 2); add(z1, register: 1, toColumn: 2)
        add(z2, register: 2, toColumn: 2); add(z3, register: 3, toColumn: 2)
    }
}
