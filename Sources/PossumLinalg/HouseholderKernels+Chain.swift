/// The paired QR's serial chain (`PairedHouseholderQR`): the sums the next reflectors are made
/// from, carried out of the sweeps that write the columns they are sums of. Without them each
/// reflector waits on a separate pass over a column just written (‖x‖², then vᵀx for the next
/// column, then v₂ᵀv₁), each a dependent chain of FMAs and a horizontal sum; with them the sums
/// finish with the stores of the sweep that produced the column.

/// ‖x‖², xᵀy and ‖y‖² over rows ≥ `from` of two columns just written (`applyReflectorPairCarrying`).
public struct CarriedSums<Scalar: QRScalar>: Sendable {
    /// Σ x'ᵢ² (the first column's tail).
    public var squares: Scalar
    /// Σ x'ᵢ·y'ᵢ (the first column against the second).
    public var cross: Scalar
    /// Σ y'ᵢ² (the second column's tail).
    public var nextSquares: Scalar

    public init(squares: Scalar, cross: Scalar, nextSquares: Scalar) {
        (self.squares, self.cross, self.nextSquares) = (squares, cross, nextSquares)
    }

    /// The sums over `rows` of the two updated columns, in row order: the reference kernels' arithmetic.
    @inlinable
    init(rowOrderOver c0: UnsafePointer<Scalar>, _ c1: UnsafePointer<Scalar>, rows: Range<Int>) {
        (squares, cross, nextSquares) = (0, 0, 0)
        add(rowOrderOver: c0, c1, rows: rows)
    }

    /// Adds rows' entries of the two updated columns, in row order (the fast sweeps' scalar head).
    @inlinable @inline(__always)
    mutating func add(rowOrderOver c0: UnsafePointer<Scalar>, _ c1: UnsafePointer<Scalar>, rows: Range<Int>) {
        for i in rows { add(c0[i], c1[i]) }
    }

    /// Adds one row: x'ᵢ of the first column, y'ᵢ of the second.
    @inlinable @inline(__always)
    mutating func add(_ x: Scalar, _ y: Scalar) {
        squares += x * x; cross += x * y; nextSquares += y * y
    }
}

extension HouseholderKernels {
    /// The reference arithmetic of `updateCarrying`: the update, then the two sums in row order.
    @inlinable
    public static func updateCarrying(
        _ n: Int, _ x: UnsafeMutablePointer<Scalar>, adding g: Scalar, times v: UnsafePointer<Scalar>, carryFrom f: Int
    ) -> (squares: Scalar, cross: Scalar) {
        for i in 0..<n { x[i] += g * v[i] }
        var s: Scalar = 0, c: Scalar = 0
        for i in max(f, 0)..<max(n, f) { s += x[i] * x[i]; c += x[i] * v[i] }
        return (s, c)
    }

    /// The reference arithmetic of `applyReflectorPairCarrying`: every column's dot products from
    /// the values before the update (so repeated columns store the same values), the update row by
    /// row, then the sums in row order.
    @inlinable
    public static func applyReflectorPairCarrying(
        _ n: Int, _ v1: UnsafePointer<Scalar>, tau1: Scalar, _ v2: UnsafePointer<Scalar>, tau2: Scalar, v21: Scalar,
        _ c0: UnsafeMutablePointer<Scalar>, _ c1: UnsafeMutablePointer<Scalar>,
        _ c2: UnsafeMutablePointer<Scalar>, _ c3: UnsafeMutablePointer<Scalar>, carryFrom f: Int
    ) -> CarriedSums<Scalar> {
        let columns = [c0, c1, c2, c3]
        var w1 = [Scalar](repeating: 0, count: 4), w2 = w1
        for (j, c) in columns.enumerated() {
            var d1: Scalar = 0, d2: Scalar = 0
            for i in 0..<n { d1 += v1[i] * c[i] }
            for i in 0..<n { d2 += v2[i] * c[i] }
            w1[j] = tau1 * d1
            w2[j] = tau2 * (d2 - v21 * w1[j])
        }
        for i in 0..<n {
            let y = (0..<4).map { columns[$0][i] - w1[$0] * v1[i] - w2[$0] * v2[i] }
            for j in (0..<4).reversed() { columns[j][i] = y[j] }
        }
        return CarriedSums(rowOrderOver: c0, c1, rows: max(f, 0)..<max(n, f))
    }
}

