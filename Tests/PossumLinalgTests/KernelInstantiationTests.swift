@testable import PossumLinalg
import Testing

/// Every fast path instantiated with other kernels than this architecture's: the scalar
/// `ReferenceKernels` (with `ReferenceTile`) and the portable tile (`PortableTile`, what arm64
/// runs). The kernels differ only in summation order, so each instantiation is backward stable
/// by the same analysis (Higham Thm. 19.4, §19.5): ‖[A b] − Q̂·[R̂ c]‖_F ≤ c·m·n·ε·‖[A b]‖_F, and
/// two of them agree on R and Qᵀb to within κ·c·n·ε·‖[A b]‖_F. The matrices are random and tall
/// (κ ≤ 3), c = 10 leaves a margin over the observed errors of ~10², and a kernel that skips or
/// misplaces a term moves entries by O(‖A‖).
@Suite struct KernelInstantiationTests {
    static let paths: [(path: SIMDSolver.Path, m: Int, n: Int)] = [
        (.unblocked, 104, 17), (.unblocked, 203, 13), (.blocked(blockSize: 8), 150, 43), (.blocked(blockSize: 32), 300, 70),
        (.tallSkinny(blockRows: 64, panelWidth: 8), 1000, 17), (.tallSkinny(blockRows: 50, panelWidth: 3), 333, 13),
    ]

    /// [A | b] factored in place by `path` with kernels K: the packed result widened to `Double`.
    func factored<K: HouseholderKernels>(_ path: SIMDSolver.Path, _ ab: Matrix, _: K.Type) -> (packed: Matrix, tau: [Double]) {
        let (m, n) = (ab.rows, ab.columns - 1)
        var storage = ab.elements.map { K.Scalar($0) }
        var tau = [K.Scalar](repeating: .nan, count: path.tauCount(rows: m, columns: n))
        var workspace = QRWorkspace()
        storage.withUnsafeMutableBufferPointer { s in
            tau.withUnsafeMutableBufferPointer { t in
                path.factor(inPlace: StridedMatrixView(base: s.baseAddress!, rows: m, columns: n + 1, leadingDimension: m),
                            reflectors: n, tau: t.baseAddress!, workspace: &workspace, kernels: K.self)
            }
        }
        return (Matrix(rows: m, columns: n + 1, columnMajor: storage.map { Double($0) }), tau.map { Double($0) })
    }

    /// ‖[A b] − Q·[R c]‖_F / ‖[A b]‖_F, Q formed in `Double` from the reflectors.
    func backwardError(_ path: SIMDSolver.Path, _ ab: Matrix, _ f: (packed: Matrix, tau: [Double])) -> Double {
        let (m, n) = (ab.rows, ab.columns - 1)
        var a = Matrix(rows: m, columns: n)
        for j in 0..<n { for i in 0..<m { a[i, j] = f.packed[i, j] } }
        let layout: HouseholderSequence<ScalarKernels>.Layout
        if case .tallSkinny(let mb, _) = path {
            layout = .rowBlocks(firstRows: TallSkinnyQR.firstBlockRows(rows: m, columns: n, blockRows: mb), blockRows: mb)
        } else {
            layout = .packed
        }
        let q = HouseholderSequence<ScalarKernels>(packed: a, tau: f.tau, layout: layout)
        var rc = Matrix(rows: m, columns: n + 1)  // [R c; 0 d]: what Qᵀ made of [A b]
        for j in 0...n { for i in 0..<m where i <= j || j == n { rc[i, j] = f.packed[i, j] } }
        var difference = 0.0
        for j in 0...n {
            let column = q.apply((0..<m).map { rc[$0, j] })
            for i in 0..<m { difference += (column[i] - ab[i, j]) * (column[i] - ab[i, j]) }
        }
        return difference.squareRoot() / ab.frobeniusNorm
    }

    func check<T: QRScalar>(_: T.Type, _ c: (path: SIMDSolver.Path, m: Int, n: Int)) {
        var rng = SplitMix64(seed: UInt64(c.m * 31 + c.n))
        // Rounded to T first, so every instantiation factors the same matrix.
        let ab = Matrix(rows: c.m, columns: c.n + 1,
                        columnMajor: Matrix.random(rows: c.m, columns: c.n + 1, using: &rng).elements.map { Double(T($0)) })
        let eps = Double(T.ulpOfOne)
        let native = factored(c.path, ab, NativeKernels<T>.self)
        let others = [factored(c.path, ab, ReferenceKernels<T>.self), factored(c.path, ab, VectorKernels<T, PortableTile<T>>.self)]
        let bound = 10 * Double(c.m * c.n) * eps
        #expect(backwardError(c.path, ab, native) <= bound, "\(c.path) native")
        for (name, other) in zip(["reference", "portable"], others) {
            #expect(backwardError(c.path, ab, other) <= bound, "\(c.path) \(name)")
            // R and c = (Qᵀb)[0..<n]: the same reflectors, so the same signs.
            let agreement = 3 * 10 * Double(c.n) * eps * ab.frobeniusNorm
            for j in 0...c.n {
                for i in 0...min(j, c.n - 1) {
                    #expect(abs(other.packed[i, j] - native.packed[i, j]) <= agreement, "\(c.path) \(name) R[\(i),\(j)]")
                }
            }
        }
    }

