@testable import PossumLinalg
import Testing

/// `applyReflectorBlock4` (four reflectors on four columns in compact WY form, HouseholderKernels+Block4.swift):
/// the SIMD kernels against the reference arithmetic, and the paired QR's blocks of four reaching
/// it only through the kernels.
@Suite struct ReflectorBlockKernelTests {
    /// Each dᵣ = vᵣᵀc is within γₙ·Σ|vᵣc| of exact in any order (Higham §3.1); gᵣ = Σ_q T[q, r]·d_q
    /// adds 4 terms, so |ĝᵣ − gᵣ| ≤ γₙ₊₄·Gᵣ with Gᵣ = Σ_q |T[q, r]|·Σᵢ|v_qᵢcᵢ|; the update
    /// c − Σᵣ gᵣvᵣ is 4 more operations: each entry within γₙ₊₈·(|c| + Σᵣ Gᵣ|vᵣ|) of exact, and
    /// the two kernels within twice that of each other. The sums over rows ≥ f: n terms in either
    /// order, plus what the entries' own differences carry.
    func twinsAgree<K: HouseholderKernels>(_: K.Type, rows n: Int, from f: Int, repeated: Bool) {
        typealias T = K.Scalar
        var rng = SplitMix64(seed: UInt64(n * 23 + f + (repeated ? 500 : 0)))
        func random(_ count: Int) -> [T] { (0..<count).map { _ in T(Double.random(in: -1..<1, using: &rng)) } }
        let ldv = n + 3
        let v = random(ldv * 4), c = (0..<4).map { _ in random(n) }
        var t = [T](repeating: 0, count: 16)
        for r in 0..<4 { for q in 0...r { t[q + 4 * r] = T(Double.random(in: -1..<2, using: &rng)) } }
        func run<L: HouseholderKernels>(_: L.Type) -> ([[T]], CarriedSums<T>) where L.Scalar == T {
            let width = max(n, 1)
            let scratch = UnsafeMutablePointer<T>.allocate(capacity: 4 * width)
            defer { scratch.deallocate() }
            for j in 0..<4 { for i in 0..<n { scratch[i + j * width] = c[j][i] } }
            let p = (0..<4).map { scratch + $0 * width }
            let sums = L.applyReflectorBlock4(n, v, ldv: ldv, t: t, p[0], p[1], repeated ? p[0] : p[2],
                                              repeated ? p[1] : p[3], carryFrom: f)
            return ((0..<4).map { j in (0..<n).map { p[j][$0] } }, sums)
        }
        let (fast, a) = run(K.self), (slow, b) = run(ReferenceKernels<T>.self)
        let eps = Double(T.ulpOfOne)
        var dy = [[Double]](repeating: [Double](repeating: 0, count: n), count: 2)
        for j in 0..<4 {
            if repeated && j >= 2 {
                #expect(fast[j] == c[j] && slow[j] == c[j], "columns passed twice are updated once; others untouched")
                continue
            }
            let products = (0..<4).map { q in (0..<n).reduce(0.0) { $0 + Double(abs(v[$1 + q * ldv] * c[j][$1])) } }
            let gains = (0..<4).map { r in (0...r).reduce(0.0) { $0 + Double(abs(t[$1 + 4 * r])) * products[$1] } }
            for i in 0..<n {
                let magnitude = Double(abs(c[j][i])) + (0..<4).reduce(0.0) { $0 + gains[$1] * Double(abs(v[i + $1 * ldv])) }
                let bound = 2 * gamma(n + 8, eps) * magnitude
                if j < 2 { dy[j][i] = bound }
                #expect(Double(abs(fast[j][i] - slow[j][i])) <= bound, "\(K.self) c\(j)[\(i)] rows \(n)")
            }
        }
        expectCarriedSumsAgree(a, b, updated: slow, entryBounds: dy, rows: max(f, 0)..<max(n, f), count: n, eps: eps,
                               "\(K.self) rows \(n) from \(f)")
    }

