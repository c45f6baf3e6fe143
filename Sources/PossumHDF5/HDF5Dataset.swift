import CHDF5

/// An n-dimensional array of one element type, stored in a file.
///
/// Values travel as flat row-major Swift arrays: a 2-D dataset of shape `[r, c]` reads as
/// `r * c` values, row after row (the layout h5py/numpy use). "Rows" always means the first
/// dimension, which is what `read(rows:)`/`write(_:rows:)` slice, so a dataset bigger than
/// memory is processed a block of rows at a time.
///
/// Reads are exact: a stored type is converted only to a Swift type that holds every value
/// (int32 → Int64 or Double, float32 → Double); anything else is a `.dtypeMismatch` error.
public final class HDF5Dataset {
    let handle: HDF5Handle
    /// Keeps the file open while this dataset is in use.
    let fileHandle: HDF5Handle
    let context: HDF5Context

    init(handle: HDF5Handle, fileHandle: HDF5Handle, context: HDF5Context) {
        self.handle = handle
        self.fileHandle = fileHandle
        self.context = context
    }

    /// The file as the caller named it when opening.
    public var filePath: String { context.file }
    /// Absolute path inside the file, e.g. `/model/coefficients`.
    public var path: String { context.path ?? "/" }
    /// The last path component.
    public var name: String { HDF5Path.name(path) }

    /// Attributes of this dataset.
    public var attributes: HDF5Attributes { HDF5Attributes(owner: handle, fileHandle: fileHandle, context: context) }

    /// Closes the dataset now rather than when it is released. Idempotent.
    public func close() { handle.close() }

    // MARK: Inspection

    /// The current shape: `[]` for a scalar dataset.
    public var shape: [Int] {
        get throws { try HDF5Library.locked { try fileSpace().closing { try HDF5Dataspace.shape(of: $0, context) } } }
    }

    /// The maximum shape; `nil` entries are unlimited (a resizable dimension).
    public var maxShape: [Int?] {
        get throws {
            try HDF5Library.locked { try fileSpace().closing { try HDF5Dataspace.maxShape(of: $0, context) } ?? [] }
        }
    }

    /// Number of rows (the first dimension); 1 for a scalar dataset.
    public var rowCount: Int { get throws { try shape.first ?? 1 } }

    /// The stored element type.
    public var dtype: HDF5DType {
        get throws { try HDF5Library.locked { try fileType().closing { HDF5DType.of(typeID: $0) } } }
    }

    /// Chunking, filters and on-disk size.
    public var storageInfo: HDF5StorageInfo {
        get throws {
            try HDF5Library.locked {
                let id = try handle.validID(context)
                let dcpl = try HDF5Handle.make(.propertyList, H5Dget_create_plist(id), context,
                                               "cannot read dataset properties", .corrupt)
                defer { dcpl.close() }
                var chunkShape: [Int]?
                if H5Pget_layout(dcpl.id) == H5D_CHUNKED {
                    var dims = [hsize_t](repeating: 0, count: 32)
                    let rank = H5Pget_chunk(dcpl.id, 32, &dims)
                    guard rank >= 0 else { throw context.error(.corrupt, "cannot read chunk shape") }
                    chunkShape = dims.prefix(Int(rank)).map { Int(clamping: $0) }
                }
                var filters: [HDF5Filter] = []
                let count = H5Pget_nfilters(dcpl.id)
                for i in 0..<max(0, count) {
                    var flags: UInt32 = 0
                    var nValues = 8
                    var values = [UInt32](repeating: 0, count: 8)
                    var config: UInt32 = 0
                    let filter = H5Pget_filter2(dcpl.id, UInt32(i), &flags, &nValues, &values, 0, nil, &config)
                    switch filter {
                    case H5Z_FILTER_DEFLATE: filters.append(.deflate(level: Int(nValues > 0 ? values[0] : 0)))
                    case H5Z_FILTER_SHUFFLE: filters.append(.shuffle)
                    case H5Z_FILTER_FLETCHER32: filters.append(.fletcher32)
                    default: filters.append(.other(id: Int(filter)))
                    }
                }
                return HDF5StorageInfo(
                    chunkShape: chunkShape, filters: filters, storedBytes: Int(clamping: H5Dget_storage_size(id)))
            }
        }
    }

