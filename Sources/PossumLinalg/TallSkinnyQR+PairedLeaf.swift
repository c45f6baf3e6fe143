/// The level-2 leaf of a TSQR block step, two reflectors per sweep (`K.applyStructuredPair`).
///
/// Reflector k is made from the sums the previous sweep carried out (‖xₖ‖² and xₖᵀcⱼ); column
/// k + 1 after it, y = xₖ₊₁ + g·xₖ, is never formed before reflector k + 1 is: its ‖y‖² and yᵀcⱼ'
/// are expanded from the carried xₖ₊₁ᵀcⱼ, xₖᵀcⱼ and ‖xₖ‖². Expanded sums lose accuracy only to
/// cancellation, so the pair is taken only when ‖y‖² ≥ ½·max(‖xₖ₊₁‖², g²‖xₖ‖²): each expanded
/// term is then at most a constant times ‖y‖·‖cⱼ‖ (or ‖xₖ‖·‖cⱼ‖, bounded by the column before
/// reflector k), and the gain's error stays within a constant times ε‖cⱼ‖ as in a direct sum
/// (Higham, Thm. 19.4's model holds with a larger constant). Otherwise, and whenever a sum fails
/// `isSafeSumOfSquares`, reflector k is applied alone by `updateColumns` as in `factorPanelStructured`.
extension TallSkinnyQR {
    /// How a block step's leaves sweep their trailing columns: `paired` (the default) applies two
    /// reflectors per sweep, `single` one (`factorPanelStructured`; kept for comparison by
    /// Benchmarks/roof and for the tests).
    public enum LeafSweep: Sendable {
        case single, paired
    }

    /// `factorPanelStructured`'s operation (reflectors k0..<k0+count of one block step, each
    /// applied to columns through `end`), two reflectors per sweep where the expanded sums allow.
    static func factorPanelPaired<K: HouseholderKernels>(
        _ a: StridedMatrixView<K.Scalar>, from k0: Int, count: Int, block r0: Int, rows len: Int, applyThrough end: Int,
        tau: UnsafeMutablePointer<K.Scalar>, kernels: K.Type
    ) {
        typealias T = K.Scalar
        withUnsafeTemporaryAllocation(of: T.self, capacity: 4 * end) { buffer in
            // first[j] = xₖᵀcⱼ (j ≥ k, tails) for the current k, then reflector k's gains;
            // second[j] = xₖ₊₁ᵀcⱼ (j ≥ k + 1), then reflector k + 1's gains.
            guard var first = buffer.baseAddress else { return }
            var second = first + end
            let gram = first + 2 * end  // both columns' sums from one sweep
            var valid = 0  // how many of first, second hold the current k's sums
            let stop = k0 + count
            var k = k0
            while k < stop {
                let x = a.column(k) + r0
                let pairable = k + 1 < stop
                if valid == 0 && pairable {
                    // The columns as X and the two as Y: 4 × 2 blocks, no padded products.
                    let q = end - k
                    K.innerProducts(rows: len, x, ldx: a.leadingDimension, count: q, x, ldy: a.leadingDimension,
                                    count: 2, into: gram, ldo: q, skipBelowDiagonal: false)
                    for j in k..<end {
                        first[j] = gram[j - k]
                        second[j] = gram[j - k + q]
                    }
                } else if valid == 0 {
                    gatherDots(a, of: k, from: k, through: end, block: r0, rows: len, into: first, kernels: K.self)
                } else if pairable && valid < 2 {
                    gatherDots(a, of: k + 1, from: k + 1, through: end, block: r0, rows: len, into: second, kernels: K.self)
                }
                let squares = first[k]
                let alpha = a[k, k]
                let tailNorm = K.norm2(len, x, sumOfSquares: squares)
                guard tailNorm != 0 else {
                    tau[k] = 0  // block column already zero: H = I, and the sums of column k + 1 stand
                    swap(&first, &second)
                    valid = pairable ? 1 : 0
                    k += 1
                    continue
                }
                let (beta, scale, t) = Householder<K>.coefficients(alpha: alpha, length: pythagoras(alpha, tailNorm))
                tau[k] = t
                a[k, k] = beta
                guard k + 1 < end else {
                    K.scale(len, scale, x)
                    valid = 0
                    k += 1
                    continue
                }
                // Reflector k's gain on column k + 1, then whether y = xₖ₊₁ + g·xₖ's sums may be expanded.
                let cross = first[k + 1]
                let head = a.column(k + 1)
                let w = t * (head[k] + scale * cross)
                head[k] -= w
                let g = -(w * scale)
                first[k + 1] = g
                let nextSquares = second[k + 1]
                let ySquares = nextSquares + g * (2 * cross + g * squares)
                let paired = pairable && K.isSafeSumOfSquares(squares, count: len)
                    && K.isSafeSumOfSquares(nextSquares, count: len) && K.isSafeSumOfSquares(ySquares, count: len)
                    && 2 * ySquares >= max(nextSquares, g * g * squares)
                if !paired {
                    applyHeadGains(a, row: k, columns: (k + 2)..<max(end, k + 2), tau: t, scale: scale, dots: first)
                    K.updateColumns(a.block(row: r0, column: k + 1, rows: len, columns: end - k - 1), adding: x,
                                    gains: first + k + 1, scaleX: scale,
                                    dotsWith: pairable ? UnsafePointer(a.column(k + 1) + r0) : nil, into: first + k + 1)
                    valid = pairable ? 1 : 0
                    k += 1
                    continue
                }
                // Reflector k's gains on the later columns, and yᵀcⱼ' expanded with the old sums.
                for j in (k + 2)..<max(end, k + 2) {
                    let cj = a.column(j)
                    let dj = first[j]
                    let wj = t * (cj[k] + scale * dj)
                    cj[k] -= wj
                    let gj = -(wj * scale)
                    first[j] = gj
                    second[j] = second[j] + gj * cross + g * (dj + gj * squares)
                }
                // Reflector k + 1 from ‖y‖ and its head, then its gains.
                let alpha2 = a[k + 1, k + 1]
                let (beta2, scale2, t2) = Householder<K>.coefficients(alpha: alpha2, length: pythagoras(alpha2, ySquares.squareRoot()))
                tau[k + 1] = t2
                a[k + 1, k + 1] = beta2
                applyHeadGains(a, row: k + 1, columns: (k + 2)..<max(end, k + 2), tau: t2, scale: scale2, dots: second)
                let carry = k + 2 < stop
                K.applyStructuredPair(a.block(row: r0, column: k + 2, rows: len, columns: end - k - 2), first: x,
                                      second: a.column(k + 1) + r0, crossGain: g, gains1: first + k + 2,
                                      gains2: second + k + 2, scale1: scale, scale2: scale2, carry: carry,
                                      firstDots: first + k + 2, secondDots: second + k + 2)
                valid = carry ? (k + 3 < stop ? 2 : 1) : 0
                k += 2
            }
        }
    }
}
