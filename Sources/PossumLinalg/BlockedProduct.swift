/// The inner-dimension chunk of the QR update's W = VᵀC, whose inner dimension is the rows of C
/// (hundreds to thousands). The micro-kernel sums one chunk per entry in a single FMA chain
/// from zero and the chunks' sums are then added in turn, so an entry of k terms is rounded
/// like a sum of kc + ⌈k/kc⌉ terms instead of k: error ≤ γ_{kc+⌈k/kc⌉}·Σ|terms| (Higham §3.1,
/// blocked summation). 64 rather than the cache-sized 256 because W's error otherwise shows in the
/// accuracy suite (Benchmarks/README.md: the product chunk).
public let reflectorProductChunk = 64

/// C += A·B for column-major operands of any size, tiled for the cache and the registers around
/// `MicroKernel` (the "macro-kernel" of BLIS; it does not pack: in the QR update its A is the
/// packed Vᵀ or the small −Tᵀ, whose `T.lanes`-row strips are contiguous for each p already;
/// the product whose A is V itself goes through `accumulatePackedProduct`).
///
/// Loop order: chunks of `kc` along the inner dimension, then `mc` rows, then `nr` columns,
/// then mr = `T.lanes` rows. Within one (kc, mc) chunk the mc × kc slice of A (≤ 128 × 256
/// elements, ≤ 256 KiB — L2) is reused by every column tile, and the kc × 6 slice of B (≤ 12 KiB —
/// L1) by every row tile; C is touched once per chunk.
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
    NativeTile<T>.accumulateProduct(m: m, n: n, k: k, a, lda: lda, b, ldb: ldb, c, ldc: ldc, kc: kc, mc: mc)
}

/// C += A·B with A in micro-panels, through this architecture's tile (see
/// `MicroKernel.accumulatePackedProduct`).
@inlinable
public func accumulatePackedProduct<T: QRScalar>(
    m: Int, n: Int, k: Int,
    _ a: UnsafePointer<T>,
    _ b: UnsafePointer<T>, ldb: Int,
    _ c: UnsafeMutablePointer<T>, ldc: Int,
    mc: Int = 128
) {
    NativeTile<T>.accumulatePackedProduct(m: m, n: n, k: k, a, b, ldb: ldb, c, ldc: ldc, mc: mc)
}

extension MicroKernel {
/// C += A·B for any sizes through this tile (see the free function `accumulateProduct`).
@inlinable
public static func accumulateProduct(
    m: Int, n: Int, k: Int,
    _ a: UnsafePointer<Scalar>, lda: Int,
    _ b: UnsafePointer<Scalar>, ldb: Int,
    _ c: UnsafeMutablePointer<Scalar>, ldc: Int,
    kc: Int = 256, mc: Int = 128
) {
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
                        accumulateTile(k: kb, a + i + pc * lda, lda: lda, bj, ldb: ldb,
                                                   c + i + j * ldc, ldc: ldc)
                        i += mr
                    }
                }
                // Whole strips of the last nb < nr columns: the tile with only nb columns stored.
                while i + mr <= ic + mb {
                    accumulateTile(rows: mr, columns: nb, k: kb, a + i + pc * lda, lda: lda,
                                               bj, ldb: ldb, c + i + j * ldc, ldc: ldc)
                    i += mr
                }
                // Leftover whole vectors (fewer than mr rows): the tile's partial strip, which
                // reads only those vectors of A (A is not padded past m here).
                let wholeVectors = (ic + mb - i) / Scalar.lanes * Scalar.lanes
                if wholeVectors > 0 {
                    accumulateTile(rows: wholeVectors, columns: nb, k: kb, a + i + pc * lda, lda: lda,
                                   bj, ldb: ldb, c + i + j * ldc, ldc: ldc)
                    i += wholeVectors
                }
                // Leftover rows past the last whole vector: the portable edge.
                if i < ic + mb {
                    accumulateEdge(mr: ic + mb - i, nr: nb, k: kb, a + i + pc * lda, lda: lda,
                                               bj, ldb: ldb, c + i + j * ldc, ldc: ldc)
                }
                j += nr
            }
            ic += mb
        }
        pc += kb
    }
}

/// C += A·B with A (m × k) packed in micro-panels: strips of `mr` rows, each stored as
/// k columns of mr contiguous entries — A[s·mr + i, p] at a[s·mr·k + p·mr + i] — with the rows
/// of the last strip past m present (any finite value: they are multiplied but never stored).
/// The micro-kernel then reads A at unit stride (lda = mr) and a strip of A is one contiguous
/// run of mr·k elements, where the unpacked operand had k columns a leading dimension apart.
///
/// For the small inner dimension of the QR update (k = jb ≤ 64): no k-chunking; rows in blocks
/// of `mc` (mc × k of A: 128·32 doubles = 32 KiB, L1/L2) swept by every column tile of B.
/// Same guarantee as `accumulateProduct`: each C[i, j] gets Σₚ A[i,p]·B[p,j] in some order.
@inlinable
public static func accumulatePackedProduct(
    m: Int, n: Int, k: Int,
    _ a: UnsafePointer<Scalar>,
    _ b: UnsafePointer<Scalar>, ldb: Int,
    _ c: UnsafeMutablePointer<Scalar>, ldc: Int,
    mc: Int = 128
) {
    precondition(mc % mr == 0, "row blocks must hold whole micro-panels")
    var ic = 0
    while ic < m {
        let mb = min(mc, m - ic)
        var j = 0
        while j < n {
            let nb = min(nr, n - j)
            let bj = b + j * ldb
            var i = ic
            while i < ic + mb {
                let strip = a + i * k  // i is a multiple of mr: strip i / mr starts at i·k
                let rowsHere = min(mr, ic + mb - i)
                if nb == nr && rowsHere == mr {
                    accumulateTile(k: k, strip, lda: mr, bj, ldb: ldb, c + i + j * ldc, ldc: ldc)
                } else {
                    // The padded last strip or the last columns: whole-tile FMAs, only the real
                    // entries stored.
                    accumulateTile(rows: rowsHere, columns: nb, k: k, strip, lda: mr, bj, ldb: ldb,
                                               c + i + j * ldc, ldc: ldc)
                }
                i += mr
            }
            j += nr
        }
        ic += mb
    }
}
}
