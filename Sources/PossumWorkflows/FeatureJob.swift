import Foundation
import PossumData
import PossumFiles
import PossumLinalg
import PossumML
import PossumStorage
import PossumProgress

/// Reads a table and produces its standardized feature set.
public struct FeatureJob {
    /// A CSV or HDF5 table.
    public var dataPath: String
    /// The target and the column choices; every other column's kind is inferred.
    public var spec: FeatureSpec
    /// Hears the table's rows as they are read (a CSV's, or each pass over an HDF5 table's blocks).
    public var progress: any ProgressReporter = SilentProgress()
    /// Whole in memory, or an HDF5 table a block of rows at a time (`write(to:)`).
    public var reading: RowBlockReading = .automatic
    /// A CSV's byte between fields (`--delimiter`); nil: detected from its first lines.
    public var delimiter: UInt8?

    public init(dataPath: String, spec: FeatureSpec) { (self.dataPath, self.spec) = (dataPath, spec) }

    /// One-hot encodes the text columns, z-scores the features, and records the transform and the
    /// data's SHA-256 with them (`FeaturesFile.write` stores the result).
    public func run() throws -> FeatureSet { try runNoting().features }

    /// `run()`, and a note for each column decided text whose values are mostly numbers: it is
    /// one-hot encoded, a level per number, which a few stray cells (`n/a`, `<0.5`, `1,000.5`)
    /// seldom meant; the note names the first of them.
    public func runNoting() throws -> (features: FeatureSet, notes: [String]) {
        let table = try openDataTable(dataPath, delimiter: delimiter, progress: progress)
        if table.rowCount == 0 {
            _ = try spec.resolve(table)  // a mistyped column is still the first thing to hear of
            throw DataError(file: table.source, "no data rows: the header line has nothing under it")
        }
        var design = try spec.design(from: table)
        let transform = try FeatureTransform(fitting: design, spec: spec)
        // Of the bytes actually read: a CSV hashes while it is read (a FIFO cannot be opened twice).
        let sha = try table.contentSHA256 ?? SHA256.hex(ofFile: dataPath)
        // Standardized where it lies: the design's matrix becomes the feature matrix, no copy.
        transform.scaler.transform(inPlace: &design.x)
        let notes = design.columns.compactMap { decision in
            design.mostlyNumbers[decision.column].map { stray in
                stray.note(source: table.source, column: decision.column,
                           levels: design.encodings.first { $0.column == decision.column }?.levels.count ?? 0)
            }
        }
        let features = FeatureSet(z: design.x, y: design.y, rowLabels: design.lines, transform: transform,
                                  sourceFile: URL(fileURLWithPath: dataPath).lastPathComponent, sourceSHA256: sha)
        return (features, notes)
    }

    /// What `write(to:)` wrote.
    public struct Written {
        public var rows: Int
        public var transform: FeatureTransform
        public var sourceSHA256: String
        /// Rows per block when the table was streamed; nil when it was read whole.
        public var blockRows: Int?
        /// `runNoting`'s notes (a table read whole).
        public var notes: [String] = []
    }

    /// Computes the feature set and writes it to `out` (atomically): in memory (`run`) for a CSV or
    /// a small table; for an HDF5 table above the threshold (or with `.blocks`), in two passes over
    /// blocks of rows — the scaler's statistics, then each block standardized and written — so
    /// memory stays a block whatever the number of rows.
    public func write(to out: String) throws -> Written {
        let decision = try reading.decide(forTable: dataPath)
        guard let blockRows = decision.blockRows else {
            let (features, notes) = try runNoting()
            try FeaturesFile.write(features, to: out)
            return Written(rows: features.z.rows, transform: features.transform, sourceSHA256: features.sourceSHA256, notes: notes)
        }
        let table = try decision.opened ?? HDF5Table(path: dataPath)
        let (transform, rows) = try fitTransform(table, blockRows: blockRows)
        let blocks = try DesignBlocks(table: table, transform: transform, requireTarget: true)
        let sha = try SHA256.hex(ofFile: dataPath)
        progress.begin("writing", total: table.rowCount, unit: .items("rows"))
        try FeaturesFile.writeBlocks(to: out, rows: rows, transform: transform,
                                     sourceFile: URL(fileURLWithPath: dataPath).lastPathComponent, sourceSHA256: sha,
                                     blockRows: blockRows) { append in
            var first = 0
            while first < table.rowCount {
                let range = first..<(first + min(blockRows, table.rowCount - first))
                var block = try blocks.read(range)
                transform.scaler.transform(inPlace: &block.x)
                try append(block.x, block.y, block.rows.map { $0 + 1 })
                first = range.upperBound
                progress.update(completed: first)
            }
        }
        return Written(rows: rows, transform: transform, sourceSHA256: sha, blockRows: blockRows)
    }

