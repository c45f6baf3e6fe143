/// C += A·B for column-major operands of any size, tiled for the cache and the registers around
/// `MicroKernel` (the "macro-kernel" of BLIS, without packing: in the QR update A is either the
/// packed Vᵀ or a reflector block whose 8-row strips are contiguous already).
///
/// Loop order: chunks of `kc` along the inner dimension, then `mc` rows, then `nr` columns,
/// then `mr` rows. Within one (kc, mc) chunk the mc × kc slice of A (≤ 128 × 256 doubles,
/// 256 KiB — L2) is reused by every column tile, and the kc × 6 slice of B (12 KiB — L1) by every
/// row tile; C is touched once per chunk.
///
/// Same guarantee as the micro-kernel: each C[i, j] gets Σₚ A[i,p]·B[p,j] in some order, so the
/// result agrees with the textbook product to within γₖ·Σₚ|A[i,p]·B[p,j]|.
@inlinable
public func accumulateProduct<T: QRScalar>(
    m: Int, n: Int, k: Int,
    _ a: UnsafePointer<T>, lda: Int,
    _ b: UnsafePointer<T>, ldb: Int,
    _ c: UnsafeMutablePointer<T>, ldc: Int,
    kc: Int = 256, mc: Int = 128
) {
    let mr = T.lanes, nr = MicroKernel.nr
    var pc = 0
    while pc < k {
        let kb = min(kc, k - pc)
        var ic = 0
        while ic < m {
            let mb = min(mc, m - ic)
            var j = 0
            while j < n {
                let nb = min(nr, n - j)
                let bj = b + pc + j * ldb
                var i = ic
                if nb == nr {
                    while i + mr <= ic + mb {
                        MicroKernel.accumulateTile(k: kb, a + i + pc * lda, lda: lda, bj, ldb: ldb,
                                                   c + i + j * ldc, ldc: ldc)
                        i += mr
                    }
                }
                if i < ic + mb {
                    MicroKernel.accumulateEdge(mr: ic + mb - i, nr: nb, k: kb, a + i + pc * lda, lda: lda,
                                               bj, ldb: ldb, c + i + j * ldc, ldc: ldc)
                }
                j += nr
            }
            ic += mb
        }
        pc += kb
    }
}
