import CHDF5
import Foundation

/// Process-wide state of the HDF5 library: one-time initialization, the lock that serializes
/// every call into it, and counters for leak checks.
///
/// **Threads.** Debian's `libhdf5` is the *serial* build: it is not thread-safe, and two threads
/// inside the library at once can corrupt its global state. Every call this module makes into
/// HDF5 therefore runs under one process-wide recursive lock. Using different files from
/// different threads is thus safe (but not parallel); the wrapper objects themselves
/// (`HDF5File`, `HDF5Group`, `HDF5Dataset`) are deliberately not `Sendable`, so one object is
/// not shared between concurrency domains. Code that calls `CHDF5` directly must take the lock
/// too (`HDF5Library.withExclusiveAccess`).
public enum HDF5Library {
    /// Serializes all HDF5 calls. Recursive because public operations call each other, and
    /// because `withExclusiveAccess` lets a caller hold it across several operations.
    private static let lock = NSRecursiveLock()

    /// Runs once, on first use: initializes the library and silences its automatic error
    /// printing, so failures reach callers as `HDF5Error`s and never as noise on stderr.
    private static let initialized: Bool = {
        let ok = H5open() >= 0
        _ = H5Eset_auto2(possum_h5e_default(), nil, nil)
        return ok
    }()

    /// Number of live identifiers owned by this module (files, groups, datasets, attributes,
    /// and the transient dataspaces, datatypes and property lists it creates). HDF5 itself can
    /// only count file-bound objects (`H5Fget_obj_count`; `H5Inmembers` refuses library types);
    /// this counts everything the wrapper opened and has not yet closed. Guarded by `lock`.
    nonisolated(unsafe) private static var liveIdentifiers = 0

    /// Runs `body` holding the HDF5 lock, after making sure the library is initialized.
    static func locked<R>(_ body: () throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        _ = initialized
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