    /// Byte offset of a contiguous dataset's data in the file (nil if chunked, compact or not
    /// yet written). For tests that damage specific bytes, and for diagnostics.
    var fileOffset: Int? {
        HDF5Library.locked {
            guard let id = try? handle.validID(context) else { return nil }
            let offset = H5Dget_offset(id)
            return offset == haddr_t.max ? nil : Int(exactly: offset)
        }
    }

    // MARK: Reading

    /// All values, flattened row-major.
    public func read<T: HDF5Scalar>(as type: T.Type = T.self) throws -> [T] {
        try HDF5Library.locked {
            let id = try handle.validID(context)
            let space = try fileSpace()
            defer { space.close() }
            let count = try HDF5Dataspace.elementCount(try HDF5Dataspace.shape(of: space.id, context), context)
            let stored = try fileType()
            defer { stored.close() }
            return try HDF5Transfer.read(
                T.self, count: count, storedType: stored.id, reclaimSpace: space.id, context,
                probe: { possum_probe_vlen_read(id, 0, $0, possum_h5s_all(), possum_h5s_all(), count, $1) }
            ) { H5Dread(id, $0, possum_h5s_all(), possum_h5s_all(), possum_h5p_default(), $1) }
        }
    }

    /// The single value of a scalar (or one-element) dataset.
    public func readScalar<T: HDF5Scalar>(as type: T.Type = T.self) throws -> T {
        let values = try read(as: T.self)
        guard values.count == 1 else {
            throw context.fail(.shapeMismatch, "expected a single value, found \(values.count)")
        }
        return values[0]
    }

    /// Rows `rows` (all columns), flattened row-major: the hyperslab read for data bigger than memory.
    /// The memory space has the selection's shape (not a flat run), so HDF5 copies whole rows of a
    /// chunk at a time instead of iterating element by element.
    public func read<T: HDF5Scalar>(rows: Range<Int>, as type: T.Type = T.self) throws -> [T] {
        try HDF5Library.locked {
            let id = try handle.validID(context)
            let (space, selection) = try rowSpace(rows)
            defer { space.close() }
            let count = try HDF5Dataspace.elementCount(selection, context)
            guard count > 0 else { return [] }
            let memory = try HDF5Dataspace.simple(selection, context)
            defer { memory.close() }
            let stored = try fileType()
            defer { stored.close() }
            return try HDF5Transfer.read(
                T.self, count: count, storedType: stored.id, reclaimSpace: memory.id, context,
                probe: { possum_probe_vlen_read(id, 0, $0, memory.id, space.id, count, $1) }
            ) { H5Dread(id, $0, memory.id, space.id, possum_h5p_default(), $1) }
        }
    }

    /// Reads rows `rows` straight into `buffer`, which must hold exactly `rows.count * rowSize`
    /// values: no intermediate array, for filling a large matrix in place. Numeric types only.
    public func read<T: HDF5Scalar>(rows: Range<Int>, into buffer: UnsafeMutableBufferPointer<T>) throws {
        try HDF5Library.locked {
            let id = try handle.validID(context)
            let (space, selection) = try rowSpace(rows)
            defer { space.close() }
            let count = try HDF5Dataspace.elementCount(selection, context)
            guard buffer.count == count else {
                throw context.fail(.shapeMismatch, "buffer holds \(buffer.count) values, rows \(rows) have \(count)")
            }
            guard count > 0 else { return }
            let memory = try HDF5Dataspace.simple(selection, context)
            defer { memory.close() }
            let stored = try fileType()
            defer { stored.close() }
            try HDF5Transfer.read(into: buffer, storedType: stored.id, context) {
                H5Dread(id, $0, memory.id, space.id, possum_h5p_default(), $1)
            }
        }
    }

    // MARK: Writing

    /// Replaces all values; `values.count` must equal the element count of `shape`.
    public func write<T: HDF5Scalar>(_ values: [T]) throws {
        try HDF5Library.locked {
            let id = try handle.validID(context)
            try checkWritable(T.self)
            let space = try fileSpace()
            defer { space.close() }
            let count = try HDF5Dataspace.elementCount(try HDF5Dataspace.shape(of: space.id, context), context)
            guard values.count == count else {
                throw context.fail(.shapeMismatch, "\(values.count) values given, dataset holds \(count)")
            }
            try values.withUnsafeBufferPointer { buffer in
                try HDF5Transfer.write(buffer, context) {
                    H5Dwrite(id, $0, possum_h5s_all(), possum_h5s_all(), possum_h5p_default(), $1)
                }
            }
        }
    }

