/// Householder QR for matrices that fit in cache (`SIMDSolver`'s `unblocked` path): the same
/// reflectors as `HouseholderQR`, in the same `dgeqrf` layout, computed on an aligned,
/// zero-padded copy and applied to the trailing columns **two at a time**.
///
/// Why: on a 104 × 18 [A | b] everything is in L1, and a one-reflector sweep is bound by loads
/// and stores, not by FMAs — each column element is loaded twice and stored once per reflector
/// for two FMAs. Applying H_{k+1}·H_k in one sweep (the compact WY form with block size 2,
/// C ← C − v₁·w₁ᵀ − v₂·w₂ᵀ) loads and stores each column element once per *pair*. The padded
/// copy (leading dimension a multiple of the vector width, rows ≥ m zero) and explicit reflector
/// vectors (zeros above the diagonal, 1 on it) make every sweep whole aligned vectors: no scalar
/// tails, no special first row.
///
/// Backward stability: the pair is applied as (I − V·T·Vᵀ) with V = [v₁ v₂],
/// T = [[τ₁, −τ₁τ₂·v₁ᵀv₂], [0, τ₂]] — the blocked form whose bound is the unblocked one with a
/// modestly larger constant (Higham, *Accuracy and Stability*, §19.5): ‖A − Q̂R̂‖_F ≤ c·m·n·ε·‖A‖_F.
/// Zero padding and the explicit zeros above the diagonal contribute exact zeros to every sum.
enum PairedHouseholderQR {
    /// Elements of T of scratch `factor` needs for an m × `columns` matrix: the padded copy, two
    /// explicit reflectors, and slack to align the copy to 64 bytes.
    static func scratchSize<T: QRScalar>(of _: T.Type, rows m: Int, columns: Int) -> Int {
        let ld = roundUp(m, T.lanes)
        return ld * (columns + 2) + T.lanes
    }

    /// Overwrites the first `reflectors` columns of `a` (m × n', m ≥ reflectors) with their QR
    /// factorization in `dgeqrf` layout and τ, and applies Qᵀ to the other columns (so a column
    /// b ends up holding Qᵀb), like `BlockedHouseholderQR.factor`.
    @_specialize(where T == Double)
    @_specialize(where T == Float)
    static func factor<T: QRScalar>(
        _ a: StridedMatrixView<T>, reflectors: Int, tau: UnsafeMutablePointer<T>, workspace: inout QRWorkspace
    ) {
        let (m, n, total) = (a.rows, reflectors, a.columns)
        precondition(n <= total && n <= m, "cannot factor more columns than there are")
        let lanes = T.lanes
        let ld = roundUp(m, lanes)
        workspace.withScratch(of: T.self, scratchSize(of: T.self, rows: m, columns: total)) { raw in
            let misalignment = Int(bitPattern: raw) % 64 / MemoryLayout<T>.stride
            let base = raw + (misalignment == 0 ? 0 : 64 / MemoryLayout<T>.stride - misalignment)
            // Columns that are whole vectors already need no padding: work on `a` itself.
            let inPlace = m == ld
            let w = inPlace ? a : StridedMatrixView(base: base, rows: ld, columns: total, leadingDimension: ld)
            let v1 = base + ld * total, v2 = v1 + ld
            if !inPlace {
                for j in 0..<total { copyPadded(a.column(j), count: m, to: w.column(j), ld: ld) }
            }
            var k = 0
            while k < n {
                // Both reflectors of the pair are explicit from the start of k's vector on.
                let start = k / lanes * lanes
                tau[k] = makeReflector(w.column(k), row: k, rows: m, ld: ld, from: start, into: v1)
                if k + 1 < n {
                    // H_k must reach column k + 1 before reflector k + 1 can be made from it.
                    applyReflector(v1, tau: tau[k], to: w, columns: k + 1, k + 2, from: start)
                    tau[k + 1] = makeReflector(w.column(k + 1), row: k + 1, rows: m, ld: ld, from: start, into: v2)
                    applyReflectorPair(v1, tau: tau[k], v2, tau: tau[k + 1], to: w, columns: k + 2, total, from: start)
                    k += 2
                } else {
                    applyReflector(v1, tau: tau[k], to: w, columns: k + 1, total, from: start)
                    k += 1
                }
            }
            if !inPlace {
                for j in 0..<total { copy(w.column(j), count: m, to: a.column(j)) }
            }
        }
    }

