import CHDF5
import Foundation

/// An open HDF5 file. Its root group's operations (`createGroup`, `openDataset`, ...) and
/// attributes are available directly on the file.
///
/// The file closes on `close()` or when the last reference to it *and to every object opened
/// from it* goes away: groups and datasets keep their file open. An explicit `close()` is
/// final: it closes every object still open in the file ("strong" close degree), whose later
/// use throws `.closed`, so that a closed file is really closed on disk (needed before an
/// atomic rename).
///
/// Not thread-safe to share: see `HDF5Library` for how calls are serialized.
public final class HDF5File {
    public enum Mode: Sendable { case readOnly, readWrite }

    /// The path as the caller gave it, used in every error message.
    public let path: String
    public let mode: Mode
    let handle: HDF5Handle
    /// See `HDF5Context.trusted`.
    let trusted: Bool

    private init(path: String, mode: Mode, handle: HDF5Handle, trusted: Bool) {
        self.path = path
        self.mode = mode
        self.handle = handle
        self.trusted = trusted
    }

    private var context: HDF5Context { HDF5Context(file: path, path: nil, trusted: trusted) }

    /// The file-access properties every file is opened with. Caller holds the lock.
    private static func accessList(
        forCreation: Bool, earliestFormat: Bool = false, _ context: HDF5Context
    ) throws -> HDF5Handle {
        let fapl = try HDF5Handle.make(.propertyList, H5Pcreate(possum_h5p_file_access()), context,
                                       "cannot create file-access properties")
        try context.check(H5Pset_fclose_degree(fapl.id, H5F_CLOSE_STRONG), "cannot set close degree")
        // Keep HDF5's file locking, but do not fail on file systems that lack it (some NFS mounts).
        try context.check(H5Pset_file_locking(fapl.id, true, true), "cannot set file locking")
        if forCreation && !earliestFormat {
            // The HDF5 1.8 file format: readable by every HDF5 >= 1.8 (h5py, MATLAB, Julia, R),
            // and, unlike the default "earliest" format, it checksums the superblock and object
            // headers, so corrupted metadata is detected instead of being trusted.
            try context.check(H5Pset_libver_bounds(fapl.id, H5F_LIBVER_V18, H5F_LIBVER_V18),
                              "cannot set file format version")
        }
        return fapl
    }

    /// Creates a file. Fails with `.alreadyExists` if `path` exists, unless `overwrite`.
    /// To replace a file safely, prefer `writeAtomically(to:_:)`.
    public static func create(at path: String, overwrite: Bool = false) throws -> HDF5File {
        try create(at: path, reportedAs: path, overwrite: overwrite)
    }

    /// Creates the file at `diskPath` but names `reportedAs` in errors: an atomic write creates
    /// a temporary file, and users should read about the file they asked for.
    /// `earliestFormat` writes HDF5's default "earliest" format (no metadata checksums), as
    /// h5py and most tools do by default; tests use it to check we survive such files too.
    static func create(
        at diskPath: String, reportedAs path: String, overwrite: Bool, earliestFormat: Bool = false
    ) throws -> HDF5File {
        try HDF5Library.locked {
            let ctx = HDF5Context(file: path, path: nil)
            if !overwrite, FileManager.default.fileExists(atPath: diskPath) {
                throw ctx.fail(.alreadyExists, "file exists")
            }
            let fapl = try accessList(forCreation: true, earliestFormat: earliestFormat, ctx)
            defer { fapl.close() }
            let flags = overwrite ? possum_h5f_acc_trunc() : possum_h5f_acc_excl()
            let id = H5Fcreate(diskPath, flags, possum_h5p_default(), fapl.id)
            let handle = try HDF5Handle.make(.file, id, ctx, "cannot create file", .io)
            return HDF5File(path: path, mode: .readWrite, handle: handle, trusted: true)
        }
    }

