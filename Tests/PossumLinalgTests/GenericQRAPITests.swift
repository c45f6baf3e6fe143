@testable import PossumLinalg
import Testing

/// The generic public API (`QRDecomposition`, `ColumnPivotedQR`, `LeastSquares`) in both precisions,
/// checked against the backward-error bounds of Householder QR and against the `Double`-only paths.
@Suite struct GenericQRAPITests {
    /// A random m × n matrix (entries uniform in [−1, 1)) in precision T.
    static func randomMatrix<T: QRScalar>(_: T.Type, rows m: Int, columns n: Int, seed: UInt64) -> ColumnMajorMatrix<T> {
        var rng = SplitMix64(seed: seed)
        let a = Matrix.random(rows: m, columns: n, using: &rng)
        var result = ColumnMajorMatrix<T>(rows: m, columns: n)
        // Multiples of 2⁻¹⁰: exact in Float, so both precisions see the same matrix and sums of two
        // entries (the rank-deficient columns) are exact.
        for j in 0..<n { for i in 0..<m { result[i, j] = T((a[i, j] * 1024).rounded() / 1024) } }
        return result
    }

    /// The same matrix in `Double` (exact for `Float` input), as the package's `Matrix`.
    static func asMatrix<T: QRScalar>(_ a: ColumnMajorMatrix<T>) -> Matrix {
        var m = Matrix(rows: a.rows, columns: a.columns)
        for j in 0..<a.columns { for i in 0..<a.rows { m[i, j] = Double(a[i, j]) } }
        return m
    }

    static func frobenius(_ a: Matrix) -> Double { a.frobeniusNorm }

    /// For each column: ‖Aᵀ(b − A·x)‖₂ / (‖A‖_F·(‖A‖_F·‖x‖₂ + 2‖b‖₂)), evaluated in `Double`. A
    /// backward stable least-squares solver keeps this ≤ c·m·n·u (x solves a problem with A and b
    /// perturbed by that relative amount, and the normal equations of the exact problem then hold
    /// to within ‖ΔA‖·‖r‖ + ‖A‖·(‖Δb‖ + ‖ΔA‖·‖x‖); ‖r‖ ≤ ‖b‖).
    static func optimalityErrors<T: QRScalar>(_ a: ColumnMajorMatrix<T>, _ b: ColumnMajorMatrix<T>, _ x: ColumnMajorMatrix<T>) -> [Double] {
        let ad = asMatrix(a), bd = asMatrix(b), xd = asMatrix(x)
        let normA = ad.frobeniusNorm
        return (0..<b.columns).map { j in
            let xj = xd.column(j), bj = bd.column(j)
            let ax = ad.multiplied(by: xj)
            let r = zip(bj, ax).map { $0 - $1 }
            let atr = ad.transposed.multiplied(by: r)
            return scaledNorm2(atr) / (normA * (normA * scaledNorm2(xj) + 2 * scaledNorm2(bj)))
        }
    }

    /// The bound c·m·n·u with c = 4 (u = ulpOfOne/2).
    static func bound<T: QRScalar>(_: T.Type, rows m: Int, columns n: Int) -> Double {
        4 * Double(m) * Double(n) * Double(T.ulpOfOne) / 2
    }

    static let shapes = [(rows: 60, columns: 7), (rows: 13, columns: 13), (rows: 150, columns: 70)]

