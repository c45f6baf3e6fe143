import Foundation
import PossumData
import PossumLinalg
import PossumML
import PossumProgress
import PossumStorage

/// `possum train` on an HDF5 table in row blocks (`RowBlockReading`, as features and predict): three passes,
/// each holding one block of rows, the (p+1)² triangle and O(p²) per α.
/// 1. Column moments (Chan's merge, `ColumnMoments`) of the numeric columns and the target, and
///    the level counts of the text columns: the scaler and the one-hot encodings.
/// 2. The triangle of the standardized, centered [Z_c | y_c] (flat-tree TSQR as `RidgeCV.fit`),
///    then the α grid from it.
/// 3. Each block's share of the per-α leave-one-out sums.
/// Pass 1 also keeps an even sample of at most `TrainingJob.Result.largestPicture` table rows for
/// the predicted-vs-true picture (the whole training set is never held).
struct StreamingTraining {
    var path: String
    var spec: FeatureSpec
    var alphas: [Double]
    var solver: SolverChoice
    var progress: any ProgressReporter
    var blockRows: Int

    struct Output {
        var fit: RidgeCV.Fit
        var transform: FeatureTransform
        var rows: Int
        var sample: (truth: [Double], fitted: [Double])
    }

    /// The decided columns and a reader of them.
    private func open() throws -> (columns: [ColumnDecision], decided: FeatureSpec, reader: TableRowBlocks) {
        let table = try HDF5Table(path: path)
        let columns = try spec.resolve(table)
        let decided = spec.decided(by: columns)
        let reader = try TableRowBlocks(path: path, table: table.tableName, numeric: decided.numeric + [decided.target], text: decided.categorical)
        return (columns, decided, reader)
    }

