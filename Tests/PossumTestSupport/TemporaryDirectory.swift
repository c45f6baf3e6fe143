import Foundation

/// A fresh directory per test, removed afterwards, so parallel tests never share files.
/// Shared by the test targets that write files (a test target cannot import another one).
public final class TemporaryDirectory {
    public let path: String

    public init() throws {
        path = NSTemporaryDirectory() + "possum-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    public func file(_ name: String) -> String { path + "/" + name }

    /// Names in the directory (or its `subdirectory`), hidden ones included, sorted: to spot
    /// leftover temporary files.
    public func contents(_ subdirectory: String = "") throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path + "/" + subdirectory).sorted()
    }

    /// A file's text.
    public func read(_ name: String) throws -> String { try String(contentsOfFile: file(name), encoding: .utf8) }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
