import Foundation
import PossumData
import PossumFiles
import PossumHDF5
import PossumProgress

/// A table stored column by column in HDF5:
///
///     /                          possum_format = "table", schema_version = 1
///     /<table>                   source_file, source_sha256, row_count, column_names, created
///     /<table>/columns/<name>    float64 (numeric; NaN where missing) or UTF-8 strings (text)
///                                attribute kind = "numeric" | "text"
///     /<table>/missing/<name>    int8, 1 where the value is missing (only for columns with gaps)
///
/// One dataset per column keeps each column readable on its own (h5py: f["possum/columns/age"]),
/// and a column's missing values are explicit, not inferred from a sentinel.
public enum TableFile {
    /// Imports a CSV file (`-` for standard input), writing the HDF5 file atomically. A column
    /// whose every present value is a finite number is numeric; one with a value that is not a
    /// number at all is text. A column of numbers with a NaN, ±inf or overflowing value (1e400)
    /// among them is refused, naming the first such line and column: storing it as text would
    /// only move the error to `train`, further from its cause.
    ///
    /// Streams: a first pass over the input validates it, decides each column's kind and row
    /// count and hashes the bytes; a second writes blocks of `blockRows` rows into chunked
    /// datasets. Memory stays at a block, whatever the file's size; the CSV text is never held
    /// whole. A regular file is read twice; a stream (stdin, a FIFO) is opened once and its
    /// bytes spooled to an unlinked temporary file for the second pass (`InputFile`).
    ///
    /// `progress` hears two phases: "reading" (bytes of the file's size; a stream's size is unknown)
    /// and "writing" (rows of the table).
    ///
    /// Numeric columns are stored uncompressed unless `compressNumbers`: measured doubles deflate
    /// by only 15–20 %, and every pass of `train`/`features`/`predict` over a big table would
    /// spend most of its time inflating them. Text columns and missing-value masks (mostly zero
    /// bytes) are deflated either way. Readers take both layouts. `delimiter`: the CSV's byte between
    /// fields (`--delimiter`); nil: detected.
    public static func importCSV(_ csvPath: String, to path: String, tableName: String? = nil,
                                 blockRows: Int = 65_536, compressNumbers: Bool = false, delimiter: UInt8? = nil,
                                 progress: any ProgressReporter = SilentProgress()) throws -> (rows: Int, columns: Int) {
        let source = inputDisplayName(csvPath)
        let name = tableName ?? defaultTableName(csvPath)
        try checkTableName(name, file: path)
        var reader = try CSVRecordReader(contentsOf: csvPath, hashing: true, rereadable: true, delimiter: delimiter)
        let size = csvPath != "-" && isRegularFile(csvPath)
            ? try? FileManager.default.attributesOfItem(atPath: csvPath)[.size] as? Int : nil
        progress.begin("reading", total: size, unit: .bytes)
        let plan = try survey(&reader, source: source, progress: progress)
        progress.begin("writing", total: plan.rows, unit: .items("rows"))
        let sha = reader.sha256 ?? ""
        let storage = plan.rows > 4096 ? HDF5Storage.compressed(level: 4, chunkRows: min(plan.rows, max(1, blockRows))) : .contiguous
        let numberStorage = compressNumbers ? storage : .contiguous
        try reader.restart()
        try HDF5File.writeAtomically(to: path) { file in
            try StorageFormat.table.stamp(file)
            let group = try file.createGroup(name)
            try group.attributes.set("source_file", csvPath == "-" ? source : URL(fileURLWithPath: csvPath).lastPathComponent)
            try group.attributes.set("source_sha256", sha)
            try group.attributes.set("row_count", Int64(plan.rows))
            try group.attributes.set("column_names", plan.header)
            try group.attributes.set("created", iso8601Now())
            let columns = try group.createGroup("columns")
            let missing = try group.createGroup("missing")
            var values: [HDF5Dataset] = []
            var masks: [HDF5Dataset?] = []
            for (k, column) in plan.header.enumerated() {
                let d = plan.numeric[k] ? try columns.createDataset(column, of: Double.self, shape: [plan.rows], storage: numberStorage)
                                        : try columns.createDataset(column, of: String.self, shape: [plan.rows], storage: storage)
                try d.attributes.set("kind", plan.numeric[k] ? "numeric" : "text")
                values.append(d)
                masks.append(plan.hasMissing[k] ? try missing.createDataset(column, of: Int8.self, shape: [plan.rows], storage: storage) : nil)
            }
            _ = try CSVTable.readHeader(&reader, source: source)
            var start = 0
            var numbers = [[Double]](repeating: [], count: plan.header.count)
            var texts = [[String]](repeating: [], count: plan.header.count)
            var flags = [[Int8]](repeating: [], count: plan.header.count)
            func flush() throws {
                let count = flags.first?.count ?? 0
                guard count > 0 else { return }
                for k in plan.header.indices {
                    if plan.numeric[k] { try values[k].write(numbers[k], rows: start..<(start + count)) }
                    else { try values[k].write(texts[k], rows: start..<(start + count)) }
                    try masks[k]?.write(flags[k], rows: start..<(start + count))
                    numbers[k].removeAll(keepingCapacity: true)
                    texts[k].removeAll(keepingCapacity: true)
                    flags[k].removeAll(keepingCapacity: true)
                }
                start += count
            }
            while let line = try reader.nextRecord() {
                // A regular file read twice may have changed in between: never index past a record.
                try CSVTable.checkFieldCount(reader.fieldCount, line: line, header: plan.header, source: source)
                guard start + flags[0].count < plan.rows else {
                    throw DataError(file: source, line: line, "the file changed while it was being imported (more rows than on the first pass)")
                }
                // Fields stay bytes: numbers are parsed from them, text columns get strings.
                try reader.withFields { fields in
                    for k in 0..<plan.header.count {
                        let raw = fields[k]
                        let isMissing = CSVTable.isMissing(raw)
                        flags[k].append(isMissing ? 1 : 0)
                        if plan.numeric[k] {
                            numbers[k].append(try CSVTable.number(raw, file: source, line: line, column: plan.header[k]) ?? .nan)
                        } else {
                            texts[k].append(CSVTable.text(String(decoding: raw, as: UTF8.self)) ?? "")
                        }
                    }
                }
                if flags[0].count == blockRows { try flush() }
                if (start + flags[0].count) % progressRows == 0 { progress.update(completed: start + flags[0].count) }
            }
            try flush()
            progress.update(completed: start)
            guard start == plan.rows else {
                throw DataError(file: source, "the file changed while it was being imported (fewer rows than on the first pass)")
            }
            for d in values { d.close() }
            for m in masks { m?.close() }
        }
        return (plan.rows, plan.header.count)
    }

