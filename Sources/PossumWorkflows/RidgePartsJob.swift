import Foundation
import PossumData
import PossumLinalg
import PossumML
import PossumStorage

/// RidgeCV over row blocks processed anywhere (docs/distributed.md): `possum qr partial` per
/// block and `qr combine` give the centered triangle and moments of all rows; then
/// `leverages` per block (`possum ridge leverages`) gives that block's share of the
/// leave-one-out sums, and `finish` (`possum train --r … --leverages …`) adds them up and picks α.
/// The features are the part's numeric columns, z-scored with the combined moments.
public enum RidgePartsJob {
    /// What a combined part fixes for the fit: the triangle of the standardized, centered
    /// [Z_c | y_c], the scaler, the target's mean, and the part itself.
    struct Basis {
        var part: QRPart
        var triangle: Matrix
        var scaler: StandardScaler
        /// The exact means of the standardized columns, (mean − scaler mean)/scale (see `StreamingTraining.scaler`).
        var zMeans: [Double]
        var yMean: Double
        var yResidual: Double
    }

    /// Standardizing commutes with the triangle: Z_c = X_c·D with D = diag(1/sⱼ), and R·D is upper
    /// triangular with (R·D)ᵀ(R·D) = Z_cᵀZ_c, so the centered R of [X | y] times diag(1/s, 1) is
    /// the R of [Z_c | y_c] — no row is needed again.
    static func basis(_ path: String) throws -> Basis {
        let part = try QRPartFile.read(path)
        guard let centered = part.centeredR else {
            throw DataError(file: path, "has no centered triangle (/r_centered): it was written by an older possum; redo `possum qr partial`")
        }
        let p = part.columns.count
        guard part.rows > p else { throw DataError(file: path, FeatureError.tooFewRows(rows: part.rows, features: p).description) }
        let means = part.moments.means, scales = part.moments.standardDeviations
        if let j = (0..<p).first(where: { scales[$0] == 0 }) { throw DataError(file: path, FeatureError.constantColumn(part.columns[j]).description) }
        if let j = (0...p).first(where: { !means[$0].isFinite || !scales[$0].isFinite }) {
            throw DataError(file: path, FeatureError.notFinite(j < p ? part.columns[j] : part.target).description)
        }
        var triangle = centered
        for j in 0..<p { for i in 0...j { triangle[i, j] = centered[i, j] / scales[j] } }
        let residuals = part.moments.meanResiduals
        return Basis(part: part, triangle: triangle, scaler: StandardScaler(mean: Array(means.prefix(p)), scale: Array(scales.prefix(p))),
                     zMeans: (0..<p).map { residuals[$0] / scales[$0] }, yMean: means[p], yResidual: residuals[p])
    }

