import Foundation
import PossumData
import PossumLinalg
import PossumProgress
import PossumStorage

/// `possum lstsq`'s work: read A and b, solve with the chosen rank-revealing backend, judge.
public struct LeastSquaresJob {
    /// A: CSV (no header) or HDF5 (`FILE.h5` or `FILE.h5:NAME`).
    public var matrixPath: String
    /// b: one number per row of A.
    public var rhsPath: String
    public var solver: SolverChoice
    public var options: RankRevealingOptions
    /// Whole in memory, or a block of rows at a time (see `Reading`).
    public var reading: Reading = .automatic
    /// Hears the rows of A as they are read (streaming only: the in-memory read is one call).
    public var progress: any ProgressReporter = SilentProgress()
    /// A CSV A's and b's byte between fields (`--delimiter`); nil: detected from their first lines.
    public var delimiter: UInt8?

    /// How A and b are read: `.automatic` reads an HDF5 A of more than
    /// `RowBlockReading.streamingThreshold` bytes in blocks; `.blocks` is a tall-skinny QR over the
    /// blocks, then the rank-revealing solve on the (n+1) × (n+1) triangle.
    public typealias Reading = RowBlockReading

    /// Rows per block when none is asked for: about 1 Mi doubles (8 MiB) of A per block, and at
    /// least n + 1 rows.
    public static func defaultBlockRows(columns: Int) -> Int { max(columns + 1, (1 << 20) / max(1, columns)) }

    /// Reading in blocks carries the (n+1) × (n+1) triangle of [A | b]: at most 4096 columns (128 MiB).
    public static let maximumBlockColumns = 4096
    /// Copies of A an in-memory solve holds: the values read, the matrix, the solver's factorization.
    static let inMemoryCopies = 3

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
        /// Rows per block when A was read in blocks; nil when it was read whole.
        public var blockRows: Int? = nil