    func run() throws -> Output {
        let (columns, decided, reader) = try open()
        let q = decided.numeric.count
        let usedNames = decided.numeric + [decided.target] + decided.categorical

        // Pass 1: moments, levels, the picture's sample.
        progress.begin("pass 1/3: moments", total: reader.rowCount, unit: .items("rows"))
        var moments = ColumnMoments(columns: q + 1)
        var levelCounts = [[String: Int]](repeating: [:], count: decided.categorical.count)
        var anyValue = [Bool](repeating: false, count: usedNames.count)
        var largestTarget = 0.0, largestTargetRow = 0
        let every = max(1, (reader.rowCount + TrainingJob.Result.largestPicture - 1) / TrainingJob.Result.largestPicture)
        var sample = TableRowBlocks.Block(rows: 0..<0, numeric: [[Double]](repeating: [], count: q + 1),
                                          text: [[String?]](repeating: [], count: decided.categorical.count))
        var sampleRows: [Int] = []
        for rows in reader.blocks(of: blockRows) {
            let block = try reader.read(rows)
            for (k, column) in block.numeric.enumerated() where !anyValue[k] { anyValue[k] = column.contains { !$0.isNaN } }
            for (k, column) in block.text.enumerated() where !anyValue[q + 1 + k] { anyValue[q + 1 + k] = column.contains { $0 != nil } }
            let complete = Self.completeRows(block)
            var raw = Matrix(rows: complete.count, columns: q + 1)
            for (j, column) in block.numeric.enumerated() {
                for (k, i) in complete.enumerated() { raw[k, j] = column[i] }
            }
            do { try moments.merge(ColumnMoments(block: raw)) } catch { throw DataError(file: path, "\(error)") }
            for (c, column) in block.text.enumerated() {
                for i in complete { if let level = column[i] { levelCounts[c][level, default: 0] += 1 } }
            }
            for i in complete {
                let y = block.numeric[q][i]
                if y.magnitude > largestTarget { (largestTarget, largestTargetRow) = (y.magnitude, rows.lowerBound + i) }
                if (rows.lowerBound + i) % every == 0 {
                    for j in 0...q { sample.numeric[j].append(block.numeric[j][i]) }
                    for c in block.text.indices { sample.text[c].append(block.text[c][i]) }
                    sampleRows.append(rows.lowerBound + i)
                }
            }
            progress.update(completed: rows.upperBound)
        }
        let n = moments.count
        guard n > 0 else {
            let empty = zip(usedNames, anyValue).filter { !$0.1 }.map { "'\($0.0)'" }
            let hint = empty.isEmpty || reader.rowCount == 0 ? "" : " (no value at all in \(empty.joined(separator: ", ")): --drop it)"
            throw DataError(file: path, "no complete rows: every row has a missing value in a used column" + hint)
        }
        let encodings = zip(decided.categorical, levelCounts).map { OneHotEncoding(column: $0, values: $1.keys) }
        let names = decided.numeric + encodings.flatMap(\.featureNames)
        let p = names.count
        guard n > p else {
            if let widest = encodings.max(by: { $0.levels.count < $1.levels.count }), n > p - widest.levels.count {
                throw FeatureError.tooManyLevels(column: widest.column, levels: widest.levels.count, rows: n)
            }
            throw FeatureError.tooFewRows(rows: n, features: p)
        }
        let (scaler, zMeans) = try Self.scaler(moments: moments, encodings: encodings, levelCounts: levelCounts, names: names)
        let transform = FeatureTransform(
            spec: FeatureSpec(target: decided.target, dropped: decided.dropped, categorical: encodings.map(\.column),
                              numeric: decided.numeric, id: decided.id),
            numericColumns: decided.numeric, encodings: encodings, scaler: scaler, columns: columns)

        // The target scaled by a power of two when beyond 2^±400, as `RidgeCV.fit` does.
        let scaling = RidgeCV.targetScaling(largest: largestTarget)
        let yMean = moments.means[q] * scaling.down, yResidual = moments.meanResiduals[q] * scaling.down
        let blocks = RidgeCV(alphas: alphas)
        let backend = solver.makeSolver()

        // Pass 2: the triangle of [Z_c | y_c].
        progress.begin("pass 2/3: QR", total: reader.rowCount, unit: .items("rows"))
        var triangle: Matrix? = nil
        var tss = 0.0, seen = 0
        for rows in reader.blocks(of: blockRows) {
            let (z, yc) = try design(reader.read(rows), transform: transform, names: names, scaling: scaling, yMean: yMean, yResidual: yResidual)
            triangle = try blocks.continueTriangle(triangle, block: z, means: zMeans, yc: yc, solver: backend)
            tss += yc.reduce(0) { $0 + $1 * $1 }
            seen += z.rows
            progress.update(completed: rows.upperBound)
        }
        guard seen == n, let triangle else { throw Self.changed(path) }
        let models = try RidgeCV(alphas: alphas, progress: progress).path(triangle: triangle, solver: backend)

        // Pass 3: the leave-one-out sums.
        progress.begin("pass 3/3: leave-one-out", total: reader.rowCount, unit: .items("rows"))
        var sse = [Double](repeating: 0, count: alphas.count), rss = sse
        for rows in reader.blocks(of: blockRows) {
            let (z, yc) = try design(reader.read(rows), transform: transform, names: names, scaling: scaling, yMean: yMean, yResidual: yResidual)
            let share = blocks.leaveOneOutSums(block: z, means: zMeans, yc: yc, totalRows: n, models: models)
            for a in alphas.indices { sse[a] += share.sse[a]; rss[a] += share.rss[a] }
            progress.update(completed: rows.upperBound)
        }
        let scaled = blocks.choose(models: models, sse: sse, rss: rss, tss: tss, rows: n, xMeans: zMeans, yMean: yMean + yResidual)
        let fit: RidgeCV.Fit
        switch RidgeCV.unscale(scaled, scaling) {
        case let .fit(unscaled): fit = unscaled
        case let .problem(overflows):
            throw DataError(file: path, line: largestTargetRow + 1, column: decided.target, overflows
                ? "target is too large: the model's squared errors would overflow a double (targets must spread less than about 1e154)"
                : "target is too small a unit: the model's squared errors would underflow a double (rescale the target)")
        }

        // The picture's sample, standardized as the training rows were.
        sample.rows = 0..<sampleRows.count
        let (z, _) = try design(sample, transform: transform, names: names, scaling: PowerOfTwoScaling(largest: 1), yMean: 0,
                                yResidual: 0, rowNumbers: sampleRows)
        let truth = Self.completeRows(sample).map { sample.numeric[q][$0] }
        let fitted = (0..<z.rows).map { i in (0..<p).reduce(fit.intercept) { $0 + z[i, $1] * fit.coefficients[$1] } }
        return Output(fit: fit, transform: transform, rows: n, sample: (truth, fitted))
    }