extension VectorKernels {
    /// x ← x + g·v in whole vectors, the sums over rows ≥ f in two pairs of accumulators (the
    /// update is one FMA a vector: the sums' FMA latency, not the update, would set the pace).
    @inline(__always)
    public static func updateCarrying(
        _ n: Int, _ x: UnsafeMutablePointer<Scalar>, adding g: Scalar, times v: UnsafePointer<Scalar>, carryFrom f: Int
    ) -> (squares: Scalar, cross: Scalar) {
        typealias T = Scalar
        let lanes = T.lanes
        let vectorEnd = n / lanes * lanes
        let firstWhole = min(max(f, 0) + lanes - 1, vectorEnd) / lanes * lanes
        let gv = T.splat(g)
        var i = 0
        while i < firstWhole {
            T.store(T.fma(T.load(x + i), gv, T.load(v + i)), x + i)
            i += lanes
        }
        var s0 = T.zeroVector, s1 = T.zeroVector, c0 = T.zeroVector, c1 = T.zeroVector
        if nativeVectorRegisters >= 16 {
            while i + 2 * lanes <= vectorEnd {
                let a = T.load(v + i), b = T.load(v + i + lanes)
                let y0 = T.fma(T.load(x + i), gv, a), y1 = T.fma(T.load(x + i + lanes), gv, b)
                T.store(y0, x + i); T.store(y1, x + i + lanes)
                s0 = T.fma(s0, y0, y0); c0 = T.fma(c0, y0, a)
                s1 = T.fma(s1, y1, y1); c1 = T.fma(c1, y1, b)
                i += 2 * lanes
            }
            if i < vectorEnd {
                let a = T.load(v + i)
                let y0 = T.fma(T.load(x + i), gv, a)
                T.store(y0, x + i)
                s0 = T.fma(s0, y0, y0); c0 = T.fma(c0, y0, a)
                i += lanes
            }
        } else {
            // The fused loop keeps 17 ymm live on AVX2 and carries an accumulator through the
            // stack; the update first, then the same sums in the same order from the stored values.
            let sumsFrom = i
            while i < vectorEnd {
                T.store(T.fma(T.load(x + i), gv, T.load(v + i)), x + i)
                i += lanes
            }
            var r = sumsFrom
            while r + 2 * lanes <= vectorEnd {
                let y0 = T.load(x + r), y1 = T.load(x + r + lanes)
                s0 = T.fma(s0, y0, y0); c0 = T.fma(c0, y0, T.load(v + r))
                s1 = T.fma(s1, y1, y1); c1 = T.fma(c1, y1, T.load(v + r + lanes))
                r += 2 * lanes
            }
            if r < vectorEnd {
                let y0 = T.load(x + r)
                s0 = T.fma(s0, y0, y0); c0 = T.fma(c0, y0, T.load(v + r))
            }
        }
        var s = T.sum(T.add(s0, s1)), c = T.sum(T.add(c0, c1))
        // The rows ≥ f of the first vector that straddles f, then the scalar tail.
        for r in max(f, 0)..<max(firstWhole, f) { s += x[r] * x[r]; c += x[r] * v[r] }
        while i < n {
            x[i] += g * v[i]
            if i >= f { s += x[i] * x[i]; c += x[i] * v[i] }
            i += 1
        }
        return (s, c)
    }

    /// `applyReflectorPair4`'s two sweeps, the second also summing ‖c₀'‖², c₀'ᵀc₁' and ‖c₁'‖² over
    /// the whole vectors at or past f (three more FMAs a vector beside the eight of the update);
    /// the rows ≥ f of the vector that straddles f are added from the stored values. Each
    /// vector's four columns are loaded before any is stored, so columns may repeat.
    @inline(__always)
    public static func applyReflectorPairCarrying(
        _ n: Int, _ v1: UnsafePointer<Scalar>, tau1: Scalar, _ v2: UnsafePointer<Scalar>, tau2: Scalar, v21: Scalar,
        _ c0: UnsafeMutablePointer<Scalar>, _ c1: UnsafeMutablePointer<Scalar>,
        _ c2: UnsafeMutablePointer<Scalar>, _ c3: UnsafeMutablePointer<Scalar>, carryFrom f: Int
    ) -> CarriedSums<Scalar> {
        typealias T = Scalar
        let lanes = T.lanes
        let (w10, w11, w12, w13, w20, w21, w22, w23) = pairGains4(n, v1, tau1: tau1, v2, tau2: tau2, v21: v21, c0, c1, c2, c3)
        let vectorEnd = n / lanes * lanes
        let gains = PairGainVectors<Scalar>(w10, w20, w11, w21, w12, w22, w13, w23)
        let firstWhole = min(max(f, 0) + lanes - 1, vectorEnd) / lanes * lanes
        var q00 = T.zeroVector, q01 = T.zeroVector, q11 = T.zeroVector
        var i = 0
        if nativeVectorRegisters >= 16 {
            while i < vectorEnd {
                let (y0, y1) = pairCarryingStep(i, v1, v2, gains, c0, c1, c2, c3)
                if i >= firstWhole { q00 = T.fma(q00, y0, y0); q01 = T.fma(q01, y0, y1); q11 = T.fma(q11, y1, y1) }
                i += lanes
            }
        } else {
            // Eight gains, v₁, v₂ and the three sums are 22 ymm on AVX2: the sums went to the stack
            // and carried their chains through it. The update first, then the same sums in the same
            // order from the stored values (c₀ last stored, so a repeated column reads y₀).
            while i < vectorEnd {
                _ = pairCarryingStep(i, v1, v2, gains, c0, c1, c2, c3)
                i += lanes
            }
            var r = firstWhole
            while r < vectorEnd {
                let y0 = T.load(c0 + r), y1 = T.load(c1 + r)
                q00 = T.fma(q00, y0, y0); q01 = T.fma(q01, y0, y1); q11 = T.fma(q11, y1, y1)
                r += lanes
            }
        }
        var sums = CarriedSums<Scalar>(squares: T.sum(q00), cross: T.sum(q01), nextSquares: T.sum(q11))
        sums.add(rowOrderOver: c0, c1, rows: max(f, 0)..<max(firstWhole, f))
        while i < n {
            let a1 = v1[i], a2 = v2[i]
            let y0 = c0[i] - w10 * a1 - w20 * a2, y1 = c1[i] - w11 * a1 - w21 * a2
            let y2 = c2[i] - w12 * a1 - w22 * a2, y3 = c3[i] - w13 * a1 - w23 * a2
            c3[i] = y3; c2[i] = y2; c1[i] = y1; c0[i] = y0
            if i >= f { sums.add(y0, y1) }
            i += 1
        }
        return sums
    }

