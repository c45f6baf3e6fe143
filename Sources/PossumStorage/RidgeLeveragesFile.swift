import Foundation
import PossumData
import PossumHDF5

/// One row block's share of RidgeCV's leave-one-out sums against a combined part file (the
/// second pass of ridge over blocks): for each α of the grid, Σ over the block's complete rows of
/// the squared LOO residual (eᵢ/(1 − hᵢ))² and of the squared residual eᵢ². Sums of blocks that
/// partition the part's rows are the whole fit's sums.
public struct RidgeLeverages: Sendable, Equatable {
    /// The rows summed (the same record as a part's).
    public var sources: [QRPart.Source]
    public var columns: [String]
    public var target: String
    public var alphas: [Double]
    public var looSSE: [Double]
    public var rss: [Double]
    /// Complete rows summed.
    public var rows: Int
    /// SHA-256 of the combined part file whose R and moments the sums were computed against.
    public var partSHA256: String

    public init(sources: [QRPart.Source], columns: [String], target: String, alphas: [Double], looSSE: [Double], rss: [Double],
                rows: Int, partSHA256: String) {
        (self.sources, self.columns, self.target, self.alphas, self.looSSE, self.rss, self.rows, self.partSHA256) =
            (sources, columns, target, alphas, looSSE, rss, rows, partSHA256)
    }
}

/// `RidgeLeverages` in HDF5 (docs/distributed.md):
///
///     /          possum_format = "ridge_leverages", schema_version = 1, target, columns,
///                source_tables, source_sha256, source_files, source_row_ranges (as a part file),
///                row_count (int64), part_sha256 (the combined part file's SHA-256)
///     /alphas    float64 k: the α grid
///     /loo_sse   float64 k: Σ (eᵢ/(1 − hᵢ))² over the block's rows, per α
///     /rss       float64 k: Σ eᵢ² per α
public enum RidgeLeveragesFile {
    public static func write(_ sums: RidgeLeverages, to path: String) throws {
        precondition(sums.looSSE.count == sums.alphas.count && sums.rss.count == sums.alphas.count, "one sum per α")
        try HDF5File.writeAtomically(to: path) { file in
            try StorageFormat.ridgeLeverages.stamp(file)
            let a = file.attributes
            func int64(_ v: Int) -> Int64 { Int64(truncatingIfNeeded: v) }
            try a.set("target", sums.target)
            try a.set("columns", sums.columns)
            try a.set("source_tables", sums.sources.map(\.tableName))
            try a.set("source_sha256", sums.sources.map(\.tableSHA256))
            try a.set("source_files", sums.sources.map(\.file))
            try a.set("source_row_ranges", sums.sources.enumerated().flatMap { k, s in
                s.rowRanges.flatMap { [int64(k), int64($0.lowerBound), int64($0.upperBound)] }
            })
            try a.set("row_count", int64(sums.rows))
            try a.set("part_sha256", sums.partSHA256)
            try file.createDataset("alphas", values: sums.alphas).close()
            try file.createDataset("loo_sse", values: sums.looSSE).close()
            try file.createDataset("rss", values: sums.rss).close()
        }
    }

    public static func read(_ path: String) throws -> RidgeLeverages {
        let file = try openHDF5Input(path)
        defer { try? file.close() }
        try StorageFormat.ridgeLeverages.check(file)
        let a = file.attributes
        func values(_ name: String) throws -> [Double] {
            let d = try file.openDataset(name)
            defer { d.close() }
            let v = try d.read(as: Double.self)
            guard v.allSatisfy({ $0.isFinite && $0 >= 0 }) else { throw StorageError(file: path, object: "/\(name)", "holds a negative or non-finite value") }
            return v
        }
        let alphas = try values("alphas"), sse = try values("loo_sse"), rss = try values("rss")
        guard sse.count == alphas.count, rss.count == alphas.count else {
            throw StorageError(file: path, object: "/", "alphas, loo_sse and rss differ in length")
        }
        let count: Int64 = try a.get("row_count")
        guard let rows = Int(exactly: count), rows >= 0 else { throw StorageError(file: path, object: "/", "negative row_count \(count)") }
        return RidgeLeverages(sources: try QRPartFile.readSources(a, path: path), columns: try a.getArray("columns", as: String.self),
                              target: try a.get("target"), alphas: alphas, looSSE: sse, rss: rss, rows: rows,
                              partSHA256: try a.get("part_sha256"))
    }
}