    /// Indices of the block's rows with every used value present.
    static func completeRows(_ block: TableRowBlocks.Block) -> [Int] {
        (0..<block.rows.count).filter { i in
            block.numeric.allSatisfy { !$0[i].isNaN } && block.text.allSatisfy { $0[i] != nil }
        }
    }

    /// Means and scales from pass 1: the numeric columns' from their moments, each one-hot
    /// column's from its level count k (mean k/n, population variance of a 0/1 column). Also the
    /// exact means of the standardized columns, (mean − scaler's mean)/scale: the rounding of the
    /// scaler's mean, tiny but not nothing beside a small spread, which `RidgeCV.fit` centers away
    /// by averaging Z and the streamed fit by these.
    static func scaler(moments: ColumnMoments, encodings: [OneHotEncoding], levelCounts: [[String: Int]],
                       names: [String]) throws -> (StandardScaler, zMeans: [Double]) {
        let n = Double(moments.count), q = moments.columns - 1
        var mean = Array(moments.means.prefix(q)), scale = Array(moments.standardDeviations.prefix(q))
        var residual = Array(moments.meanResiduals.prefix(q))
        for (encoding, counts) in zip(encodings, levelCounts) {
            for level in encoding.levels {
                let k = Double(counts[level] ?? 0), m = k / n
                let variance = (k * (1 - m) * (1 - m) + (n - k) * m * m) / n
                mean.append(m)
                scale.append(variance.squareRoot())
                residual.append(k.addingProduct(-m, n) / n)  // k − m·n, fused: exact
            }
        }
        if let j = scale.firstIndex(where: { $0 == 0 }) { throw FeatureError.constantColumn(names[j]) }
        if let j = mean.indices.firstIndex(where: { !mean[$0].isFinite || !scale[$0].isFinite }) { throw FeatureError.notFinite(names[j]) }
        return (StandardScaler(mean: mean, scale: scale), zip(residual, scale).map { $0 / $1 })
    }

    /// The block's complete rows as standardized features Z and centered, scaled targets y_c,
    /// refusing what `RidgeCV.fit` refuses (a standardized value beyond its bound).
    func design(_ block: TableRowBlocks.Block, transform: FeatureTransform, names: [String], scaling: PowerOfTwoScaling,
                yMean: Double, yResidual: Double, rowNumbers: [Int]? = nil) throws -> (z: Matrix, yc: [Double]) {
        let q = transform.numericColumns.count
        let complete = Self.completeRows(block)
        var x = Matrix(rows: complete.count, columns: names.count)
        for j in 0..<q {
            for (k, i) in complete.enumerated() { x[k, j] = block.numeric[j][i] }
        }
        var offset = q
        for (c, encoding) in transform.encodings.enumerated() {
            for (k, i) in complete.enumerated() {
                guard let level = block.text[c][i].flatMap({ encoding.levels.firstIndex(of: $0) }) else { throw Self.changed(path) }
                x[k, offset + level] = 1
            }
            offset += encoding.levels.count
        }
        transform.scaler.transform(inPlace: &x)
        for j in 0..<names.count {
            if let k = (0..<x.rows).first(where: { !(x[$0, j].magnitude <= RidgeCV.largestFeature) }) {
                let row = rowNumbers.map { $0[complete[k]] } ?? (block.rows.lowerBound + complete[k])
                throw DataError(file: path, line: row + 1, column: names[j],
                                "standardized value \(x[k, j]) is beyond ±\(RidgeCV.largestFeature): not a standardized feature")
            }
        }
        let yc = complete.map { (block.numeric[q][$0] * scaling.down - yMean) - yResidual }
        return (x, yc)
    }

    static func changed(_ path: String) -> DataError {
        DataError(file: path, "the file changed while it was being read (a later pass saw other rows than the first)")
    }
}
