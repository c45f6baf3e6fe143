import PossumLinalg
import PossumOpenBLAS

/// The solvers a statistical accuracy study compares.
public enum TrialSolver: String, CaseIterable, Sendable {
    /// `possum lstsq --solver simd`: pivoted QR of the equilibrated A with compensated kernels.
    case simd
    /// `SIMDSolver.solve`, the fast unpivoted path chosen by shape (`SIMDSolver.path`); refuses
    /// rank-deficient A (which, unequilibrated, includes strongly graded columns).
    case simdFast = "simd-fast"
    /// `simd-fast` on 2 threads: on tall-skinny shapes the TSQR reduction tree over 2 leaves
    /// (`SIMDSolver()` gives it on a 2-core machine; the other solvers here run on 1 thread so
    /// that the tables are the same on every machine).
    case simdFastTwoThreads = "simd-fast-2t"
    /// LAPACK `dgels` (scales A and b into range, `dgeqrf`, `dormqr`, `dtrtrs`).
    case dgels
    /// LAPACK `dgelsy` (`possum lstsq --solver openblas`), RCOND = max(m, n)·ε.
    case dgelsy
    /// Diagnostics: one unpivoted algorithm forced whatever the shape, through
    /// factor → Qᵀb → back substitution (`LeastSquaresSolver.solve`): the scalar twin, and each
    /// of `SIMDSolver`'s paths.
    case naive, unblocked, blocked8, blocked32, tsqr

    /// What `possum accuracy --trials` runs unless told otherwise.
    public static let standard: [TrialSolver] = [.simd, .simdFast, .dgels, .dgelsy]

    func solve(_ p: AccuracyProblem) throws -> [Double] {
        switch self {
        case .simd: return try SIMDSolver(threads: 1).solveMinimumNorm(p.a, p.b, options: .init()).x
        case .simdFast: return try SIMDSolver(threads: 1).solve(p.a, p.b).x
        case .simdFastTwoThreads: return try SIMDSolver(threads: 2).solve(p.a, p.b).x
        case .dgels: return try OpenBLASSolver().dgels(p.a, p.b)
        case .dgelsy: return try OpenBLASSolver().solveMinimumNorm(p.a, p.b, options: .init()).x
        case .naive: return try NaiveSolver().factorizingSolve(p.a, p.b)
        case .unblocked: return try FixedPath { try PairedHouseholderQR(factoring: $0) }.factorizingSolve(p.a, p.b)
        case .blocked8: return try FixedPath { try BlockedHouseholderQR(factoring: $0, blockSize: 8) }.factorizingSolve(p.a, p.b)
        case .blocked32: return try FixedPath { try BlockedHouseholderQR(factoring: $0, blockSize: 32) }.factorizingSolve(p.a, p.b)
        case .tsqr: return try FixedPath { try TallSkinnyQR(factoring: $0, blockRows: max(256, (1 << 15) / $0.columns)) }.factorizingSolve(p.a, p.b)
        }
    }
}

/// A least-squares solver that always factors with one given algorithm.
private struct FixedPath: LeastSquaresSolver {
    let factor: @Sendable (Matrix) throws -> any QRFactorization
    var name: String { "fixed-path" }
    func factorize(_ a: Matrix) throws -> any QRFactorization { try factor(a) }
}

extension LeastSquaresSolver {
    /// The protocol's generic solve (factor, Qᵀb, back substitution), bypassing any fused one.
    func factorizingSolve(_ a: Matrix, _ b: [Double]) throws -> [Double] {
        let qr = try factorize(a)
        try checkFullRank(qr)
        return qr.solveUpper(qr.applyQTranspose(b))
    }
}

/// The distribution of LRE(ours) − LRE(theirs) over the instances of one family: positive means
/// ours has more correct digits. A systematic gap shows as a mean several standard errors from 0
/// and an asymmetric tail (fraction below −0.5 ≫ fraction above +0.5); luck as a symmetric one.
public struct LREDifference: Sendable {
    public var count: Int
    public var mean: Double
    /// Standard error of the mean, s/√N.
    public var standardError: Double
    public var median: Double
    /// 5th and 95th percentiles.
    public var p5: Double
    public var p95: Double
    /// Fraction of instances where ours has more than half a digit fewer (the target).
    public var fractionWorse: Double
    /// Fraction where ours has more than half a digit more (the symmetric counterpart).
    public var fractionBetter: Double

    public init?(_ differences: [Double]) {
        guard !differences.isEmpty else { return nil }
        let d = differences.sorted()
        let n = Double(d.count)
        count = d.count
        let average = d.reduce(0, +) / n
        mean = average
        let variance = d.count > 1 ? d.map { ($0 - average) * ($0 - average) }.reduce(0, +) / (n - 1) : 0
        standardError = (variance / n).squareRoot()
        median = Self.quantile(d, 0.5)
        p5 = Self.quantile(d, 0.05)
        p95 = Self.quantile(d, 0.95)
        fractionWorse = Double(d.filter { $0 < -0.5 }.count) / n
        fractionBetter = Double(d.filter { $0 > 0.5 }.count) / n
    }

    /// The q-quantile of sorted values, interpolating between order statistics (type 7, R's and
    /// numpy's default).
    static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        let h = Double(sorted.count - 1) * q
        let (lo, hi) = (Int(h.rounded(.down)), Int(h.rounded(.up)))
        return sorted[lo] + (h - Double(lo)) * (sorted[hi] - sorted[lo])
    }
}

/// Many random instances of each family, every solver scored against the exact solution.
public enum AccuracyTrials {
    /// Per-instance minimum LRE of each solver (nil where the solver refused the problem).
    public struct FamilyResult: Sendable {
        public var family: AccuracyFamily
        public var lre: [TrialSolver: [Double?]]

        /// LRE(ours) − LRE(theirs) over the instances both solved.
        public func difference(_ ours: TrialSolver, _ theirs: TrialSolver) -> LREDifference? {
            let pairs = zip(lre[ours] ?? [], lre[theirs] ?? []).compactMap { a, b in a.flatMap { a in b.map { a - $0 } } }
            return LREDifference(pairs)
        }

        /// Instances the solver refused (e.g. `simd-fast` on a numerically rank-deficient A).
        public func refusals(_ solver: TrialSolver) -> Int { (lre[solver] ?? []).filter { $0 == nil }.count }
    }

    /// Solves `trials` instances of `family`, instance t from `AccuracyFamily.instanceSeed(seed, trial: t)`.
    public static func run(_ family: AccuracyFamily, trials: Int, seed: UInt64,
                           solvers: [TrialSolver] = TrialSolver.standard) -> FamilyResult {
        var lre = [TrialSolver: [Double?]]()
        for t in 0..<trials {
            let p = family.make(AccuracyFamily.instanceSeed(seed, trial: t))
            let score: ([Double]) -> Double
            if family.usesExactOracle {
                let exact = ExactLeastSquares.solve(p.a, p.b).x
                score = { minimumLogRelativeError($0, exact: exact) }
            } else {
                let reference = DoubleDoubleLeastSquares.solve(p.a, p.b)
                score = { minimumLogRelativeError($0, reference: reference) }
            }
            for s in solvers {
                let x = try? s.solve(p)
                lre[s, default: []].append(x.map(score))
            }
        }
        return FamilyResult(family: family, lre: lre)
    }
}
