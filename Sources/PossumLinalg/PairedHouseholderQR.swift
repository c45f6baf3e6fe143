/// Householder QR for matrices that fit in cache (`SIMDSolver.Path.unblocked`): the same
/// reflectors as `HouseholderQR`, in the same `dgeqrf` layout, computed on an aligned,
/// zero-padded copy and applied to the trailing columns **two at a time**.
///
/// Why: on a 104 × 18 [A | b] everything is in L1, and a one-reflector sweep is bound by loads
/// and stores, not by FMAs — each column element is loaded twice and stored once per reflector
/// for two FMAs. Applying H_{k+1}·H_k in one sweep (the compact WY form with block size 2,
/// C ← C − v₁·w₁ᵀ − v₂·w₂ᵀ) loads and stores each column element once per *pair*; sweeping four
/// columns at once (`applyReflectorPair4`) gives the dot phase eight independent FMA chains
/// instead of four, which on short columns wait on the FMA latency. The padded
/// copy (leading dimension a multiple of the vector width, rows ≥ m zero) and explicit reflector
/// vectors (zeros above the diagonal, 1 on it) make every sweep whole aligned vectors: no scalar
/// tails, no special first row.
///
/// Backward stability: the pair is applied as (I − V·T·Vᵀ) with V = [v₁ v₂],
/// T = [[τ₁, −τ₁τ₂·v₁ᵀv₂], [0, τ₂]] — the blocked form whose bound is the unblocked one with a
/// modestly larger constant (Higham, *Accuracy and Stability*, §19.5): ‖A − Q̂R̂‖_F ≤ c·m·n·ε·‖A‖_F.
/// Zero padding and the explicit zeros above the diagonal contribute exact zeros to every sum.
///
/// The serial chain between pairs (each reflector waits for its column to be updated) makes no
/// pass of its own: the sums the next pair is made from leave the sweep that writes its columns
/// (`makePair`, HouseholderKernels+Chain.swift), guarded like `norm2`.
public struct PairedHouseholderQR: QRFactorization {
    /// R on and above the diagonal, the tail of reflector k below the diagonal of column k.
    public private(set) var packed: Matrix
    /// τₖ of Hₖ = I − τₖ·vₖ·vₖᵀ.
    public private(set) var tau: [Double]

    public var rows: Int { packed.rows }
    public var columns: Int { packed.columns }

    /// Factors `a` (m ≥ n ≥ 1, finite entries), taking scratch memory from `workspace`.
    public init(factoring a: Matrix, workspace: inout QRWorkspace) throws {
        try validateLeastSquaresShapeFast(a)
        packed = a
        tau = [Double](repeating: 0, count: a.columns)
        let n = a.columns
        tau.withUnsafeMutableBufferPointer { t in
            guard let base = t.baseAddress else { return }
            packed.withMutableView { view in
                Self.factor(view, reflectors: n, tau: base, workspace: &workspace)
            }
        }
    }

    /// Factors `a` (m ≥ n ≥ 1, finite entries).
    public init(factoring a: Matrix) throws {
        var workspace = QRWorkspace()
        try self.init(factoring: a, workspace: &workspace)
    }

    /// The n × n upper-triangular factor R.
    public var r: Matrix { upperTriangle(packed) }
    /// Qᵀ·b (b has `rows` entries).
    public func applyQTranspose(_ b: [Double]) -> [Double] {
        HouseholderSequence<SIMDKernels>(packed: packed, tau: tau, layout: .packed).applyTranspose(b)
    }
    /// The first n columns of Q.
    public func thinQ() -> Matrix { HouseholderSequence<SIMDKernels>(packed: packed, tau: tau, layout: .packed).thinQ() }
    /// x with R·x = c[0..<n].
    public func solveUpper(_ c: [Double]) -> [Double] { backSubstitute(packed, c) }

