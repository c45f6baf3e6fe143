import Foundation
import PossumData
import PossumLinalg
import PossumML
import PossumStorage

/// `possum qr partial|combine` and `possum lstsq --r`: least squares of a table's target on its
/// columns, split over row blocks that can be processed anywhere (see docs/distributed.md).
/// The problem solved is plain, uncentered least squares: min ‖y − X·x‖₂ over the complete rows,
/// no intercept (add a column of ones to get one).
public enum PartialQRJob {
    /// The part for rows `rows` (all rows when nil) of `table` in the table file `data`: R of
    /// [X | y] and the moments of its columns over the rows complete in all of them. Reads only
    /// those rows (hyperslabs).
    public static func partial(data: String, table: String?, rows: Range<Int>?, columns: [String]?, target: String,
                               solver: SolverChoice = .simd) throws -> QRPart {
        let t = try HDF5Table(path: data, table: table)
        try t.requireColumn(target)
        let xColumns = columns ?? t.columnNames.filter { $0 != target }
        guard !xColumns.isEmpty else { throw DataError(file: data, "no columns to regress '\(target)' on: name them with --columns") }
        if xColumns.contains(target) {
            throw DataError(file: data, "the target '\(target)' is also among --columns")
        }
        if let duplicate = xColumns.enumerated().first(where: { xColumns[..<$0.offset].contains($0.element) })?.element {
            throw DataError(file: data, "column '\(duplicate)' is named twice in --columns")
        }
        for c in xColumns { try t.requireColumn(c) }
        let range = rows ?? 0..<t.rowCount
        guard !range.isEmpty else { throw DataError(file: data, "--rows \(range.lowerBound):\(range.upperBound) is empty") }
        // One read per column of only these rows; then keep the rows complete in every column.
        let values = try (xColumns + [target]).map { try t.numericColumn($0, rows: range) }
        let complete = (0..<range.count).filter { i in values.allSatisfy { $0[i] != nil } }
        var xy = Matrix(rows: complete.count, columns: values.count)
        for (j, column) in values.enumerated() {
            for (k, i) in complete.enumerated() { xy[k, j] = column[i] ?? 0 }
        }
        let backend = solver.makeSolver()
        let r = try RowBlockTriangle.factor(xy, solver: backend)
        let moments = ColumnMoments(block: xy)
        // Centered at these rows' own means (the double mean, then its rounding residual, so a column
        // of 1e8 + noise is centered to rounding): combining adds the rows that move them to the common mean.
        var centered = xy
        if xy.rows > 0 {
            for (j, (m, r)) in zip(moments.means, moments.meanResiduals).enumerated() {
                for i in 0..<xy.rows { centered[i, j] = (centered[i, j] - m) - r }
            }
        }
        let rc = try RowBlockTriangle.factor(centered, solver: backend)
        guard (0..<r.columns).allSatisfy({ j in (0...j).allSatisfy { r[$0, j].isFinite && rc[$0, j].isFinite } }) else {
            throw DataError(file: data, "rows \(range.lowerBound):\(range.upperBound): the R factor is not finite (values too large for least squares without scaling)")
        }
        let source = QRPart.Source(tableName: t.tableName, tableSHA256: t.sourceSHA256,
                                   file: URL(fileURLWithPath: data).lastPathComponent, rowRanges: [range])
        return QRPart(sources: [source], columns: xColumns, target: target, r: r, centeredR: rc, moments: moments)
    }