    func checkSolve<T: QRScalar>(_ type: T.Type, rows m: Int, columns n: Int, rightHandSides k: Int) throws {
        let a = Self.randomMatrix(T.self, rows: m, columns: n, seed: UInt64(m * 1000 + n))
        let b = Self.randomMatrix(T.self, rows: m, columns: k, seed: UInt64(k + 7))
        let qr = try QRDecomposition(factoring: a)
        let x = try qr.solve(b)
        #expect(x.rows == n && x.columns == k)
        let limit = Self.bound(T.self, rows: m, columns: n)
        for (j, e) in Self.optimalityErrors(a, b, x).enumerated() {
            #expect(e <= limit, "\(T.dtypeName) \(m)×\(n), k = \(k), column \(j): \(e) > \(limit)")
        }
        // The one-shot [A | B] path gives the same kind of answer, with the residual norms.
        let oneShot = try LeastSquares.solve(a, b)
        for (j, e) in Self.optimalityErrors(a, b, oneShot.x).enumerated() {
            #expect(e <= limit, "one-shot \(T.dtypeName) \(m)×\(n), k = \(k), column \(j): \(e) > \(limit)")
        }
        // Column by column, the existing Double path solves the same problems: the two backward
        // stable answers differ by at most ~κ(A)·(both backward errors) relative to ‖x‖.
        let ad = Self.asMatrix(a)
        let kappa = conditionEstimate1(upperTriangular: Self.asMatrix(qr.r)) * Double(n)
        let bd = Self.asMatrix(b)
        for j in 0..<k {
            let reference = try SIMDSolver().solve(ad, bd.column(j))
            let xj = (0..<n).map { Double(x[$0, j]) }
            let difference = scaledNorm2(zip(xj, reference.x).map { $0 - $1 })
            #expect(difference <= 2 * kappa * limit * (1 + kappa * reference.residualNorm / ad.frobeniusNorm / max(scaledNorm2(reference.x), .leastNormalMagnitude)) * scaledNorm2(reference.x),
                    "\(T.dtypeName) \(m)×\(n) column \(j) differs from SIMDSolver by \(difference)")
            let residual = Double(oneShot.residualNorms[j])
            #expect(abs(residual - reference.residualNorm) <= 4 * limit * (ad.frobeniusNorm * scaledNorm2(reference.x) + scaledNorm2(bd.column(j))))
        }
    }

    @Test(arguments: [1, 3, 17])
    func doubleSolvesSeveralRightHandSides(k: Int) throws {
        for s in Self.shapes { try checkSolve(Double.self, rows: s.rows, columns: s.columns, rightHandSides: k) }
    }

    @Test(arguments: [1, 3, 17])
    func floatSolvesSeveralRightHandSides(k: Int) throws {
        for s in Self.shapes { try checkSolve(Float.self, rows: s.rows, columns: s.columns, rightHandSides: k) }
    }

    /// m·n above `SIMDSolver.tallSkinnyCrossover`: the one-shot solve runs TSQR, the decomposition the
    /// packed path; both meet the bound.
    @Test func tallSkinnyShapeTakesTheStreamingPathInTheOneShotSolve() throws {
        let (m, n) = (20_000, 8)
        #expect({ if case .tallSkinny = SIMDSolver.path(rows: m, columns: n) { true } else { false } }())
        try checkSolve(Double.self, rows: m, columns: n, rightHandSides: 3)
        try checkSolve(Float.self, rows: m, columns: n, rightHandSides: 3)
    }

    func checkFactors<T: QRScalar>(_ type: T.Type) throws {
        let (m, n) = (45, 9)
        let a = Self.randomMatrix(T.self, rows: m, columns: n, seed: 3)
        let qr = try QRDecomposition(factoring: a)
        // Factorizations are values that can be handed to other tasks (this fails to compile if not Sendable).
        let shareable: any Sendable = qr
        #expect(shareable is QRDecomposition<T>)
        let q = Self.asMatrix(qr.thinQ), r = Self.asMatrix(qr.r)
        let ad = Self.asMatrix(a)
        let limit = Self.bound(T.self, rows: m, columns: n)
        #expect((ad - q.multiplied(by: r)).frobeniusNorm <= limit * ad.frobeniusNorm)
        #expect((q.transposed.multiplied(by: q) - .identity(n)).frobeniusNorm <= limit)
        for i in 0..<n { for j in 0..<i { #expect(r[i, j] == 0) } }
        // applyQTranspose then applyQ is the identity up to rounding.
        let b = Self.randomMatrix(T.self, rows: m, columns: 3, seed: 4)
        let back = Self.asMatrix(qr.applyQ(qr.applyQTranspose(b)))
        #expect((back - Self.asMatrix(b)).frobeniusNorm <= limit * Self.asMatrix(b).frobeniusNorm)
    }

    @Test func factorsReproduceAInBothPrecisions() throws {
        try checkFactors(Double.self)
        try checkFactors(Float.self)
    }

    /// Columns 4 = 0 + 1 and 5 = 2·2 of a 30 × 6 matrix: rank 4.
    static func rankDeficient<T: QRScalar>(_: T.Type) -> ColumnMajorMatrix<T> {
        var a = randomMatrix(T.self, rows: 30, columns: 6, seed: 11)
        for i in 0..<30 {
            a[i, 4] = a[i, 0] + a[i, 1]
            a[i, 5] = 2 * a[i, 2]
        }
        return a
    }

    func checkRankDeficient<T: QRScalar>(_ type: T.Type, rightHandSides k: Int) throws {
        let a = Self.rankDeficient(T.self)
        let b = Self.randomMatrix(T.self, rows: 30, columns: k, seed: 12)
        #expect(throws: LinalgError.self) { try QRDecomposition(factoring: a).solve(b) }
        let qr = try ColumnPivotedQR(factoring: a)
        #expect(qr.rank == 4)
        let magnitudes = qr.diagonalMagnitudes
        #expect(magnitudes[4] <= qr.tolerance * magnitudes[0])
        let x = try qr.solveMinimumNorm(b)
        let limit = Self.bound(T.self, rows: 30, columns: 6)
        // Minimum norm: x is orthogonal to the null space of A, spanned by (1, 1, 0, 0, −1, 0) and (0, 0, 2, 0, 0, −1).
        let nullSpace: [[Double]] = [[1, 1, 0, 0, -1, 0], [0, 0, 2, 0, 0, -1]]
        let xd = Self.asMatrix(x)
        for j in 0..<k {
            let xj = xd.column(j)
            for v in nullSpace {
                let dot = zip(v, xj).reduce(0) { $0 + $1.0 * $1.1 }
                #expect(abs(dot) <= limit * scaledNorm2(v) * scaledNorm2(xj) * 100, "x·null = \(dot)")
            }
        }
        for (j, e) in Self.optimalityErrors(a, b, x).enumerated() {
            #expect(e <= limit, "\(T.dtypeName) rank-deficient column \(j): \(e)")
        }
        // The Double-only rank-revealing solver agrees.
        let ad = Self.asMatrix(a), bd = Self.asMatrix(b)
        for j in 0..<k {
            let reference = try SIMDSolver().solveMinimumNorm(ad, bd.column(j), options: .init())
            #expect(reference.rank == 4)
            let difference = scaledNorm2(zip(xd.column(j), reference.x).map { $0 - $1 })
            #expect(difference <= 1e3 * limit * scaledNorm2(reference.x), "differs from solveMinimumNorm by \(difference)")
        }
    }

    @Test(arguments: [1, 3, 17])
    func rankDeficientMinimumNorm(k: Int) throws {
        try checkRankDeficient(Double.self, rightHandSides: k)
        try checkRankDeficient(Float.self, rightHandSides: k)
    }

    /// A wide 4 × 9 full-row-rank A: A·x = b exactly (up to rounding) and x = Aᵀy, the minimum-norm one.
    @Test func wideMatrixGetsTheMinimumNormSolution() throws {
        let a = Self.randomMatrix(Double.self, rows: 4, columns: 9, seed: 21)
        let b = Self.randomMatrix(Double.self, rows: 4, columns: 3, seed: 22)
        let qr = try ColumnPivotedQR(factoring: a)
        #expect(qr.rank == 4)
        let x = try qr.solveMinimumNorm(b)
        let ad = Self.asMatrix(a), bd = Self.asMatrix(b), xd = Self.asMatrix(x)
        for j in 0..<3 {
            let r = zip(bd.column(j), ad.multiplied(by: xd.column(j))).map { $0 - $1 }
            #expect(scaledNorm2(r) <= 1e-13 * scaledNorm2(bd.column(j)))
            let reference = try SIMDSolver().solveMinimumNorm(ad, bd.column(j), options: .init())
            #expect(scaledNorm2(zip(xd.column(j), reference.x).map { $0 - $1 }) <= 1e-12 * scaledNorm2(reference.x))
        }
    }

    /// The steady state allocates nothing: after one pass, refactoring and solving same-sized (or smaller)
    /// problems keeps the decomposition's storage and the workspace at the same capacity.
    @Test func workspaceReuseStopsGrowingAfterTheFirstPass() throws {
        var qr = QRDecomposition<Float>()
        var workspace = QRWorkspace()
        func pass(_ seed: UInt64, rows m: Int, columns n: Int) throws {
            let a = Self.randomMatrix(Float.self, rows: m, columns: n, seed: seed)
            let b = Self.randomMatrix(Float.self, rows: m, columns: 5, seed: seed + 1)
            try qr.factor(a, workspace: &workspace)
            var solution = ColumnMajorMatrix<Float>(rows: n, columns: 5)
            try b.withView { bv in try solution.withMutableView { xv in try qr.solve(bv, into: xv, workspace: &workspace) } }
        }
        try pass(1, rows: 300, columns: 20)
        let (storage, scratch) = (qr.storageCapacity, workspace.capacity)
        #expect(storage > 0 && scratch > 0)
        for seed in stride(from: UInt64(10), to: 60, by: 10) {
            try pass(seed, rows: 300, columns: 20)
            #expect(qr.storageCapacity == storage && workspace.capacity == scratch)
        }
        try pass(99, rows: 200, columns: 12)
        #expect(qr.storageCapacity == storage && workspace.capacity == scratch)
    }

    /// The same for the rank-revealing factorization: refactoring and minimum-norm solving rank-deficient
    /// problems of one size keeps every array's capacity (the complement's too), and the answers match a
    /// fresh factorization's bit for bit.
    @Test func pivotedWorkspaceReuseStopsGrowingAfterTheFirstPass() throws {
        var qr = ColumnPivotedQR<Double>()
        var workspace = QRWorkspace()
        func pass(_ seed: UInt64) throws -> ColumnMajorMatrix<Double> {
            var a = Self.randomMatrix(Double.self, rows: 80, columns: 12, seed: seed)
            for i in 0..<80 { a[i, 11] = a[i, 0] + a[i, 3] }  // rank 11 < 12: the complement is used
            let b = Self.randomMatrix(Double.self, rows: 80, columns: 3, seed: seed + 1)
            try a.withView { try qr.factor($0, workspace: &workspace) }
            var x = ColumnMajorMatrix<Double>(rows: 12, columns: 3)
            try b.withView { bv in try x.withMutableView { try qr.solveMinimumNorm(bv, into: $0, workspace: &workspace) } }
            let fresh = try ColumnPivotedQR(factoring: a)
            #expect(fresh.rank == 11 && qr.rank == 11)
            #expect(try fresh.solveMinimumNorm(b).elements == x.elements)
            return x
        }
        _ = try pass(1)
        let (storage, scratch) = (qr.storageCapacity, workspace.capacity)
        #expect(storage > 0 && scratch > 0)
        for seed in stride(from: UInt64(10), to: 50, by: 10) {
            _ = try pass(seed)
            #expect(qr.storageCapacity == storage && workspace.capacity == scratch)
        }
    }

    @Test func kernelBuildNamesTheVectorInstructions() {
        let avx512 = KernelBuild.vectorInstructions(cpuFeatures: "AVX-512F+AVX2+FMA")
        let avx2 = KernelBuild.vectorInstructions(cpuFeatures: "AVX2+FMA")
        if !KernelBuild.isNativeCPU {
            #expect(avx512.hasPrefix("portable") && avx2.hasPrefix("portable"))
        } else if KernelBuild.architecture == "x86_64" {
            #expect(avx512 == "AVX-512F zmm" && avx2 == "AVX2+FMA ymm")
            #expect(KernelBuild.vectorInstructions(cpuFeatures: "no AVX2 or FMA") == "SSE2 xmm")
        }
    }

    @Test func refusesBadInputWithTheOffendingPosition() throws {
        var a = Self.randomMatrix(Double.self, rows: 5, columns: 3, seed: 1)
        a[2, 1] = .nan
        #expect(throws: LinalgError.nonFinite(operand: "A", row: 2, column: 1)) { try QRDecomposition(factoring: a) }
        #expect(throws: LinalgError.nonFinite(operand: "A", row: 2, column: 1)) { try ColumnPivotedQR(factoring: a) }
        #expect(throws: LinalgError.underdetermined(rows: 3, columns: 5)) {
            try QRDecomposition(factoring: Self.randomMatrix(Double.self, rows: 3, columns: 5, seed: 2))
        }
        let qr = try QRDecomposition(factoring: Self.randomMatrix(Double.self, rows: 5, columns: 3, seed: 3))
        #expect(throws: LinalgError.self) { try qr.solve(ColumnMajorMatrix<Double>(rows: 4, columns: 1)) }
        #expect(throws: LinalgError.self) { try ColumnMajorMatrix<Double>(rows: 2, columns: 2, columnMajor: [1, 2, 3]) }
    }
}
