#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Whole-file replacement: temporary file, fsync, rename over the target, fsync of the directory.
// The guarantees (what readers see, what survives kill -9 and power loss) are in PossumFiles.swift.

/// Calls `body` with a fresh temporary path (see `temporaryPath`) for it to create and fill, then
/// moves that file onto `path`: for writers that need a path rather than bytes, such as the HDF5
/// library. `body` must have closed the file before returning.
///
/// If `body` or any step throws, the temporary file is removed and `path` is untouched, except
/// when only the final directory sync fails: the new file is in place then but may not survive
/// power loss. A symbolic link at `path` is followed, as the shell's `>` does: the file it points
/// to is replaced (or created) and the link stays, so that, say, `/dev/stdout` is never replaced.
///
/// A `path` that the output policy refuses (a device, FIFO, socket or directory, or a link to
/// one: see `checkReplaceableOutput`) throws an `OutputRefusal` before anything is created.
@discardableResult
public func replaceAtomically<R>(
    _ path: String, temporaryDirectory: String? = nil, durable: Bool = true,
    _ body: (_ temporaryPath: String) throws -> R
) throws -> R {
    try checkReplaceableOutput(path)
    let destination = try resolvedOutputPath(path)
    let temporary = temporaryPath(for: destination, in: temporaryDirectory)
    removeStaleTemporaryFiles(in: parentDirectory(of: temporary))
    do {
        let result = try body(temporary)
        if durable { try syncFile(atPath: temporary, reportingAs: path) }
        guard rename(temporary, destination) == 0 else { throw FileError(path: path, operation: "rename into place", code: errno) }
        if durable { try syncDirectory(parentDirectory(of: destination), reportingAs: path) }
        return result
    } catch {
        _ = unlink(temporary)
        throw error
    }
}

/// Replaces `path` with `bytes` (`Data`, `[UInt8]`, `String.UTF8View`, ...) atomically.
public func writeAtomically<Bytes: Collection<UInt8>>(
    _ bytes: Bytes, to path: String, temporaryDirectory: String? = nil, durable: Bool = true
) throws {
    try replaceAtomically(path, temporaryDirectory: temporaryDirectory, durable: durable) { temporary in
        let fd = try createTemporaryFile(temporary, for: path)
        defer { close(fd) }
        try withContiguousBytes(bytes) { try writeAll($0, to: fd, reportingAs: path) }
    }
}

/// Copies the regular file `source` onto `destination` atomically, bytes only (no mode, owner or
/// times). Errors reading name `source`; errors writing name `destination`.
public func copyAtomically(
    from source: String, to destination: String, temporaryDirectory: String? = nil, durable: Bool = true
) throws {
    let input = open(source, O_RDONLY | O_CLOEXEC)
    guard input >= 0 else { throw FileError(path: source, operation: "open", code: errno) }
    defer { close(input) }
    try replaceAtomically(destination, temporaryDirectory: temporaryDirectory, durable: durable) { temporary in
        let output = try createTemporaryFile(temporary, for: destination)
        defer { close(output) }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = readSome(input, into: &buffer)
            if n < 0 { throw FileError(path: source, operation: "read", code: errno) }
            if n == 0 { break }
            try buffer.withUnsafeBytes { try writeAll(UnsafeRawBufferPointer(rebasing: $0[0..<n]), to: output, reportingAs: destination) }
        }
    }
}

/// Creates `path` with `bytes` only if nothing is there, atomically: the content is written to a
/// temporary file and hard-linked into place, and `link` fails with EEXIST rather than replacing.
/// Returns false (and leaves `path` alone) if `path` already existed: of two concurrent creators,
/// exactly one wins.
@discardableResult
public func createAtomically<Bytes: Collection<UInt8>>(
    _ bytes: Bytes, at path: String, temporaryDirectory: String? = nil, durable: Bool = true
) throws -> Bool {
    let temporary = temporaryPath(for: path, in: temporaryDirectory)
    removeStaleTemporaryFiles(in: parentDirectory(of: temporary))
    defer { _ = unlink(temporary) }
    let fd = try createTemporaryFile(temporary, for: path)
    do {
        defer { close(fd) }
        try withContiguousBytes(bytes) { try writeAll($0, to: fd, reportingAs: path) }
        if durable && fsync(fd) != 0 { throw FileError(path: path, operation: "sync file to disk", code: errno) }
    }
    guard link(temporary, path) == 0 else {
        if errno == EEXIST { return false }
        throw FileError(path: path, operation: "link into place", code: errno)
    }
    if durable { try syncDirectory(parentDirectory(of: path), reportingAs: path) }
    return true
}

/// Opens a new temporary file for writing; `O_EXCL`, so an existing file is never reused. Locked
/// while open, which tells `removeStaleTemporaryFiles` in any process that its writer is alive.
func createTemporaryFile(_ temporary: String, for target: String) throws -> Int32 {
    let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    guard fd >= 0 else {
        throw FileError(path: target, operation: "create a temporary file in \(parentDirectory(of: temporary))", code: errno)
    }
    _ = flock(fd, LOCK_EX | LOCK_NB)  // a new file: nobody else can hold it
    return fd
}

/// `body` over the bytes of `bytes`, without a copy when they are already contiguous.
private func withContiguousBytes<Bytes: Collection<UInt8>, R>(
    _ bytes: Bytes, _ body: (UnsafeRawBufferPointer) throws -> R
) throws -> R {
    if let result = try bytes.withContiguousStorageIfAvailable({ try body(UnsafeRawBufferPointer($0)) }) { return result }
    return try Array(bytes).withUnsafeBytes(body)
}
