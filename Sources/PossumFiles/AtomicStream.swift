#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Replaces `path` atomically with bytes produced piece by piece: `body` calls `write` as often
/// as it likes (a block of output at a time, so the whole never has to be in memory), and
/// nothing is visible at `path` until `body` has returned and the file is synced and renamed into
/// place (`replaceAtomically`'s guarantees). If `body` throws, `path` is untouched.
public func writeAtomically(
    to path: String, temporaryDirectory: String? = nil, durable: Bool = true,
    _ body: (_ write: (UnsafeRawBufferPointer) throws -> Void) throws -> Void
) throws {
    try replaceAtomically(path, temporaryDirectory: temporaryDirectory, durable: durable) { temporary in
        let fd = try createTemporaryFile(temporary, for: path)
        defer { close(fd) }
        try body { try writeAll($0, to: fd, reportingAs: path) }
    }
}