    /// The transform `run` fits, from one pass over blocks of rows of an HDF5 table, and the number
    /// of complete rows. Means and standard deviations of the numeric columns are merged block by
    /// block (`ColumnMoments`, Chan's update with scaled, double-double means: equal to the
    /// in-memory two-pass ones to about 1e-12 relative); a one-hot column's are exact functions of
    /// its level's count c among n rows: mean c/n, deviation √(c(n − c))/n.
    public func fitTransform(_ table: HDF5Table, blockRows: Int) throws -> (transform: FeatureTransform, rows: Int) {
        let columns = try spec.resolve(table)
        let decided = spec.decided(by: columns)
        let fitting = FeatureTransform(spec: decided, numericColumns: decided.numeric,
                                       encodings: decided.categorical.map { OneHotEncoding(column: $0, levels: []) },
                                       scaler: StandardScaler(mean: [], scale: []), columns: columns)
        let blocks = try DesignBlocks(table: table, transform: fitting, requireTarget: true)
        var moments = ColumnMoments(columns: decided.numeric.count)
        var counts = [[String: Int]](repeating: [:], count: decided.categorical.count)
        var present = Set<String>()
        progress.begin("statistics", total: table.rowCount, unit: .items("rows"))
        var first = 0
        while first < table.rowCount {
            let range = first..<(first + min(blockRows, table.rowCount - first))
            let block = try blocks.read(range)
            try moments.merge(ColumnMoments(block: block.x))
            for (k, values) in block.levels.enumerated() { for v in values { counts[k][v, default: 0] += 1 } }
            present.formUnion(block.presentColumns)
            first = range.upperBound
            progress.update(completed: first)
        }
        let n = moments.count
        guard n > 0 else {
            let empty = (decided.numeric + [decided.target] + decided.categorical).filter { !present.contains($0) }
            let hint = empty.isEmpty || table.rowCount == 0 ? "" : " (no value at all in \(empty.map { "'\($0)'" }.joined(separator: ", ")): --drop it)"
            throw DataError(file: table.source, "no complete rows: every row has a missing value in a used column" + hint)
        }
        let encodings = zip(decided.categorical, counts).map { OneHotEncoding(column: $0, values: $1.keys) }
        let width = decided.numeric.count + encodings.reduce(0) { $0 + $1.levels.count }
        guard n > width else {
            if let widest = encodings.max(by: { $0.levels.count < $1.levels.count }), n > width - widest.levels.count {
                throw FeatureError.tooManyLevels(column: widest.column, levels: widest.levels.count, rows: n)
            }
            throw FeatureError.tooFewRows(rows: n, features: width)
        }
        var mean = moments.means, scale = moments.standardDeviations
        for (k, enc) in encodings.enumerated() {
            for level in enc.levels {
                let c = Double(counts[k][level] ?? 0), total = Double(n)
                mean.append(c / total)
                scale.append((c * (total - c)).squareRoot() / total)
            }
        }
        let names = decided.numeric + encodings.flatMap(\.featureNames)
        if let j = scale.firstIndex(where: { $0 == 0 }) { throw FeatureError.constantColumn(names[j]) }
        if let j = mean.indices.firstIndex(where: { !mean[$0].isFinite || !scale[$0].isFinite }) { throw FeatureError.notFinite(names[j]) }
        let transform = FeatureTransform(spec: FeatureSpec(target: decided.target, dropped: decided.dropped, categorical: decided.categorical,
                                                           numeric: decided.numeric, id: decided.id),
                                         numericColumns: decided.numeric, encodings: encodings,
                                         scaler: StandardScaler(mean: mean, scale: scale), columns: columns)
        return (transform, n)
    }