    /// The table name `data import` uses without `--table`: the CSV file's stem (`stdin` for `-`).
    static func defaultTableName(_ csvPath: String) -> String {
        csvPath == "-" ? "stdin" : URL(fileURLWithPath: csvPath).deletingPathExtension().lastPathComponent
    }

    /// The rule for a table's name, the same for the writer (import) and the reader: one HDF5
    /// link name at the file's root — not empty, not `.` or `..`, no `/`, no control characters,
    /// at most 255 bytes — so that every table written can be opened by name again.
    public static func checkTableName(_ name: String, file: String) throws {
        let problem: String?
        if name.isEmpty { problem = "is empty" }
        else if name == "." || name == ".." { problem = "is a path, not a name" }
        else if name.contains("/") { problem = "contains '/'" }
        else if name.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }) { problem = "contains a control character" }
        else if name.utf8.count > 255 { problem = "is longer than 255 bytes" }
        else { problem = nil }
        if let problem {
            throw StorageError(file: file, object: "/", "table name '\(messageText(name, limit: 80))' \(problem) (a table is one name at the file's root; choose it with --table)")
        }
    }

    /// What the first pass learns: the header, the row count, and per column whether every
    /// present value is a finite number and whether any value is missing.
    private struct Plan {
        var header: [String]
        var rows = 0
        var numeric: [Bool]
        var hasMissing: [Bool]
    }

    /// Per column during the survey: whether every present value parses as a number (finite or
    /// not), whether one is finite, and the first that is not finite (its line and message).
    private struct ColumnSurvey {
        var allNumbers = true
        var anyFinite = false
        var firstNonFinite: DataError?
    }

    /// How often the import tells its progress reporter, in rows: often enough for a live line, rarely enough to cost nothing.
    static let progressRows = 4096

    private static func survey(_ reader: inout CSVRecordReader, source: String, progress: any ProgressReporter) throws -> Plan {
        let header = try CSVTable.readHeader(&reader, source: source).names
        var plan = Plan(header: header, numeric: [Bool](repeating: true, count: header.count),
                        hasMissing: [Bool](repeating: false, count: header.count))
        var columns = [ColumnSurvey](repeating: ColumnSurvey(), count: header.count)
        while let line = try reader.nextRecord() {
            try CSVTable.checkFieldCount(reader.fieldCount, line: line, header: header, source: source)
            for k in 0..<header.count where columns[k].allNumbers {
                reader.withField(k) { raw in
                    if CSVTable.isMissing(raw) { plan.hasMissing[k] = true; return }
                    do {
                        if try CSVTable.number(raw, file: source, line: line, column: header[k]) != nil { columns[k].anyFinite = true }
                    } catch let error as DataError {
                        // A non-finite number (NaN, inf, 1e400) keeps the column numeric-looking;
                        // anything else that is not a number makes it text.
                        let text = String(decoding: raw, as: UTF8.self).trimmingCharacters(in: .whitespaces)
                        if Double(text) != nil {
                            if columns[k].firstNonFinite == nil { columns[k].firstNonFinite = error }
                        } else {
                            columns[k].allNumbers = false
                        }
                    } catch {
                        columns[k].allNumbers = false
                    }
                }
            }
            // Missing flags are still wanted for text columns.
            for k in 0..<header.count where !columns[k].allNumbers && !plan.hasMissing[k] {
                if reader.withField(k, { CSVTable.isMissing($0) }) { plan.hasMissing[k] = true }
            }
            plan.rows += 1
            if plan.rows % progressRows == 0 { progress.update(completed: reader.bytesRead) }
        }
        progress.update(completed: reader.bytesRead)
        for k in header.indices {
            let column = columns[k]
            if column.allNumbers, let error = column.firstNonFinite, column.anyFinite { throw error }
            plan.numeric[k] = column.allNumbers && column.firstNonFinite == nil
        }
        return plan
    }
}

