@testable import PossumLinalg
import Testing

/// The paired QR's chain (HouseholderKernels+Chain.swift): the sums carried out of the sweeps
/// against their reference twins, the paired QR reaching them only through the kernels, the
/// guard when a carried sum over- or underflows, and the back substitution by reciprocals.
@Suite struct ReflectorChainTests {
    /// x' = x + g·v: one FMA or a multiply and an add, within γ₂(|x| + |g·v|) either way. Each sum
    /// then has n terms in any order: within 2γₙ·Σ|terms| plus what the entries' own differences
    /// carry (|Δx'| ≤ 2γ₂(|x| + |gv|) each, times |x'| + |x'| or |v|).
    func updateTwinsAgree<K: HouseholderKernels>(_: K.Type, rows n: Int, from f: Int) {
        typealias T = K.Scalar
        var rng = SplitMix64(seed: UInt64(n * 31 + f + 1))
        let x: [T] = randomEntries(n, &rng), v: [T] = randomEntries(n, &rng)
        let g = T(Double.random(in: -2..<2, using: &rng))
        func run<L: HouseholderKernels>(_: L.Type) -> ([T], (squares: T, cross: T)) where L.Scalar == T {
            // Buffers of at least one entry: n = 0 reads nothing, but needs a pointer.
            let xs = UnsafeMutablePointer<T>.allocate(capacity: max(n, 1)), vs = UnsafeMutablePointer<T>.allocate(capacity: max(n, 1))
            defer { xs.deallocate(); vs.deallocate() }
            for i in 0..<n { xs[i] = x[i]; vs[i] = v[i] }
            let sums = L.updateCarrying(n, xs, adding: g, times: vs, carryFrom: f)
            return ((0..<n).map { xs[$0] }, sums)
        }
        let (fast, a) = run(K.self), (slow, b) = run(ReferenceKernels<T>.self)
        let eps = Double(T.ulpOfOne)
        var dx = [Double](repeating: 0, count: n)
        for i in 0..<n {
            dx[i] = 2 * gamma(2, eps) * (Double(abs(x[i])) + Double(abs(g * v[i])))
            #expect(Double(abs(fast[i] - slow[i])) <= dx[i], "\(K.self) x[\(i)] rows \(n)")
        }
        let rows = max(f, 0)..<max(n, f)
        let squares = rows.reduce(0.0) { s, i in
            let p = Double(abs(slow[i]))
            return s + 2 * gamma(n, eps) * (p * p + 2 * p * dx[i]) + 2 * p * dx[i] + dx[i] * dx[i]
        }
        let cross = rows.reduce(0.0) { s, i in
            let p = Double(abs(slow[i])), q = Double(abs(v[i]))
            return s + 2 * gamma(n, eps) * (p * q + q * dx[i]) + q * dx[i]
        }
        #expect(Double(abs(a.squares - b.squares)) <= squares + 1e-30, "\(K.self) squares rows \(n) from \(f)")
        #expect(Double(abs(a.cross - b.cross)) <= cross + 1e-30, "\(K.self) cross rows \(n) from \(f)")
    }

    @Test(arguments: [(0, 0), (1, 0), (1, 1), (7, 3), (8, 2), (16, 9), (17, 8), (33, 16), (104, 2), (104, 11), (112, 18), (20, 30)])
    func updateCarryingMatchesItsTwin(shape: (rows: Int, from: Int)) {
        updateTwinsAgree(NativeKernels<Double>.self, rows: shape.rows, from: shape.from)
        updateTwinsAgree(VectorKernels<Double, PortableTile<Double>>.self, rows: shape.rows, from: shape.from)
        updateTwinsAgree(NativeKernels<Float>.self, rows: shape.rows, from: shape.from)
    }

