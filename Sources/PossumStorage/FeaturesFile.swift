import PossumHDF5
import PossumLinalg
import PossumML

/// Standardized features, ready to train on (the output of `possum features`):
///
///     /                          possum_format = "features", schema_version = 1
///     /features                  source_file, source_sha256, rows, created
///     /features/z                float64, rows × features (row-major), standardized
///     /features/y                float64, the target
///     /features/feature_names    UTF-8 strings
///     /features/row_labels       int64: source line (CSV) or row number (HDF5) of each row
///     /features/transform        see TransformGroup
public struct FeatureSet: Sendable {
    public var z: Matrix
    public var y: [Double]
    public var rowLabels: [Int]
    public var transform: FeatureTransform
    public var sourceFile: String
    public var sourceSHA256: String

    public init(z: Matrix, y: [Double], rowLabels: [Int], transform: FeatureTransform, sourceFile: String, sourceSHA256: String) {
        (self.z, self.y, self.rowLabels, self.transform, self.sourceFile, self.sourceSHA256) = (z, y, rowLabels, transform, sourceFile, sourceSHA256)
    }
}

public enum FeaturesFile {
    /// Refuses (before creating anything) a feature set that `read` would refuse.
    public static func write(_ f: FeatureSet, to path: String) throws {
        try validate(f, file: path)
        try HDF5File.writeAtomically(to: path) { file in
            try StorageFormat.features.stamp(file)
            let g = try file.createGroup("features")
            try g.attributes.set("source_file", f.sourceFile)
            try g.attributes.set("source_sha256", f.sourceSHA256)
            try g.attributes.set("rows", Int64(f.z.rows))
            try g.attributes.set("created", iso8601Now())
            try writeRowMajor(f.z, into: g, name: "z")
            try g.createDataset("y", values: f.y).close()
            try g.createDataset("feature_names", values: f.transform.featureNames).close()
            try g.createDataset("row_labels", values: f.rowLabels.map(Int64.init)).close()
            try TransformGroup.write(f.transform, into: g)
        }
    }

    /// Writes a feature set of `rows` rows block by block, atomically (nothing is visible until
    /// the last block is in): `body` calls `append(z, y, rowLabels)` for consecutive blocks of
    /// rows. z, y and the row labels are chunked datasets of `blockRows` rows, so memory is a
    /// block whatever the number of rows. Each block is checked as `validate` checks a whole set.
    public static func writeBlocks(to path: String, rows: Int, transform: FeatureTransform, sourceFile: String, sourceSHA256: String,
                                   blockRows: Int,
                                   _ body: (_ append: (Matrix, [Double], [Int]) throws -> Void) throws -> Void) throws {
        try TransformGroup.validate(transform, file: path, object: "/features/transform")
        let names = transform.featureNames
        try HDF5File.writeAtomically(to: path) { file in
            try StorageFormat.features.stamp(file)
            let g = try file.createGroup("features")
            try g.attributes.set("source_file", sourceFile)
            try g.attributes.set("source_sha256", sourceSHA256)
            try g.attributes.set("rows", Int64(clamping: rows))
            try g.attributes.set("created", iso8601Now())
            let storage = HDF5Storage(chunkRows: max(1, min(rows, blockRows)))
            let z = try g.createDataset("z", of: Double.self, shape: [rows, names.count], storage: storage)
            let y = try g.createDataset("y", of: Double.self, shape: [rows], storage: storage)
            let labels = try g.createDataset("row_labels", of: Int64.self, shape: [rows], storage: storage)
            defer { z.close(); y.close(); labels.close() }
            try g.createDataset("feature_names", values: names).close()
            try TransformGroup.write(transform, into: g)
            var start = 0
            var rowMajor: [Double] = []
            try body { block, targets, rowLabels in
                let count = block.rows
                guard block.columns == names.count, targets.count == count, rowLabels.count == count else {
                    throw StorageError(file: path, object: "/features/z", "a block of \(count) rows × \(block.columns) for \(names.count) features, \(targets.count) targets, \(rowLabels.count) labels")
                }
                guard start + count <= rows else {
                    throw StorageError(file: path, object: "/features/z", "more than the \(rows) rows announced")
                }
                for j in 0..<block.columns {
                    if let i = (0..<count).first(where: { !block[$0, j].isFinite }) {
                        throw StorageError(file: path, object: "/features/z",
                                           "row \(start + i + 1) (source row \(rowLabels[i])), feature '\(names[j])' is \(block[i, j]): values must be finite")
                    }
                }
                if let i = targets.firstIndex(where: { !$0.isFinite }) {
                    throw StorageError(file: path, object: "/features/y", "row \(start + i + 1) (source row \(rowLabels[i])) is \(targets[i]): targets must be finite")
                }
                guard count > 0 else { return }
                rowMajor.removeAll(keepingCapacity: true)
                rowMajor.reserveCapacity(count * block.columns)
                for i in 0..<count { for j in 0..<block.columns { rowMajor.append(block[i, j]) } }
                let rowRange = start..<(start + count)
                try z.write(rowMajor, rows: rowRange)
                try y.write(targets, rows: rowRange)
                try labels.write(rowLabels.map { Int64(clamping: $0) }, rows: rowRange)
                start += count
            }
            guard start == rows else {
                throw StorageError(file: path, object: "/features/z", "\(start) rows written of the \(rows) announced")
            }
        }
    }

