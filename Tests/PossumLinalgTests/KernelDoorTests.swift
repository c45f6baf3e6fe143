@testable import PossumLinalg
import Synchronization
import Testing

/// The kernel contract is the only door of the tall-skinny path: every loop of a TSQR block step
/// (the panel's dot and update sweeps, the block reflector's inner products and rank update) is a
/// `HouseholderKernels` operation, so a kernel that breaks exactly one operation breaks the block
/// step, and the long-vector work counted through the kernels is at least Householder's.
@Suite(.serialized) struct KernelDoorTests {
    /// [R; B]: an upper-triangular n × (n + 1) head over a dense block of `len` rows, with b as
    /// the last column, factored by one block step with kernels K.
    static func blockStep<K: HouseholderKernels>(
        _: K.Type, rows len: Int, columns n: Int, panelWidth nb: Int, leafWidth: Int = TallSkinnyQR.defaultLeafWidth,
        leafSweep: TallSkinnyQR.LeafSweep = .paired
    ) -> (packed: [Double], tau: [Double], norm: Double) where K.Scalar == Double {
        let m = n + len, total = n + 1
        var rng = SplitMix64(seed: UInt64(len * 7 + n))
        var a = Matrix.random(rows: m, columns: total, using: &rng).elements
        for j in 0..<n { for i in (j + 1)..<n { a[i + j * m] = 0 } }
        let norm = scaledNorm2(a)
        var tau = [Double](repeating: .nan, count: n)
        let scratchSize = TallSkinnyQR.blockStepScratch(columns: total, reflectors: n, panelWidth: nb, leafWidth: leafWidth,
                                                        kernels: K.self)
        var scratch = [Double](repeating: 0, count: max(1, scratchSize))
        a.withUnsafeMutableBufferPointer { ab in
            tau.withUnsafeMutableBufferPointer { tb in
                scratch.withUnsafeMutableBufferPointer { sb in
                    guard let ap = ab.baseAddress, let tp = tb.baseAddress, let sp = sb.baseAddress else { return }
                    TallSkinnyQR.factorBlockStep(StridedMatrixView(base: ap, rows: m, columns: total, leadingDimension: m),
                                                 reflectors: n, block: n, rows: len, tau: tp, panelWidth: nb,
                                                 leafWidth: leafWidth, leafSweep: leafSweep, scratch: sp, kernels: K.self)
                }
            }
        }
        return (a, tau, norm)
    }

    /// R and c (rows 0..<n of every column) of a block step's result.
    static func head(_ packed: [Double], rows len: Int, columns n: Int) -> [Double] {
        let m = n + len
        return (0...n).flatMap { j in (0..<n).map { i in packed[i + j * m] } }
    }

    static let shape = (rows: 200, columns: 12, panelWidth: 4)

    /// With the intact reference operations the block step agrees with the native kernels to within
    /// rounding (both backward stable, so R and c agree to κ·c·n·ε·‖[R; B]‖_F, κ ≤ 3 for this random
    /// tall matrix, c = 10 as in KernelInstantiationTests); with any one operation broken by O(1)
    /// they are O(1) apart.
    @Test(arguments: [TallSkinnyQR.LeafSweep.paired, .single])
    func everyBlockStepOperationGoesThroughTheKernels(sweep: TallSkinnyQR.LeafSweep) {
        Self.checkDoors(panelWidth: Self.shape.panelWidth, leafSweep: sweep)
    }

    /// The same for a panel as wide as the block (b swept with it) that the recursion splits down
    /// to leaves of 2 and 3 columns (one-reflector sweeps) or of 3 (paired sweeps): its inner
    /// block reflectors too go through the kernels.
    @Test func theRecursivePanelGoesThroughTheKernels() {
        let (len, n) = (Self.shape.rows, Self.shape.columns)
        Self.checkDoors(panelWidth: n, leafWidth: 2, leafSweep: .single)
        Self.checkDoors(panelWidth: n, leafWidth: 3, leafSweep: .paired)
        kernelMultiplyAdds.store(0, ordering: .relaxed)
        _ = Self.blockStep(InstrumentedKernels<Counted>.self, rows: len, columns: n, panelWidth: n, leafWidth: 2)
        #expect(kernelMultiplyAdds.load(ordering: .relaxed) >= len * n * (n + 1))
    }

