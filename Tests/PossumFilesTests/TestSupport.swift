import Foundation
@testable import PossumFiles

/// A fresh directory per test, removed afterwards, so parallel tests never share files.
final class TemporaryDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "possum-files-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }

    /// Names in the directory, hidden ones included (to spot leftover temporary files).
    func contents(_ subdirectory: String = "") throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path + "/" + subdirectory).sorted()
    }

    func read(_ name: String) throws -> String { try String(contentsOfFile: file(name), encoding: .utf8) }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// The `FileError` that `body` throws, or nil if it throws nothing (other errors are rethrown, so
/// a wrong error type fails the test).
func fileError(_ body: () throws -> Void) throws -> FileError? {
    do {
        try body()
        return nil
    } catch let error as FileError {
        return error
    }
}
