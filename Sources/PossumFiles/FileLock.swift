#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive advisory lock (`flock`) on a file, created if missing, held until `release()` or
/// deinit.
///
/// The kernel drops the lock when the holder dies, even by `kill -9`, so a crash never leaves a
/// stale lock behind (unlike a pid file). `flock` locks belong to the open file description, so
/// two `FileLock`s on one path exclude each other also within one process, across threads.
public final class FileLock: @unchecked Sendable {
    public let path: String
    private var fd: Int32 = -1
    private var recorded = false

    /// Takes the lock on `path`. With `wait`, blocks until the holder releases it; otherwise
    /// returns nil at once if another holds it.
    public init?(path: String, wait: Bool = true) throws {
        self.path = path
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileError(path: path, operation: "open the lock file", code: errno) }
        while flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) != 0 {
            if errno == EINTR { continue }
            let code = errno
            close(fd)
            fd = -1
            if code == EWOULDBLOCK { return nil }
            throw FileError(path: path, operation: "lock", code: code)
        }
    }

    /// Replaces the lock file's contents with `note` (e.g. the holder's pid, for a "locked by"
    /// message); `release` empties the file again. Best effort: the lock is what counts.
    public func record(_ note: String) {
        guard fd >= 0 else { return }
        _ = ftruncate(fd, 0)
        _ = Array(note.utf8).withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        recorded = true
    }

    /// Releases the lock (also done on deinit and by the kernel at exit).
    public func release() {
        guard fd >= 0 else { return }
        if recorded { _ = ftruncate(fd, 0) }
        flock(fd, LOCK_UN)
        close(fd)
        fd = -1
    }

    deinit { release() }

    /// `body` while holding the lock on `path` (waiting for it).
    public static func withLock<T>(at path: String, _ body: () throws -> T) throws -> T {
        guard let lock = try FileLock(path: path, wait: true) else { preconditionFailure("a waiting flock returned EWOULDBLOCK") }
        defer { lock.release() }
        return try body()
    }
}
