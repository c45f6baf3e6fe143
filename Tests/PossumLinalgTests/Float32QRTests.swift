import PossumLinalg
import PossumOpenBLAS
import Testing

/// The Float32 QR and least-squares solve (`SIMD16<Float>` kernels) against oracles that do not
/// share its code: the Float32 kernels' scalar twins, OpenBLAS's `dorgqr` forming Q in Float64
/// from our Float32 reflectors, and `dgels`/`sgels` on the same (rounded) problem.
///
/// Tolerances come from the backward-error analysis with ε = `Float.ulpOfOne` (≈ 1.2e-7):
/// Householder QR and the solve built on it are backward stable (Higham Thm. 19.4, 20.3), so
/// ‖A − Q̂R̂‖_F ≤ c·m·n·ε·‖A‖_F in theory, O(√n·ε) in practice; the tests use the benchmark's
/// 10·n·ε (far below any bug's O(1), far above rounding). A bug that dropped Float to Double
/// accuracy could not fail these; one that computed in the wrong precision, index or stride would.
@Suite struct Float32QRTests {
    static let eps = Double(Float.ulpOfOne)

    /// A random m × n matrix with entries in [−1, 1), rounded to Float (column-major).
    func randomFloats(_ count: Int, seed: UInt64) -> [Float] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in Float(Double.random(in: -1..<1, using: &rng)) }
    }

    /// Shapes covering the unblocked path in place (104 × 17) and on its padded copy (700 × 40), blocked nb = 32
    /// with several panels and trailing updates (300 × 150), and TSQR (20000 × 9: five row blocks).
    static let shapes = [(104, 17), (700, 40), (300, 150), (20000, 9), (33, 33)]

    @Test(arguments: shapes)
    func factorizationIsBackwardStable(shape: (m: Int, n: Int)) throws {
        let (m, n) = shape
        let a = randomFloats(m * n, seed: UInt64(m * 31 + n))
        var packed = a
        var tau = [Float](repeating: 0, count: SIMDSolver.tauCount(rows: m, columns: n))
        var workspace = QRWorkspace()
        let path = packed.withUnsafeMutableBufferPointer { p in
            tau.withUnsafeMutableBufferPointer { t in
                SIMDSolver(threads: 1).factor(inPlace: StridedMatrixView(base: p.baseAddress!, rows: m, columns: n, leadingDimension: m),
                                    tau: t.baseAddress!, workspace: &workspace)
            }
        }
        // Q from our reflectors in Float64 — by OpenBLAS (dgeqrf layout) or, for the TSQR layout,
        // by TallSkinnyQR's Float64 code: the error measured is the Float32 one.
        let widened = Matrix(rows: m, columns: n, columnMajor: packed.map(Double.init))
        let qr: any QRFactorization
        if case .tallSkinny(let mb, _) = path {
            qr = TallSkinnyQR(packed: widened, tau: tau.map(Double.init), blockRows: mb)
        } else {
            qr = OpenBLASQR(packed: widened, tau: Array(tau[0..<n]).map(Double.init))
        }
        let wide = Matrix(rows: m, columns: n, columnMajor: a.map(Double.init))
        let residual = (wide - qr.thinQ().multiplied(by: qr.r)).frobeniusNorm / wide.frobeniusNorm
        #expect(residual <= 10 * Double(n) * Self.eps, "‖A − QR‖/‖A‖ = \(residual)")
        // And it is a Float32 computation, not a Float64 one rounded at the end: the error is
        // not below Float64's level by orders of magnitude (a cheap guard against testing the
        // wrong path).
        #expect(residual > 1e3 * Double.ulpOfOne)
    }

    /// min‖Ax − b‖ in Float32: the backward error ω (see the benchmark's `Problems.swift`) is at
    /// most 10·n·ε, and x agrees with Float64's `dgels` solution of the same rounded problem to
    /// within the perturbation bound for that backward error: ‖Δx‖/‖x‖ ≤ η·κ·(2 + (κ + 1)·‖r‖/(‖A‖‖x‖))
    /// (Higham Thm. 20.1, first order), η = 10·n·ε. κ(A) ≤ ‖A‖_F·‖R⁻¹‖_F from Float64's R.
    @Test(arguments: shapes)
    func solveAgreesWithFloat64WithinTheBackwardErrorBound(shape: (m: Int, n: Int)) throws {
        let (m, n) = shape
        let a = randomFloats(m * n, seed: UInt64(m * 17 + n))
        let b = randomFloats(m, seed: UInt64(m + 3 * n))
        var augmented = a + b
        var tau = [Float](repeating: 0, count: SIMDSolver.tauCount(rows: m, columns: n))
        var x = [Float](repeating: .nan, count: n)
        var workspace = QRWorkspace()
        let residual = try augmented.withUnsafeMutableBufferPointer { p in
            try tau.withUnsafeMutableBufferPointer { t in
                try x.withUnsafeMutableBufferPointer { xb in
                    try SIMDSolver().solve(inPlace: StridedMatrixView(base: p.baseAddress!, rows: m, columns: n + 1, leadingDimension: m),
                                           tau: t.baseAddress!, solution: xb.baseAddress!, workspace: &workspace)
                }
            }
        }
        let wide = Matrix(rows: m, columns: n, columnMajor: a.map(Double.init))
        let bWide = b.map(Double.init)
        let xWide = x.map(Double.init)
        let r = zip(bWide, wide.multiplied(by: xWide)).map { $0 - $1 }
        let normA = wide.frobeniusNorm
        var atr = [Double](repeating: 0, count: n)
        for j in 0..<n { for i in 0..<m { atr[j] += wide[i, j] * r[i] } }
        let omega = scaledNorm2(atr) / (normA * (normA * scaledNorm2(xWide) + scaledNorm2(r)))
        let eta = 10 * Double(n) * Self.eps
        #expect(omega <= eta, "backward error \(omega)")
        #expect(abs(Double(residual) - scaledNorm2(r)) <= eta * (scaledNorm2(r) + normA * scaledNorm2(xWide)), "‖r‖")

        let reference = try OpenBLASSolver().dgels(wide, bWide)
        let rFactor = try OpenBLASSolver().factorize(wide).r
        let kappa = normA * frobeniusNormOfInverse(upperTriangular: rFactor)
        let xNorm = scaledNorm2(reference)
        let rNorm = scaledNorm2(zip(bWide, wide.multiplied(by: reference)).map { $0 - $1 })
        let bound = eta * kappa * (2 + (kappa + 1) * rNorm / (normA * xNorm)) * xNorm
        let difference = scaledNorm2(zip(xWide, reference).map { $0 - $1 })
        #expect(difference <= bound, "‖x₃₂ − x₆₄‖ = \(difference), bound \(bound) (κ ≈ \(kappa))")
        // OpenBLAS's own Float32 solve obeys the same bound (the bound is not vacuous for it either).
        let single = try OpenBLASSolver().sgels(rows: m, columns: n, a, b).map(Double.init)
        #expect(scaledNorm2(zip(single, reference).map { $0 - $1 }) <= bound)
    }

    /// The two-thread TSQR solve in Float32 (20000 × 9: five row blocks, so it splits): the same
    /// bits on every run, and x within twice the backward-error perturbation bound of the
    /// one-thread x (both are backward stable with η = 10·n·ε).
    @Test func twoThreadTallSkinnySolveIsDeterministic() throws {
        let (m, n) = (20000, 9)
        #expect(SIMDSolver(threads: 2).threadsUsed(.solve, rows: m, columns: n) == 2)
        let a = randomFloats(m * n, seed: 77), b = randomFloats(m, seed: 78)
        func solve(threads: Int) throws -> [Float] {
            var augmented = a + b
            var tau = [Float](repeating: 0, count: SIMDSolver.tauCount(rows: m, columns: n))
            var x = [Float](repeating: .nan, count: n)
            var workspace = QRWorkspace()
            _ = try augmented.withUnsafeMutableBufferPointer { p in
                try SIMDSolver(threads: threads).solve(
                    inPlace: StridedMatrixView(base: p.baseAddress!, rows: m, columns: n + 1, leadingDimension: m),
                    tau: &tau, solution: &x, workspace: &workspace)
            }
            return x
        }
        let first = try solve(threads: 2), second = try solve(threads: 2), one = try solve(threads: 1)
        #expect(first == second, "bit-for-bit deterministic with 2 threads")
        // Each is within the perturbation bound of the exact solution (as in the test above), so
        // they are within twice it of each other.
        let wide = Matrix(rows: m, columns: n, columnMajor: a.map(Double.init))
        let reference = try OpenBLASSolver().dgels(wide, b.map(Double.init))
        let normA = wide.frobeniusNorm, xNorm = scaledNorm2(reference)
        let kappa = normA * frobeniusNormOfInverse(upperTriangular: try OpenBLASSolver().factorize(wide).r)
        let rNorm = scaledNorm2(zip(b.map(Double.init), wide.multiplied(by: reference)).map { $0 - $1 })
        let eta = 10 * Double(n) * Self.eps
        let bound = 2 * eta * kappa * (2 + (kappa + 1) * rNorm / (normA * xNorm)) * xNorm
        let difference = scaledNorm2(zip(first, one).map { Double($0) - Double($1) })
        #expect(difference <= bound, "‖x₂ − x₁‖ = \(difference), bound \(bound)")
    }

    /// ‖R⁻¹‖_F by solving R·X = I column by column (Float64).
    func frobeniusNormOfInverse(upperTriangular r: Matrix) -> Double {
        let n = r.columns
        var total = 0.0
        for j in 0..<n {
            var e = [Double](repeating: 0, count: n)
            e[j] = 1
            let column = backSubstitute(r, e)
            total += column.reduce(0) { $0 + $1 * $1 }
        }
        return total.squareRoot()
    }

    @Test func refusesRankDeficientFloatMatrix() {
        let (m, n) = (200, 6)
        var a = randomFloats(m * n, seed: 9)
        for i in 0..<m { a[i + 5 * m] = a[i] + a[i + m] }  // column 5 = column 0 + column 1
        var augmented = a + [Float](repeating: 1, count: m)
        var tau = [Float](repeating: 0, count: n), x = [Float](repeating: 0, count: n)
        var workspace = QRWorkspace()
        #expect(throws: LinalgError.self) {
            _ = try augmented.withUnsafeMutableBufferPointer { p in
                try SIMDSolver().solve(inPlace: StridedMatrixView(base: p.baseAddress!, rows: m, columns: n + 1, leadingDimension: m),
                                       tau: &tau, solution: &x, workspace: &workspace)
            }
        }
    }

    /// The Float32 vector kernels against their scalar twins: a dot product of length n differs by
    /// at most 2·γₙ·Σ|xᵢyᵢ| (γₙ = nε/(1 − nε), ε = Float's), and a reflector application
    /// entry-wise by the same bound on its dot product, times τ|vᵢ|, plus a rounding each way.
    @Test(arguments: [0, 1, 15, 16, 17, 33, 100, 257])
    func floatKernelsMatchScalarTwins(n: Int) {
        let gamma = Float(n + 2) * Float.ulpOfOne / (1 - Float(n + 2) * Float.ulpOfOne)
        let x = randomFloats(n, seed: UInt64(n) + 11), y = randomFloats(n, seed: UInt64(n) + 12)
        let magnitude = zip(x, y).reduce(Float(0)) { $0 + abs($1.0 * $1.1) }
        #expect(abs(NativeKernels<Float>.dot(n, x, y) - ReferenceKernels<Float>.dot(n, x, y)) <= 2 * gamma * magnitude)
        guard n >= 1 else { return }
        let columns = 7  // a 4-column sweep, a 2-column sweep and a single column
        var v = x
        v[0] = 12345  // never read: v₀ ≡ 1
        let c = randomFloats(n * columns, seed: UInt64(n) + 13)
        var viaSIMD = c, viaScalar = c
        let tau: Float = 1.3
        viaSIMD.withUnsafeMutableBufferPointer {
            NativeKernels<Float>.applyReflector(v, tau: tau, to: StridedMatrixView(base: $0.baseAddress!, rows: n, columns: columns, leadingDimension: n))
        }
        viaScalar.withUnsafeMutableBufferPointer {
            ReferenceKernels<Float>.applyReflector(v, tau: tau, to: StridedMatrixView(base: $0.baseAddress!, rows: n, columns: columns, leadingDimension: n))
        }
        var vOne = v
        vOne[0] = 1
        for j in 0..<columns {
            let column = Array(c[(j * n)..<((j + 1) * n)])
            let dotMagnitude = zip(vOne, column).reduce(Float(0)) { $0 + abs($1.0 * $1.1) }
            for i in 0..<n {
                let bound = 2 * gamma * (abs(column[i]) + tau * dotMagnitude * abs(vOne[i]))
                #expect(abs(viaSIMD[i + j * n] - viaScalar[i + j * n]) <= bound, "entry (\(i), \(j))")
            }
        }
    }
}