    /// Elements of T of scratch `factor` needs for an m × `columns` matrix: the padded copy, four
    /// explicit reflectors, a block's 4 × 4 T, and slack to align the copy to 64 bytes.
    static func scratchSize<T: QRScalar>(of _: T.Type, rows m: Int, columns: Int) -> Int {
        let ld = roundUp(m, T.lanes)
        return ld * (columns + 4) + 16 + T.lanes
    }

    /// From this many rows on, the trailing columns are updated once per block of four reflectors
    /// (`applyReflectorBlock4`) instead of once per pair: on long columns the pair's sweeps are
    /// bound by loads and stores of C, which the block halves; on short ones (104 × 17) the
    /// reflector chain sets the pace and pairs keep it shorter (Benchmarks/README.md: blocks of four).
    public static let blockOfFourMinimumRows = 256

    /// A block of four is made only with at least this many columns right of it to update: its
    /// extra work (the T factor's inner products, the panel's pair sweep) is paid once per block.
    public static let blockOfFourMinimumTrailingColumns = 8

    /// Overwrites the first `reflectors` columns of `a` (m × n', m ≥ reflectors) with their QR
    /// factorization in `dgeqrf` layout and τ, and applies Qᵀ to the other columns (so a column
    /// b ends up holding Qᵀb), like `BlockedHouseholderQR.factor`.
    @_specialize(where T == Double)
    @_specialize(where T == Float)
    public static func factor<T: QRScalar>(
        _ a: StridedMatrixView<T>, reflectors: Int, tau: UnsafeMutablePointer<T>, workspace: inout QRWorkspace
    ) {
        factor(a, reflectors: reflectors, tau: tau, workspace: &workspace, kernels: NativeKernels<T>.self)
    }

