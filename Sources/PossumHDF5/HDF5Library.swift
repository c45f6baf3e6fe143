import CHDF5
import Foundation

/// Process-wide state of the HDF5 library: one-time initialization, the lock that serializes
/// every call into it, and counters for leak checks.
///
/// **Threads.** HDF5 is only safe to call from several threads when built thread-safe. Debian's
/// `libhdf5` 1.10.8 happens to be (`H5_HAVE_THREADSAFE`: a global lock inside the library, and
/// per-thread error stacks and error-printing settings), but the usual serial build is not, and
/// the high-level sequences here (open a type, query it, read, free strings) are not atomic
/// anyway. So every call this module makes into HDF5 runs under one process-wide recursive
/// lock: using different files from different threads is safe, but not parallel. The wrapper
/// objects (`HDF5File`, `HDF5Group`, `HDF5Dataset`) are deliberately not `Sendable`, so one
/// object is not shared between concurrency domains. Code calling `CHDF5` directly must take
/// the lock too (`HDF5Library.withExclusiveAccess`).
public enum HDF5Library {
    /// Serializes all HDF5 calls. Recursive because public operations call each other, and
    /// because `withExclusiveAccess` lets a caller hold it across several operations.
    private static let lock = NSRecursiveLock()

    /// Runs once, on first use: initializes the library, without its exit cleanup. That cleanup
    /// closes every file still open at exit, and closing a file whose writes failed crashes
    /// HDF5 1.10 (see `HDF5Handle.closeFile`, which leaves such a file open instead). Nothing is
    /// lost by skipping it: possum closes (and so flushes) every file it writes before using it,
    /// and read-only files need no cleanup.
    private static let initialized: Bool = {
        _ = H5dont_atexit()
        return H5open() >= 0
    }()

    /// Nesting depth of `locked` on the thread holding the lock. Guarded by `lock`.
    nonisolated(unsafe) private static var depth = 0

    /// Number of live identifiers owned by this module (files, groups, datasets, attributes,
    /// and the transient dataspaces, datatypes and property lists it creates). HDF5 itself can
    /// only count file-bound objects (`H5Fget_obj_count`; `H5Inmembers` refuses library types);
    /// this counts everything the wrapper opened and has not yet closed. Guarded by `lock`.
    nonisolated(unsafe) private static var liveIdentifiers = 0

    /// Runs `body` holding the HDF5 lock, after making sure the library is initialized.
    static func locked<R>(_ body: () throws -> R) rethrows -> R {
        lock.lock()
        depth += 1
        defer {
            depth -= 1
            lock.unlock()
        }
        _ = initialized
        if depth == 1 {
            // Silence HDF5's automatic error printing, so failures reach callers as `HDF5Error`s
            // and never as noise on stderr. In a thread-safe build (Debian's) the setting is
            // per thread, so it is (re)applied each time a thread enters; it is one cheap call.
            _ = H5Eset_auto2(possum_h5e_default(), nil, nil)
        }
        return try body()
    }

    /// Runs `body` with no other thread able to call into HDF5 through this module meanwhile.
    /// Use it around direct `CHDF5` calls, or to take consistent before/after counts of open
    /// objects while other threads also use HDF5.
    public static func withExclusiveAccess<R>(_ body: () throws -> R) rethrows -> R {
        try locked(body)
    }

    static func didOpen() { liveIdentifiers += 1 }  // caller holds the lock
    static func didClose() { liveIdentifiers -= 1 }  // caller holds the lock

    /// Identifiers opened by this module and not yet closed, of every kind (see `liveIdentifiers`).
    /// A stable count needs `withExclusiveAccess` if other threads use HDF5 at the same time.
    public static var openIdentifierCount: Int { locked { liveIdentifiers } }

    /// Open HDF5 objects (files, groups, datasets, named datatypes, attributes) in all open files,
    /// as counted by the library itself: `H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL)`.
    public static var openObjectCount: Int {
        locked {
            let all = possum_h5f_obj_all()
            return max(0, Int(H5Fget_obj_count(hid_t(all), all)))
        }
    }

    /// The linked library's version, e.g. `"1.10.8"`.
    public static var version: String {
        locked {
            var major: UInt32 = 0, minor: UInt32 = 0, release: UInt32 = 0
            _ = H5get_libversion(&major, &minor, &release)
            return "\(major).\(minor).\(release)"
        }
    }
}
