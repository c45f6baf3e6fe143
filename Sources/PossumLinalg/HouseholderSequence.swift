/// Q = H₀·H₁⋯ of a factorization, kept as its reflectors (Eigen's `HouseholderSequence`): the one
/// implementation of Qᵀ·b, Q·c and the thin Q for every factorization in this module. Never forms
/// Q unless asked for (`thinQ`): applying it to a vector costs 4mn flops against 4mn² to form it.
///
/// Two layouts of the reflectors in `packed` (m rows):
/// - `.packed` (LAPACK `dgeqrf`): reflector k has its implicit 1 on row k and its tail below the
///   diagonal of column k; `tau.count` reflectors.
/// - `.rowBlocks` (`TallSkinnyQR`): block 0 (the first `firstRows` rows) is `.packed`; reflector k of
///   a later block has its 1 on row k and its tail on the block's own rows of column k; n τ's per
///   block (n = `packed.columns`), τ of block i, reflector k at `tau[i·n + k]`.
struct HouseholderSequence<K: HouseholderKernels> where K.Scalar == Double {
    enum Layout {
        case packed
        case rowBlocks(firstRows: Int, blockRows: Int)
    }

    let packed: Matrix
    let tau: [Double]
    let layout: Layout

    /// Qᵀ·b (b has one entry per row).
    func applyTranspose(_ b: [Double]) -> [Double] {
        precondition(b.count == packed.rows, "Qᵀb: b must have one entry per row")
        return applied(to: b, forward: true)
    }

    /// Q·c (c has one entry per row).
    func apply(_ c: [Double]) -> [Double] {
        precondition(c.count == packed.rows, "Qc: c must have one entry per row")
        return applied(to: c, forward: false)
    }

    /// A copy of `vector` with the reflectors applied in order (Qᵀ) or in reverse (Q).
    private func applied(to vector: [Double], forward: Bool) -> [Double] {
        var result = vector
        result.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            apply(to: StridedMatrixView(base: base, rows: buffer.count, columns: 1, leadingDimension: buffer.count), forward: forward)
        }
        return result
    }

    /// The first n = `packed.columns` columns of Q: Q·[Iₙ; 0], the reflectors applied backwards
    /// (`dorg2r`).
    func thinQ() -> Matrix {
        var q = Matrix(rows: packed.rows, columns: packed.columns)
        for j in 0..<min(packed.rows, packed.columns) { q[j, j] = 1 }
        q.withMutableView { apply(to: $0, forward: false, thin: true) }
        return q
    }

    /// C ← Qᵀ·C (`forward`: H₀ first) or C ← Q·C (the reverse order). `thin`: C is Q·[I; 0] being
    /// accumulated, so on the packed layout Hₖ only touches columns ≥ k of the partial product.
    private func apply(to c: StridedMatrixView<Double>, forward: Bool, thin: Bool = false) {
        let m = packed.rows
        packed.elements.withUnsafeBufferPointer { p in
            guard let base = p.baseAddress else { return }
            forEachReflector(forward: forward) { k, tailRow, count, t in
                let v = base + k * m + tailRow
                if tailRow == k + 1 {
                    // The `dgeqrf` reflector on rows k..<k+1+count: the kernels' own form.
                    let first = thin && isPacked ? k : 0
                    K.applyReflector(v - 1, tau: t, to: c.block(row: k, column: first, rows: count + 1, columns: c.columns - first))
                } else {
                    Householder<K>.applyReflector(v, count: count, tau: t, head: k, tailRow: tailRow, to: c)
                }
            }
        }
    }

    private var isPacked: Bool { if case .packed = layout { true } else { false } }

    /// Calls `body(k, tailRow, tailCount, τ)` for every reflector with τ ≠ 0, in the order Qᵀ applies
    /// them (`forward`) or the reverse.
    private func forEachReflector(forward: Bool, _ body: (Int, Int, Int, Double) -> Void) {
        let (m, n) = (packed.rows, packed.columns)
        switch layout {
        case .packed:
            let ks = forward ? Array(0..<tau.count) : Array((0..<tau.count).reversed())
            for k in ks where tau[k] != 0 { body(k, k + 1, m - k - 1, tau[k]) }
        case .rowBlocks(let b0, let mb):
            let count = 1 + (m - b0 + mb - 1) / mb
            let blocks = forward ? Array(0..<count) : Array((0..<count).reversed())
            let ks = forward ? Array(0..<n) : Array((0..<n).reversed())
            for blk in blocks {
                let r0 = blk == 0 ? 0 : b0 + (blk - 1) * mb
                let len = blk == 0 ? b0 : min(mb, m - r0)
                for k in ks where tau[blk * n + k] != 0 {
                    if blk == 0 { body(k, k + 1, b0 - k - 1, tau[k]) } else { body(k, r0, len, tau[blk * n + k]) }
                }
            }
        }
    }
}

/// The n × n upper triangle R of a factorization stored with R on and above the diagonal.
func upperTriangle(_ packed: Matrix) -> Matrix {
    let n = packed.columns
    var r = Matrix(rows: n, columns: n)
    for j in 0..<n { for i in 0...min(j, packed.rows - 1) { r[i, j] = packed[i, j] } }
    return r
}
