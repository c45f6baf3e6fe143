/// The register-blocked micro-kernel of the blocked QR's trailing update, BLIS-style: the one
/// routine of the level-3 path that is tuned to the machine; everything around it is portable.
///
/// Contract (`accumulate8x6`, `accumulateEdge`, `reference` alike): for column-major operands
///
///     C[0..<mr, 0..<nr] += A[0..<mr, 0..<k] · B[0..<k, 0..<nr]
///
/// with A[i, p] = a[i + p·lda], B[p, j] = b[p + j·ldb], C[i, j] = c[i + j·ldc]. Pointers may be
/// unaligned; k may be 0; C must not overlap A or B. Each C[i, j] gets Σₚ A[i,p]·B[p,j] with the
/// terms summed in a kernel-specific order (FMA, partial sums): the result agrees with
/// `reference` to within γₖ·Σₚ|A[i,p]·B[p,j]| (γₖ = kε/(1 − kε)), which is all the backward-error
/// analysis of the blocked QR needs (Higham, Thm. 19.4 holds for any summation order).
///
/// Shape of the tile: 8 rows are one `SIMD8<Double>` (one zmm register with AVX-512, two ymm with
/// AVX2); 6 columns give 6 accumulators = 12 ymm of the 16 AVX2 has, plus 2 for the column of
/// A and 1 for the broadcast element of B — the largest tile that does not spill on AVX2. Each
/// step p costs 1 vector load of A, 6 broadcasts of B, and 6 vector FMAs: 96 flops per 8 + 6
/// elements loaded, enough to keep the FMA units busy from L1.
public enum MicroKernel {
    /// Rows of the full tile (one `SIMD8<Double>`).
    public static let mr = 8
    /// Columns of the full tile.
    public static let nr = 6

    @inlinable @inline(__always)
    static func load8(_ p: UnsafePointer<Double>) -> SIMD8<Double> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Double>.self)
    }

    @inlinable @inline(__always)
    static func store8(_ v: SIMD8<Double>, _ p: UnsafeMutablePointer<Double>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Double>.self)
    }

    /// The full 8 × 6 tile (mr = 8, nr = 6) of the contract above.
    @inlinable
    public static func accumulate8x6(
        k: Int, _ a: UnsafePointer<Double>, lda: Int, _ b: UnsafePointer<Double>, ldb: Int,
        _ c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        var c0 = SIMD8<Double>(), c1 = SIMD8<Double>(), c2 = SIMD8<Double>()
        var c3 = SIMD8<Double>(), c4 = SIMD8<Double>(), c5 = SIMD8<Double>()
        let b0 = b, b1 = b + ldb, b2 = b + 2 * ldb, b3 = b + 3 * ldb, b4 = b + 4 * ldb, b5 = b + 5 * ldb
        var ap = a
        for p in 0..<k {
            let av = load8(ap)
            c0.addProduct(av, SIMD8(repeating: b0[p]))
            c1.addProduct(av, SIMD8(repeating: b1[p]))
            c2.addProduct(av, SIMD8(repeating: b2[p]))
            c3.addProduct(av, SIMD8(repeating: b3[p]))
            c4.addProduct(av, SIMD8(repeating: b4[p]))
            c5.addProduct(av, SIMD8(repeating: b5[p]))
            ap += lda
        }
        // C is touched once per tile: read, add the product, write back.
        store8(load8(c) + c0, c)
        store8(load8(c + ldc) + c1, c + ldc)
        store8(load8(c + 2 * ldc) + c2, c + 2 * ldc)
        store8(load8(c + 3 * ldc) + c3, c + 3 * ldc)
        store8(load8(c + 4 * ldc) + c4, c + 4 * ldc)
        store8(load8(c + 5 * ldc) + c5, c + 5 * ldc)
    }

    /// The portable fallback for partial tiles (any mr, nr; it loops): full 8-row strips use
    /// one `SIMD8` accumulator per column, the leftover rows plain scalars.
    @inlinable
    public static func accumulateEdge(
        mr: Int, nr: Int, k: Int, _ a: UnsafePointer<Double>, lda: Int,
        _ b: UnsafePointer<Double>, ldb: Int, _ c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        var i = 0
        while i + 8 <= mr {
            for j in 0..<nr {
                var acc = SIMD8<Double>()
                let bj = b + j * ldb
                var ap = a + i
                for p in 0..<k {
                    acc.addProduct(load8(ap), SIMD8(repeating: bj[p]))
                    ap += lda
                }
                let cj = c + i + j * ldc
                store8(load8(cj) + acc, cj)
            }
            i += 8
        }
        while i < mr {
            for j in 0..<nr {
                var s = 0.0
                let bj = b + j * ldb
                for p in 0..<k { s += a[i + p * lda] * bj[p] }
                c[i + j * ldc] += s
            }
            i += 1
        }
    }

    /// The scalar reference twin: the contract in textbook order, no SIMD types.
    @inline(never)
    public static func reference(
        mr: Int, nr: Int, k: Int, _ a: UnsafePointer<Double>, lda: Int,
        _ b: UnsafePointer<Double>, ldb: Int, _ c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        for j in 0..<nr {
            for i in 0..<mr {
                var s = 0.0
                for p in 0..<k { s += a[i + p * lda] * b[p + j * ldb] }
                c[i + j * ldc] += s
            }
        }
    }
}