    /// The LOO sums of rows `rows` (all when nil) of the table in `data` against the combined part
    /// `partPath`, for each α. The rows must be among the part's (same table, inside its ranges).
    public static func leverages(data: String, table: String?, rows: Range<Int>?, partPath: String, alphas: [Double],
                                 solver: SolverChoice = .simd) throws -> RidgeLeverages {
        guard !alphas.isEmpty, alphas.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw TrainingJobError.alphasNotPositive(alphas.first { !($0 > 0 && $0.isFinite) })
        }
        let basis = try basis(partPath)
        let part = basis.part
        let t = try HDF5Table(path: data, table: table)
        let range = rows ?? 0..<t.rowCount
        guard range.upperBound <= t.rowCount else {
            throw DataError(file: data, "rows \(range.lowerBound):\(range.upperBound) are outside the table's \(t.rowCount) rows (0:\(t.rowCount))")
        }
        let source = QRPart.Source(tableName: t.tableName, tableSHA256: t.sourceSHA256, file: URL(fileURLWithPath: data).lastPathComponent,
                                   rowRanges: [range])
        guard let covered = part.sources.first(where: { $0.isSameTable(as: source) }),
              covered.rowRanges.contains(where: { $0.lowerBound <= range.lowerBound && range.upperBound <= $0.upperBound }) else {
            throw DataError(file: data, "rows \(range.lowerBound):\(range.upperBound) of table '\(t.tableName)' are not among the rows of \(partPath) (\(part.coverage)): leverages are summed over the rows the triangle was built from")
        }
        let reader = try TableRowBlocks(table: t, numeric: part.columns + [part.target], text: [])
        let ridge = RidgeCV(alphas: alphas)
        let models = try ridge.path(triangle: basis.triangle, solver: solver.makeSolver())
        let spectral = ridge.leaveOneOutBasis(triangle: basis.triangle, totalRows: part.rows)
        let p = part.columns.count
        var sse = [Double](repeating: 0, count: alphas.count), rss = sse
        var count = 0
        for start in stride(from: range.lowerBound, to: range.upperBound, by: TableRowBlocks.defaultBlockRows) {
            let block = try reader.read(start..<min(start + TableRowBlocks.defaultBlockRows, range.upperBound))
            let complete = StreamingTraining.completeRows(block)
            var z = Matrix(rows: complete.count, columns: p)
            for j in 0..<p { for (k, i) in complete.enumerated() { z[k, j] = block.numeric[j][i] } }
            basis.scaler.transform(inPlace: &z)
            let yc = complete.map { (block.numeric[p][$0] - basis.yMean) - basis.yResidual }
            let share = ridge.leaveOneOutSums(block: z, means: basis.zMeans, yc: yc, totalRows: part.rows, models: models,
                                              spectral: spectral)
            for a in alphas.indices { sse[a] += share.sse[a]; rss[a] += share.rss[a] }
            count += complete.count
        }
        return RidgeLeverages(sources: [source], columns: part.columns, target: part.target, alphas: alphas, looSSE: sse, rss: rss,
                              rows: count, partSHA256: try SHA256.hex(ofFile: partPath))
    }

    /// The fit from a combined part and the leverage files of blocks that cover exactly its rows
    /// (each row once), with the same α grid. What `possum train` on all the rows gives, to
    /// rounding.
    public static func finish(partPath: String, leveragePaths: [String], alphas: [Double], solver: SolverChoice = .simd)
        throws -> (fit: RidgeCV.Fit, transform: FeatureTransform, rows: Int, sourceSHA256: String) {
        let basis = try basis(partPath)
        let part = basis.part
        let digest = try SHA256.hex(ofFile: partPath)
        guard let firstPath = leveragePaths.first else { throw DataError(file: partPath, "no leverage files to finish with") }
        var sse = [Double](repeating: 0, count: alphas.count), rss = sse
        var rows = 0
        var covered: [(source: Int, range: Range<Int>, file: String)] = []
        for path in leveragePaths {
            let sums = try RidgeLeveragesFile.read(path)
            guard sums.partSHA256 == digest else {
                throw DataError(file: path, "was computed against another combined part (sha256 \(sums.partSHA256.prefix(12))), not \(partPath) (\(digest.prefix(12)))")
            }
            guard sums.alphas == alphas else {
                throw DataError(file: path, "holds sums for another alpha grid (\(sums.alphas.count) alphas from \(sums.alphas.first ?? 0) to \(sums.alphas.last ?? 0)): give train the --alphas that `ridge leverages` used")
            }
            for source in sums.sources {
                guard let k = part.sources.firstIndex(where: { $0.isSameTable(as: source) }) else {
                    throw DataError(file: path, "covers table '\(source.tableName)', which \(partPath) does not")
                }
                covered += source.rowRanges.map { (k, $0, path) }
            }
            for a in alphas.indices { sse[a] += sums.looSSE[a]; rss[a] += sums.rss[a] }
            rows += sums.rows
        }
        covered.sort { ($0.source, $0.range.lowerBound) < ($1.source, $1.range.lowerBound) }
        for (a, b) in zip(covered, covered.dropFirst()) where a.source == b.source && b.range.lowerBound < a.range.upperBound {
            throw DataError(file: b.file, "rows \(b.range.lowerBound):\(b.range.upperBound) overlap rows \(a.range.lowerBound):\(a.range.upperBound) of \(a.file): each row must be summed once")
        }
        for (k, source) in part.sources.enumerated() {
            var joined: [Range<Int>] = []
            for c in covered where c.source == k {
                if let last = joined.last, last.upperBound == c.range.lowerBound { joined[joined.count - 1] = last.lowerBound..<c.range.upperBound }
                else { joined.append(c.range) }
            }
            guard joined == source.rowRanges else {
                let text = { (r: [Range<Int>]) in r.map { "\($0.lowerBound):\($0.upperBound)" }.joined(separator: ",") }
                throw DataError(file: firstPath, "the leverage files cover rows \(text(joined).isEmpty ? "none" : text(joined)) of table '\(source.tableName)', \(partPath) rows \(text(source.rowRanges)): they must cover the same rows")
            }
        }
        guard rows == part.rows else { throw DataError(file: firstPath, "the leverage files sum \(rows) complete rows, \(partPath) has \(part.rows): the table changed in between") }
        let p = part.columns.count
        let ridge = RidgeCV(alphas: alphas)
        let models = try ridge.path(triangle: basis.triangle, solver: solver.makeSolver())
        let n = part.rows
        let tss = part.moments.variances[p] * Double(n)
        let fit = ridge.choose(models: models, sse: sse, rss: rss, tss: tss, rows: n, xMeans: basis.zMeans, yMean: basis.yMean + basis.yResidual)
        let transform = FeatureTransform(spec: FeatureSpec(target: part.target, numeric: part.columns), numericColumns: part.columns,
                                         encodings: [], scaler: basis.scaler)
        return (fit, transform, n, part.sources.map(\.tableSHA256).joined(separator: ","))
    }
}