    /// One vector of `applyReflectorPairCarrying`'s update at row i, shared by its fused and
    /// its AVX2 loops: the four columns loaded, less both reflectors' gains, stored c₃ first and
    /// c₀ last (so a repeated column keeps y₀); y₀ and y₁ are returned for the carried sums.
    @inline(__always)
    static func pairCarryingStep(
        _ i: Int, _ v1: UnsafePointer<Scalar>, _ v2: UnsafePointer<Scalar>, _ g: PairGainVectors<Scalar>,
        _ c0: UnsafeMutablePointer<Scalar>, _ c1: UnsafeMutablePointer<Scalar>,
        _ c2: UnsafeMutablePointer<Scalar>, _ c3: UnsafeMutablePointer<Scalar>
    ) -> (Scalar.Vector, Scalar.Vector) {
        typealias T = Scalar
        let x1 = T.load(v1 + i), x2 = T.load(v2 + i)
        let y0 = T.fma(T.fma(T.load(c0 + i), g.n10, x1), g.n20, x2)
        let y1 = T.fma(T.fma(T.load(c1 + i), g.n11, x1), g.n21, x2)
        let y2 = T.fma(T.fma(T.load(c2 + i), g.n12, x1), g.n22, x2)
        let y3 = T.fma(T.fma(T.load(c3 + i), g.n13, x1), g.n23, x2)
        T.store(y3, c3 + i); T.store(y2, c2 + i); T.store(y1, c1 + i); T.store(y0, c0 + i)
        return (y0, y1)
    }
}

/// The eight negated gains of a reflector pair on four columns, splatted: −w₁ⱼ and −w₂ⱼ for column j.
struct PairGainVectors<Scalar: QRScalar> {
    let n10, n20, n11, n21, n12, n22, n13, n23: Scalar.Vector
    @inline(__always)
    init(_ w10: Scalar, _ w20: Scalar, _ w11: Scalar, _ w21: Scalar, _ w12: Scalar, _ w22: Scalar, _ w13: Scalar, _ w23: Scalar) {
        typealias T = Scalar
        (n10, n20, n11, n21) = (T.splat(-w10), T.splat(-w20), T.splat(-w11), T.splat(-w21))
        (n12, n22, n13, n23) = (T.splat(-w12), T.splat(-w22), T.splat(-w13), T.splat(-w23))
    }
}

/// x ← U⁻¹·x for the upper triangle U of the first n columns of `u` (n ≥ 1), with the reciprocals
/// of U's diagonal taken first, apart from the chain: each step is then multiplications, not a
/// division the next step waits on. (`solveUpperTriangular` divides; the paired QR's solve,
/// whose 17 dependent divisions were a measurable share of a 104 × 17 call, uses this.)
///
/// Backward stability: fl(fl(1/u)·y) = (y/u)(1 + δ₁)(1 + δ₂), |δᵢ| ≤ u (unit roundoff), which is
/// y divided by u·(1 + θ) with |θ| ≤ γ₂: one rounding more than a division, so the computed x
/// solves (U + ΔU)x = c with |ΔU| ≤ γₙ₊₁|U| instead of γₙ|U| (Higham, *Accuracy and Stability*,
/// Thm 8.5, with the diagonal's perturbation γ₂ for γ₁). Every entry differs from the dividing
/// solve by at most a rounding or so times the condition of the triangular system.
@inline(__always)
func solveUpperTriangularByReciprocals<T: QRScalar>(_ u: StridedMatrixView<T>, count n: Int, _ x: UnsafeMutablePointer<T>) {
    withUnsafeTemporaryAllocation(of: T.self, capacity: n) { reciprocals in
        guard n > 0, let r = reciprocals.baseAddress else { return }
        for j in 0..<n { r[j] = 1 / u[j, j] }
        // x[j − 1], the next step's input, is updated first and kept in a register: the chain is
        // a multiplication, a multiplication and a subtraction per step, while the rest of each
        // column's update (independent of it) fills the core behind.
        var next = x[n - 1]
        for j in stride(from: n - 1, through: 0, by: -1) {
            let xj = next * r[j]
            x[j] = xj
            let uj = u.column(j)
            guard j > 0 else { break }
            next = x[j - 1] - uj[j - 1] * xj
            for i in 0..<(j - 1) { x[i] -= uj[i] * xj }
        }
    }
}
