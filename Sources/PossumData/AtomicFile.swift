import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes `data` to `path` so that a reader, or a crash, sees either the old file or the new one
/// complete — never a prefix: write a temporary file in the same directory, fsync it, rename it
/// over the target (atomic on POSIX file systems), then fsync the directory so the rename itself
/// survives a power cut. `durable: false` skips both fsyncs (still atomic, not crash-proof), for
/// files that are cheap to lose.
public func writeFileAtomically(_ data: Data, to path: String, durable: Bool = true) throws {
    func failure(_ operation: String, _ code: Int32) -> DataError {
        DataError(file: path, "\(operation) failed: \(String(cString: strerror(code)))")
    }
    let url = URL(fileURLWithPath: path)
    let directory = url.deletingLastPathComponent().path
    let temporary = directory + "/.\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw failure("creating a file in \(directory)", errno) }
    var renamed = false
    defer { if !renamed { unlink(temporary) } }
    try data.withUnsafeBytes { raw in
        var offset = 0
        while offset < raw.count {
            let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                let e = errno
                close(fd)
                throw failure("writing", e)
            }
            offset += n
        }
    }
    if durable && fsync(fd) != 0 {
        let e = errno
        close(fd)
        throw failure("fsync", e)
    }
    close(fd)
    guard rename(temporary, path) == 0 else { throw failure("renaming into place", errno) }
    renamed = true
    if durable {
        let dirfd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirfd >= 0 { fsync(dirfd); close(dirfd) }
    }
}