    /// Writes rows `rows` (all columns) from flat row-major `values`.
    public func write<T: HDF5Scalar>(_ values: [T], rows: Range<Int>) throws {
        try values.withUnsafeBufferPointer { try write(from: $0, rows: rows) }
    }

    /// Writes rows `rows` from caller memory, without copying it into an array first.
    public func write<T: HDF5Scalar>(from buffer: UnsafeBufferPointer<T>, rows: Range<Int>) throws {
        try HDF5Library.locked {
            let id = try handle.validID(context)
            try checkWritable(T.self)
            let (space, selection) = try rowSpace(rows)
            defer { space.close() }
            let count = try HDF5Dataspace.elementCount(selection, context)
            guard buffer.count == count else {
                throw context.fail(.shapeMismatch, "\(buffer.count) values given, rows \(rows) hold \(count)")
            }
            guard count > 0 else { return }
            let memory = try HDF5Dataspace.simple(selection, context)
            defer { memory.close() }
            try HDF5Transfer.write(buffer, context) {
                H5Dwrite(id, $0, memory.id, space.id, possum_h5p_default(), $1)
            }
        }
    }

    /// Changes the number of rows of a dataset created with `HDF5Storage(resizable: true)`.
    /// New rows read as zero (or empty strings) until written.
    public func resize(rows: Int) throws {
        try HDF5Library.locked {
            let id = try handle.validID(context)
            let space = try fileSpace()
            defer { space.close() }
            let shape = try HDF5Dataspace.shape(of: space.id, context)
            let maxShape = try HDF5Dataspace.maxShape(of: space.id, context) ?? []
            guard rows >= 0, let limit = maxShape.first else {
                throw context.fail(.invalidArgument, "cannot resize to \(rows) rows")
            }
            if let limit, rows > limit {
                throw context.fail(.shapeMismatch, "cannot grow to \(rows) rows; created with at most \(limit)")
            }
            var dims = ([rows] + shape.dropFirst()).map { hsize_t($0) }
            try context.check(H5Dset_extent(id, &dims), "cannot resize to \(rows) rows")
        }
    }

    // MARK: Internals (caller holds the lock)

    private func fileSpace() throws -> HDF5Handle {
        try HDF5Handle.make(.dataspace, H5Dget_space(try handle.validID(context)), context,
                            "cannot read dataspace", .corrupt)
    }

    private func fileType() throws -> HDF5Handle {
        try HDF5Handle.make(.datatype, H5Dget_type(try handle.validID(context)), context,
                            "cannot read datatype", .corrupt)
    }

    /// The file dataspace with `rows` selected, after checking them against the shape, and the
    /// selection's shape (rows.count, then the dataset's other dimensions).
    /// An empty range selects nothing (and callers return before transferring).
    private func rowSpace(_ rows: Range<Int>) throws -> (HDF5Handle, [Int]) {
        let space = try fileSpace()
        let shape = try HDF5Dataspace.shape(of: space.id, context)
        guard let rowCount = shape.first else {
            throw context.fail(.shapeMismatch, "a scalar dataset has no rows")
        }
        guard rows.lowerBound >= 0, rows.upperBound <= rowCount else {
            throw context.fail(.shapeMismatch, "rows \(rows.lowerBound)..<\(rows.upperBound) out of 0..<\(rowCount)")
        }
        if !rows.isEmpty { try HDF5Dataspace.selectRows(rows, in: space.id, shape: shape, context) }
        return (space, [rows.count] + shape.dropFirst())
    }

    /// Writing `T` must not lose information in the stored type, and strings need a
    /// variable-length string dataset (HDF5 would silently truncate into fixed-length ones).
    private func checkWritable<T: HDF5Scalar>(_: T.Type) throws {
        let stored = try fileType()
        defer { stored.close() }
        let dtype = HDF5DType.of(typeID: stored.id)
        guard T.hdf5DType.canBeReadExactly(as: dtype) else {
            throw context.fail(.dtypeMismatch, "stored as \(dtype), cannot write \(T.self) values")
        }
        if dtype == .string, H5Tis_variable_str(stored.id) <= 0 {
            throw context.fail(.dtypeMismatch, "cannot write into a fixed-length string dataset")
        }
    }
}