    /// Columns passed more than once (the blocks' last groups: (j, j+1, j, j+1), (j, j+1, j+2, j+1),
    /// (j, j, j, j)) get exactly the values a call with four distinct columns gives them and are not
    /// updated twice, however the kernel splits its sweep; columns not passed are not touched.
    @Test(arguments: [259, 264])
    func repeatedColumnsGetTheirDistinctValues(rows n: Int) {
        func check<K: HouseholderKernels>(_: K.Type) {
            typealias T = K.Scalar
            var rng = SplitMix64(seed: UInt64(n))
            func random(_ count: Int) -> [T] { (0..<count).map { _ in T(Double.random(in: -1..<1, using: &rng)) } }
            let v = random(n * 4), c = (0..<4).map { _ in random(n) }
            var t = [T](repeating: 0, count: 16)
            for r in 0..<4 { for q in 0...r { t[q + 4 * r] = T(Double.random(in: -1..<2, using: &rng)) } }
            func run(_ slots: [Int]) -> [[T]] {
                let scratch = UnsafeMutablePointer<T>.allocate(capacity: 4 * n)
                defer { scratch.deallocate() }
                for j in 0..<4 { for i in 0..<n { scratch[i + j * n] = c[j][i] } }
                let p = (0..<4).map { scratch + $0 * n }
                _ = K.applyReflectorBlock4(n, v, ldv: n, t: t, p[slots[0]], p[slots[1]], p[slots[2]], p[slots[3]],
                                           carryFrom: 5)
                return (0..<4).map { j in (0..<n).map { p[j][$0] } }
            }
            let distinct = run([0, 1, 2, 3])
            #expect(distinct[0] != c[0] && distinct[3] != c[3])
            for slots in [[0, 1, 0, 1], [0, 1, 2, 1], [0, 0, 0, 0], [0, 1, 2, 2], [0, 1, 1, 0], [0, 0, 2, 3]] {
                let repeated = run(slots)
                for j in 0..<4 {
                    #expect(repeated[j] == (slots.contains(j) ? distinct[j] : c[j]), "\(K.self) slots \(slots) column \(j)")
                }
            }
        }
        check(NativeKernels<Double>.self)
        check(NativeKernels<Float>.self)
        check(VectorKernels<Double, PortableTile<Double>>.self)
        check(ReferenceKernels<Double>.self)
    }

    @Test(arguments: [(0, 0), (1, 0), (5, 3), (8, 3), (16, 3), (17, 11), (33, 0), (104, 3), (256, 19), (263, 5), (10, 12), (40, 40)])
    func blockOfFourMatchesItsTwin(shape: (rows: Int, from: Int)) {
        for repeated in [false, true] {
            twinsAgree(NativeKernels<Double>.self, rows: shape.rows, from: shape.from, repeated: repeated)
            twinsAgree(VectorKernels<Double, PortableTile<Double>>.self, rows: shape.rows, from: shape.from, repeated: repeated)
            twinsAgree(NativeKernels<Float>.self, rows: shape.rows, from: shape.from, repeated: repeated)
            twinsAgree(VectorKernels<Float, PortableTile<Float>>.self, rows: shape.rows, from: shape.from, repeated: repeated)
        }
    }

    /// [A | b] (m × 18, A random from seed m) factored by the paired QR with kernels K, in blocks of
    /// four or as chosen by m.
    static func factored<K: HouseholderKernels>(_: K.Type, rows m: Int, blocksOfFour: Bool?) -> (packed: [Double], norm: Double)
    where K.Scalar == Double {
        ReflectorPairKernelTests.paired(K.self, rows: m, seed: UInt64(m), blocksOfFour: blocksOfFour)
    }

    /// The blocks' trailing sweeps are `applyReflectorBlock4` of the kernels: with the reference
    /// operations behind the protocol the factorization agrees with the native kernels to within
    /// rounding (both backward stable: κ·c·n·ε·‖[A b]‖_F, κ ≤ 3 for these random tall matrices,
    /// c = 10, as in ReflectorPairKernelTests), and so does the paired schedule; with that one
    /// operation broken by O(1) it is O(1) away. From `blockOfFourMinimumRows` rows on the
    /// default schedule is the blocks; below it, the pairs (the broken operation is never reached).
    @Test func blocksOfFourGoThroughTheKernels() {
        for m in [104, 263] {
            let native = Self.factored(NativeKernels<Double>.self, rows: m, blocksOfFour: true)
            let bound = 3 * 10 * 18 * .ulpOfOne * native.norm
            func distance<F: KernelFault>(_: F.Type, blocksOfFour: Bool? = true) -> Double {
                farthest(native.packed, Self.factored(InstrumentedKernels<F>.self, rows: m, blocksOfFour: blocksOfFour).packed)
            }
            #expect(distance(Intact.self) <= bound, "rows \(m)")
            #expect(farthest(native.packed, Self.factored(NativeKernels<Double>.self, rows: m, blocksOfFour: false).packed) <= bound)
            #expect(distance(BreaksBlock4.self) > 1e-3, "applyReflectorBlock4 bypassed, rows \(m)")
            #expect(distance(BreaksPairCarrying.self) > 1e-3, "the panel's pair bypassed, rows \(m)")
        }
        let threshold = PairedHouseholderQR.blockOfFourMinimumRows
        let above = Self.factored(InstrumentedKernels<BreaksBlock4>.self, rows: threshold, blocksOfFour: nil).packed
        #expect(farthest(above, Self.factored(InstrumentedKernels<Intact>.self, rows: threshold, blocksOfFour: nil).packed) > 1e-3)
        let below = Self.factored(InstrumentedKernels<BreaksBlock4>.self, rows: threshold - 1, blocksOfFour: nil).packed
        #expect(below == Self.factored(InstrumentedKernels<Intact>.self, rows: threshold - 1, blocksOfFour: nil).packed)
    }
}
