import PossumLinalg
import PossumOpenBLAS
import Testing

/// `solveMinimumNormInRange` on finite data near Double's limits: correct answers where they
/// exist, `LinalgError.outOfRange` where x or the residual norm does not fit — never ±∞ or NaN.
@Suite struct MinimumNormRangeTests {
    static let solvers: [any RankRevealingSolver] = [SIMDSolver(), NaiveSolver(), OpenBLASSolver()]

    static func sample() -> (a: Matrix, b: [Double]) {
        var rng = SplitMix64(seed: 13)
        let a = Matrix.random(rows: 6, columns: 3, using: &rng)
        return (a, (0..<6).map { _ in Double.random(in: -1.5...1.5, using: &rng) })
    }

    /// b is scaled to [1, 2) before solving, so scaling b by a power of two scales x by exactly
    /// that power, even when b's entries are near the largest double (where Qᵀb would overflow).
    @Test func hugeRightHandSideScalesTheSolutionExactly() throws {
        let (a, b) = Self.sample()
        let big = Double(sign: .plus, exponent: 1022, significand: 1)  // max|b·big| ≈ 1.3e308
        for solver in Self.solvers {
            let small = try solver.solveMinimumNormInRange(a, b, options: .init())
            let large = try solver.solveMinimumNormInRange(a, b.map { $0 * big }, options: .init())
            #expect(large.x == small.x.map { $0 * big }, "\(solver.name)")
            #expect(large.rank == 3 && large.residualNorm.isFinite, "\(solver.name)")
        }
    }

    /// A column whose 2-norm overflows (entries near the largest double) is equilibrated from
    /// its largest entry: the same answer as for that column scaled down by 2⁶⁰⁰, up to 2⁻⁶⁰⁰ on x₀.
    /// (Before, an overflowed norm gave the column a scale of 0: x₀ = 0 and rank 2.)
    @Test func columnWithOverflowingNormIsEquilibrated() throws {
        var (a, b) = Self.sample()
        var huge = a
        let factor = Double(sign: .plus, exponent: 600, significand: 1)
        for i in 0..<a.rows {
            a[i, 0] = 1.2 + Double(i) * 0.05      // rows 1e308-ish below, norm > 1.8e308
            huge[i, 0] = a[i, 0] * (Double.greatestFiniteMagnitude / 2)
            a[i, 0] = huge[i, 0] / factor
        }
        b = b.map { $0 * 1e300 }
        for solver in [SIMDSolver(), NaiveSolver()] as [any RankRevealingSolver] {
            let reference = try solver.solveMinimumNormInRange(a, b, options: .init())
            let s = try solver.solveMinimumNormInRange(huge, b, options: .init())
            #expect(s.rank == 3, "\(solver.name)")
            #expect(abs(s.x[0] * factor - reference.x[0]) <= 1e-12 * abs(reference.x[0]), "\(solver.name)")
            for j in 1..<3 { #expect(abs(s.x[j] - reference.x[j]) <= 1e-12 * abs(reference.x[j]), "\(solver.name) x[\(j)]") }
        }
    }

    /// dgelsy scales its R back to A's units at the end, where entries near the largest double
    /// overflow; A pre-scaled by a power of two keeps κ (scale-invariant) finite: here ≈ 1.
    @Test func dgelsyConditionEstimateSurvivesHugeEntries() throws {
        let a = Matrix(rowMajor: [[1.7e308, 1.7e308], [1.7e308, -1.7e308], [1, 1]])
        let s = try OpenBLASSolver().solveMinimumNormInRange(a, [1, 2, 3], options: .init())
        #expect(s.rank == 2 && s.conditionEstimate.isFinite && s.conditionEstimate < 10, "κ \(s.conditionEstimate)")
        #expect(s.x.allSatisfy { $0.isFinite })
    }

    /// x = 1e300/1e-300 does not exist in Double: refused, naming the column, by every solver.
    @Test func solutionBeyondRangeIsRefused() {
        let a = Matrix(rowMajor: [[1e-300, 0], [0, 1e-300], [0, 0]])
        for solver in Self.solvers {
            #expect(throws: LinalgError.self, "\(solver.name)") {
                try solver.solveMinimumNormInRange(a, [1e300, 1e300, 0], options: .init())
            }
            do {
                _ = try solver.solveMinimumNormInRange(a, [1e300, 1e300, 0], options: .init())
            } catch let error as LinalgError {
                guard case .outOfRange("x", let message) = error else { Issue.record("\(solver.name): \(error)"); continue }
                #expect(message.contains("column 1 of A"), "\(solver.name): \(message)")
            } catch { Issue.record("\(solver.name): \(error)") }
        }
        // A = 0: x = 0 but ‖b‖ = √3·1.7e308 is beyond the range.
        for solver in Self.solvers {
            #expect(throws: LinalgError.self, "\(solver.name)") {
                try solver.solveMinimumNormInRange(Matrix(rows: 3, columns: 2), [1.7e308, 1.7e308, 1.7e308], options: .init())
            }
        }
    }

    /// The wide path equilibrates A's rows before the QR of Aᵀ: rows whose 2-norms overflow
    /// (entries up to 2¹⁰²³ ≈ 9e307) give the same x as the rows scaled down (A·x = b and
    /// 2ᵏA·x = 2ᵏb have the same solutions). Without it R's diagonal overflows to ∞.
    @Test func wideRowsWithOverflowingNormsAreEquilibrated() throws {
        var rng = SplitMix64(seed: 7)
        let a = Matrix.random(rows: 3, columns: 50, using: &rng)
        let b = [0.5, -1, 0.25]
        let big = Double(sign: .plus, exponent: 1023, significand: 1)
        var scaled = a
        for i in 0..<3 { for j in 0..<50 { scaled[i, j] = a[i, j] * big } }
        for solver in Self.solvers {
            let reference = try solver.solveMinimumNormInRange(a, b, options: .init())
            let s = try solver.solveMinimumNormInRange(scaled, b.map { $0 * big }, options: .init())
            #expect(s.rank == 3, "\(solver.name)")
            let error = zip(s.x, reference.x).map { abs($0 - $1) }.max() ?? .infinity
            #expect(error <= 1e-12 * (reference.x.map(abs).max() ?? 0), "\(solver.name): \(error)")
        }
    }
}