        enum CodingKeys: String, CodingKey { case solver, rows, columns, x, rank, conditionEstimate = "condition_estimate", residualNorm = "residual_norm", refinementSteps = "refinement_steps", seconds, warnings, blockRows = "block_rows" }

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
            try c.encodeIfPresent(blockRows, forKey: .blockRows)
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
            if let blockRows { s += ", read in blocks of \(blockRows) rows" }
            return s + ", \(formatDuration(seconds))\n"
        }
    }

    public func run() throws -> Result {
        switch reading {
        case .inMemory:
            if let blocks = try NumericArrayFile.openBlocks(matrixPath) {
                try RowBlockReading.requireRoom(matrixPath, bytes: blocks.byteCount, copies: Self.inMemoryCopies)
            }
        case let .blocks(rows):
            guard let blocks = try NumericArrayFile.openBlocks(matrixPath) else {
                throw DataError(file: matrixPath, "a CSV A is read whole: reading in blocks needs A in HDF5 (FILE.h5 or FILE.h5:NAME)")
            }
            guard blocks.columns <= Self.maximumBlockColumns else {
                throw DataError(file: matrixPath, "A has \(blocks.columns) columns: reading in blocks carries an (n+1)×(n+1) triangle, for at most \(Self.maximumBlockColumns) columns (--in-memory reads a wide A whole)")
            }
            return try streamed(blocks, blockRows: rows)
        case .automatic:
            // Only a tall A with a triangle that fits is worth streaming; a wide one is solved through Aᵀ.
            if let blocks = try NumericArrayFile.openBlocks(matrixPath),
               blocks.byteCount > RowBlockReading.streamingThreshold || !RowBlockReading.fits(blocks.byteCount, copies: Self.inMemoryCopies),
               blocks.rows > blocks.columns, blocks.columns <= Self.maximumBlockColumns {
                return try streamed(blocks, blockRows: Self.defaultBlockRows(columns: blocks.columns))
            }
        }
        let a = try NumericArrayFile.read(matrixPath, delimiter: delimiter)
        let b = try NumericArrayFile.read(rhsPath, delimiter: delimiter)
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

    /// A read a block of rows at a time: R of [A | b] by a tall-skinny QR over the blocks (the R
    /// so far stacked on the next block, factored: every step orthogonal, so as backward stable as
    /// one QR of all rows), then x from R = [R₁₁ c; 0 ρ] as `lstsq --r` finishes: the pivoted,
    /// minimum-norm solve of R₁₁·x = c (R₁₁ᵀR₁₁ = AᵀA, so the same rank, minimizers and
    /// minimum-norm x), ‖b − A·x‖² = ‖c − R₁₁·x‖² + ρ². Memory: a block of rows and the triangle.
    func streamed(_ a: NumericArrayBlocks, blockRows requested: Int) throws -> Result {
        let (m, n) = (a.rows, a.columns)
        let width = n + 1
        // At most 2²⁸ doubles (2 GiB) a block, whatever --block-rows says: a block is meant to fit.
        let blockRows = max(1, min(requested, m, max(1, (1 << 28) / width)))
        // b: in blocks when it is HDF5 too; a CSV b is read whole (m numbers, 8 bytes a row).
        let bBlocks = try NumericArrayFile.openBlocks(rhsPath)
        let bWhole = bBlocks == nil ? try NumericArrayFile.read(rhsPath, delimiter: delimiter) : nil
        let (bRows, bColumns) = bBlocks.map { ($0.rows, $0.columns) } ?? bWhole.map { ($0.rows, $0.columns) } ?? (0, 0)
        guard bColumns == 1 else {
            throw DataError(file: rhsPath, "b must have one number per line, found \(bColumns) per line")
        }
        guard bRows == m else {
            throw DataError(file: rhsPath, "b has \(bRows) rows but A (\(matrixPath)) has \(m)")
        }
        let backend = solver.makeSolver()
        let clock = ContinuousClock()
        let start = clock.now
        progress.begin("reading A", total: m, unit: .items("rows"))
        var rowMajor = [Double](repeating: 0, count: blockRows * n)
        var rhs = [Double](repeating: 0, count: blockRows)
        // R starts as zeros: zero rows change no Gram matrix, and every stack has ≥ n + 1 rows.
        var r = Matrix(rows: width, columns: width)
        // The stack [R; A_block | b_block] and the factorization's scratch live across blocks: a fresh
        // allocation of that size per block made the kernel map, fault in and unmap pages for each one.
        var stacked = [Double](repeating: 0, count: (width + blockRows) * width)
        var tau = [Double]()
        var workspace = QRWorkspace()
        var first = 0
        while first < m {
            let count = min(blockRows, m - first)  // first < m: no overflow
            let rows = first..<(first + count)
            try rowMajor.withUnsafeMutableBufferPointer { try a.read(rows: rows, into: UnsafeMutableBufferPointer(rebasing: $0[0..<(count * n)])) }
            if let bBlocks {
                try rhs.withUnsafeMutableBufferPointer { try bBlocks.read(rows: rows, into: UnsafeMutableBufferPointer(rebasing: $0[0..<count])) }
            } else if let bWhole {
                for i in 0..<count { rhs[i] = bWhole.values[first + i] }
            }
            // [R; A_block | b_block], column-major.
            let ld = width + count
            stacked.withUnsafeMutableBufferPointer { s in
                for j in 0..<width { for i in 0..<width { s[i + j * ld] = i <= j ? r[i, j] : 0 } }
                rowMajor.withUnsafeBufferPointer { block in
                    for j in 0..<n {
                        let column = j * ld + width
                        for i in 0..<count { s[column + i] = block[i * n + j] }
                    }
                }
                for i in 0..<count { s[n * ld + width + i] = rhs[i] }
            }
            if solver == .simd {
                // In place: R lands in the upper triangle of the stack's first rows (every path's layout).
                let needed = SIMDSolver.tauCount(rows: ld, columns: width)
                if tau.count < needed { tau = [Double](repeating: 0, count: needed) }
                stacked.withUnsafeMutableBufferPointer { s in
                    tau.withUnsafeMutableBufferPointer { t in
                        guard let base = s.baseAddress, let tauBase = t.baseAddress else { return }  // both non-empty
                        let view = MutableMatrixView(base: base, rows: ld, columns: width, leadingDimension: ld)
                        SIMDSolver().factor(inPlace: view, tau: tauBase, workspace: &workspace)
                        for j in 0..<width { for i in 0...j { r[i, j] = view[i, j] } }
                    }
                }
            } else {
                r = try backend.factorize(Matrix(rows: ld, columns: width, columnMajor: Array(stacked[0..<(ld * width)]))).r
            }
            first += count
            progress.update(completed: first)
        }
        guard (0..<width).allSatisfy({ j in (0...j).allSatisfy { r[$0, j].isFinite } }) else {
            throw DataError(file: matrixPath, "the R factor of [A | b] is not finite (values too large to be read in blocks without scaling): solve it with --in-memory")
        }
        let r11 = r.submatrix(rows: 0..<n, columns: 0..<n)
        let c = (0..<n).map { r[$0, n] }
        // The rank tolerance is that of A (max(m, n)·ε by default), not of the n × n triangle.
        var finish = options
        finish.tolerance = options.tolerance ?? Double(max(m, n)) * .ulpOfOne
        var solution: RankRevealingSolution
        do {
            solution = try backend.solveMinimumNormInRange(r11, c, options: finish)
        } catch let error as LinalgError {
            throw DataError(file: matrixPath, error.description)
        }
        solution.residualNorm = hypot(solution.residualNorm, r[n, n])
        guard solution.residualNorm.isFinite else {
            throw DataError(file: rhsPath, "the residual norm ‖b − A·x‖ is beyond Double's range (±1.8e308): rescale b")
        }
        let elapsed = clock.now - start
        return Result(solver: solver.rawValue, rows: m, columns: n, solution: solution,
                      seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18,
                      warnings: Self.warnings(for: solution, rows: m, columns: n, options: options), blockRows: blockRows)
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