/// A table read back from a `TableFile`, column by column on demand.
public final class HDF5Table: DataTable {
    public let source: String
    public let tableName: String
    public let columnNames: [String]
    public let rowCount: Int
    public let sourceSHA256: String
    /// Internal: `TableRowBlocks` reads through this open (one sandboxed probe of the file, not one more).
    let file: HDF5File
    private let group: HDF5Group

    /// Opens the table `name` of a table file, or its only table when `name` is nil.
    public init(path: String, table name: String? = nil) throws {
        file = try openHDF5Input(path)
        try StorageFormat.table.check(file)
        let groups = try file.children().filter { $0.kind == .group }.map(\.name)
        guard let chosen = name ?? (groups.count == 1 ? groups[0] : nil) else {
            throw StorageError(file: path, object: "/", groups.isEmpty ? "holds no table" : "holds several tables (\(messageList(groups))): name one")
        }
        try TableFile.checkTableName(chosen, file: path)
        guard groups.contains(chosen) else { throw StorageError(file: path, object: "/\(chosen)", "no such table") }
        group = try file.openGroup(chosen)
        source = path
        tableName = chosen
        columnNames = try group.attributes.getArray("column_names", as: String.self)
        let rows: Int64 = try group.attributes.get("row_count")
        guard rows >= 0 else { throw StorageError(file: path, object: "/\(chosen)", "negative row_count \(rows)") }
        rowCount = Int(rows)
        sourceSHA256 = (try? group.attributes.get("source_sha256", as: String.self)) ?? ""
    }

