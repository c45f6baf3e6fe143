@testable import PossumLinalg
import Testing

/// `applyReflectorPair4` (a pair of reflectors on four columns in one sweep): the SIMD kernels
/// against the reference arithmetic, and the paired QR reaching it only through the kernels.
@Suite struct ReflectorPairKernelTests {
    /// For each column: d₁ = v₁ᵀc and d₂ = v₂ᵀc summed in either order differ by ≤ 2γₙ·Σ|vc|
    /// (Higham §3.1); w₁ = τ₁d₁ and w₂ = τ₂(d₂ − v21·w₁) carry that (plus a few roundings, γₙ₊₃)
    /// through; each updated entry c − w₁v₁ − w₂v₂ then differs by |Δw₁|·|v₁ᵢ| + |Δw₂|·|v₂ᵢ| plus
    /// three roundings of its terms on each side.
    func twinsAgree<K: HouseholderKernels>(_: K.Type, rows n: Int) {
        typealias T = K.Scalar
        var rng = SplitMix64(seed: UInt64(n * 17 + 5))
        func random(_ count: Int) -> [T] { (0..<count).map { _ in T(Double.random(in: -1..<1, using: &rng)) } }
        let v1 = random(n), v2 = random(n), c = (0..<4).map { _ in random(n) }
        let tau1 = T(Double.random(in: 0..<2, using: &rng)), tau2 = T(Double.random(in: 0..<2, using: &rng))
        let v21 = T(Double.random(in: -1..<1, using: &rng))
        func run<L: HouseholderKernels>(_: L.Type) -> [[T]] where L.Scalar == T {
            var o0 = c[0], o1 = c[1], o2 = c[2], o3 = c[3]
            o0.withUnsafeMutableBufferPointer { p0 in
                o1.withUnsafeMutableBufferPointer { p1 in
                    o2.withUnsafeMutableBufferPointer { p2 in
                        o3.withUnsafeMutableBufferPointer { p3 in
                            // An empty buffer's base may be nil; n = 0 reads nothing, so any pointer serves.
                            let scratch = UnsafeMutablePointer<T>.allocate(capacity: 1)
                            defer { scratch.deallocate() }
                            L.applyReflectorPair4(n, v1, tau1: tau1, v2, tau2: tau2, v21: v21, p0.baseAddress ?? scratch,
                                                  p1.baseAddress ?? scratch, p2.baseAddress ?? scratch, p3.baseAddress ?? scratch)
                        }
                    }
                }
            }
            return [o0, o1, o2, o3]
        }
        let fast = run(K.self), slow = run(ReferenceKernels<T>.self)
        let eps = Double(T.ulpOfOne)
        let (t1, t2, a21) = (Double(abs(tau1)), Double(abs(tau2)), Double(abs(v21)))
        for j in 0..<4 {
            let s1 = (0..<n).reduce(0.0) { $0 + Double(abs(v1[$1] * c[j][$1])) }
            let s2 = (0..<n).reduce(0.0) { $0 + Double(abs(v2[$1] * c[j][$1])) }
            let w1 = t1 * s1, w2 = t2 * (s2 + a21 * w1)
            let dw1 = 2 * gamma(n + 2, eps) * w1
            let dw2 = 2 * gamma(n + 3, eps) * w2 + t2 * a21 * dw1
            for i in 0..<n {
                let (a1, a2) = (Double(abs(v1[i])), Double(abs(v2[i])))
                let bound = dw1 * a1 + dw2 * a2 + 2 * gamma(3, eps) * (Double(abs(c[j][i])) + w1 * a1 + w2 * a2)
                #expect(Double(abs(fast[j][i] - slow[j][i])) <= bound, "\(K.self) c\(j)[\(i)] rows \(n)")
            }
        }
    }

    @Test(arguments: [0, 1, 7, 8, 15, 16, 17, 33, 104, 257])
    func pairOnFourColumnsMatchesItsTwin(rows n: Int) {
        twinsAgree(NativeKernels<Double>.self, rows: n)
        twinsAgree(VectorKernels<Double, PortableTile<Double>>.self, rows: n)
        twinsAgree(NativeKernels<Float>.self, rows: n)
        twinsAgree(VectorKernels<Float, PortableTile<Float>>.self, rows: n)
    }

