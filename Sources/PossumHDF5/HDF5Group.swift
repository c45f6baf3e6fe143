/// A group: a directory of datasets and other groups, with attributes.
///
/// Names passed to a group's methods are relative to it (`"coefficients"`, `"a/b"`) or absolute
/// (`"/model/coefficients"`). The group closes when released, or on `close()`; it keeps its
/// file open meanwhile.
public final class HDF5Group {
    let location: HDF5Location

    init(_ location: HDF5Location) { self.location = location }

    /// The file as the caller named it when opening.
    public var filePath: String { location.context.file }
    /// Absolute path inside the file, e.g. `/model`.
    public var path: String { location.path }
    /// The last path component (`/` for the root group).
    public var name: String { HDF5Path.name(path) }

    /// Attributes of this group.
    public var attributes: HDF5Attributes { HDF5Attributes(owner: location.handle, fileHandle: location.fileHandle, context: location.context) }

    /// Members, sorted by name.
    public func children() throws -> [HDF5Child] { try location.children() }
    /// The kind of object at `name`, or nil if there is none.
    public func kind(of name: String) throws -> HDF5ObjectKind? { try location.kind(of: name) }
    /// Whether any object exists at `name`.
    public func contains(_ name: String) throws -> Bool { try location.kind(of: name) != nil }

    /// Creates a group (and any missing groups above it).
    public func createGroup(_ name: String) throws -> HDF5Group { try location.createGroup(name) }
    /// Opens an existing group; `.notFound` / `.wrongObjectType` errors name its path.
    public func openGroup(_ name: String) throws -> HDF5Group { try location.openGroup(name) }
    /// Opens an existing dataset; `.notFound` / `.wrongObjectType` errors name its path.
    public func openDataset(_ name: String) throws -> HDF5Dataset { try location.openDataset(name) }

    /// Creates an empty (zero-filled) dataset of `shape` for elements of `type`; fill it with
    /// `write` calls, whole or by row ranges.
    public func createDataset<T: HDF5Scalar>(
        _ name: String, of type: T.Type, shape: [Int], storage: HDF5Storage = .contiguous
    ) throws -> HDF5Dataset {
        try location.createDataset(name, dtype: T.hdf5DType, shape: shape, storage: storage)
    }

    /// Creates a dataset holding `values`, shaped `shape` (row-major) or 1-D by default.
    @discardableResult
    public func createDataset<T: HDF5Scalar>(
        _ name: String, values: [T], shape: [Int]? = nil, storage: HDF5Storage = .contiguous
    ) throws -> HDF5Dataset {
        let shape = shape ?? [values.count]
        // Checked before creating, so a mismatch leaves no half-made dataset behind.
        let ctx = location.context.at(HDF5Path.join(path, name))
        guard try HDF5Dataspace.elementCount(shape, ctx) == values.count else {
            throw ctx.fail(.shapeMismatch, "\(values.count) values do not fill shape \(shape)")
        }
        let dataset = try location.createDataset(name, dtype: T.hdf5DType, shape: shape, storage: storage)
        try dataset.write(values)
        return dataset
    }

    /// Removes the object at `name` from the group.
    public func remove(_ name: String) throws { try location.remove(name) }

    /// Closes the group now rather than when it is released. Idempotent.
    public func close() { location.handle.close() }
}
