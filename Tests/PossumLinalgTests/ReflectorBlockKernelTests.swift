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
        let ldv = n + 3
        let v: [T] = randomEntries(ldv * 4, &rng), c: [[T]] = (0..<4).map { _ in randomEntries(n, &rng) }
        let t: [T] = randomUpperTriangle4(&rng)
        func run<L: HouseholderKernels>(_: L.Type) -> ([[T]], CarriedSums<T>) where L.Scalar == T {
            onFourColumns(c, rows: n) { p in
                L.applyReflectorBlock4(n, v, ldv: ldv, t: t, p[0], p[1], repeated ? p[0] : p[2], repeated ? p[1] : p[3], carryFrom: f)
            }
        }
        let (fast, a) = run(K.self), (slow, b) = run(ReferenceKernels<T>.self)
        let eps = Double(T.ulpOfOne)
        let dy = expectFourColumnsAgree(fast, slow, original: c, rows: n, repeated: repeated, "\(K.self) rows \(n)") { j in
            let products = (0..<4).map { q in (0..<n).reduce(0.0) { $0 + Double(abs(v[$1 + q * ldv] * c[j][$1])) } }
            let gains = (0..<4).map { r in (0...r).reduce(0.0) { $0 + Double(abs(t[$1 + 4 * r])) * products[$1] } }
            return { i in
                2 * gamma(n + 8, eps) * (Double(abs(c[j][i])) + (0..<4).reduce(0.0) { $0 + gains[$1] * Double(abs(v[i + $1 * ldv])) })
            }
        }
        expectCarriedSumsAgree(a, b, updated: slow, entryBounds: dy, rows: max(f, 0)..<max(n, f), count: n, eps: eps,
                               "\(K.self) rows \(n) from \(f)")
    }

    /// Columns passed more than once get their distinct values, however the kernel splits its sweep
    /// (`expectRepeatedColumnsGetTheirDistinctValues`).
    @Test(arguments: [259, 264])
    func repeatedColumnsGetTheirDistinctValues(rows n: Int) {
        func check<K: HouseholderKernels>(_: K.Type) {
            typealias T = K.Scalar
            var rng = SplitMix64(seed: UInt64(n))
            let v: [T] = randomEntries(n * 4, &rng), c: [[T]] = (0..<4).map { _ in randomEntries(n, &rng) }
            let t: [T] = randomUpperTriangle4(&rng)
            expectRepeatedColumnsGetTheirDistinctValues(c, "\(K.self)") { slots in
                onFourColumns(c, rows: n) { p in
                    _ = K.applyReflectorBlock4(n, v, ldv: n, t: t, p[slots[0]], p[slots[1]], p[slots[2]], p[slots[3]], carryFrom: 5)
                }.columns
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
