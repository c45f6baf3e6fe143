import CHDF5

/// How a new dataset is laid out on disk.
///
/// Contiguous storage is the simplest and what small metadata arrays want. Compression, a
/// checksum and growable row counts all need *chunked* storage: the dataset is cut into blocks
/// of `chunkRows` rows (all of every other dimension), each compressed and checksummed on its
/// own, so reading a row range only decompresses the chunks it touches.
public struct HDF5Storage: Sendable, Equatable {
    /// Rows per chunk; nil picks about 256 KiB per chunk when chunking is needed.
    public var chunkRows: Int?
    /// Deflate (zlib) level 1...9, or nil for no compression.
    public var deflateLevel: Int?
    /// Byte-shuffle before deflate: groups the n-th bytes of all values together, which makes
    /// numeric data compress far better. Only applies with compression.
    public var shuffle: Bool
    /// Fletcher-32 checksum per chunk: corrupted data is reported on read instead of returned.
    public var checksum: Bool
    /// Whether the row count (first dimension) can grow later with `HDF5Dataset.resize(rows:)`.
    public var resizable: Bool

    public init(
        chunkRows: Int? = nil, deflateLevel: Int? = nil, shuffle: Bool = true, checksum: Bool = false,
        resizable: Bool = false
    ) {
        self.chunkRows = chunkRows
        self.deflateLevel = deflateLevel
        self.shuffle = shuffle
        self.checksum = checksum
        self.resizable = resizable
    }

    /// One contiguous block, no filters.
    public static let contiguous = HDF5Storage()

    /// Chunked, shuffled and deflated; `level` 4 is h5py's default and a good speed/size balance.
    public static func compressed(level: Int = 4, chunkRows: Int? = nil, checksum: Bool = false) -> HDF5Storage {
        HDF5Storage(chunkRows: chunkRows, deflateLevel: level, shuffle: true, checksum: checksum)
    }

    var needsChunks: Bool { chunkRows != nil || deflateLevel != nil || checksum || resizable }

    /// About this many bytes per chunk: large enough that per-chunk overhead (index entries,
    /// filter calls) is negligible, small enough that reading a few rows stays cheap.
    static let targetChunkBytes = 256 * 1024

    /// The dataset-creation property list for `shape` with elements of `elementSize` bytes.
    /// Caller holds the library lock.
    func creationPropertyList(shape: [Int], elementSize: Int, _ context: HDF5Context) throws -> HDF5Handle {
        let dcpl = try HDF5Handle.make(
            .propertyList, H5Pcreate(possum_h5p_dataset_create()), context, "cannot create dataset properties")
        guard needsChunks else { return dcpl }
        guard !shape.isEmpty else {
            throw context.fail(.invalidArgument, "a scalar dataset cannot be chunked, compressed or resized")
        }
        if let level = deflateLevel, !(1...9).contains(level) {
            throw context.fail(.invalidArgument, "deflate level \(level) is not in 1...9")
        }
        if let rows = chunkRows, rows < 1 { throw context.fail(.invalidArgument, "chunkRows must be at least 1") }
        // HDF5 wants every chunk dimension >= 1, and for fixed-size dimensions <= the dimension.
        let rowBytes = shape.dropFirst().reduce(max(1, elementSize)) { $0.multipliedReportingOverflow(by: max(1, $1)).partialValue }
        var rows = chunkRows ?? max(1, Self.targetChunkBytes / max(1, rowBytes))
        if !resizable { rows = min(rows, max(1, shape[0])) }
        var chunk = [hsize_t(rows)] + shape.dropFirst().map { hsize_t(max(1, $0)) }
        if !resizable, shape.contains(0) {
            // An empty fixed-size dataset cannot have a chunk >= 1 that fits; nothing to compress.
            return dcpl
        }
        try context.check(H5Pset_chunk(dcpl.id, Int32(chunk.count), &chunk), "cannot set chunk shape \(chunk)",
                          .invalidArgument)
        // Filters run in the order added: checksum last, so it covers the bytes as stored.
        if let level = deflateLevel {
            guard H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0 else {
                throw context.fail(.library, "this HDF5 library has no deflate filter")
            }
            if shuffle { try context.check(H5Pset_shuffle(dcpl.id), "cannot enable shuffle") }
            try context.check(H5Pset_deflate(dcpl.id, UInt32(level)), "cannot enable deflate")
        }
        if checksum { try context.check(H5Pset_fletcher32(dcpl.id), "cannot enable checksum") }
        return dcpl
    }
}

/// A filter applied to a chunked dataset, as reported by `HDF5Dataset.storageInfo`.
public enum HDF5Filter: Sendable, Equatable {
    case deflate(level: Int)
    case shuffle
    case fletcher32
    case other(id: Int)
}

/// How an existing dataset is stored.
public struct HDF5StorageInfo: Sendable, Equatable {
    /// The chunk shape, or nil for contiguous/compact storage.
    public var chunkShape: [Int]?
    /// Filters in pipeline order.
    public var filters: [HDF5Filter]
    /// Bytes the dataset's data takes in the file (after compression).
    public var storedBytes: Int
}
