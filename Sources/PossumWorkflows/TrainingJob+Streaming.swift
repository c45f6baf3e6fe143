import Foundation
import PossumData
import PossumLinalg
import PossumML
import PossumProgress
import PossumStorage

/// `possum train` on an HDF5 table in row blocks (`RowBlockReading`, as features and predict), each pass
/// holding one block of rows, the (p+1)² triangle and O(p²) per α. Two passes when every feature is numeric:
/// 1. Column moments (Chan's merge, `ColumnMoments`) of the features and the target, and with them
///    the triangle of the shifted rows [1 | X − s | y − s_y] (flat-tree TSQR as `RidgeCV.fit`; s the
///    first block's means, a provisional shift as in Welford's update). Why that is the triangle
///    `RidgeCV.fit` needs: with A = [X − s | y − s_y] and ā its column means, the Gram matrix of
///    [1 | A] is [[n, n·āᵀ], [n·ā, AᵀA]], so its R factor is [[√n, √n·āᵀ], [0, R₂₂]] with
///    R₂₂ᵀR₂₂ = AᵀA − n·ā·āᵀ = (A − 1āᵀ)ᵀ(A − 1āᵀ) = [X_c | y_c]ᵀ[X_c | y_c]: R₂₂ is the triangle of
///    the exactly centered [X_c | y_c], whatever s was. Standardizing is a column scaling,
///    Z_c = X_c·D⁻¹ with D = diag(scales), and R₂₂·diag(D⁻¹, 1) is upper triangular with the Gram
///    matrix of [Z_c | y_c]: the same triangle as standardizing the rows first (up to row signs).
///    Householder QR is backward stable column by column, so the columns' different scales cost
///    nothing, and with s near the means (one block's worth of rows) no column carries a large
///    offset into the factorization. Then the α grid.
/// 2. Each block's share of the per-α leave-one-out sums.
/// With a text column the levels must be counted before any row is encoded: pass 1 is moments and
/// levels, pass 2 the triangle of the standardized, centered [Z_c | y_c], pass 3 the sums; and so
/// when a target beyond 2^±400 must be scaled first, or the shifted triangle is not finite.
/// Pass 1 also keeps an even sample of at most `TrainingJob.Result.largestPicture` table rows for
/// the predicted-vs-true picture (the whole training set is never held).
struct StreamingTraining {
    var path: String
    var spec: FeatureSpec
    var alphas: [Double]
    var solver: SolverChoice
    var progress: any ProgressReporter
    var blockRows: Int
    /// The table already open (by the size check), read through rather than opened again.
    var opened: HDF5Table? = nil

    struct Output {
        var fit: RidgeCV.Fit
        var transform: FeatureTransform
        var rows: Int
        var sample: (truth: [Double], fitted: [Double])
    }

    /// The decided columns and a reader of them.
    private func open() throws -> (columns: [ColumnDecision], decided: FeatureSpec, reader: TableRowBlocks) {
        let table = try opened ?? HDF5Table(path: path)
        let columns = try spec.resolve(table)
        let decided = spec.decided(by: columns)
        let reader = try TableRowBlocks(table: table, numeric: decided.numeric + [decided.target], text: decided.categorical)
        return (columns, decided, reader)
    }