    /// Makes the reflector that zeroes x[row+1..<m] (the role of `dlarfg`, the arithmetic of
    /// `HouseholderQR.eliminate`): overwrites x[row] with β and x[row+1...] with v's tail, writes
    /// v explicitly to `v[start..<ld]` (0 above `row`, 1 at it, 0 in the padding) and returns τ.
    /// x[m..<ld] is zero padding.
    @inline(__always)
    static func makeReflector<T: QRScalar>(
        _ x: UnsafeMutablePointer<T>, row: Int, rows m: Int, ld: Int, from start: Int, into v: UnsafeMutablePointer<T>
    ) -> T {
        let lanes = T.lanes
        // The partial vector after `row` in scalars, whole aligned vectors from `aligned` on.
        let aligned = min(roundUp(row + 1, lanes), ld)
        var s: T = 0
        for i in (row + 1)..<aligned { s += x[i] * x[i] }
        var a0 = T.zeroVector, a1 = T.zeroVector
        var i = aligned
        while i + 2 * lanes <= ld {
            a0 = T.fma(a0, T.load(x + i), T.load(x + i))
            a1 = T.fma(a1, T.load(x + i + lanes), T.load(x + i + lanes))
            i += 2 * lanes
        }
        if i < ld { a0 = T.fma(a0, T.load(x + i), T.load(x + i)) }
        s += T.sum(T.add(a0, a1))
        // The same guard as `HouseholderKernels.norm2`: rescale when the plain sum over/underflows.
        let tailCount = m - row - 1
        let underflowGuard = T.leastNormalMagnitude * T(max(tailCount, 1)) / T.ulpOfOne
        let tailNorm = s.isFinite && s >= underflowGuard
            ? s.squareRoot() : scaledNorm2(UnsafeBufferPointer(start: x + row + 1, count: max(tailCount, 0)))
        let alpha = x[row]
        guard tailNorm != 0 else {
            // Already upper triangular: H = I (τ = 0); v = e_row keeps the sweeps' arithmetic finite.
            (v + start).update(repeating: 0, count: ld - start)
            v[row] = 1
            return 0
        }
        let beta = alpha >= 0 ? -pythagoras(alpha, tailNorm) : pythagoras(alpha, tailNorm)
        let scale = 1 / (alpha - beta)
        for r in start..<aligned {
            if r > row { x[r] *= scale }
            v[r] = r < row ? 0 : r == row ? 1 : x[r]
        }
        i = aligned
        while i < ld {
            let y = T.scaled(T.load(x + i), scale)
            T.store(y, x + i)
            T.store(y, v + i)
            i += lanes
        }
        x[row] = beta
        return (beta - alpha) / beta
    }

    /// C ← (I − τ·v·vᵀ)·C on columns j0..<j1 of `c`, rows start..<c.rows (a whole number of
    /// vectors, so the kernels' scalar tails never run). v is zero above `start`'s reflector row,
    /// so the rows above are left exactly as they are. Four columns per sweep, so that each
    /// vector of v is loaded once for all of them.
    @inline(__always)
    static func applyReflector<T: QRScalar>(
        _ v: UnsafePointer<T>, tau: T, to c: StridedMatrixView<T>, columns j0: Int, _ j1: Int, from start: Int
    ) {
        guard tau != 0 else { return }
        let (vs, len) = (v + start, c.rows - start)
        var j = j0
        while j + 4 <= j1 {
            let (c0, c1, c2, c3) = (c.column(j) + start, c.column(j + 1) + start, c.column(j + 2) + start, c.column(j + 3) + start)
            let (d0, d1, d2, d3) = VectorKernels<T>.dot4(len, vs, c0, c1, c2, c3)
            VectorKernels<T>.axpy4(len, vs, -tau * d0, c0, -tau * d1, c1, -tau * d2, c2, -tau * d3, c3)
            j += 4
        }
        while j < j1 {
            let cj = c.column(j) + start
            VectorKernels<T>.axpy(len, -tau * VectorKernels<T>.dot(len, vs, cj), vs, cj)
            j += 1
        }
    }

