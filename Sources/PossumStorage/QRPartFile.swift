import Foundation
import PossumHDF5
import PossumLinalg
import PossumML

/// What one block of a table's rows (or several, combined, from one or several table files)
/// contributes to least squares of y on the columns X: the R factor of [X | y], the R factor of
/// [X | y] centered at these rows' own means, and the column moments of [X | y]. Kept small —
/// 2(p+1)² numbers and a few per column — whatever the number of rows, so it is what travels
/// between machines instead of rows.
public struct QRPart: Sendable, Equatable {
    /// Rows of one table: its name, its `source_sha256`, the file name it was read from (for the
    /// record), and the rows covered (0-based, half-open), sorted and disjoint.
    public struct Source: Sendable, Equatable {
        public var tableName: String
        public var tableSHA256: String
        public var file: String
        public var rowRanges: [Range<Int>]

        public init(tableName: String, tableSHA256: String, file: String, rowRanges: [Range<Int>]) {
            (self.tableName, self.tableSHA256, self.file, self.rowRanges) = (tableName, tableSHA256, file, rowRanges)
        }

        /// Two sources are the same table when name and source SHA-256 match: their rows must not overlap.
        public func isSameTable(as other: Source) -> Bool { tableName == other.tableName && tableSHA256 == other.tableSHA256 }
    }

    /// The tables the rows come from (one for a part of one file; several after combining parts
    /// of a data set split over files).
    public var sources: [Source]
    /// The predictor columns X, in order, then the target y.
    public var columns: [String]
    public var target: String
    /// R of [X | y] over the complete rows of those ranges: (p+1) × (p+1), upper triangular.
    public var r: Matrix
    /// R of [X − mean | y − mean] at these rows' own column means (what ridge regression with an
    /// intercept needs); nil for a file written before possum stored it.
    public var centeredR: Matrix?
    /// Count, means and M2 of the p+1 columns of [X | y] over the same rows.
    public var moments: ColumnMoments

    public init(sources: [Source], columns: [String], target: String, r: Matrix, centeredR: Matrix?, moments: ColumnMoments) {
        (self.sources, self.columns, self.target, self.r, self.centeredR, self.moments) =
            (sources, columns, target, r, centeredR, moments)
    }

    /// Complete rows summarized (rows with a missing value in any of the columns are left out).
    public var rows: Int { moments.count }

    /// ‖y − X·x‖ of the least-squares solution over these rows: |ρ| of R = [R₁₁ c; 0 ρ], the
    /// norm of the tail of Qᵀy.
    public var residualNorm: Double { abs(r[columns.count, columns.count]) }

    /// The covered rows as text: `file:A:B,…` per source (`A:B,…` for a part of one table).
    public var coverage: String {
        let ranges = { (s: Source) in s.rowRanges.map { "\($0.lowerBound):\($0.upperBound)" }.joined(separator: ",") }
        return sources.count == 1 ? ranges(sources[0]) : sources.map { "\($0.file) \(ranges($0))" }.joined(separator: "; ")
    }
}

/// A `QRPart` in HDF5 (`docs/distributed.md` describes it for other readers):
///
///     /            possum_format = "qr_partial", schema_version = 1,
///                  target, columns (UTF-8 strings, p of them), row_count (int64), residual_norm (float64),
///                  source_tables, source_sha256, source_files (strings, one per source table),
///                  source_row_ranges (int64, 3k: source index, start, end of each covered range);
///                  for a single source also table_name, table_sha256, row_ranges (2k: start, end)
///     /r           float64 (p+1) × (p+1), row-major: R of [X | y], upper triangular
///     /r_centered  float64 (p+1) × (p+1), row-major: R of [X | y] centered at the part's own means
///     /moments/exponent, /moments/mean_high, /moments/mean_low, /moments/m2
///                  p+1 each: the ColumnMoments of [X | y] held at scale 2^-exponent
///                  (mean = (mean_high + mean_low)·2^exponent, variance = m2·2^(2·exponent)/row_count)
///     /moments/mean, /moments/variance   float64 p+1 each: the same in plain units, for reading
///
/// A combined file has the same layout: combining parts of parts (a tree) works.
public enum QRPartFile {
    public static func write(_ part: QRPart, to path: String) throws {
        let width = part.columns.count + 1
        precondition(part.r.rows == width && part.r.columns == width && part.moments.columns == width, "R and moments of [X | y]")
        precondition(!part.sources.isEmpty, "a part covers rows of at least one table")
        try HDF5File.writeAtomically(to: path) { file in
            try StorageFormat.qrPartial.stamp(file)
            let a = file.attributes
            func int64(_ v: Int) -> Int64 { Int64(truncatingIfNeeded: v) }
            if part.sources.count == 1 {
                // The single-table attributes of the first layout, for readers that know only those.
                try a.set("table_name", part.sources[0].tableName)
                try a.set("table_sha256", part.sources[0].tableSHA256)
                try a.set("row_ranges", part.sources[0].rowRanges.flatMap { [int64($0.lowerBound), int64($0.upperBound)] })
            }
            try a.set("source_tables", part.sources.map(\.tableName))
            try a.set("source_sha256", part.sources.map(\.tableSHA256))
            try a.set("source_files", part.sources.map(\.file))
            try a.set("source_row_ranges", part.sources.enumerated().flatMap { k, s in
                s.rowRanges.flatMap { [int64(k), int64($0.lowerBound), int64($0.upperBound)] }
            })
            try a.set("target", part.target)
            try a.set("columns", part.columns)
            try a.set("row_count", int64(part.rows))
            try a.set("residual_norm", part.residualNorm)
            func rowMajor(_ m: Matrix) -> [Double] { (0..<width).flatMap { i in (0..<width).map { j in m[i, j] } } }
            try file.createDataset("r", values: rowMajor(part.r), shape: [width, width]).close()
            if let centered = part.centeredR {
                try file.createDataset("r_centered", values: rowMajor(centered), shape: [width, width]).close()
            }
            let m = try file.createGroup("moments")
            try m.createDataset("exponent", values: part.moments.exponents.map { int64($0) }).close()
            try m.createDataset("mean_high", values: part.moments.scaledMeanHigh).close()
            try m.createDataset("mean_low", values: part.moments.scaledMeanLow).close()
            try m.createDataset("m2", values: part.moments.scaledM2).close()
            try m.createDataset("mean", values: part.moments.means).close()
            try m.createDataset("variance", values: part.moments.variances).close()
        }
    }

