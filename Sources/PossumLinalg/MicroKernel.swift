/// The register-blocked micro-kernel of the level-3 updates, BLIS-style: the one routine of the
/// blocked and tall-skinny QR that is tuned to the machine's registers; everything around it
/// (`accumulateProduct`, the packing, the factorizations) is portable and reads the tile's shape
/// from here. Conformers: `AVX2Tile`, `AVX2TallTile`, `AVX512Tile`, `PortableTile`, `ReferenceTile`; KernelSelection.swift picks
/// one per architecture.
///
/// Contract (`accumulateTile` in both forms; T = `Scalar`, `Double` or `Float`): for column-major
/// operands
///
///     C[0..<mr, 0..<nr] += A[0..<mr, 0..<k] · B[0..<k, 0..<nr]
///
/// with A[i, p] = a[i + p·lda], B[p, j] = b[p + j·ldb], C[i, j] = c[i + j·ldc]. Pointers may be
/// unaligned; k may be 0; C must not overlap A or B. Each C[i, j] gets Σₚ A[i,p]·B[p,j] with the
/// terms summed in a kernel-specific order (FMA, partial sums): the result agrees with
/// `ReferenceTile` to within γₖ·Σₚ|A[i,p]·B[p,j]| (γₖ = kε/(1 − kε), ε = T.ulpOfOne), which is all
/// the backward-error analysis of the blocked QR needs (Higham, Thm. 19.4 holds for any summation
/// order).
public protocol MicroKernel: SendableMetatype {
    associatedtype Scalar: QRScalar
    /// Rows of the tile: the packing of V pads to whole strips of this many rows.
    static var mr: Int { get }
    /// Columns of the tile.
    static var nr: Int { get }
    /// Columns of C taken through all three products of a block-reflector update at a time: a
    /// multiple of `nr`; wide enough that the packed V is not read again too often, narrow enough
    /// that the block of C is still cached for its second read. Also the threads' work item.
    static var columnBlock: Int { get }
    /// Trailing matrices narrower than this are updated reflector by reflector rather than blocked
    /// (cheaper than packing V and forming T for them); `nr` unless the tile says otherwise.
    static var minimumBlockedColumns: Int { get }

    /// The full mr × nr tile of the contract above.
    static func accumulateTile(
        k: Int, _ a: UnsafePointer<Scalar>, lda: Int, _ b: UnsafePointer<Scalar>, ldb: Int,
        _ c: UnsafeMutablePointer<Scalar>, ldc: Int
    )

    /// The full tile's arithmetic for a partial tile: only C[0..<rows, 0..<columns] is updated
    /// (1 ≤ rows ≤ mr, 1 ≤ columns ≤ nr), but A must hold `rows` rounded up to whole vectors of
    /// `Scalar.lanes` (rows past `rows` are padding: any finite value; a tile of several vectors
    /// per column reads only the vectors it stores). B's columns past `columns` are not read; C's entries outside
    /// the partial tile are neither read nor written. Each updated C[i, j] gets the same bits as
    /// the full tile would give it.
    static func accumulateTile(
        rows: Int, columns: Int, k: Int, _ a: UnsafePointer<Scalar>, lda: Int, _ b: UnsafePointer<Scalar>, ldb: Int,
        _ c: UnsafeMutablePointer<Scalar>, ldc: Int
    )
}

extension MicroKernel {
    public static var minimumBlockedColumns: Int { nr }

    /// Column j of a partial tile's store: C[0..<rows, j] += acc[0..<rows] when j < `columns`
    /// (nothing otherwise). Whole vectors when the strip is full; lane by lane when it is the
    /// padded last strip, whose rows past `rows` do not exist in C.
    @inlinable @inline(__always)
    public static func addPartial(
        _ acc: Scalar.Vector, rows: Int, columns: Int, toColumn j: Int, of c: UnsafeMutablePointer<Scalar>, ldc: Int
    ) {
        typealias T = Scalar
        guard j < columns else { return }
        let cj = c + j * ldc
        if rows >= T.lanes {
            T.store(T.add(T.load(cj), acc), cj)
        } else {
            for i in 0..<rows { cj[i] += acc[i] }
        }
    }

    /// The portable fallback for leftover rows of an unpadded A (any mr, nr; it loops): full
    /// `Scalar.lanes`-row strips use one vector accumulator per column, the leftover rows plain
    /// scalars.
    @inlinable
    public static func accumulateEdge(
        mr: Int, nr: Int, k: Int, _ a: UnsafePointer<Scalar>, lda: Int,
        _ b: UnsafePointer<Scalar>, ldb: Int, _ c: UnsafeMutablePointer<Scalar>, ldc: Int
    ) {
        typealias T = Scalar
        var i = 0
        while i + T.lanes <= mr {
            for j in 0..<nr {
                var acc = T.zeroVector
                let bj = b + j * ldb
                var ap = a + i
                for p in 0..<k {
                    acc = T.fma(acc, T.load(ap), T.splat(bj[p]))
                    ap += lda
                }
                let cj = c + i + j * ldc
                T.store(T.add(T.load(cj), acc), cj)
            }
            i += T.lanes
        }
        while i < mr {
            for j in 0..<nr {
                var s: T = 0
                let bj = b + j * ldb
                for p in 0..<k { s += a[i + p * lda] * bj[p] }
                c[i + j * ldc] += s
            }
            i += 1
        }
    }
}

/// The scalar reference twin: the contract in textbook order, no SIMD types. The tiles are
/// tested against it, and the fast paths run with it in the tests.
public enum ReferenceTile<Scalar: QRScalar>: MicroKernel {
    public static var mr: Int { Scalar.lanes }
    public static var nr: Int { 6 }
    public static var columnBlock: Int { 24 }

    public static func accumulateTile(
        k: Int, _ a: UnsafePointer<Scalar>, lda: Int, _ b: UnsafePointer<Scalar>, ldb: Int,
        _ c: UnsafeMutablePointer<Scalar>, ldc: Int
    ) {
        reference(mr: mr, nr: nr, k: k, a, lda: lda, b, ldb: ldb, c, ldc: ldc)
    }

    public static func accumulateTile(
        rows: Int, columns: Int, k: Int, _ a: UnsafePointer<Scalar>, lda: Int, _ b: UnsafePointer<Scalar>, ldb: Int,
        _ c: UnsafeMutablePointer<Scalar>, ldc: Int
    ) {
        reference(mr: rows, nr: columns, k: k, a, lda: lda, b, ldb: ldb, c, ldc: ldc)
    }

    /// C[0..<mr, 0..<nr] += A·B for any mr, nr, in textbook order.
    @inline(never)
    public static func reference(
        mr: Int, nr: Int, k: Int, _ a: UnsafePointer<Scalar>, lda: Int,
        _ b: UnsafePointer<Scalar>, ldb: Int, _ c: UnsafeMutablePointer<Scalar>, ldc: Int
    ) {
        for j in 0..<nr {
            for i in 0..<mr {
                var s: Scalar = 0
                for p in 0..<k { s += a[i + p * lda] * b[p + j * ldb] }
                c[i + j * ldc] += s
            }
        }
    }
}
