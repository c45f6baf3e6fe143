import Foundation
import PossumData
import PossumFiles
import PossumHDF5

/// A numeric matrix or vector from CSV (headerless) or HDF5, for `possum lstsq`.
///
/// HDF5: `FILE.h5:NAME` names the dataset; plain `FILE.h5` means the file's only root dataset;
/// 2-D datasets are rows × columns (row-major, as h5py and numpy write them), 1-D ones a column.
public enum NumericArrayFile {
    public static func read(_ argument: String) throws -> NumericMatrixFile {
        var (path, dataset) = (argument, String?.none)
        for ext in [".h5:", ".hdf5:"] {
            if let r = argument.range(of: ext, options: .backwards) {
                path = String(argument[..<r.lowerBound]) + ext.dropLast()
                dataset = String(argument[r.upperBound...])
            }
        }
        let ext = URL(fileURLWithPath: path).pathExtension.lowercased()
        guard ext == "h5" || ext == "hdf5" else { return try NumericMatrixFile.read(contentsOf: path) }
        let file = try openHDF5Input(path)
        defer { try? file.close() }
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
        let values = try d.read(as: Double.self)
        if let k = values.firstIndex(where: { !$0.isFinite }) {
            let columns = shape.count == 2 ? shape[1] : 1
            throw StorageError(file: path, object: d.path, "non-finite value \(values[k]) at row \(k / columns + 1), column \(k % columns + 1)")
        }
        return NumericMatrixFile(rows: shape[0], columns: shape.count == 2 ? shape[1] : 1, values: values)
    }
}