    /// Bytes of the whole table as doubles (rows × columns × 8), saturating: what reading it whole
    /// holds at least.
    public var doubleBytes: Int {
        let (cells, o1) = rowCount.multipliedReportingOverflow(by: columnNames.count)
        let (bytes, o2) = cells.multipliedReportingOverflow(by: MemoryLayout<Double>.stride)
        return o1 || o2 ? Int.max : bytes
    }

    private func objectPath(_ column: String) -> String { "/\(tableName)/columns/\(column)" }

    private func dataset(_ column: String) throws -> HDF5Dataset {
        try requireColumn(column)
        let dataset = try group.openDataset("columns/\(column)")
        let shape = try dataset.shape
        guard shape == [rowCount] else {
            throw StorageError(file: source, object: objectPath(column), "has shape \(shape), the table has \(rowCount) rows")
        }
        return dataset
    }

    /// Why a column asked for as numbers is not: for a text column, the first row whose value is
    /// not a finite number, so that the user can find it in the source.
    private func notNumeric(_ column: String, _ dataset: HDF5Dataset) throws -> StorageError {
        let dtype = try dataset.dtype
        if dtype == .string {
            let values = try dataset.read(as: String.self)
            let missing = try missingMask(column)
            for (r, value) in values.enumerated() where r < missing.count && !missing[r] {
                let t = value.trimmingCharacters(in: .whitespaces)
                if let v = Double(t), v.isFinite { continue }
                let what = Double(t) == nil ? "is not a number" : "is not a finite number"
                return StorageError(file: source, object: objectPath(column),
                                    "row \(r + 1): '\(messageText(t, limit: 80))' \(what) (the column is stored as text, not numbers)")
            }
        }
        return StorageError(file: source, object: objectPath(column), "holds \(dtype), not numbers (float64)")
    }

    private func missingMask(_ column: String) throws -> [Bool] {
        guard try group.contains("missing/\(column)") else { return [Bool](repeating: false, count: rowCount) }
        let dataset = try group.openDataset("missing/\(column)")
        defer { dataset.close() }
        let mask = try dataset.read(as: Int8.self)
        guard mask.count == rowCount else {
            throw StorageError(file: source, object: "/\(tableName)/missing/\(column)",
                               "mask has \(mask.count) entries, the table has \(rowCount) rows")
        }
        return mask.map { $0 != 0 }
    }

    public func numericColumn(_ name: String) throws -> [Double?] {
        let dataset = try dataset(name)
        defer { dataset.close() }
        guard try dataset.dtype == .float64 else {
            throw try notNumeric(name, dataset)
        }
        let values = try dataset.read(as: Double.self)
        let missing = try missingMask(name)
        return try values.indices.map { i in
            if missing[i] { return nil }
            guard values[i].isFinite else {
                throw StorageError(file: source, object: objectPath(name), "row \(i + 1): non-finite value \(values[i]) not marked missing")
            }
            return values[i]
        }
    }

    public func missingRows(ofNumericColumn name: String) throws -> [Bool] {
        let dataset = try dataset(name)
        defer { dataset.close() }
        guard try dataset.dtype == .float64 else {
            throw try notNumeric(name, dataset)
        }
        return try missingMask(name)
    }

