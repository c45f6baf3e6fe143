import CHDF5

/// Owns one HDF5 identifier and closes it exactly once: on `close()` or in `deinit`.
///
/// Every identifier the module obtains is wrapped in a handle immediately, so no code path
/// (including a thrown error) can leak it. Public objects keep their handle (and their file's
/// handle) alive; transient ones (dataspaces, datatypes, property lists) die with the scope.
final class HDF5Handle {
    enum Kind {
        case file, group, dataset, attribute, dataspace, datatype, propertyList

        var name: String {
            switch self {
            case .file: "file"
            case .group: "group"
            case .dataset: "dataset"
            case .attribute: "attribute"
            case .dataspace: "dataspace"
            case .datatype: "datatype"
            case .propertyList: "property list"
            }
        }
    }

    let kind: Kind
    let id: hid_t
    private(set) var isClosed = false

    /// Takes ownership of `id`, which must be valid (>= 0). Caller holds the library lock.
    init(_ kind: Kind, _ id: hid_t) {
        precondition(id >= 0, "HDF5Handle needs a valid identifier")
        self.kind = kind
        self.id = id
        HDF5Library.didOpen()
    }

    /// Wraps the result of an HDF5 call that returns an identifier, or throws the library's error.
    static func make(
        _ kind: Kind, _ id: hid_t, _ context: HDF5Context, _ what: @autoclosure () -> String,
        _ fallback: HDF5Error.Kind = .library
    ) throws -> HDF5Handle {
        guard id >= 0 else { throw context.error(fallback, what()) }
        return HDF5Handle(kind, id)
    }

    /// Closes the identifier. Returns false if HDF5 refused, which for a file means buffered
    /// data may not have reached the disk. A file closed with close-degree "strong" also closes
    /// every object in it; their later close calls are then skipped (`H5Iis_valid` says no).
    @discardableResult
    func close() -> Bool {
        HDF5Library.locked {
            guard !isClosed else { return true }
            isClosed = true
            HDF5Library.didClose()
            guard H5Iis_valid(id) > 0 else { return kind != .file }
            let rc: herr_t
            switch kind {
            case .file: rc = HDF5Handle.closeFile(id)
            case .group: rc = H5Gclose(id)
            case .dataset: rc = H5Dclose(id)
            case .attribute: rc = H5Aclose(id)
            case .dataspace: rc = H5Sclose(id)
            case .datatype: rc = H5Tclose(id)
            case .propertyList: rc = H5Pclose(id)
            }
            if rc < 0 { _ = HDF5Error.takeStack() }
            return rc >= 0
        }
    }

    /// `H5Fclose`, made safe against a disk that refuses writes (ENOSPC, EIO, EFBIG).
    ///
    /// Why HDF5 1.10.8 crashes there: once a flush fails, the metadata cache keeps its dirty
    /// entries and its "skip list" stays enabled, so every later flush fails at once ("slist
    /// already enabled?"), including the one inside `H5Fclose`. That close then frees the file's
    /// structures (`H5F__dest`) yet reports failure (`H5F__close_cb`), so the identifier stays
    /// registered, pointing at freed memory; the next pass over open files, at the latest the
    /// library's exit cleanup, closes it again and segfaults.
    ///
    /// So a writable file is flushed first. If that fails, it is never closed: it is detached
    /// from its disk file (its descriptor now points at an anonymous in-memory file, so the disk
    /// space is released and nothing more reaches the disk) and left open, a small leak on an
    /// error path, and `HDF5Library` turns off HDF5's exit cleanup that would close it. The data
    /// is lost either way; the caller learns it from this close's failure (an atomic write then
    /// removes the temporary file).
    private static func closeFile(_ id: hid_t) -> herr_t {
        var intent: UInt32 = 0
        guard H5Fget_intent(id, &intent) >= 0, intent & possum_h5f_acc_rdwr() != 0 else { return H5Fclose(id) }
        guard H5Fflush(id, H5F_SCOPE_GLOBAL) < 0 else { return H5Fclose(id) }
        _ = HDF5Error.takeStack()
        _ = possum_h5f_detach_from_disk(id)
        return -1
    }

    /// The identifier, or a `.closed` error if the handle (or its file) was closed.
    /// Caller holds the library lock.
    func validID(_ context: HDF5Context) throws -> hid_t {
        guard !isClosed, H5Iis_valid(id) > 0 else {
            throw HDF5Error(.closed, file: context.file, objectPath: context.path, "\(kind.name) is closed")
        }
        return id
    }

    /// Runs `body` with the identifier, then closes it. For transient handles used once.
    ///
    /// Lifetimes matter here: Swift may release a local object right after its last use, which
    /// for a handle would be right after reading `id` and *before* the HDF5 call using it. So
    /// transient handles are closed explicitly, with `closing` or `defer { h.close() }`, which
    /// also keeps them alive until then; `deinit` is only the safety net.
    func closing<R>(_ body: (hid_t) throws -> R) rethrows -> R {
        defer { close() }
        return try withExtendedLifetime(self) { try body(id) }
    }

    deinit { close() }
}

/// Where an operation happens, for error messages: the file as the caller named it and the
/// absolute object path inside it.
struct HDF5Context {
    var file: String
    var path: String?
    /// Whether the file was written by this process or checked whole in a sandbox when opened
    /// (`HDF5File.open(at:mode:verify:)`); untrusted files get per-read sandbox probes instead.
    var trusted = false

    func at(_ path: String?) -> HDF5Context { HDF5Context(file: file, path: path, trusted: trusted) }

    /// An error from the HDF5 error stack (call right after the failing HDF5 call).
    func error(_ fallback: HDF5Error.Kind, _ message: String) -> HDF5Error {
        HDF5Error.fromStack(fallback, file: file, objectPath: path, message)
    }

    /// An error the wrapper itself detected (no HDF5 stack involved).
    func fail(_ kind: HDF5Error.Kind, _ message: String) -> HDF5Error {
        HDF5Error(kind, file: file, objectPath: path, message)
    }

    /// Throws the library's error if `rc` is negative.
    func check(_ rc: herr_t, _ what: @autoclosure () -> String, _ fallback: HDF5Error.Kind = .library) throws {
        if rc < 0 { throw error(fallback, what()) }
    }
}
