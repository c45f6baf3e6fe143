#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The system calls under the atomic writes, each retried on EINTR (a signal arriving mid-call,
// e.g. the DAG driver's SIGCHLD, must not turn into a failed write) and each failure reported
// as a `FileError` naming the caller's file.

/// Writes all of `bytes` to `fd`, resuming after partial writes. Errors name `path`.
public func writeAll(_ bytes: UnsafeRawBufferPointer, to fd: Int32, reportingAs path: String) throws {
    var offset = 0
    while offset < bytes.count {
        let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
        if n < 0 {
            if errno == EINTR { continue }
            throw FileError(path: path, operation: "write", code: errno)
        }
        offset += n
    }
}

/// One `read` into `buffer`, retried on EINTR: the byte count, 0 at end of file, -1 with `errno`.
func readSome(_ fd: Int32, into buffer: inout [UInt8]) -> Int {
    while true {
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        return n
    }
}

/// Makes the contents of the (closed) file at `path` durable: reopen and `fsync`.
public func syncFile(atPath path: String, reportingAs target: String) throws {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw FileError(path: target, operation: "reopen the temporary file to sync it", code: errno) }
    defer { close(fd) }
    guard fsync(fd) == 0 else { throw FileError(path: target, operation: "sync file to disk", code: errno) }
}

/// Makes the entries of `directory` durable (a rename, link or new file in it survives a crash).
/// Some file systems refuse fsync on directories (EINVAL): there is nothing more to do then, so
/// only real I/O errors are reported.
public func syncDirectory(_ directory: String, reportingAs target: String) throws {
    let fd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard fd >= 0 else { throw FileError(path: target, operation: "open the directory to sync it", code: errno) }
    defer { close(fd) }
    if fsync(fd) != 0, errno != EINVAL { throw FileError(path: target, operation: "sync directory to disk", code: errno) }
}

/// The whole file (at most `limit` bytes), or nil if it does not exist. Works for /proc files,
/// whose size is reported as 0, by reading until end of file.
public func readFile(_ path: String, limit: Int = .max) throws -> [UInt8]? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    if fd < 0 {
        if errno == ENOENT || errno == ENOTDIR { return nil }
        throw FileError(path: path, operation: "open", code: errno)
    }
    defer { close(fd) }
    var out: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while out.count < limit {
        let n = readSome(fd, into: &buffer)
        // EISDIR: a directory where a file belongs, e.g. a hand-made `params/x/` in a store.
        if n < 0 { throw FileError(path: path, operation: "read", code: errno) }
        if n == 0 { break }
        out.append(contentsOf: buffer[0..<min(n, limit - out.count)])
    }
    return out
}