    /// The params and metrics of a features run, as the reference pipeline's "Scaler" run: the data,
    /// its SHA-256 and the target; each feature's mean as a metric `mean_FEATURE`.
    public func log(_ features: FeatureSet, to run: LoggedRun) throws {
        try log(features.transform, sha256: features.sourceSHA256, to: run)
    }

    public func log(_ transform: FeatureTransform, sha256: String, to run: LoggedRun) throws {
        try run.params(["data": dataPath, "data_sha256": sha256, "target": spec.target])
        try run.metrics(Dictionary(uniqueKeysWithValues: zip(transform.featureNames.map { "mean_\($0)" }, transform.scaler.mean)))
    }
}

/// How a command reads its table or matrix: whole, or a block of rows at a time (HDF5 only: a
/// CSV's rows have no offsets to read a range from).
public enum RowBlockReading: Sendable, Equatable {
    /// In blocks when the HDF5 input holds more than `streamingThreshold` bytes of doubles, else
    /// whole: for small inputs one pass in memory is faster.
    case automatic
    /// Whole.
    case inMemory
    /// In blocks of this many rows.
    case blocks(rows: Int)

    /// 256 MiB.
    public static let streamingThreshold = 256 << 20

    /// Copies of a table's doubles that reading it whole holds at the peak (the columns read, the
    /// standardized design, working arrays: 1.3× measured, with room).
    static let tableCopies = 2

    /// Whether `copies` × `bytes` fit in what this process may still take (`MemoryHeadroom`:
    /// less than the machine under a ulimit or cgroup limit). Reading whole what does not fit would
    /// end in an allocation failure, which kills a Swift process: `.automatic` reads such an input
    /// in blocks, `.inMemory` refuses it in one line.
    static func fits(_ bytes: Int, copies: Int) -> Bool {
        bytes <= MemoryHeadroom.available() / max(1, copies)
    }

    /// Throws the one-line refusal of `--in-memory` for an input that does not fit.
    static func requireRoom(_ path: String, bytes: Int, copies: Int) throws {
        guard !fits(bytes, copies: copies) else { return }
        let (needed, overflow) = bytes.multipliedReportingOverflow(by: copies)
        func size(_ bytes: Int) -> String { ProgressLine.formatBytes(Double(bytes)) }
        throw DataError(file: path, "reading it whole takes about \(overflow ? "more than any machine has" : size(needed)), "
                        + "and this process may take \(size(MemoryHeadroom.available())) (a memory limit?): "
                        + "drop --in-memory to read it in blocks")
    }

    /// Rows per block for a table when none is asked for: 64 Ki rows, a few MB per column read.
    public static let defaultTableBlockRows = 65_536

    /// `--block-rows` beyond this is taken as this (16 Mi rows): a block is meant to fit in memory.
    public static let maximumBlockRows = 1 << 24

    /// Rows per block for the table file `path`, nil to read it whole (the size counted is rows ×
    /// columns × 8 bytes, what the in-memory path would hold at least), and the table when deciding
    /// opened it: a caller that streams it reads through that open instead of opening (and
    /// verifying, in a sandbox process) the file again.
    func decide(forTable path: String) throws -> (blockRows: Int?, opened: HDF5Table?) {
        let ext = URL(fileURLWithPath: path).pathExtension.lowercased()
        let isHDF5 = ext == "h5" || ext == "hdf5"
        switch self {
        case .inMemory:
            if isHDF5, let bytes = try? HDF5Table(path: path).doubleBytes { try Self.requireRoom(path, bytes: bytes, copies: Self.tableCopies) }
            return (nil, nil)
        case let .blocks(rows):
            guard isHDF5 else {
                throw DataError(file: path, "a CSV table is read whole: reading in blocks needs an HDF5 table (possum data import \(path) --out T.h5)")
            }
            return (max(1, min(rows, Self.maximumBlockRows)), nil)
        case .automatic:
            guard isHDF5 else { return (nil, nil) }
            let table = try HDF5Table(path: path)
            let bytes = table.doubleBytes
            return (bytes > Self.streamingThreshold || !Self.fits(bytes, copies: Self.tableCopies) ? Self.defaultTableBlockRows : nil, table)
        }
    }
}