    /// `factor` with the given kernels; `blocksOfFour`: update the trailing columns per block of four
    /// reflectors (default: m ≥ `blockOfFourMinimumRows`).
    static func factor<K: HouseholderKernels>(
        _ a: StridedMatrixView<K.Scalar>, reflectors: Int, tau: UnsafeMutablePointer<K.Scalar>, workspace: inout QRWorkspace,
        kernels: K.Type, blocksOfFour: Bool? = nil
    ) {
        typealias T = K.Scalar
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
            let v1 = base + ld * total, v2 = v1 + ld, v3 = v2 + ld, v4 = v3 + ld, blockT = v4 + ld
            let blocks = blocksOfFour ?? (m >= blockOfFourMinimumRows)
            if !inPlace {
                for j in 0..<total { copyPadded(a.column(j), count: m, to: w.column(j), ld: ld) }
            }
            // ‖x‖² of column k's tail, its cross sum with column k + 1 and that column's ‖·‖²,
            // carried out of the previous pair's sweep; for the first pair, one sweep of inner
            // products over both columns (three independent sums instead of four dependent passes).
            var carried: CarriedSums<T>? = nil
            if n >= 2 {
                withUnsafeTemporaryAllocation(of: T.self, capacity: 4) { gram in
                    guard let g = gram.baseAddress else { return }
                    K.innerProducts(rows: ld - 1, w.column(0) + 1, ldx: w.leadingDimension, count: 2, w.column(0) + 1,
                                    ldy: w.leadingDimension, count: 2, into: g, ldo: 2, skipBelowDiagonal: true)
                    carried = CarriedSums(squares: g[0], cross: g[2], nextSquares: g[3])
                }
            }
            var k = 0
            while k < n {
                // Both reflectors of the pair are explicit from the start of k's vector on.
                let start = k / lanes * lanes
                let len = ld - start
                if blocks && k + 3 < n && total - (k + 4) >= blockOfFourMinimumTrailingColumns {
                    carried = blockStep(K.self, w, k: k, rows: m, ld: ld, from: start, v: v1, t: blockT, tau: tau + k,
                                        carried: carried)
                    k += 4
                } else if k + 1 < n {
                    let (tau1, tau2, v21) = makePair(K.self, w, k: k, rows: m, ld: ld, from: start, v1: v1, v2: v2,
                                                     carried: carried)
                    tau[k] = tau1
                    tau[k + 1] = tau2
                    var j = k + 2
                    carried = nil
                    if j < n {
                        // Columns k + 2 and k + 3 first: the next pair is made from the sums this
                        // sweep carries out of them (columns repeat when fewer than four are left).
                        let group = total - j >= 4 ? 4 : total - j >= 2 ? 2 : 1
                        let c1 = group >= 2 ? j + 1 : j, c2 = group == 4 ? j + 2 : j, c3 = group == 4 ? j + 3 : c1
                        carried = K.applyReflectorPairCarrying(
                            len, v1 + start, tau1: tau1, v2 + start, tau2: tau2, v21: v21, w.column(j) + start,
                            w.column(c1) + start, w.column(c2) + start, w.column(c3) + start, carryFrom: k + 3 - start)
                        j += group
                    }
                    // Four columns per sweep while four are left: eight independent dot chains.
                    while j + 4 <= total {
                        K.applyReflectorPair4(len, v1 + start, tau1: tau1, v2 + start, tau2: tau2, v21: v21,
                                              w.column(j) + start, w.column(j + 1) + start, w.column(j + 2) + start,
                                              w.column(j + 3) + start)
                        j += 4
                    }
                    while j < total {
                        // An odd last column is paired with itself: computed twice, stored identically.
                        K.applyReflectorPair(len, v1 + start, tau1: tau1, v2 + start, tau2: tau2, v21: v21,
                                             w.column(j) + start, w.column(min(j + 1, total - 1)) + start)
                        j += 2
                    }
                    k += 2
                } else {
                    tau[k] = makeReflector(K.self, w.column(k), row: k, rows: m, ld: ld, from: start, into: v1,
                                           sumOfSquares: carried?.squares).tau
                    Householder<K>.applyReflector(v1 + start, count: len, tau: tau[k], head: nil, tailRow: start,
                                                  to: w.block(row: 0, column: k + 1, rows: ld, columns: total - k - 1))
                    k += 1
                }
            }
            if !inPlace {
                for j in 0..<total { copy(w.column(j), count: m, to: a.column(j)) }
            }
        }
    }

    /// Reflectors k…k + 3 made and applied to every column right of them (`v`: room for four
    /// explicit reflectors ld apart, from row `start` on; `t`: 16 elements), returning the sums
    /// carried for the next step. The panel (columns k + 2, k + 3) gets the first pair by the
    /// pair's carrying sweep, so the second pair is made as on the paired schedule; the columns
    /// right of the panel get all four in the compact WY form I − V·Tᵀ·Vᵀ (T by
    /// `Householder.formTriangularFactor`, whose inner products of the pairs' vectors beside v₂ᵀv₁
    /// and v₄ᵀv₃ are one `innerProducts` sweep), four columns per sweep, the first sweep carrying
    /// the next step's sums. One or two columns left over from the fours take the first pair in
    /// the panel's sweep (its other two slots) and the second pair in a sweep of their own, so
    /// no sweep computes a column twice for nothing; three left over are a sweep of four with
    /// one column repeated.
    @inline(__always)
    static func blockStep<K: HouseholderKernels>(
        _: K.Type, _ w: StridedMatrixView<K.Scalar>, k: Int, rows m: Int, ld: Int, from start: Int,
        v: UnsafeMutablePointer<K.Scalar>, t: UnsafeMutablePointer<K.Scalar>, tau: UnsafeMutablePointer<K.Scalar>,
        carried: CarriedSums<K.Scalar>?
    ) -> CarriedSums<K.Scalar>? {
        typealias T = K.Scalar
        let len = ld - start, total = w.columns
        let v1 = v, v2 = v + ld, v3 = v + 2 * ld, v4 = v + 3 * ld
        let (tau1, tau2, v21) = makePair(K.self, w, k: k, rows: m, ld: ld, from: start, v1: v1, v2: v2, carried: carried)
        let p0 = w.column(k + 2) + start, p1 = w.column(k + 3) + start
        // The one or two columns left over from whole fours start at column `leftover` (total: none).
        let trailing = total - (k + 4), leftover = trailing > 0 && trailing % 4 <= 2 && trailing % 4 > 0 ? total - trailing % 4 : total
        let l0 = leftover < total ? w.column(leftover) + start : p0, l1 = leftover < total ? w.column(total - 1) + start : p1
        let panelSums = K.applyReflectorPairCarrying(len, v1 + start, tau1: tau1, v2 + start, tau2: tau2, v21: v21,
                                                     p0, p1, l0, l1, carryFrom: k + 3 - start)
        let (tau3, tau4, v43) = makePair(K.self, w, k: k + 2, rows: m, ld: ld, from: start, v1: v3, v2: v4,
                                         carried: panelSums)
        (tau[0], tau[1], tau[2], tau[3]) = (tau1, tau2, tau3, tau4)
        var j = k + 4
        guard j < total else { return nil }
        // The next step's sums come from the first group of four (`blockOfFourMinimumTrailingColumns`
        // ≥ 3 puts one before the leftover; without one, the next pair takes its guarded passes).
        if leftover < total {
            K.applyReflectorPair(len, v3 + start, tau1: tau3, v4 + start, tau2: tau4, v21: v43, l0, l1)
        }
        guard j < leftover else { return nil }
        withUnsafeTemporaryAllocation(of: T.self, capacity: 4) { gram in
            guard let g = gram.baseAddress else { return }
            // g[i + 2j] = v₍ᵢ₊₁₎ᵀv₍ⱼ₊₃₎ for i, j < 2.
            K.innerProducts(rows: len, v1 + start, ldx: ld, count: 2, v3 + start, ldy: ld, count: 2, into: g, ldo: 2,
                            skipBelowDiagonal: false)
            Householder<K>.formTriangularFactor(count: 4, tau: tau, into: t) { p, q in
                switch (p, q) {
                case (0, 1): v21
                case (2, 3): v43
                default: g[p + 2 * (q - 2)]
                }
            }
        }
        var next: CarriedSums<T>? = nil
        while j < leftover {
            let group = min(4, leftover - j)
            let c1 = group >= 2 ? j + 1 : j, c2 = group >= 3 ? j + 2 : j, c3 = group == 4 ? j + 3 : c1
            let sums = K.applyReflectorBlock4(len, v + start, ldv: ld, t: t, w.column(j) + start, w.column(c1) + start,
                                              w.column(c2) + start, w.column(c3) + start,
                                              carryFrom: j == k + 4 ? k + 5 - start : len)
            if j == k + 4 { next = sums }
            j += group
        }
        return next
    }

    /// Makes reflectors k and k + 1 (τ₁, τ₂, into the explicit v₁, v₂) and v₂ᵀv₁, applying H_k to
    /// column k + 1 on the way. With sums carried from the previous sweep that all pass `norm2`'s
    /// guard, the chain is one pass: vᵀx of column k + 1 is x[k] + scale₁·(carried cross sum), and
    /// the update of that column carries the second reflector's ‖x‖² and v₂ᵀv₁. Otherwise (sums
    /// that over- or underflowed, or none carried) each comes from its own guarded pass.
    @inline(__always)
    static func makePair<K: HouseholderKernels>(
        _: K.Type, _ w: StridedMatrixView<K.Scalar>, k: Int, rows m: Int, ld: Int, from start: Int,
        v1: UnsafeMutablePointer<K.Scalar>, v2: UnsafeMutablePointer<K.Scalar>, carried: CarriedSums<K.Scalar>?
    ) -> (tau1: K.Scalar, tau2: K.Scalar, v21: K.Scalar) {
        typealias H = Householder<K>
        let len = ld - start
        let x0 = w.column(k), x1 = w.column(k + 1)
        if let c = carried, K.isSafeSumOfSquares(c.squares, count: ld - k - 1),
           K.isSafeSumOfSquares(c.nextSquares, count: ld - k - 1), c.cross.isFinite {
            let (tau1, scale1) = makeReflector(K.self, x0, row: k, rows: m, ld: ld, from: start, into: v1, sumOfSquares: c.squares)
            // v₁ = 1 on row k and scale₁·x₀ below it: v₁ᵀx₁ = x₁[k] + scale₁·Σᵢ₍>ₖ₎ x₀ᵢx₁ᵢ. Both
            // sums passed the guard, so the cross sum lost nothing to underflow that matters.
            let w1 = tau1 * x1[k].addingProduct(scale1, c.cross)
            let (squares, cross) = K.updateCarrying(len, x1 + start, adding: -w1, times: v1 + start, carryFrom: k + 2 - start)
            let (tau2, scale2) = makeReflector(K.self, x1, row: k + 1, rows: m, ld: ld, from: start, into: v2,
                                               sumOfSquares: squares)
            // v₂ = 1 on row k + 1 and scale₂·x₁' below it: v₂ᵀv₁ = v₁[k + 1] + scale₂·Σᵢ₍>ₖ₊₁₎ x₁'ᵢv₁ᵢ.
            let v21 = K.isSafeSumOfSquares(squares, count: ld - k - 2)
                ? v1[k + 1].addingProduct(scale2, cross) : K.dot(len, v2 + start, v1 + start)
            return (tau1, tau2, v21)
        }
        let tau1 = makeReflector(K.self, x0, row: k, rows: m, ld: ld, from: start, into: v1).tau
        // H_k must reach column k + 1 before reflector k + 1 can be made from it.
        H.applyReflector(v1 + start, count: len, tau: tau1, head: nil, tailRow: start,
                         to: w.block(row: 0, column: k + 1, rows: ld, columns: 1))
        let tau2 = makeReflector(K.self, x1, row: k + 1, rows: m, ld: ld, from: start, into: v2).tau
        return (tau1, tau2, K.dot(len, v2 + start, v1 + start))
    }

    /// Makes reflector `row` from x[row...] (`Householder.generate`, one square root): overwrites
    /// x[row] with β and x[row+1...] with v's tail, writes v explicitly to `v[start..<ld]` (0 above
    /// `row`, 1 at it, 0 in the padding) and returns τ and the factor the tail was scaled by. `s`:
    /// the tail's sum of squares when already at hand (carried out of a sweep), else it is summed
    /// here. x[m..<ld] is zero padding, so the tail may run to ld.
    @inline(__always)
    static func makeReflector<K: HouseholderKernels>(
        _: K.Type, _ x: UnsafeMutablePointer<K.Scalar>, row: Int, rows m: Int, ld: Int, from start: Int,
        into v: UnsafeMutablePointer<K.Scalar>, sumOfSquares s: K.Scalar? = nil
    ) -> (tau: K.Scalar, scale: K.Scalar) {
        typealias T = K.Scalar
        typealias H = Householder<K>
        // From `aligned` on, x is whole aligned vectors to ld.
        let aligned = min(roundUp(row + 1, T.lanes), ld)
        let tail = x + row + 1, count = ld - row - 1, vectors = aligned - row - 1
        let (beta, tau, scale) = H.generate(alpha: x[row], tail: tail, count: count, wholeVectorsFrom: vectors,
                                            sumOfSquares: s ?? H.sumOfSquares(tail, count: count, wholeVectorsFrom: vectors),
                                            oneSquareRoot: true)
        // H = I leaves x's zero tail as it is: v = e_row keeps the sweeps' arithmetic finite.
        for r in start..<aligned { v[r] = r < row ? 0 : r == row ? 1 : x[r] }
        var i = aligned
        while i < ld { T.store(T.load(x + i), v + i); i += T.lanes }
        x[row] = beta
        return (tau, scale)
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