    /// One block step of `shape` with the reference kernels, intact and with each operation broken.
    /// The level-2 sweeps checked are the leaves' own: `dot4` and `updateColumns` for one-reflector
    /// sweeps, `applyStructuredPair` (and `innerProducts` for each leaf's first sums) for paired ones (whose leaves here are pairs, or pairs and a last
    /// reflector with no column of the panel left to sweep).
    static func checkDoors(panelWidth nb: Int, leafWidth: Int = TallSkinnyQR.defaultLeafWidth,
                           leafSweep: TallSkinnyQR.LeafSweep = .paired) {
        let (len, n) = (shape.rows, shape.columns)
        let step = blockStep(NativeKernels<Double>.self, rows: len, columns: n, panelWidth: nb, leafWidth: leafWidth,
                             leafSweep: leafSweep)
        let native = head(step.packed, rows: len, columns: n)
        let bound = 3 * 10 * Double(n + 1) * .ulpOfOne * step.norm
        func distance<F: KernelFault>(_: F.Type) -> Double {
            farthest(native, head(blockStep(InstrumentedKernels<F>.self, rows: len, columns: n, panelWidth: nb,
                                            leafWidth: leafWidth, leafSweep: leafSweep).packed, rows: len, columns: n))
        }
        #expect(distance(Intact.self) <= bound)
        switch leafSweep {
        case .single:
            #expect(distance(BreaksDot4.self) > 1e-3, "dot4 bypassed")
            #expect(distance(BreaksUpdateColumns.self) > 1e-3, "updateColumns bypassed")
        case .paired: #expect(distance(BreaksStructuredPair.self) > 1e-3, "applyStructuredPair bypassed")
        }
        #expect(distance(BreaksInnerProducts.self) > 1e-3, "innerProducts bypassed")
        #expect(distance(BreaksRankUpdate.self) > 1e-3, "rankUpdate bypassed")
    }

    /// Householder's minimum for one block step of [R; B] with b: reflector k meets each of the
    /// n − k later columns with one dot product and one update over the block's `len` rows —
    /// Σₖ 2·len·(n − k) = len·n·(n + 1) multiply-adds. The blocked form does that (its W = VᵀC and
    /// C += V·W' are those same pairs) plus the Gram matrix: a loop outside the kernels shows as a
    /// shortfall.
    @Test(arguments: [TallSkinnyQR.LeafSweep.paired, .single])
    func blockStepWorkIsCountedThroughTheKernels(sweep: TallSkinnyQR.LeafSweep) {
        let (len, n, nb) = Self.shape
        kernelMultiplyAdds.store(0, ordering: .relaxed)
        _ = Self.blockStep(InstrumentedKernels<Counted>.self, rows: len, columns: n, panelWidth: nb, leafSweep: sweep)
        let counted = kernelMultiplyAdds.load(ordering: .relaxed)
        #expect(counted >= len * n * (n + 1), "\(counted) multiply-adds through the kernels")
    }

    // MARK: - The new operations against their reference twins