/// An HDF5 table's design (`FeatureSpec.encode`'s rows and columns) a block of rows at a time:
/// the rows complete in every used column, numeric columns then one-hot levels.
struct DesignBlocks {
    let reader: TableRowBlocks
    let transform: FeatureTransform
    /// Training: rows missing the target are dropped. Prediction: the target is read when present.
    let requireTarget: Bool
    let hasTarget: Bool
    let idColumn: String?
    /// Per encoding, level → its index.
    let levelIndex: [[String: Int]]

    init(table: HDF5Table, transform: FeatureTransform, requireTarget: Bool) throws {
        for name in transform.numericColumns + transform.encodings.map(\.column) { try table.requireColumn(name) }
        hasTarget = table.columnNames.contains(transform.spec.target)
        if requireTarget && !hasTarget { try table.requireColumn(transform.spec.target) }
        (self.transform, self.requireTarget) = (transform, requireTarget)
        idColumn = transform.spec.id.flatMap { table.columnNames.contains($0) ? $0 : nil }
        reader = try TableRowBlocks(table: table,
                                    numeric: transform.numericColumns + (hasTarget ? [transform.spec.target] : []),
                                    text: transform.encodings.map(\.column) + (idColumn.map { [$0] } ?? []))
        levelIndex = transform.encodings.map { Dictionary(uniqueKeysWithValues: $0.levels.enumerated().map { ($1, $0) }) }
    }

    struct Block {
        /// Kept rows × features (one-hot columns only when the encodings have levels).
        var x: Matrix
        /// NaN where the table has no target or the row's is missing (prediction).
        var y: [Double]
        /// 0-based table rows kept.
        var rows: [Int]
        /// Per categorical column, the kept rows' values (what levels are learned from).
        var levels: [[String]]
        var ids: [String?]?
        /// Used columns with a value in some row of the block.
        var presentColumns: Set<String>
    }

    func read(_ range: Range<Int>) throws -> Block {
        // NaN marks a missing number (TableRowBlocks refuses a stored non-finite value that is not marked).
        let block = try reader.read(range)
        let numeric = Array(block.numeric.prefix(transform.numericColumns.count))
        let target = hasTarget ? block.numeric[transform.numericColumns.count] : nil
        let text = Array(block.text.prefix(transform.encodings.count))
        var present = Set<String>()
        for (name, column) in zip(transform.numericColumns, numeric) where column.contains(where: { !$0.isNaN }) { present.insert(name) }
        for (enc, column) in zip(transform.encodings, text) where column.contains(where: { $0 != nil }) { present.insert(enc.column) }
        if let target, target.contains(where: { !$0.isNaN }) { present.insert(transform.spec.target) }
        let kept = (0..<range.count).filter { i in
            numeric.allSatisfy { !$0[i].isNaN } && text.allSatisfy { $0[i] != nil } && (!requireTarget || target.map { !$0[i].isNaN } == true)
        }
        let width = transform.numericColumns.count + transform.encodings.reduce(0) { $0 + $1.levels.count }
        var x = Matrix(rows: kept.count, columns: width)
        x.elements.withUnsafeMutableBufferPointer { e in
            for (j, column) in numeric.enumerated() {
                let base = j * kept.count
                for (k, i) in kept.enumerated() { e[base + k] = column[i] }
            }
        }
        var levels = [[String]](repeating: [], count: text.count)
        for (c, column) in text.enumerated() { levels[c] = kept.map { column[$0] ?? "" } }
        if width > transform.numericColumns.count {
            var offset = transform.numericColumns.count
            for (c, enc) in transform.encodings.enumerated() {
                for (k, value) in levels[c].enumerated() {
                    guard let level = levelIndex[c][value] else {
                        throw DataError(file: reader.source, line: range.lowerBound + kept[k] + 1, column: enc.column,
                                        "level '\(value)' was not seen in training (levels: \(enc.levels.joined(separator: ", ")))")
                    }
                    x[k, offset + level] = 1
                }
                offset += enc.levels.count
            }
        }
        let y = kept.map { target?[$0] ?? .nan }
        let ids = idColumn.map { _ in kept.map { block.text[transform.encodings.count][$0] } }
        return Block(x: x, y: y, rows: kept.map { range.lowerBound + $0 }, levels: levels, ids: ids, presentColumns: present)
    }
}