    /// The pair on four columns (or on c₀, c₁, c₀, c₁: each updated once): the columns within the bound of
    /// `ReflectorPairKernelTests` (γ's of n + 3 terms; here the simpler, looser 4γₙ₊₃ times the
    /// magnitudes), the three sums within 2γₙ of their magnitudes plus what the entries carry.
    func pairTwinsAgree<K: HouseholderKernels>(_: K.Type, rows n: Int, from f: Int, repeated: Bool) {
        typealias T = K.Scalar
        var rng = SplitMix64(seed: UInt64(n * 17 + f + (repeated ? 1000 : 0)))
        let v1: [T] = randomEntries(n, &rng), v2: [T] = randomEntries(n, &rng)
        let c: [[T]] = (0..<4).map { _ in randomEntries(n, &rng) }
        let tau1 = T(Double.random(in: 0..<2, using: &rng)), tau2 = T(Double.random(in: 0..<2, using: &rng))
        let v21 = T(Double.random(in: -1..<1, using: &rng))
        func run<L: HouseholderKernels>(_: L.Type) -> ([[T]], CarriedSums<T>) where L.Scalar == T {
            onFourColumns(c, rows: n) { p in
                L.applyReflectorPairCarrying(n, v1, tau1: tau1, v2, tau2: tau2, v21: v21, p[0], p[1],
                                             repeated ? p[0] : p[2], repeated ? p[1] : p[3], carryFrom: f)
            }
        }
        let (fast, a) = run(K.self), (slow, b) = run(ReferenceKernels<T>.self)
        let eps = Double(T.ulpOfOne)
        let (t1, t2, s21) = (Double(abs(tau1)), Double(abs(tau2)), Double(abs(v21)))
        let dy = expectFourColumnsAgree(fast, slow, original: c, rows: n, repeated: repeated, "\(K.self) rows \(n)") { j in
            let m1 = (0..<n).reduce(0.0) { $0 + Double(abs(v1[$1] * c[j][$1])) }
            let m2 = (0..<n).reduce(0.0) { $0 + Double(abs(v2[$1] * c[j][$1])) }
            let w1 = t1 * m1, w2 = t2 * (m2 + s21 * w1)
            return { i in
                4 * gamma(n + 3, eps) * (1 + t2 * s21) * (Double(abs(c[j][i])) + w1 * Double(abs(v1[i])) + w2 * Double(abs(v2[i])))
            }
        }
        expectCarriedSumsAgree(a, b, updated: slow, entryBounds: dy, rows: max(f, 0)..<max(n, f), count: n, eps: eps,
                               "\(K.self) rows \(n) from \(f)")
    }

    /// Columns passed more than once get their distinct values — each column's gains depend on it
    /// alone — however the kernel splits its sweep (`expectRepeatedColumnsGetTheirDistinctValues`).
    @Test(arguments: [103, 104])
    func repeatedColumnsGetTheirDistinctValues(rows n: Int) {
        func check<K: HouseholderKernels>(_: K.Type) {
            typealias T = K.Scalar
            var rng = SplitMix64(seed: UInt64(n))
            let v1: [T] = randomEntries(n, &rng), v2: [T] = randomEntries(n, &rng)
            let c: [[T]] = (0..<4).map { _ in randomEntries(n, &rng) }
            expectRepeatedColumnsGetTheirDistinctValues(c, "\(K.self)") { slots in
                onFourColumns(c, rows: n) { p in
                    _ = K.applyReflectorPairCarrying(n, v1, tau1: T(0.7), v2, tau2: T(1.3), v21: T(0.2), p[slots[0]],
                                                     p[slots[1]], p[slots[2]], p[slots[3]], carryFrom: 3)
                }.columns
            }
        }
        check(NativeKernels<Double>.self)
        check(NativeKernels<Float>.self)
        check(VectorKernels<Double, PortableTile<Double>>.self)
        check(ReferenceKernels<Double>.self)
    }

    @Test(arguments: [(0, 0), (1, 0), (5, 3), (8, 3), (16, 3), (17, 11), (33, 0), (104, 3), (104, 19), (112, 5), (10, 12)])
    func pairCarryingMatchesItsTwin(shape: (rows: Int, from: Int)) {
        for repeated in [false, true] {
            pairTwinsAgree(NativeKernels<Double>.self, rows: shape.rows, from: shape.from, repeated: repeated)
            pairTwinsAgree(VectorKernels<Double, PortableTile<Double>>.self, rows: shape.rows, from: shape.from, repeated: repeated)
            pairTwinsAgree(NativeKernels<Float>.self, rows: shape.rows, from: shape.from, repeated: repeated)
        }
    }