    /// Reads the column in blocks of rows straight from HDF5 into `destination`: memory beyond
    /// the destination is one block and the missing mask, whatever the table's size.
    public func readNumericColumn(_ name: String, keeping keep: [Bool], into destination: UnsafeMutableBufferPointer<Double>) throws {
        precondition(keep.count == rowCount, "one keep flag per row")
        let dataset = try dataset(name)
        defer { dataset.close() }
        guard try dataset.dtype == .float64 else {
            throw try notNumeric(name, dataset)
        }
        let missing = try missingMask(name)
        let blockRows = 65_536
        var block = [Double](repeating: 0, count: min(blockRows, rowCount))
        var k = 0
        var start = 0
        while start < rowCount {
            let end = min(start + blockRows, rowCount)
            try block.withUnsafeMutableBufferPointer { b in
                let values = UnsafeMutableBufferPointer(rebasing: b[0..<(end - start)])
                try dataset.read(rows: start..<end, into: values)
                for (i, v) in values.enumerated() {
                    let r = start + i
                    if missing[r] {
                        if keep[r] { destination[k] = .nan; k += 1 }
                        continue
                    }
                    guard v.isFinite else {
                        throw StorageError(file: source, object: objectPath(name), "row \(r + 1): non-finite value \(v) not marked missing")
                    }
                    if keep[r] { destination[k] = v; k += 1 }
                }
            }
            start = end
        }
        precondition(k == destination.count, "destination holds one slot per kept row")
    }

    /// Rows `rows` (0-based, half-open) of a numeric column, nil where missing: hyperslab reads of
    /// those rows of the values and of the missing mask, never of other rows.
    public func numericColumn(_ name: String, rows: Range<Int>) throws -> [Double?] {
        guard rows.lowerBound >= 0, rows.upperBound <= rowCount else {
            throw StorageError(file: source, object: "/\(tableName)", "rows \(rows.lowerBound):\(rows.upperBound) are outside the table's \(rowCount) rows (0:\(rowCount))")
        }
        let dataset = try dataset(name)
        defer { dataset.close() }
        guard try dataset.dtype == .float64 else {
            throw try notNumeric(name, dataset)
        }
        let values = try dataset.read(rows: rows, as: Double.self)
        var missing = [Bool](repeating: false, count: rows.count)
        if try group.contains("missing/\(name)") {
            let mask = try group.openDataset("missing/\(name)")
            defer { mask.close() }
            guard try mask.shape == [rowCount] else {
                throw StorageError(file: source, object: "/\(tableName)/missing/\(name)", "mask has shape \(try mask.shape), the table has \(rowCount) rows")
            }
            missing = try mask.read(rows: rows, as: Int8.self).map { $0 != 0 }
        }
        return try values.indices.map { i in
            if missing[i] { return nil }
            guard values[i].isFinite else {
                throw StorageError(file: source, object: objectPath(name), "row \(rows.lowerBound + i + 1): non-finite value \(values[i]) not marked missing")
            }
            return values[i]
        }
    }

    public func textColumn(_ name: String) throws -> [String?] {
        let dataset = try dataset(name)
        defer { dataset.close() }
        let missing = try missingMask(name)
        switch try dataset.dtype {
        case .float64:
            let values = try dataset.read(as: Double.self)
            return values.indices.map { missing[$0] || !values[$0].isFinite ? nil : canonicalNumberText(values[$0]) }
        case .string:
            let values = try dataset.read(as: String.self)
            return values.indices.map { missing[$0] ? nil : values[$0] }
        case let other:
            throw StorageError(file: source, object: objectPath(name), "holds \(other), expected numbers or text")
        }
    }

    public func rowLabel(_ r: Int) -> Int { r + 1 }
}

/// Opens a data file by its extension: `.h5`/`.hdf5` as a `TableFile`, anything else as CSV
/// (whose rows `progress` hears as they are read; `delimiter` nil: its delimiter is detected).
public func openDataTable(_ path: String, delimiter: UInt8? = nil,
                          progress: any ProgressReporter = SilentProgress()) throws -> any DataTable {
    let ext = URL(fileURLWithPath: path).pathExtension.lowercased()
    if ext == "h5" || ext == "hdf5" { return try HDF5Table(path: path) }
    return try CSVTable.read(contentsOf: path, delimiter: delimiter, progress: progress)
}