    public static func read(_ path: String) throws -> QRPart {
        let file = try openHDF5Input(path)
        defer { try? file.close() }
        try StorageFormat.qrPartial.check(file)
        let a = file.attributes
        let columns = try a.getArray("columns", as: String.self)
        let width = columns.count + 1
        let sources = try readSources(a, path: path)
        let countValue: Int64 = try a.get("row_count")
        guard let count = Int(exactly: countValue), count >= 0 else { throw StorageError(file: path, object: "/", "negative row_count \(countValue)") }
        func triangle(_ name: String) throws -> Matrix {
            let dataset = try file.openDataset(name)
            defer { dataset.close() }
            guard try dataset.shape == [width, width] else {
                throw StorageError(file: path, object: "/\(name)", "has shape \(try dataset.shape), expected [\(width), \(width)] for \(columns.count) columns and the target")
            }
            let values = try dataset.read(as: Double.self)
            guard values.allSatisfy(\.isFinite) else { throw StorageError(file: path, object: "/\(name)", "holds a non-finite value") }
            var r = Matrix(rows: width, columns: width)
            for i in 0..<width { for j in i..<width { r[i, j] = values[i * width + j] } }
            return r
        }
        let r = try triangle("r")
        let centered = try file.contains("r_centered") ? try triangle("r_centered") : nil
        let m = try file.openGroup("moments")
        func column(_ name: String) throws -> [Double] {
            let d = try m.openDataset(name)
            defer { d.close() }
            return try d.read(as: Double.self)
        }
        let exponentDataset = try m.openDataset("exponent")
        let exponents = try exponentDataset.read(as: Int64.self).map { Int(exactly: $0) ?? Int.max }
        exponentDataset.close()
        guard exponents.count == width,
              let moments = ColumnMoments(count: count, exponents: exponents, scaledMeanHigh: try column("mean_high"),
                                          scaledMeanLow: try column("mean_low"), scaledM2: try column("m2")) else {
            throw StorageError(file: path, object: "/moments", "inconsistent moments for \(width) columns of [X | y]")
        }
        return QRPart(sources: sources, columns: columns, target: try a.get("target"), r: r, centeredR: centered, moments: moments)
    }

    /// The sources of a part: the per-source attributes, or the single-table ones of a file
    /// written before several tables could be combined.
    static func readSources(_ a: HDF5Attributes, path: String) throws -> [QRPart.Source] {
        func ranges(_ bounds: [Int64], stride width: Int) throws -> [(Int, Range<Int>)] {
            guard bounds.count % width == 0 else { throw StorageError(file: path, object: "/", "row ranges: \(bounds.count) bounds, not a multiple of \(width)") }
            return try Swift.stride(from: 0, to: bounds.count, by: width).map { k in
                let index = width == 3 ? Int(exactly: bounds[k]) : 0
                guard let index, let lower = Int(exactly: bounds[k + width - 2]), let upper = Int(exactly: bounds[k + width - 1]),
                      0 <= lower, lower < upper else {
                    throw StorageError(file: path, object: "/", "row ranges: \(bounds[k + width - 2]):\(bounds[k + width - 1]) is not a range of rows")
                }
                return (index, lower..<upper)
            }
        }
        guard try a.contains("source_tables") else {
            return [QRPart.Source(tableName: try a.get("table_name"), tableSHA256: try a.get("table_sha256"), file: "",
                                  rowRanges: try ranges(try a.getArray("row_ranges", as: Int64.self), stride: 2).map(\.1))]
        }
        let names = try a.getArray("source_tables", as: String.self)
        let hashes = try a.getArray("source_sha256", as: String.self)
        let files = try a.getArray("source_files", as: String.self)
        guard !names.isEmpty, hashes.count == names.count, files.count == names.count else {
            throw StorageError(file: path, object: "/", "source_tables, source_sha256 and source_files differ in length (or are empty)")
        }
        var sources = names.indices.map { QRPart.Source(tableName: names[$0], tableSHA256: hashes[$0], file: files[$0], rowRanges: []) }
        for (k, range) in try ranges(try a.getArray("source_row_ranges", as: Int64.self), stride: 3) {
            guard sources.indices.contains(k) else { throw StorageError(file: path, object: "/", "source_row_ranges names source \(k) of \(sources.count)") }
            sources[k].rowRanges.append(range)
        }
        return sources
    }
}
