#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Appends `line` (which should end in "\n") to `path`, creating it if needed, with a single
/// `O_APPEND` write: the kernel serialises `O_APPEND` writes on one file, so concurrent appenders
/// (threads or processes) never interleave inside a line. With `durable`, fsynced before returning.
///
/// A short write is an error, not resumed: resuming would let another appender's line land inside
/// ours. On local file systems a regular file's write is not cut short except by a full disk.
///
/// The output policy holds here too: anything but a regular file at `path` (a FIFO, a device, a
/// directory) is refused with an `OutputRefusal`, and a FIFO is refused without blocking.
public func appendLine(_ line: String, to path: String, durable: Bool = true) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NONBLOCK | O_CLOEXEC, 0o644)
    var st = stat()
    guard fd >= 0 else {
        let code = errno  // ENXIO: a FIFO without a reader; EISDIR: a directory
        if stat(path, &st) == 0, st.st_mode & S_IFMT != S_IFREG { throw refusalToAppend(path, st) }
        throw FileError(path: path, operation: "open for append", code: code)
    }
    defer { close(fd) }
    if fstat(fd, &st) == 0, st.st_mode & S_IFMT != S_IFREG { throw refusalToAppend(path, st) }
    let bytes = Array(line.utf8)
    var n: Int
    repeat {
        n = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    } while n < 0 && errno == EINTR  // nothing was written: retrying cannot split the line
    guard n == bytes.count else { throw FileError(path: path, operation: "append", code: n < 0 ? errno : EIO) }
    if durable && fsync(fd) != 0 { throw FileError(path: path, operation: "sync file to disk", code: errno) }
}

private func refusalToAppend(_ path: String, _ st: stat) -> OutputRefusal {
    OutputRefusal(path: path, reason: "is \(nodeKind(st.st_mode & S_IFMT)), not a regular file; refusing to append to it")
}