    func run() throws -> Output {
        let (columns, decided, reader) = try open()
        let q = decided.numeric.count
        let usedNames = decided.numeric + [decided.target] + decided.categorical

        // Pass 1: moments, levels, the picture's sample (and the shifted triangle when all features are numeric).
        let passes = decided.categorical.isEmpty ? 2 : 3
        progress.begin(passes == 2 ? "pass 1/2: moments and QR" : "pass 1/3: moments", total: reader.rowCount, unit: .items("rows"))
        var moments = ColumnMoments(columns: q + 1)
        var levelCounts = [[String: Int]](repeating: [:], count: decided.categorical.count)
        var anyValue = [Bool](repeating: false, count: usedNames.count)
        var largestTarget = 0.0, largestTargetRow = 0
        let every = max(1, (reader.rowCount + TrainingJob.Result.largestPicture - 1) / TrainingJob.Result.largestPicture)
        var sample = TableRowBlocks.Block(rows: 0..<0, numeric: [[Double]](repeating: [], count: q + 1),
                                          text: [[String?]](repeating: [], count: decided.categorical.count))
        var sampleRows: [Int] = []
        let backend = solver.makeSolver()
        var shifted = passes == 2 ? ShiftedTriangle(features: q) : nil
        for rows in reader.blocks(of: blockRows) {
            let block = try reader.read(rows)
            for (k, column) in block.numeric.enumerated() where !anyValue[k] { anyValue[k] = column.contains { !$0.isNaN } }
            for (k, column) in block.text.enumerated() where !anyValue[q + 1 + k] { anyValue[q + 1 + k] = column.contains { $0 != nil } }
            let complete = Self.completeRows(block)
            let completeColumns = complete.count == block.rows.count ? block.numeric : block.numeric.map { c in complete.map { c[$0] } }
            let blockMoments = ColumnMoments(columnValues: completeColumns)
            do { try moments.merge(blockMoments) } catch { throw DataError(file: path, "\(error)") }
            shifted?.add(completeColumns, means: blockMoments.means, solver: backend)
            for (c, column) in block.text.enumerated() {
                for i in complete { if let level = column[i] { levelCounts[c][level, default: 0] += 1 } }
            }
            for (k, i) in complete.enumerated() {
                let y = completeColumns[q][k]
                if y.magnitude > largestTarget { (largestTarget, largestTargetRow) = (y.magnitude, rows.lowerBound + i) }
                if (rows.lowerBound + i) % every == 0 {
                    for j in 0...q { sample.numeric[j].append(completeColumns[j][k]) }
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

        // Pass 2 of 3 (text columns, a scaled target, or a shifted triangle that is not finite): the triangle of [Z_c | y_c].
        let triangle: Matrix
        let tss: Double
        var lastPass = "pass 3/3: leave-one-out"
        if scaling.exponent == 0, let full = shifted?.centeredTriangle(scales: scaler.scale) {
            triangle = full
            tss = moments.variances[q] * Double(n)
            lastPass = "pass 2/2: leave-one-out"
        } else {
            progress.begin("pass 2/3: QR", total: reader.rowCount, unit: .items("rows"))
            var streamed: Matrix? = nil
            var seen = 0, sumOfSquares = 0.0
            for rows in reader.blocks(of: blockRows) {
                let (z, yc) = try design(reader.read(rows), transform: transform, names: names, scaling: scaling, yMean: yMean, yResidual: yResidual)
                streamed = try blocks.continueTriangle(streamed, block: z, means: zMeans, yc: yc, solver: backend)
                sumOfSquares += yc.reduce(0) { $0 + $1 * $1 }
                seen += z.rows
                progress.update(completed: rows.upperBound)
            }
            guard seen == n, let streamed else { throw Self.changed(path) }
            (triangle, tss) = (streamed, sumOfSquares)
        }
        let models = try RidgeCV(alphas: alphas, progress: progress).path(triangle: triangle, solver: backend)
        let spectral = blocks.leaveOneOutBasis(triangle: triangle, totalRows: n)

        // Last pass: the leave-one-out sums.
        progress.begin(lastPass, total: reader.rowCount, unit: .items("rows"))
        var sse = [Double](repeating: 0, count: alphas.count), rss = sse
        var seen = 0
        for rows in reader.blocks(of: blockRows) {
            let (z, yc) = try design(reader.read(rows), transform: transform, names: names, scaling: scaling, yMean: yMean, yResidual: yResidual)
            let share = blocks.leaveOneOutSums(block: z, means: zMeans, yc: yc, totalRows: n, models: models, spectral: spectral)
            for a in alphas.indices { sse[a] += share.sse[a]; rss[a] += share.rss[a] }
            seen += z.rows
            progress.update(completed: rows.upperBound)
        }
        guard seen == n else { throw Self.changed(path) }
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
        let count = block.rows.count
        guard block.mayHaveGaps else { return Array(0..<count) }
        var present = [Bool](repeating: true, count: count)
        var gaps = false
        for column in block.numeric {
            for i in 0..<count where column[i].isNaN { present[i] = false; gaps = true }
        }
        for column in block.text {
            for i in 0..<count where column[i] == nil { present[i] = false; gaps = true }
        }
        return gaps ? (0..<count).filter { present[$0] } : Array(0..<count)
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
        let whole = complete.count == block.rows.count
        // Column-major: each numeric column's complete rows in turn, then the one-hot columns' zeros.
        var elements: [Double] = []
        elements.reserveCapacity(complete.count * names.count)
        for j in 0..<q { elements += whole ? block.numeric[j] : complete.map { block.numeric[j][$0] } }
        elements += repeatElement(0, count: complete.count * (names.count - q))
        var x = Matrix(rows: complete.count, columns: names.count, columnMajor: elements)
        var offset = q
        for (c, encoding) in transform.encodings.enumerated() {
            for (k, i) in complete.enumerated() {
                guard let level = block.text[c][i].flatMap({ encoding.levels.firstIndex(of: $0) }) else { throw Self.changed(path) }
                x[k, offset + level] = 1
            }
            offset += encoding.levels.count
        }
        transform.scaler.transform(inPlace: &x)
        if let flat = x.elements.firstIndex(where: { !($0.magnitude <= RidgeCV.largestFeature) }) {
            let (j, k) = flat.quotientAndRemainder(dividingBy: max(1, x.rows))
            let row = rowNumbers.map { $0[complete[k]] } ?? (block.rows.lowerBound + complete[k])
            throw DataError(file: path, line: row + 1, column: names[j],
                            "standardized value \(x[k, j]) is beyond ±\(RidgeCV.largestFeature): not a standardized feature")
        }
        let target = block.numeric[q]
        let yc = whole ? target.map { ($0 * scaling.down - yMean) - yResidual } : complete.map { (target[$0] * scaling.down - yMean) - yResidual }
        return (x, yc)
    }

    static func changed(_ path: String) -> DataError {
        DataError(file: path, "the file changed while it was being read (a later pass saw other rows than the first)")
    }
}

/// Pass 1's triangle of the shifted complete rows [1 | X − s | y − s_y] (`StreamingTraining`), s the
/// means of the first block with complete rows; its trailing block is the triangle of the exactly
/// centered [X_c | y_c] (the proof is `StreamingTraining`'s). A step that fails (values so large
/// that the shifted rows overflow) gives up on it, and the caller takes the separate QR pass.
struct ShiftedTriangle {
    let features: Int
    private(set) var shift: [Double]?
    private var triangle: Matrix?
    private var failed = false

    init(features: Int) { self.features = features }

    /// Continues the triangle with the complete rows of a block: `columns` are the features and
    /// the target, `means` their means over these rows (the shift, if it is not set yet).
    mutating func add(_ columns: [[Double]], means: [Double], solver: some LeastSquaresSolver) {
        let rows = columns.first?.count ?? 0
        guard !failed, rows > 0 else { return }
        let q = features
        let s = shift ?? means
        shift = s
        // Column-major [1 | X]; continueTriangle subtracts [0, s₁…s_q] from it and takes y − s_y as the last column.
        var elements = [Double](repeating: 1, count: rows)
        elements.reserveCapacity(rows * (q + 1))
        for j in 0..<q { elements += columns[j] }
        let shiftY = s[q]
        do {
            triangle = try RidgeCV(alphas: [1]).continueTriangle(
                triangle, block: Matrix(rows: rows, columns: q + 1, columnMajor: elements), means: [0] + s.prefix(q),
                yc: columns[q].map { $0 - shiftY }, solver: solver)
        } catch {
            (failed, triangle) = (true, nil)
        }
    }

    /// The triangle of the standardized, centered [Z_c | y_c]: R's trailing block, its feature
    /// columns divided by their scales. Nil when a step failed or an entry is not finite.
    func centeredTriangle(scales: [Double]) -> Matrix? {
        guard !failed, let full = triangle, full.elements.allSatisfy(\.isFinite) else { return nil }
        let width = features + 1
        var t = Matrix(rows: width, columns: width)
        for j in 0..<width { for i in 0...j { t[i, j] = full[i + 1, j + 1] / (j < features ? scales[j] : 1) } }
        return t
    }
}

/// A file's SHA-256 computed on a thread of its own (through its own descriptor, no HDF5 call),
/// so that hashing a big table overlaps the passes over it instead of following them.
final class BackgroundDigest: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    /// Written once by the hashing thread before it signals `done`; read only after waiting.
    private var result: Result<String, any Error> = .success("")

    init(path: String) {
        Thread { [self] in
            result = Result { try SHA256.hex(ofFile: path) }
            done.signal()
        }.start()
    }

    /// The hex digest, or the error hashing met; waits for the thread.
    func value() throws -> String {
        done.wait()
        done.signal()  // a later call returns at once
        return try result.get()
    }
}