    /// [A | b] (104 × 18 by default, the shape the four-column sweep is for; A random from `seed`)
    /// factored by the paired QR with kernels K, in blocks of four or as chosen by m: R, the
    /// reflectors and Qᵀb.
    static func paired<K: HouseholderKernels>(_: K.Type, rows m: Int = 104, columns n: Int = 17, seed: UInt64 = 104,
                                              blocksOfFour: Bool? = nil) -> (packed: [Double], norm: Double)
    where K.Scalar == Double {
        var rng = SplitMix64(seed: seed)
        var a = Matrix.random(rows: m, columns: n + 1, using: &rng).elements
        let norm = scaledNorm2(a)
        var tau = [Double](repeating: .nan, count: n)
        var workspace = QRWorkspace()
        a.withUnsafeMutableBufferPointer { ab in
            tau.withUnsafeMutableBufferPointer { tb in
                guard let ap = ab.baseAddress, let tp = tb.baseAddress else { return }
                PairedHouseholderQR.factor(StridedMatrixView(base: ap, rows: m, columns: n + 1, leadingDimension: m),
                                           reflectors: n, tau: tp, workspace: &workspace, kernels: K.self,
                                           blocksOfFour: blocksOfFour)
            }
        }
        return (a, norm)
    }

    /// The paired QR's four-column sweeps are `applyReflectorPair4` of its kernels: with the
    /// reference operations behind the protocol it agrees with the native kernels to within
    /// rounding (both backward stable: κ·c·n·ε·‖[A b]‖_F with κ ≤ 3 for this random tall matrix and
    /// c = 10, as in KernelInstantiationTests); with that one operation broken by O(1) it is O(1)
    /// away. A path that swept four columns outside the protocol would pass the second check.
    @Test func pairedQRSweepsFourColumnsThroughTheKernels() {
        let native = Self.paired(NativeKernels<Double>.self)
        func distance<B: KernelFault>(_: B.Type) -> Double {
            let other = Self.paired(InstrumentedKernels<B>.self).packed
            return farthest(native.packed, other)
        }
        #expect(distance(Intact.self) <= 3 * 10 * 18 * .ulpOfOne * native.norm)
        #expect(distance(BreaksPair4.self) > 1e-3, "applyReflectorPair4 bypassed")
    }
}

/// `Householder.generate` with `oneSquareRoot` (the paired QR) takes ‖(α, x)‖ = √(α² + s) in one
/// square root when that is safe and the scaled form otherwise, as without it: either way
/// H·[3c; 4c] = [−5c; 0] with τ = 8/5 and v = (1, 1/2) at every scale c, including those where α²
/// or s over- or underflows (each within a few roundings, ≤ 4ε relative).
@Suite struct ReflectorGenerationTests {
    func check<K: HouseholderKernels>(_: K.Type, oneSquareRoot: Bool) where K.Scalar == Double {
        for c in [1e-300, 1e-170, 1e-150, 1.0, 1e150, 1e170, 1e300] {
            var tail = [4 * c, 0, 0]
            let (beta, tau) = tail.withUnsafeMutableBufferPointer { x in
                Householder<K>.generate(alpha: 3 * c, tail: x.baseAddress ?? UnsafeMutablePointer.allocate(capacity: 1), count: 3,
                                        oneSquareRoot: oneSquareRoot)
            }
            #expect(abs(beta + 5 * c) <= 4 * .ulpOfOne * 5 * c, "\(K.self) β at scale \(c)")
            #expect(abs(tau - 1.6) <= 4 * .ulpOfOne * 1.6, "\(K.self) τ at scale \(c)")
            #expect(abs(tail[0] - 0.5) <= 4 * .ulpOfOne * 0.5 && tail[1] == 0 && tail[2] == 0, "\(K.self) v at scale \(c)")
        }
        // x = 0, or no x at all: H = I (τ = 0, β = α), as `dlarfg`.
        var zeros = [0.0, 0.0]
        let (beta, tau) = zeros.withUnsafeMutableBufferPointer { x in
            Householder<K>.generate(alpha: -2, tail: x.baseAddress ?? UnsafeMutablePointer.allocate(capacity: 1), count: 2,
                                    oneSquareRoot: oneSquareRoot)
        }
        #expect(beta == -2 && tau == 0)
        var one = [7.0]
        let empty = one.withUnsafeMutableBufferPointer { x in
            Householder<K>.generate(alpha: 7, tail: x.baseAddress ?? UnsafeMutablePointer.allocate(capacity: 1), count: 0,
                                    oneSquareRoot: oneSquareRoot)
        }
        #expect(empty.beta == 7 && empty.tau == 0)
    }

    @Test func reflectorIsRightAtEveryScale() {
        for oneSquareRoot in [false, true] {
            check(NativeKernels<Double>.self, oneSquareRoot: oneSquareRoot)
            check(ReferenceKernels<Double>.self, oneSquareRoot: oneSquareRoot)
        }
    }
}
