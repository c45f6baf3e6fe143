import PossumHDF5
import PossumLinalg
import PossumML

/// What one block of a table's rows (or several, combined) contributes to least squares of y on
/// the columns X: the R factor of [X | y] and the column moments of [X | y]. Kept small — (p+1)²
/// numbers and a few per column — whatever the number of rows, so it is what travels between
/// machines instead of rows.
public struct QRPart: Sendable, Equatable {
    /// Where the rows come from: the table's name and its `source_sha256` (parts of different
    /// tables must not be combined).
    public var tableName: String
    public var tableSHA256: String
    /// The predictor columns X, in order, then the target y.
    public var columns: [String]
    public var target: String
    /// The table rows covered (0-based, half-open), sorted and disjoint.
    public var rowRanges: [Range<Int>]
    /// R of [X | y] over the complete rows of those ranges: (p+1) × (p+1), upper triangular.
    public var r: Matrix
    /// Count, means and M2 of the p+1 columns of [X | y] over the same rows.
    public var moments: ColumnMoments

    public init(tableName: String, tableSHA256: String, columns: [String], target: String, rowRanges: [Range<Int>],
                r: Matrix, moments: ColumnMoments) {
        (self.tableName, self.tableSHA256, self.columns, self.target, self.rowRanges, self.r, self.moments) =
            (tableName, tableSHA256, columns, target, rowRanges, r, moments)
    }

    /// Complete rows summarized (rows with a missing value in any of the columns are left out).
    public var rows: Int { moments.count }

    /// ‖y − X·x‖ of the least-squares solution over these rows: |ρ| of R = [R₁₁ c; 0 ρ], the
    /// norm of the tail of Qᵀy.
    public var residualNorm: Double { abs(r[columns.count, columns.count]) }
}

/// A `QRPart` in HDF5 (`docs/distributed.md` describes it for other readers):
///
///     /            possum_format = "qr_partial", schema_version = 1,
///                  table_name, table_sha256, target, columns (UTF-8 strings, p of them),
///                  row_ranges (int64, 2k: start, end of each covered range), row_count (int64),
///                  residual_norm (float64)
///     /r           float64 (p+1) × (p+1), row-major: R of [X | y], upper triangular
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
        try HDF5File.writeAtomically(to: path) { file in
            try StorageFormat.qrPartial.stamp(file)
            let a = file.attributes
            try a.set("table_name", part.tableName)
            try a.set("table_sha256", part.tableSHA256)
            try a.set("target", part.target)
            try a.set("columns", part.columns)
            try a.set("row_ranges", part.rowRanges.flatMap { [Int64(truncatingIfNeeded: $0.lowerBound), Int64(truncatingIfNeeded: $0.upperBound)] })
            try a.set("row_count", Int64(truncatingIfNeeded: part.rows))
            try a.set("residual_norm", part.residualNorm)
            let rowMajor = (0..<width).flatMap { i in (0..<width).map { j in part.r[i, j] } }
            try file.createDataset("r", values: rowMajor, shape: [width, width]).close()
            let m = try file.createGroup("moments")
            try m.createDataset("exponent", values: part.moments.exponents.map { Int64(truncatingIfNeeded: $0) }).close()
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
        let bounds = try a.getArray("row_ranges", as: Int64.self)
        guard bounds.count % 2 == 0 else { throw StorageError(file: path, object: "/", "row_ranges has an odd number of bounds") }
        var ranges: [Range<Int>] = []
        for k in stride(from: 0, to: bounds.count, by: 2) {
            guard let lower = Int(exactly: bounds[k]), let upper = Int(exactly: bounds[k + 1]), 0 <= lower, lower < upper else {
                throw StorageError(file: path, object: "/", "row_ranges: \(bounds[k]):\(bounds[k + 1]) is not a range of rows")
            }
            ranges.append(lower..<upper)
        }
        let countValue: Int64 = try a.get("row_count")
        guard let count = Int(exactly: countValue), count >= 0 else { throw StorageError(file: path, object: "/", "negative row_count \(countValue)") }
        let rDataset = try file.openDataset("r")
        defer { rDataset.close() }
        guard try rDataset.shape == [width, width] else {
            throw StorageError(file: path, object: "/r", "has shape \(try rDataset.shape), expected [\(width), \(width)] for \(columns.count) columns and the target")
        }
        let values = try rDataset.read(as: Double.self)
        guard values.allSatisfy(\.isFinite) else { throw StorageError(file: path, object: "/r", "holds a non-finite value") }
        var r = Matrix(rows: width, columns: width)
        for i in 0..<width { for j in i..<width { r[i, j] = values[i * width + j] } }
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
        return QRPart(tableName: try a.get("table_name"), tableSHA256: try a.get("table_sha256"), columns: columns,
                      target: try a.get("target"), rowRanges: ranges, r: r, moments: moments)
    }
}
