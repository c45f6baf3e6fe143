/// The register-blocked micro-kernel of the blocked QR's trailing update, BLIS-style: the one
/// routine of the level-3 path that is tuned to the machine; everything around it is portable.
///
/// Contract (`accumulateTile`, `accumulateEdge`, `reference` alike; T = `Double` or `Float`):
/// for column-major operands
///
///     C[0..<mr, 0..<nr] += A[0..<mr, 0..<k] · B[0..<k, 0..<nr]
///
/// with A[i, p] = a[i + p·lda], B[p, j] = b[p + j·ldb], C[i, j] = c[i + j·ldc]. Pointers may be
/// unaligned; k may be 0; C must not overlap A or B. Each C[i, j] gets Σₚ A[i,p]·B[p,j] with the
/// terms summed in a kernel-specific order (FMA, partial sums): the result agrees with
/// `reference` to within γₖ·Σₚ|A[i,p]·B[p,j]| (γₖ = kε/(1 − kε), ε = T.ulpOfOne), which is all the backward-error
/// analysis of the blocked QR needs (Higham, Thm. 19.4 holds for any summation order).
///
/// Shape of the tile: mr = `T.lanes` rows are one `T.Vector` — 8 doubles (`SIMD8<Double>`) or
/// 16 floats (`SIMD16<Float>`), one zmm register with AVX-512, two ymm with AVX2; 6 columns give
/// 6 accumulators = 12 ymm of the 16 AVX2 has, plus 2 for the column of A and 1 for the
/// broadcast element of B — the largest tile that does not spill on AVX2. Each step p costs
/// 1 vector load of A, 6 broadcasts of B, and 6 vector FMAs: 12·mr flops per mr + 6 elements
/// loaded, enough to keep the FMA units busy from L1. Float's tile has twice the rows in the same
/// registers, so twice the flops per instruction.
public enum MicroKernel {
    /// Rows of the full `Double` tile (one `SIMD8<Double>`); `T.lanes` in general.
    public static let mr = 8
    /// Columns of the full tile.
    public static let nr = 6

    /// The full mr × 6 tile (mr = T.lanes: 8 × 6 for `Double`, 16 × 6 for `Float`) of the
    /// contract above.
    @inlinable
    public static func accumulateTile<T: QRScalar>(
        k: Int, _ a: UnsafePointer<T>, lda: Int, _ b: UnsafePointer<T>, ldb: Int,
        _ c: UnsafeMutablePointer<T>, ldc: Int
    ) {
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

    /// The full tile's arithmetic for a partial tile: only C[0..<rows, 0..<columns] is updated
    /// (rows ≤ mr = `T.lanes`, 1 ≤ columns ≤ 6), but A must hold a whole mr-row strip (rows past
    /// `rows` are padding: any finite value — the last strip of a packed A, or m a multiple of
    /// mr). B's columns past `columns` are not read: their accumulators repeat the last real
    /// column. C's entries outside the partial tile are neither read nor written (they may be
    /// another matrix's memory or past the end). Same contract as `accumulateTile` for the
    /// updated entries, and the same bits: each C[i, j] is the same chain of FMAs.
    ///
    /// Why: the QR update's row and column counts are rarely multiples of the tile, and
    /// `accumulateEdge` runs its leftover rows as serial scalar add chains and its leftover
    /// columns one FMA chain at a time (one FMA latency a term): for Float32 1000² the partial
    /// strips alone were 12 % of the samples for < 1 % of the flops.
    @inlinable
    public static func accumulateTile<T: QRScalar>(
        rows: Int, columns: Int, k: Int, _ a: UnsafePointer<T>, lda: Int, _ b: UnsafePointer<T>, ldb: Int,
        _ c: UnsafeMutablePointer<T>, ldc: Int
    ) {
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
        @inline(__always) func add(_ acc: T.Vector, toColumn j: Int) {
            guard j < columns else { return }
            let cj = c + j * ldc
            if rows >= T.lanes {
                T.store(T.add(T.load(cj), acc), cj)
            } else {
                // Lane by lane: the tile's rows past `rows` do not exist in C.
                for i in 0..<rows { cj[i] += acc[i] }
            }
        }
        add(c0, toColumn: 0); add(c1, toColumn: 1); add(c2, toColumn: 2)
        add(c3, toColumn: 3); add(c4, toColumn: 4); add(c5, toColumn: 5)
    }

    /// The `Double` tile, 8 × 6 (the benchmark's compute roof times it by this name).
    @inlinable
    public static func accumulate8x6(
        k: Int, _ a: UnsafePointer<Double>, lda: Int, _ b: UnsafePointer<Double>, ldb: Int,
        _ c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        accumulateTile(k: k, a, lda: lda, b, ldb: ldb, c, ldc: ldc)
    }

    /// The portable fallback for partial tiles (any mr, nr; it loops): full `T.lanes`-row strips
    /// use one vector accumulator per column, the leftover rows plain scalars.
    @inlinable
    public static func accumulateEdge<T: QRScalar>(
        mr: Int, nr: Int, k: Int, _ a: UnsafePointer<T>, lda: Int,
        _ b: UnsafePointer<T>, ldb: Int, _ c: UnsafeMutablePointer<T>, ldc: Int
    ) {
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

    /// The scalar reference twin: the contract in textbook order, no SIMD types.
    @inline(never)
    public static func reference<T: QRScalar>(
        mr: Int, nr: Int, k: Int, _ a: UnsafePointer<T>, lda: Int,
        _ b: UnsafePointer<T>, ldb: Int, _ c: UnsafeMutablePointer<T>, ldc: Int
    ) {
        for j in 0..<nr {
            for i in 0..<mr {
                var s: T = 0
                for p in 0..<k { s += a[i + p * lda] * b[p + j * ldb] }
                c[i + j * ldc] += s
            }
        }
    }
}