    /// The parts in `paths` reduced to one: R of their stacked R's, moments merged, row ranges
    /// joined per source table. Parts may come from different table files (a data set split over
    /// files) when they regress the same target on the same columns; rows of one table (same name
    /// and source SHA-256) must not overlap (rows counted twice would weigh twice), naming the files.
    ///
    /// The centered triangles combine as Chan's update does for M2: with nᵢ, meanᵢ, Rᵢ of each
    /// part and mean the merged mean, [X − mean]ᵀ[X − mean] = Σ RᵢᵀRᵢ + nᵢ·δᵢδᵢᵀ with
    /// δᵢ = meanᵢ − mean, so the R factor of the Rᵢ stacked with the rows √nᵢ·δᵢᵀ is the centered R
    /// of all rows — orthogonal steps again, with no Σx² formed.
    public static func combine(_ paths: [String], solver: SolverChoice = .simd) throws -> QRPart {
        guard let firstPath = paths.first else { throw DataError(file: "-", "no part files to combine") }
        let parts = try paths.map { try QRPartFile.read($0) }
        let first = parts[0]
        var moments = ColumnMoments(columns: first.columns.count + 1)
        var sources: [QRPart.Source] = []
        var covered: [(source: Int, range: Range<Int>, file: String)] = []
        for (part, path) in zip(parts, paths) {
            guard part.columns == first.columns, part.target == first.target else {
                throw DataError(file: path, "regresses '\(part.target)' on (\(part.columns.joined(separator: ","))), \(firstPath) '\(first.target)' on (\(first.columns.joined(separator: ","))): parts must use the same columns in the same order")
            }
            for source in part.sources {
                let k = sources.firstIndex { $0.isSameTable(as: source) } ?? {
                    sources.append(QRPart.Source(tableName: source.tableName, tableSHA256: source.tableSHA256, file: source.file, rowRanges: []))
                    return sources.count - 1
                }()
                covered += source.rowRanges.map { (k, $0, path) }
            }
            do { try moments.merge(part.moments) } catch { throw DataError(file: path, "\(error)") }
        }
        covered.sort { ($0.source, $0.range.lowerBound) < ($1.source, $1.range.lowerBound) }
        for (a, b) in zip(covered, covered.dropFirst()) where a.source == b.source && b.range.lowerBound < a.range.upperBound {
            let table = sources[a.source].file.isEmpty ? "table '\(sources[a.source].tableName)'" : sources[a.source].file
            throw DataError(file: b.file, "rows \(b.range.lowerBound):\(b.range.upperBound) of \(table) overlap rows \(a.range.lowerBound):\(a.range.upperBound) of \(a.file): each row must be in one part only")
        }
        // Adjacent ranges are joined, so a combined file lists what it covers compactly.
        for c in covered {
            if let last = sources[c.source].rowRanges.last, last.upperBound == c.range.lowerBound {
                sources[c.source].rowRanges[sources[c.source].rowRanges.count - 1] = last.lowerBound..<c.range.upperBound
            } else {
                sources[c.source].rowRanges.append(c.range)
            }
        }
        let backend = solver.makeSolver()
        let r = try RowBlockTriangle.combine(parts.map(\.r), solver: backend)
        var centered: Matrix? = nil
        if parts.allSatisfy({ $0.centeredR != nil }) {
            let width = first.columns.count + 1
            let shifts = parts.filter { $0.rows > 0 }.map { part -> Matrix in
                var row = Matrix(rows: width, columns: width)
                let scale = Double(part.rows).squareRoot()
                for (j, d) in part.moments.meanDifferences(from: moments).enumerated() { row[0, j] = scale * d }
                return row
            }
            centered = try RowBlockTriangle.combine(parts.compactMap(\.centeredR) + shifts, solver: backend)
        }
        return QRPart(sources: sources, columns: first.columns, target: first.target, r: r, centeredR: centered, moments: moments)
    }

    /// Finishes least squares from a (combined) part: with R = [R₁₁ c; 0 ρ], x solves
    /// min ‖R₁₁·x − c‖ (the same minimizers as min ‖y − X·x‖ over the part's rows, rank-revealing
    /// and minimum-norm as `lstsq` is), and ‖y − X·x‖² = ‖R₁₁·x − c‖² + ρ².
    public static func solve(partPath: String, solver: SolverChoice = .simd,
                             options: RankRevealingOptions = RankRevealingOptions()) throws -> (part: QRPart, result: LeastSquaresJob.Result) {
        let part = try QRPartFile.read(partPath)
        let p = part.columns.count
        guard part.rows > 0 else { throw DataError(file: partPath, "covers no complete rows: nothing to solve") }
        let r11 = part.r.submatrix(rows: 0..<p, columns: 0..<p)
        let c = (0..<p).map { part.r[$0, p] }
        let clock = ContinuousClock()
        let start = clock.now
        var solution: RankRevealingSolution
        do {
            solution = try solver.makeSolver().solveMinimumNormInRange(r11, c, options: options)
        } catch let error as LinalgError {
            throw DataError(file: partPath, error.description)
        }
        solution.residualNorm = hypot(solution.residualNorm, part.residualNorm)
        let elapsed = clock.now - start
        let warnings = LeastSquaresJob.warnings(for: solution, rows: part.rows, columns: p, options: options)
        return (part, LeastSquaresJob.Result(solver: solver.rawValue, rows: part.rows, columns: p, solution: solution,
                                             seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18,
                                             warnings: warnings))
    }
}
