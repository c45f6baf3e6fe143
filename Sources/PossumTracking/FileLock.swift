#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive advisory lock on a file (`flock`), held for the duration of `body`.
///
/// Used for the few read-modify-write operations: creating an experiment (name uniqueness),
/// rewriting a run's `meta.yaml`, and registry changes (version numbers, stage transitions).
/// `flock` locks belong to the open file description, so threads of one process that each open
/// the file exclude each other too, and the kernel drops the lock if the process dies.
struct FileLock {
    let path: String

    func withLock<T>(_ body: () throws -> T) throws -> T {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw TrackingError.io(path: path, operation: "open lock file", code: errno) }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            if errno != EINTR { throw TrackingError.io(path: path, operation: "flock", code: errno) }
        }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }
}