    /// Opens an existing file. A missing path, a directory, a non-HDF5 file and a truncated
    /// file each give a distinct one-line `HDF5Error`.
    ///
    /// With `verify` (the default), the whole file is first read once in a forked child process
    /// (`possum_probe_file` in CHDF5): HDF5 1.10 can crash or loop forever on some corrupted
    /// files, which no in-process check catches, so a file whose reading crashes or hangs the
    /// child is refused with a `.corrupt` error. This costs one extra read of the file's metadata
    /// and filtered (compressed) data; values stored unfiltered are plain bytes, so the child
    /// reads one per chunk, which walks the chunk index HDF5 could trip on. Without
    /// `verify`, reads of variable-length strings are still probed one by one.
    ///
    /// The probe is only as good as HDF5 is deterministic: damage that leads the library into
    /// undefined behavior could still, in principle, crash the parent but not the child (the
    /// child reads uninitialized memory as a fixed poison pattern, which makes the known cases
    /// crash there). Files possum writes checksum their metadata, which makes this far rarer.
    public static func open(at path: String, mode: Mode = .readOnly, verify: Bool = true) throws -> HDF5File {
        try HDF5Library.locked {
            let ctx = HDF5Context(file: path, path: nil)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw ctx.fail(.fileNotFound, "no such file")
            }
            guard !isDirectory.boolValue else { throw ctx.fail(.fileNotFound, "is a directory, not a file") }
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw ctx.fail(.io, "permission denied")
            }
            let fapl = try accessList(forCreation: false, ctx)
            defer { fapl.close() }
            var verified = false
            if verify {
                let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
                // Stored data cannot expand beyond ~1032x (deflate's limit) plus fill values, so
                // this budget reads every stored byte without wading through a corrupted,
                // astronomically large extent. The timeout is generous (a minute, plus a second
                // per 10 MB) so that only a real hang hits it.
                let budget = hsize_t(64 << 20) + hsize_t(max(0, size)) * 1100
                switch possum_probe_file(path, fapl.id, budget, 60_000 + size / 10_000) {
                case 0: verified = true
                case 2: throw ctx.fail(.corrupt, "file is corrupt (reading it crashed HDF5 in a sandbox process)")
                case 3: throw ctx.fail(.corrupt, "file is corrupt (reading it did not finish in a sandbox process)")
                default: break  // 1: the open below reports why; -1: no child process, read unverified
                }
            }
            let flags = mode == .readOnly ? possum_h5f_acc_rdonly() : possum_h5f_acc_rdwr()
            let id = H5Fopen(path, flags, fapl.id)
            guard id >= 0 else {
                var error = ctx.error(.corrupt, "cannot open HDF5 file")
                switch error.kind {
                case .notHDF5: error.message = "not an HDF5 file"
                case .truncated: error.message = "file is truncated"
                default: error.message = "cannot open HDF5 file"
                }
                throw error
            }
            return HDF5File(path: path, mode: mode, handle: HDF5Handle(.file, id), trusted: verified)
        }
    }

    /// The root group, `/`.
    public func root() throws -> HDF5Group {
        try HDF5Library.locked {
            let id = try handle.validID(context)
            let ctx = context.at("/")
            let group = try HDF5Handle.make(.group, H5Gopen2(id, "/", possum_h5p_default()), ctx,
                                            "cannot open root group", .corrupt)
            return HDF5Group(HDF5Location(handle: group, fileHandle: handle, context: ctx))
        }
    }

    /// The root group's location, without a separate group identifier: the file identifier is
    /// a valid location for every group operation.
    private var rootLocation: HDF5Location {
        HDF5Location(handle: handle, fileHandle: handle, context: context.at("/"))
    }

    /// File-level attributes (HDF5 stores them on the root group; h5py shows them as `f.attrs`).
    public var attributes: HDF5Attributes { HDF5Attributes(owner: handle, fileHandle: handle, context: context.at("/")) }

    public func children() throws -> [HDF5Child] { try rootLocation.children() }
    public func kind(of name: String) throws -> HDF5ObjectKind? { try rootLocation.kind(of: name) }
    public func contains(_ name: String) throws -> Bool { try rootLocation.kind(of: name) != nil }
    public func createGroup(_ name: String) throws -> HDF5Group { try rootLocation.createGroup(name) }
    public func openGroup(_ name: String) throws -> HDF5Group { try rootLocation.openGroup(name) }
    public func openDataset(_ name: String) throws -> HDF5Dataset { try rootLocation.openDataset(name) }
    public func remove(_ name: String) throws { try rootLocation.remove(name) }

    public func createDataset<T: HDF5Scalar>(
        _ name: String, of type: T.Type, shape: [Int], storage: HDF5Storage = .contiguous
    ) throws -> HDF5Dataset {
        try root().createDataset(name, of: type, shape: shape, storage: storage)
    }

    @discardableResult
    public func createDataset<T: HDF5Scalar>(
        _ name: String, values: [T], shape: [Int]? = nil, storage: HDF5Storage = .contiguous
    ) throws -> HDF5Dataset {
        try root().createDataset(name, values: values, shape: shape, storage: storage)
    }

    /// Writes all buffered data and metadata to the operating system (not yet to the disk:
    /// that is `fsync`, which `writeAtomically` does).
    public func flush() throws {
        try HDF5Library.locked {
            try context.check(H5Fflush(try handle.validID(context), H5F_SCOPE_GLOBAL), "cannot flush file", .io)
        }
    }

    /// Whether `close()` has not been called yet.
    public var isOpen: Bool { HDF5Library.locked { !handle.isClosed } }

    /// Groups, datasets, attributes and named datatypes currently open in this file (the file
    /// itself not counted): 0 once every object obtained from it has been released.
    public func openObjectCount() throws -> Int {
        try HDF5Library.locked {
            let id = try handle.validID(context)
            let types = possum_h5f_obj_dataset() | possum_h5f_obj_group() | possum_h5f_obj_datatype()
                | possum_h5f_obj_attr()
            let n = H5Fget_obj_count(id, types)
            try context.check(n < 0 ? -1 : 0, "cannot count open objects")
            return n
        }
    }

    /// Closes the file and every object still open in it. Throws if HDF5 could not write its
    /// buffers (the file may then be incomplete). Calling it again does nothing.
    public func close() throws {
        try HDF5Library.locked {
            guard !handle.isClosed else { return }
            guard handle.close() else { throw context.fail(.io, "cannot close file: buffered data may be lost") }
        }
    }
}
