#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed system call on a file, naming the file the caller asked about (the target, never only
/// an internal temporary path), so `description` alone tells the user which file and what failed.
///
/// Modules with their own error types map it (`path`, `operation`, `code` are all public).
public struct FileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file the operation was for.
    public var path: String
    /// What was attempted, as a phrase: "rename into place", "sync directory to disk", ...
    public var operation: String
    /// The `errno` of the failed call.
    public var code: Int32

    public init(path: String, operation: String, code: Int32) {
        self.path = path
        self.operation = operation
        self.code = code
    }

    /// `strerror` of `code`, e.g. "No space left on device".
    public var reason: String { String(cString: strerror(code)) }

    /// `path: operation failed: reason`, one line.
    public var description: String { "\(path): \(operation) failed: \(reason)" }
}