    public static func read(_ path: String) throws -> FeatureSet {
        let file = try openHDF5Input(path)
        defer { try? file.close() }
        try StorageFormat.features.check(file)
        let g = try file.openGroup("features")
        let transform = try TransformGroup.read(from: g, file: path)
        let zSet = try g.openDataset("z")
        let shape = try zSet.shape
        let p = transform.featureNames.count
        guard shape.count == 2, shape[1] == p else {
            throw StorageError(file: path, object: "/features/z", "has shape \(shape), expected rows × \(p)")
        }
        let y = try g.openDataset("y").read(as: Double.self)
        let labels = try g.openDataset("row_labels").read(as: Int64.self)
        guard y.count == shape[0], labels.count == shape[0] else {
            throw StorageError(file: path, object: "/features/y", "has \(y.count) rows, z has \(shape[0])")
        }
        let z = try readRowMajor(zSet, rows: shape[0], columns: p)
        let features = FeatureSet(z: z, y: y, rowLabels: labels.map(Int.init), transform: transform,
                                  sourceFile: try g.attributes.get("source_file"), sourceSHA256: try g.attributes.get("source_sha256"))
        try validate(features, file: path)
        return features
    }

    /// What a feature set must satisfy to be written and read back — the one check both `write`
    /// (before anything is written) and `read` (after reading) run: a valid transform, z of rows ×
    /// features with every value finite, one finite target and one row label per row.
    public static func validate(_ f: FeatureSet, file: String) throws {
        try TransformGroup.validate(f.transform, file: file, object: "/features/transform")
        let names = f.transform.featureNames
        guard f.z.columns == names.count else {
            throw StorageError(file: file, object: "/features/z", "has \(f.z.columns) columns for \(names.count) features")
        }
        guard f.y.count == f.z.rows, f.rowLabels.count == f.z.rows else {
            throw StorageError(file: file, object: "/features/y", "has \(f.y.count) rows and \(f.rowLabels.count) row labels, z has \(f.z.rows)")
        }
        for j in 0..<f.z.columns {
            if let i = (0..<f.z.rows).first(where: { !f.z[$0, j].isFinite }) {
                throw StorageError(file: file, object: "/features/z",
                                   "row \(i + 1) (source row \(f.rowLabels[i])), feature '\(names[j])' is \(f.z[i, j]): values must be finite")
            }
        }
        if let i = f.y.firstIndex(where: { !$0.isFinite }) {
            throw StorageError(file: file, object: "/features/y",
                               "row \(i + 1) (source row \(f.rowLabels[i])) is \(f.y[i]): targets must be finite")
        }
    }

    /// Rows per block when moving z between the column-major matrix and the row-major dataset.
    static let blockRows = 65_536

    /// Writes `m` as a rows × columns row-major dataset (numpy's layout), a block of rows at a
    /// time: memory beyond the matrix is one block, not a transposed copy.
    static func writeRowMajor(_ m: Matrix, into group: HDF5Group, name: String) throws {
        let dataset = try group.createDataset(name, of: Double.self, shape: [m.rows, m.columns])
        defer { dataset.close() }
        var block = [Double](repeating: 0, count: min(blockRows, m.rows) * m.columns)
        var start = 0
        while start < m.rows {
            let count = min(blockRows, m.rows - start)
            for i in 0..<count { for j in 0..<m.columns { block[i * m.columns + j] = m[start + i, j] } }
            try block.withUnsafeBufferPointer { try dataset.write(from: UnsafeBufferPointer(rebasing: $0[0..<(count * m.columns)]), rows: start..<(start + count)) }
            start += count
        }
    }

    /// Reads a rows × columns row-major dataset into a column-major matrix a block of rows at a
    /// time (`validate` then checks its values).
    static func readRowMajor(_ dataset: HDF5Dataset, rows: Int, columns: Int) throws -> Matrix {
        var m = Matrix(rows: rows, columns: columns)
        var block = [Double](repeating: 0, count: min(blockRows, rows) * columns)
        var start = 0
        while start < rows {
            let count = min(blockRows, rows - start)
            try block.withUnsafeMutableBufferPointer { try dataset.read(rows: start..<(start + count), into: UnsafeMutableBufferPointer(rebasing: $0[0..<(count * columns)])) }
            for i in 0..<count {
                for j in 0..<columns { m[start + i, j] = block[i * columns + j] }
            }
            start += count
        }
        return m
    }
}
