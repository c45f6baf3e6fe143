import Foundation
import PossumData
import PossumFiles
import PossumHDF5

/// A numeric matrix or vector from CSV (headerless) or HDF5, for `possum lstsq`.
///
/// HDF5: `FILE.h5:NAME` names the dataset; plain `FILE.h5` means the file's only root dataset;
/// 2-D datasets are rows × columns (row-major, as h5py and numpy write them), 1-D ones a column.
public enum NumericArrayFile {
    /// `delimiter`: a CSV's byte between fields (`--delimiter`); nil: detected.
    public static func read(_ argument: String, delimiter: UInt8? = nil) throws -> NumericMatrixFile {
        guard let blocks = try openBlocks(argument) else { return try NumericMatrixFile.read(contentsOf: argument, delimiter: delimiter) }
        return NumericMatrixFile(rows: blocks.rows, columns: blocks.columns, values: try blocks.readAll())
    }

    /// The file and dataset an argument names: `FILE.h5:NAME` → (FILE.h5, NAME).
    static func split(_ argument: String) -> (path: String, dataset: String?) {
        var (path, dataset) = (argument, String?.none)
        for ext in [".h5:", ".hdf5:"] {
            if let r = argument.range(of: ext, options: .backwards) {
                path = String(argument[..<r.lowerBound]) + ext.dropLast()
                dataset = String(argument[r.upperBound...])
            }
        }
        return (path, dataset)
    }

    /// Whether `argument` names an HDF5 array (by its file's extension), which can be read a
    /// block of rows at a time; a CSV cannot (its rows have no offsets).
    public static func isHDF5(_ argument: String) -> Bool {
        let ext = URL(fileURLWithPath: split(argument).path).pathExtension.lowercased()
        return ext == "h5" || ext == "hdf5"
    }

    /// The HDF5 array `argument` names, opened for reading blocks of rows; nil for a CSV file.
    public static func openBlocks(_ argument: String) throws -> NumericArrayBlocks? {
        guard isHDF5(argument) else { return nil }
        let (path, dataset) = split(argument)
        let file = try openHDF5Input(path)
        do {
            let name: String
            if let dataset {
                name = dataset
            } else {
                let datasets = try file.children().filter { $0.kind == .dataset }.map(\.name)
                guard datasets.count == 1 else {
                    throw StorageError(file: path, object: "/", datasets.isEmpty ? "holds no dataset at the root"
                                       : "holds several datasets (\(messageList(datasets))): name one as \(messageText(path)):NAME")
                }
                name = datasets[0]
            }
            let d = try file.openDataset(name)
            let shape = try d.shape
            guard shape.count == 1 || shape.count == 2, shape.allSatisfy({ $0 > 0 }) else {
                throw StorageError(file: path, object: d.path, "has shape \(shape); expected a non-empty vector or matrix")
            }
            return NumericArrayBlocks(path: path, file: file, dataset: d, rows: shape[0], columns: shape.count == 2 ? shape[1] : 1)
        } catch {
            try? file.close()
            throw error
        }
    }
}

/// An HDF5 matrix (or vector, one column) read a block of rows at a time — hyperslabs of the
/// dataset, so memory is the caller's block whatever the number of rows.
public final class NumericArrayBlocks {
    /// The file, for messages.
    public let path: String
    public let rows: Int
    public let columns: Int
    private let file: HDF5File
    private let dataset: HDF5Dataset

    init(path: String, file: HDF5File, dataset: HDF5Dataset, rows: Int, columns: Int) {
        (self.path, self.file, self.dataset, self.rows, self.columns) = (path, file, dataset, rows, columns)
    }

    deinit {
        dataset.close()
        try? file.close()
    }

    /// Bytes of the values as doubles (rows × columns × 8), saturating: what reading it whole would hold.
    public var byteCount: Int {
        let (elements, o1) = rows.multipliedReportingOverflow(by: columns)
        let (bytes, o2) = elements.multipliedReportingOverflow(by: MemoryLayout<Double>.stride)
        return o1 || o2 ? Int.max : bytes
    }

    /// Every value, row-major (HDF5 checks first that a declared size fits memory).
    func readAll() throws -> [Double] {
        let values = try dataset.read(as: Double.self)
        if let k = values.firstIndex(where: { !$0.isFinite }) {
            throw StorageError(file: path, object: dataset.path, "non-finite value \(values[k]) at row \(k / columns + 1), column \(k % columns + 1)")
        }
        return values
    }

    /// Rows `range`, row-major, into `buffer` (exactly range.count × columns slots); a value that
    /// is not finite is refused naming its 1-based row and column.
    public func read(rows range: Range<Int>, into buffer: UnsafeMutableBufferPointer<Double>) throws {
        try dataset.read(rows: range, into: buffer)
        if let k = buffer.firstIndex(where: { !$0.isFinite }) {
            throw StorageError(file: path, object: dataset.path,
                               "non-finite value \(buffer[k]) at row \(range.lowerBound + k / columns + 1), column \(k % columns + 1)")
        }
    }
}