    @Test(arguments: paths)
    func everyPathIsBackwardStableWithEveryKernel(c: (path: SIMDSolver.Path, m: Int, n: Int)) {
        check(Double.self, c)
        check(Float.self, c)
    }

    /// The AVX-512 tile (two vectors per column), the tall AVX2 tile (two, 3 columns) and the AVX2 tile (one) give every entry the same
    /// FMA chain in the same order, so every path factors to the same numbers with either: a
    /// misplaced row, column or strip of the wider tile shows as a difference (compared with ==,
    /// which also equates the signs of zeros: a padded term adds an exact 0).
    @Test(arguments: paths + [(.blocked(blockSize: 32), 333, 101), (.tallSkinny(blockRows: 300, panelWidth: 16), 1000, 40)])
    func wideTileGivesTheSameFactorization(c: (path: SIMDSolver.Path, m: Int, n: Int)) {
        func same<T: QRScalar>(_: T.Type) {
            var rng = SplitMix64(seed: UInt64(c.m * 17 + c.n))
            let ab = Matrix(rows: c.m, columns: c.n + 1,
                            columnMajor: Matrix.random(rows: c.m, columns: c.n + 1, using: &rng).elements.map { Double(T($0)) })
            let narrow = factored(c.path, ab, VectorKernels<T, AVX2Tile<T>>.self)
            let wide = factored(c.path, ab, VectorKernels<T, AVX512Tile<T>>.self)
            #expect(narrow.packed.elements == wide.packed.elements, "\(c.path) \(T.self) packed")
            // τ's spare entries (a possible extra row block) stay NaN in both.
            #expect(zip(narrow.tau, wide.tau).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }, "\(c.path) \(T.self) tau")
            // The tall AVX2 tile ((2·lanes) × 3) too: the same chains, and the same panels blocked.
            let tall = factored(c.path, ab, VectorKernels<T, AVX2TallTile<T>>.self)
            #expect(narrow.packed.elements == tall.packed.elements, "\(c.path) \(T.self) packed, tall tile")
            #expect(zip(narrow.tau, tall.tau).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }, "\(c.path) \(T.self) tau, tall tile")
        }
        same(Double.self)
        same(Float.self)
    }

    /// The two-thread TSQR least squares with the reference kernels: the same x as with the native
    /// ones to within c·m·ε (relative; TSQR’s bound grows with the blocks), and the same residual norm.
    @Test func twoThreadSolveWithReferenceKernels() throws {
        let (m, n) = (20_000, 8)
        let solver = SIMDSolver(threads: 2)
        #expect(solver.threadsUsed(.solve, rows: m, columns: n) == 2)
        var rng = SplitMix64(seed: 5)
        let ab = Matrix.random(rows: m, columns: n + 1, using: &rng)
        func solve<K: HouseholderKernels>(_: K.Type) throws -> (x: [Double], residual: Double) where K.Scalar == Double {
            var storage = ab.elements
            return try solveInPlace(solver, &storage, rows: m, columns: n, kernels: K.self)
        }
        let native = try solve(NativeKernels<Double>.self), reference = try solve(ReferenceKernels<Double>.self)
        let bound = 3 * 10 * Double(m) * .ulpOfOne
        let xNorm = scaledNorm2(native.x)
        for k in 0..<n { #expect(abs(reference.x[k] - native.x[k]) <= bound * xNorm, "x[\(k)]") }
        #expect(abs(reference.residual - native.residual) <= bound * native.residual)
    }

    /// `Path` reads what it prints, and nothing else.
    @Test func pathParsesItsDescription() {
        for path: SIMDSolver.Path in [.unblocked, .blocked(blockSize: 8), .tallSkinny(blockRows: 2048), .tallSkinny(blockRows: 99, panelWidth: 3)] {
            #expect(SIMDSolver.Path(path.description) == path)
        }
        #expect(SIMDSolver.Path("blocked") == .blocked(blockSize: BlockedHouseholderQR.defaultBlockSize))
        #expect(SIMDSolver.Path("tsqr") == .tallSkinny(blockRows: TallSkinnyQR.defaultBlockRows))
        for bad in ["", "default", "blocked:0", "blocked:x", "unblocked:4", "tsqr:1:2:3", "blocked:"] {
            #expect(SIMDSolver.Path(bad) == nil, "\(bad)")
        }
    }

    /// `.unblocked` is `PairedHouseholderQR` itself, not a redirect through another type.
    @Test func unblockedPathIsThePairedQR() throws {
        var rng = SplitMix64(seed: 3)
        let a = Matrix.random(rows: 104, columns: 17, using: &rng)
        #expect(SIMDSolver.path(rows: 104, columns: 17) == .unblocked)
        #expect(try SIMDSolver().factorize(a) is PairedHouseholderQR)
    }
}
