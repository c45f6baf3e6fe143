import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive `flock` on `.possum/dags/<dag>/lock`: one process drives a DAG at a time.
///
/// The kernel drops the lock when the holder dies, even by `kill -9`, so a crash never leaves a
/// stale lock behind (unlike a pid file). The holder's pid is written into the file for messages.
public final class DagLock: @unchecked Sendable {
    public let path: String
    private var fd: Int32 = -1

    /// Takes the lock. With `wait`, blocks until the holder releases it; otherwise throws `locked`.
    public init(path: String, dag: String, wait: Bool) throws {
        self.path = path
        try FileIO.makeDirectories((path as NSString).deletingLastPathComponent)
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw PipelineError.system(operation: "open lock", path: path, errno: errno) }
        while flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) != 0 {
            if errno == EINTR { continue }
            let e = errno
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            close(fd)
            fd = -1
            if e == EWOULDBLOCK { throw PipelineError.locked(dag: dag, lockFile: path, holder: holder?.isEmpty == false ? holder : nil) }
            throw PipelineError.system(operation: "lock", path: path, errno: e)
        }
        _ = ftruncate(fd, 0)
        let pid = "\(getpid())\n"
        _ = pid.withCString { pwrite(fd, $0, strlen($0), 0) }
    }

    /// Releases the lock (also done on deinit and by the kernel at exit).
    public func release() {
        guard fd >= 0 else { return }
        _ = ftruncate(fd, 0)
        flock(fd, LOCK_UN)
        close(fd)
        fd = -1
    }

    deinit { release() }
}