    /// The paired QR's chain goes through the kernels: with the reference operations it agrees
    /// with the native kernels to within rounding (both backward stable: κ·c·n·ε·‖[A b]‖_F, κ ≤ 3
    /// for this random tall matrix, c = 10, as in ReflectorPairKernelTests); with either carrying
    /// operation broken by O(1) it is O(1) away.
    @Test func pairedQRCarriesItsSumsThroughTheKernels() {
        let native = ReflectorPairKernelTests.paired(NativeKernels<Double>.self)
        func distance<F: KernelFault>(_: F.Type) -> Double {
            let other = ReflectorPairKernelTests.paired(InstrumentedKernels<F>.self).packed
            return farthest(native.packed, other)
        }
        #expect(distance(Intact.self) <= 3 * 10 * 18 * .ulpOfOne * native.norm)
        #expect(distance(BreaksUpdateCarrying.self) > 1e-3, "updateCarrying bypassed")
        #expect(distance(BreaksPairCarrying.self) > 1e-3, "applyReflectorPairCarrying bypassed")
    }

    /// Columns scaled by powers of two whose squares overflow (2⁶⁰⁰), underflow (2⁻⁶⁰⁰) or fall
    /// below `norm2`'s guard (2⁻⁵⁰⁰), next to ordinary ones, so that carried sums and cross sums
    /// are unsafe: the factorization stays backward stable column by column, ‖aⱼ − Q·rⱼ‖ ≤
    /// c·m·n·ε·‖aⱼ‖ (Higham Thm 19.4, columnwise; c = 10 as in KernelInstantiationTests). A cross
    /// sum used past the guard gives ∞ or NaN (2⁶⁰⁰·2⁶⁰⁰) or a wrong reflector.
    @Test(arguments: [[0, 600, 0, -600, 0], [600, 600, -500, -500, 0], [-600, 0, 600, 0, -500], [-1000, -1000, 0, 0, 0]])
    func carriedSumsFallBackWhenUnsafe(exponents: [Int]) throws {
        let (m, n) = (104, 17)
        var rng = SplitMix64(seed: 41)
        var a = Matrix.random(rows: m, columns: n, using: &rng)
        for j in 0..<n {
            let e = exponents[j % exponents.count]
            for i in 0..<m { a[i, j] = a[i, j] * Double(sign: .plus, exponent: e, significand: 1) }
        }
        let qr = try PairedHouseholderQR(factoring: a)
        let q = qr.thinQ(), r = qr.r
        for j in 0..<n {
            var difference = 0.0, column = 0.0
            let scale = Double(sign: .plus, exponent: exponents[j % exponents.count], significand: 1)
            for i in 0..<m {
                var s = 0.0
                for p in 0...j { s += q[i, p] * (r[p, j] / scale) }
                difference += (a[i, j] / scale - s) * (a[i, j] / scale - s)
                column += (a[i, j] / scale) * (a[i, j] / scale)
            }
            #expect(difference.squareRoot() <= 10 * Double(m * n) * .ulpOfOne * column.squareRoot(),
                    "column \(j) at 2^\(exponents[j % exponents.count])")
        }
    }

    /// The dividing and the reciprocal back substitution are each backward stable, |ΔU| ≤ γₙ|U| and
    /// ≤ γₙ₊₁|U| (see `solveUpperTriangularByReciprocals`), so each is within
    /// cond(U, x)·γ/(1 − cond(U)·γ) of the exact x in the ∞-norm (Higham Thm 8.5) and the two are
    /// within the sum of those bounds, cond(U, x) = ‖|U⁻¹||U||x|‖∞ / ‖x‖∞ (U⁻¹ taken by the
    /// dividing solve: its own error is second order here).
    @Test(arguments: [1, 2, 8, 17, 33, 64])
    func reciprocalSolveIsWithinItsBound(n: Int) {
        var rng = SplitMix64(seed: UInt64(n))
        var u = [Double](repeating: 0, count: n * n)
        for j in 0..<n {
            for i in 0..<j { u[i + j * n] = Double.random(in: -1..<1, using: &rng) }
            u[j + j * n] = Double.random(in: 1..<4, using: &rng) * (Bool.random(using: &rng) ? 1 : -1)
        }
        let c = (0..<n).map { _ in Double.random(in: -1..<1, using: &rng) }
        func solve(_ body: (StridedMatrixView<Double>, UnsafeMutablePointer<Double>) -> Void, _ rhs: [Double]) -> [Double] {
            var x = rhs
            u.withUnsafeMutableBufferPointer { up in
                x.withUnsafeMutableBufferPointer { body(StridedMatrixView(base: up.baseAddress!, rows: n, columns: n, leadingDimension: n), $0.baseAddress!) }
            }
            return x
        }
        let divided = solve({ solveUpperTriangular($0, count: n, $1) }, c)
        let reciprocal = solve({ solveUpperTriangularByReciprocals($0, count: n, $1) }, c)
        let inverse = (0..<n).map { k in solve({ solveUpperTriangular($0, count: n, $1) }, (0..<n).map { $0 == k ? 1.0 : 0 }) }
        // |U|·|x| and |U|·1, then |U⁻¹| times each (inverse[k] is column k of U⁻¹).
        var ux = [Double](repeating: 0, count: n), rowSums = ux
        for i in 0..<n {
            for j in i..<n {
                ux[i] += abs(u[i + j * n] * divided[j])
                rowSums[i] += abs(u[i + j * n])
            }
        }
        var condUx = 0.0, condU = 0.0
        for i in 0..<n {
            var a = 0.0, b = 0.0
            for k in 0..<n {
                a += abs(inverse[k][i]) * ux[k]
                b += abs(inverse[k][i]) * rowSums[k]
            }
            condUx = max(condUx, a)
            condU = max(condU, b)
        }
        let eps = Double.ulpOfOne / 2
        func relative(_ k: Int) -> Double { gamma(k, eps) / (1 - condU * gamma(k, eps)) }
        let bound = condUx * (relative(n) + relative(n + 1))
        let xNorm = divided.map(abs).max() ?? 0
        let gap = zip(divided, reciprocal).map { abs($0 - $1) }.max() ?? 0
        #expect(gap <= bound * xNorm, "n = \(n): gap \(gap), bound \(bound * xNorm)")
    }

    /// The unblocked least-squares solve takes the reciprocal back substitution: its x is that of
    /// `solveUpperTriangularByReciprocals` on the factored [R | c] bit for bit (and, on this
    /// problem, not the dividing solve's in every bit).
    @Test func unblockedSolveUsesTheReciprocals() throws {
        let (m, n) = (104, 17)
        var rng = SplitMix64(seed: 5)
        let a = Matrix.random(rows: m, columns: n + 1, using: &rng).elements
        var solved = a, factored = a
        var tau = [Double](repeating: 0, count: n), x = [Double](repeating: 0, count: n)
        var workspace = QRWorkspace()
        _ = try solved.withUnsafeMutableBufferPointer { ab in
            try SIMDSolver(threads: 1).solve(inPlace: StridedMatrixView(base: ab.baseAddress!, rows: m, columns: n + 1, leadingDimension: m),
                                             tau: &tau, solution: &x, workspace: &workspace)
        }
        var byReciprocals = [Double](repeating: 0, count: n), byDivision = byReciprocals
        factored.withUnsafeMutableBufferPointer { ab in
            let view = StridedMatrixView(base: ab.baseAddress!, rows: m, columns: n + 1, leadingDimension: m)
            PairedHouseholderQR.factor(view, reflectors: n, tau: &tau, workspace: &workspace)
            for i in 0..<n { byReciprocals[i] = view[i, n]; byDivision[i] = view[i, n] }
            solveUpperTriangularByReciprocals(view, count: n, &byReciprocals)
            solveUpperTriangular(view, count: n, &byDivision)
        }
        #expect(x == byReciprocals)
        #expect(x != byDivision)
    }
}