    /// Each entry an n-term dot product in either order: within 2γₙ·Σ|xᵢyᵢ| of each other (Higham §3.1).
    func twinsAgreeOnInnerProducts<K: HouseholderKernels>(_: K.Type, rows n: Int) {
        typealias T = K.Scalar
        var rng = SplitMix64(seed: UInt64(n + 3))
        let (p, q, ldx, ldy, ldo) = (5, 9, n + 2, n + 1, 6)
        let x = (0..<(ldx * p)).map { _ in T(Double.random(in: -1..<1, using: &rng)) }
        let y = (0..<(ldy * q)).map { _ in T(Double.random(in: -1..<1, using: &rng)) }
        for skip in [false, true] {
            var fast = [T](repeating: 0, count: ldo * q), slow = fast
            K.innerProducts(rows: n, x, ldx: ldx, count: p, y, ldy: ldy, count: q, into: &fast, ldo: ldo, skipBelowDiagonal: skip)
            ReferenceKernels<T>.innerProducts(rows: n, x, ldx: ldx, count: p, y, ldy: ldy, count: q, into: &slow, ldo: ldo,
                                              skipBelowDiagonal: skip)
            for j in 0..<q {
                for i in 0..<p where !(skip && j < i) {
                    let magnitude = (0..<n).reduce(0.0) { $0 + Double(abs(x[$1 + i * ldx] * y[$1 + j * ldy])) }
                    #expect(Double(abs(fast[i + j * ldo] - slow[i + j * ldo])) <= 2 * gamma(n, Double(T.ulpOfOne)) * magnitude,
                            "\(K.self) (\(i), \(j)) rows \(n)")
                }
            }
        }
    }

    /// C += V·W: each entry k terms added to C, within γₖ₊₁·(|C| + Σₚ|VW|) of exact either way.
    func twinsAgreeOnRankUpdate<K: HouseholderKernels>(_: K.Type, rows n: Int, count k: Int) {
        typealias T = K.Scalar
        var rng = SplitMix64(seed: UInt64(n * 11 + k))
        let (q, ldv, ldw, ldc) = (5, n + 1, k + 2, n + 3)
        let v = (0..<(ldv * k)).map { _ in T(Double.random(in: -1..<1, using: &rng)) }
        let w = (0..<(ldw * q)).map { _ in T(Double.random(in: -1..<1, using: &rng)) }
        let c = (0..<(ldc * q)).map { _ in T(Double.random(in: -1..<1, using: &rng)) }
        var fast = c, slow = c
        K.rankUpdate(rows: n, v, ldv: ldv, count: k, w, ldw: ldw, into: &fast, ldc: ldc, columns: q)
        ReferenceKernels<T>.rankUpdate(rows: n, v, ldv: ldv, count: k, w, ldw: ldw, into: &slow, ldc: ldc, columns: q)
        for j in 0..<q {
            for i in 0..<ldc {
                guard i < n else { #expect(fast[i + j * ldc] == c[i + j * ldc], "row \(i) past n written"); continue }
                let magnitude = Double(abs(c[i + j * ldc])) + (0..<k).reduce(0.0) { $0 + Double(abs(v[i + $1 * ldv] * w[$1 + j * ldw])) }
                #expect(Double(abs(fast[i + j * ldc] - slow[i + j * ldc])) <= 2 * gamma(k + 1, Double(T.ulpOfOne)) * magnitude,
                        "\(K.self) (\(i), \(j))")
            }
        }
    }

    /// cⱼ += gⱼx, x scaled, dots with the next column (column 0 itself or another): the updates
    /// within one FMA's and one multiply-add's rounding of each other (2ε·(|c| + |gx|)); the dot
    /// products over those columns within 2γₙ₊₂ of the products' magnitudes, twice (the columns
    /// themselves differ by that much); x scaled by one multiplication either way: the same bits.
    func twinsAgreeOnUpdateColumns<K: HouseholderKernels>(_: K.Type, rows n: Int, columns q: Int, nextIsFirst: Bool) {
        typealias T = K.Scalar
        var rng = SplitMix64(seed: UInt64(n * 13 + q))
        let ld = n + 1
        let x0 = (0..<n).map { _ in T(Double.random(in: -1..<1, using: &rng)) }
        let c0 = (0..<(ld * q)).map { _ in T(Double.random(in: -1..<1, using: &rng)) }
        let other = (0..<n).map { _ in T(Double.random(in: -1..<1, using: &rng)) }
        let gains = (0..<q).map { _ in T(Double.random(in: -1..<1, using: &rng)) }
        let scale: T = 0.75
        func run<L: HouseholderKernels>(_: L.Type) -> (c: [T], x: [T], dots: [T]) where L.Scalar == T {
            var c = c0, x = x0, dots = gains
            c.withUnsafeMutableBufferPointer { cb in
                x.withUnsafeMutableBufferPointer { xb in
                    dots.withUnsafeMutableBufferPointer { db in
                        guard let cp = cb.baseAddress, let xp = xb.baseAddress, let dp = db.baseAddress else { return }
                        other.withUnsafeBufferPointer { ob in
                            let next = nextIsFirst ? UnsafePointer(cp) : ob.baseAddress
                            L.updateColumns(StridedMatrixView(base: cp, rows: n, columns: q, leadingDimension: ld), adding: xp,
                                            gains: dp, scaleX: scale, dotsWith: next, into: dp)
                        }
                    }
                }
            }
            return (c, x, dots)
        }
        let fast = run(K.self), slow = run(ReferenceKernels<T>.self)
        let eps = Double(T.ulpOfOne)
        #expect(fast.x == slow.x)
        func updated(_ i: Int, _ j: Int) -> Double { Double(abs(c0[i + j * ld])) + Double(abs(gains[j] * x0[i])) }
        for j in 0..<q {
            for i in 0..<n {
                #expect(Double(abs(fast.c[i + j * ld] - slow.c[i + j * ld])) <= 2 * eps * updated(i, j), "\(K.self) c(\(i), \(j))")
            }
            let magnitude = (0..<n).reduce(0.0) { $0 + (nextIsFirst ? updated($1, 0) : Double(abs(other[$1]))) * updated($1, j) }
            #expect(Double(abs(fast.dots[j] - slow.dots[j])) <= 4 * gamma(n + 2, eps) * magnitude, "\(K.self) dot \(j)")
        }
    }

    /// Two structured reflectors: y = x₂ + g·x₁ and each column's two updates within a few
    /// roundings of the reference (FMAs against separate multiply-adds: 4ε·(|c| + |g₁x₁| + |g₂|·(|x₂| + |g·x₁|))),
    /// x₁ scaled by one multiplication either way (the same bits), x₂ ← s₂·y within 3ε·|s₂|·(|x₂| + |g·x₁|),
    /// the inner products with the first two updated columns within 4γₙ₊₄ of their magnitudes, and
    /// secondDots[0] untouched.
    func twinsAgreeOnStructuredPair<K: HouseholderKernels>(_: K.Type, rows n: Int, columns q: Int) {
        typealias T = K.Scalar
        let inputs = StructuredPairInputs<T>(rows: n, columns: q, seed: UInt64(n * 17 + q))
        let (ld, c0, x10, x20, gains1, gains2) = (inputs.ld, inputs.c, inputs.x1, inputs.x2, inputs.gains1, inputs.gains2)
        let (g, s2) = (inputs.crossGain, inputs.scale2)
        func run<L: HouseholderKernels>(_: L.Type) -> StructuredPairInputs<T>.Outputs where L.Scalar == T {
            inputs.run { c, x1, x2, first, second in
                L.applyStructuredPair(c, first: x1, second: x2, crossGain: g, gains1: first, gains2: second,
                                      scale1: inputs.scale1, scale2: s2, carry: true, firstDots: first, secondDots: second)
            }
        }
        let fast = run(K.self), slow = run(ReferenceKernels<T>.self)
        let eps = Double(T.ulpOfOne)
        #expect(fast.x1 == slow.x1)
        func yMagnitude(_ i: Int) -> Double { Double(abs(x20[i])) + Double(abs(g * x10[i])) }
        func updated(_ i: Int, _ j: Int) -> Double {
            Double(abs(c0[i + j * ld])) + Double(abs(gains1[j] * x10[i])) + Double(abs(gains2[j])) * yMagnitude(i)
        }
        for i in 0..<n {
            #expect(Double(abs(fast.x2[i] - slow.x2[i])) <= 3 * eps * Double(abs(s2)) * yMagnitude(i), "\(K.self) x2(\(i))")
        }
        for j in 0..<q {
            for i in 0..<n {
                #expect(Double(abs(fast.c[i + j * ld] - slow.c[i + j * ld])) <= 4 * eps * updated(i, j), "\(K.self) c(\(i), \(j))")
            }
            let bound = 8 * gamma(n + 4, eps)
            let firstMagnitude = (0..<n).reduce(0.0) { $0 + updated($1, 0) * updated($1, j) }
            #expect(Double(abs(fast.first[j] - slow.first[j])) <= bound * firstMagnitude, "\(K.self) first dot \(j)")
            if j >= 1 {
                let secondMagnitude = (0..<n).reduce(0.0) { $0 + updated($1, 1) * updated($1, j) }
                #expect(Double(abs(fast.second[j] - slow.second[j])) <= bound * secondMagnitude, "\(K.self) second dot \(j)")
            }
        }
        #expect(fast.second[q] == 42, "\(K.self) wrote past the columns")
        #expect(fast.first[q] == 0, "\(K.self) wrote past the columns")
        if q > 0 { #expect(fast.second[0] == gains2[0], "\(K.self) wrote secondDots[0]") }
    }

    /// dot4 is four dot products: within 2γₙ·Σ|vᵢcᵢ| of the reference.
    func twinsAgreeOnDot4<K: HouseholderKernels>(_: K.Type, rows n: Int) {
        typealias T = K.Scalar
        var rng = SplitMix64(seed: UInt64(n * 5 + 1))
        let v = (0..<n).map { _ in T(Double.random(in: -1..<1, using: &rng)) }
        let c = (0..<4).map { _ in (0..<n).map { _ in T(Double.random(in: -1..<1, using: &rng)) } }
        let f = K.dot4(n, v, c[0], c[1], c[2], c[3]), s = ReferenceKernels<T>.dot4(n, v, c[0], c[1], c[2], c[3])
        for (j, (a, b)) in [(f.0, s.0), (f.1, s.1), (f.2, s.2), (f.3, s.3)].enumerated() {
            let magnitude = (0..<n).reduce(0.0) { $0 + Double(abs(v[$1] * c[j][$1])) }
            #expect(Double(abs(a - b)) <= 2 * gamma(n, Double(T.ulpOfOne)) * magnitude, "\(K.self) dot4 \(j) rows \(n)")
        }
    }

    @Test(arguments: [0, 1, 7, 8, 15, 16, 17, 33, 100, 257])
    func tallSkinnyOperationsMatchTheirTwins(rows n: Int) {
        func all<T: QRScalar>(_: T.Type) {
            func each<K: HouseholderKernels>(_ k: K.Type) {
                twinsAgreeOnDot4(k, rows: n)
                twinsAgreeOnInnerProducts(k, rows: n)
                for count in [1, 3, 8, 11] { twinsAgreeOnRankUpdate(k, rows: n, count: count) }
                for q in [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 15, 17] { twinsAgreeOnStructuredPair(k, rows: n, columns: q) }
                for q in [1, 2, 4, 5, 9] {
                    twinsAgreeOnUpdateColumns(k, rows: n, columns: q, nextIsFirst: true)
                    twinsAgreeOnUpdateColumns(k, rows: n, columns: q, nextIsFirst: false)
                }
            }
            each(NativeKernels<T>.self)
            each(VectorKernels<T, PortableTile<T>>.self)
        }
        all(Double.self)
        all(Float.self)
    }
}
