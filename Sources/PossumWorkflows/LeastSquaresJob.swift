import Foundation
import PossumData
import PossumLinalg
import PossumStorage

/// `possum lstsq`'s work: read A and b, solve with the chosen rank-revealing backend, judge.
public struct LeastSquaresJob {
    /// A: CSV (no header) or HDF5 (`FILE.h5` or `FILE.h5:NAME`).
    public var matrixPath: String
    /// b: one number per row of A.
    public var rhsPath: String
    public var solver: SolverChoice
    public var options: RankRevealingOptions

    public init(matrixPath: String, rhsPath: String, solver: SolverChoice = .simd, options: RankRevealingOptions = RankRevealingOptions()) {
        (self.matrixPath, self.rhsPath, self.solver, self.options) = (matrixPath, rhsPath, solver, options)
    }

    /// The solution, its rank and condition, and warnings for the user (rank deficiency, ill conditioning).
    public struct Result: Encodable {
        public var solver: String
        public var rows: Int
        public var columns: Int
        public var solution: RankRevealingSolution
        public var seconds: Double
        public var warnings: [String]

        enum CodingKeys: String, CodingKey { case solver, rows, columns, x, rank, conditionEstimate = "condition_estimate", residualNorm = "residual_norm", refinementSteps = "refinement_steps", seconds, warnings }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(solver, forKey: .solver)
            try c.encode(rows, forKey: .rows)
            try c.encode(columns, forKey: .columns)
            try c.encode(solution.x, forKey: .x)
            try c.encode(solution.rank, forKey: .rank)
            try c.encode(solution.conditionEstimate.isFinite ? solution.conditionEstimate : -1, forKey: .conditionEstimate)
            try c.encode(solution.residualNorm, forKey: .residualNorm)
            try c.encode(solution.refinementSteps, forKey: .refinementSteps)
            try c.encode(seconds, forKey: .seconds)
            try c.encode(warnings, forKey: .warnings)
        }

        public func json() throws -> String {
            let e = JSONEncoder()
            e.outputFormatting = [.prettyPrinted, .sortedKeys]
            return String(decoding: try e.encode(self), as: UTF8.self)
        }

        public func summary() -> String {
            let cond = solution.conditionEstimate.isFinite ? String(format: "%.2e", solution.conditionEstimate) : "∞"
            var s = "\(rows)×\(columns) least squares, solver \(solver): rank \(solution.rank), κ₁(R) ≈ \(cond), ‖b − Ax‖ = \(String(format: "%.6g", solution.residualNorm))"
            if solution.refinementSteps > 0 { s += ", \(solution.refinementSteps) refinement steps" }
            return s + ", \(formatDuration(seconds))\n"
        }
    }

    public func run() throws -> Result {
        let a = try NumericArrayFile.read(matrixPath)
        let b = try NumericArrayFile.read(rhsPath)
        guard b.columns == 1 else {
            throw DataError(file: rhsPath, "b must have one number per line, found \(b.columns) per line")
        }
        guard b.rows == a.rows else {
            throw DataError(file: rhsPath, "b has \(b.rows) rows but A (\(matrixPath)) has \(a.rows)")
        }
        var matrix = Matrix(rows: a.rows, columns: a.columns)
        for i in 0..<a.rows { for j in 0..<a.columns { matrix[i, j] = a.values[i * a.columns + j] } }
        let backend = solver.makeSolver()
        let clock = ContinuousClock()
        let start = clock.now
        let solution: RankRevealingSolution
        do {
            solution = try backend.solveMinimumNormInRange(matrix, b.values, options: options)
        } catch let error as LinalgError {
            // Name the file the refusal is about (the readers have checked shapes and finiteness).
            switch error {
            case .nonFinite(operand: "b", _, _), .outOfRange(operand: "residual", _): throw DataError(file: rhsPath, error.description)
            default: throw DataError(file: matrixPath, error.description)
            }
        }
        let elapsed = clock.now - start
        let warnings = Self.warnings(for: solution, rows: a.rows, columns: a.columns, options: options)
        return Result(solver: solver.rawValue, rows: a.rows, columns: a.columns, solution: solution,
                      seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18,
                      warnings: warnings)
    }

    /// What the user should know about a solution of an m × n problem: rank deficiency, refinement
    /// not applied, ill conditioning (shared by `lstsq A b` and `lstsq --r`).
    static func warnings(for solution: RankRevealingSolution, rows: Int, columns: Int, options: RankRevealingOptions) -> [String] {
        var warnings: [String] = []
        // A wide A (m < n) of rank m is not deficient: its minimum-norm solution is the answer asked for.
        if solution.rank < min(rows, columns) {
            let of = rows < columns ? "\(rows) rows" : "\(columns) columns"
            warnings.append("A is rank-deficient (numerical rank \(solution.rank) of \(of)): the minimum-norm solution is returned")
        }
        if options.refine && solution.refinementSteps == 0 && solution.rank < columns {
            warnings.append("--refine was not applied: refinement is for problems of full column rank (rank \(solution.rank) of \(columns) columns)")
        }
        // Rank 0 (A = 0) has no triangle to be conditioned: κ = ∞ says nothing the rank does not.
        if solution.rank > 0 && solution.isIllConditioned {
            // Int(exactly:) after clamping: an estimate of ∞ or NaN must not trap the conversion.
            let digits = Int(exactly: max(0, min(17, (-log10(solution.conditionEstimate * .ulpOfOne)).rounded(.down)))) ?? 0
            warnings.append(String(format: "A is ill-conditioned (κ₁(R) ≈ %.1e): expect about %d correct digits%@", solution.conditionEstimate, digits,
                                   options.refine ? "" : "; --refine may recover more"))
        }
        return warnings
    }
}