    /// C ← H₂·H₁·C = C − v₁·w₁ᵀ − v₂·w₂ᵀ on columns j0..<j1 of `c`, rows start..<ld, where
    /// w₁ = τ₁·Cᵀv₁ and w₂ = τ₂·(Cᵀv₂ − (v₂ᵀv₁)·w₁) (H₂ sees C after H₁: v₂ᵀ(C − v₁w₁ᵀ)).
    /// Two columns per sweep: four dot products from four loads per vector of rows.
    @inline(__always)
    static func applyReflectorPair<T: QRScalar>(
        _ v1: UnsafePointer<T>, tau tau1: T, _ v2: UnsafePointer<T>, tau tau2: T,
        to c: StridedMatrixView<T>, columns j0: Int, _ j1: Int, from start: Int
    ) {
        guard j0 < j1 else { return }
        let ld = c.rows, lanes = T.lanes
        let p1 = v1 + start, p2 = v2 + start, len = ld - start
        var d = T.zeroVector
        var i = 0
        while i < len { d = T.fma(d, T.load(p1 + i), T.load(p2 + i)); i += lanes }
        let v21 = T.sum(d)
        var j = j0
        while j < j1 {
            // An odd last column is paired with itself: computed twice, stored identically.
            let c0 = c.column(j) + start, c1 = c.column(min(j + 1, j1 - 1)) + start
            var s10 = T.zeroVector, s20 = T.zeroVector, s11 = T.zeroVector, s21 = T.zeroVector
            i = 0
            while i < len {
                let x1 = T.load(p1 + i), x2 = T.load(p2 + i)
                let y0 = T.load(c0 + i), y1 = T.load(c1 + i)
                s10 = T.fma(s10, x1, y0); s20 = T.fma(s20, x2, y0)
                s11 = T.fma(s11, x1, y1); s21 = T.fma(s21, x2, y1)
                i += lanes
            }
            let w10 = tau1 * T.sum(s10), w11 = tau1 * T.sum(s11)
            let w20 = tau2 * (T.sum(s20) - v21 * w10), w21 = tau2 * (T.sum(s21) - v21 * w11)
            let n10 = T.splat(-w10), n20 = T.splat(-w20), n11 = T.splat(-w11), n21 = T.splat(-w21)
            i = 0
            while i < len {
                let x1 = T.load(p1 + i), x2 = T.load(p2 + i)
                let y0 = T.fma(T.fma(T.load(c0 + i), n10, x1), n20, x2)
                let y1 = T.fma(T.fma(T.load(c1 + i), n11, x1), n21, x2)
                T.store(y1, c1 + i)
                T.store(y0, c0 + i)
                i += lanes
            }
            j += 2
        }
    }

    /// dst[0..<m] = src[0..<m], dst[m..<ld] = 0: whole vectors, then the last partial one in
    /// scalars. (A vector loop, not `update(from:)`: one `memmove` call per column of ~100
    /// elements costs more than the copy itself.)
    @inline(__always)
    static func copyPadded<T: QRScalar>(_ src: UnsafePointer<T>, count m: Int, to dst: UnsafeMutablePointer<T>, ld: Int) {
        var i = 0
        while i + T.lanes <= m { T.store(T.load(src + i), dst + i); i += T.lanes }
        while i < m { dst[i] = src[i]; i += 1 }
        while i < ld { dst[i] = 0; i += 1 }
    }

    /// dst[0..<m] = src[0..<m], as `copyPadded`.
    @inline(__always)
    static func copy<T: QRScalar>(_ src: UnsafePointer<T>, count m: Int, to dst: UnsafeMutablePointer<T>) {
        var i = 0
        while i + T.lanes <= m { T.store(T.load(src + i), dst + i); i += T.lanes }
        while i < m { dst[i] = src[i]; i += 1 }
    }
}
