import PossumFiles
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The store's file operations, all plain POSIX calls, failing with `TrackingError`s that name the file.
///
/// Why not Foundation's `FileManager`/`Data.write(options: .atomic)`: Foundation puts its temp file
/// in a location of its choosing and does not fsync, and scanning 10,000 runs through `FileManager`
/// costs several times more than `open`/`read`. Every write goes through `PossumFiles` (its
/// contract: readers see old-or-new, never a torn file, also after a crash) and is either
/// - a whole-file replace (`writeAtomically`, `copyFile`) or create-if-absent (`createAtomically`); or
/// - an append of one line with `O_APPEND` in a single `write` (`appendLine`): concurrent appenders
///   never interleave inside a line.
enum FileIO {
    /// Replaces `path` atomically with `bytes`.
    ///
    /// `tempDirectory` must be on the same file system as `path`. Callers pass the run, experiment
    /// or model directory rather than `tags/` or `params/` themselves, because MLflow reads *every*
    /// file in those folders: a temp file left there by a crash would show up as a bogus tag.
    static func writeAtomically(_ bytes: [UInt8], to path: String, tempDirectory: String? = nil, durable: Bool) throws {
        try mappingFileErrors {
            try PossumFiles.writeAtomically(bytes, to: path, temporaryDirectory: tempDirectory, durable: durable)
        }
    }

    /// Creates `path` with `bytes` only if it does not exist (temp file, then `link`, which fails
    /// rather than replacing). Returns false if the file already existed.
    static func createAtomically(_ bytes: [UInt8], at path: String, tempDirectory: String, durable: Bool) throws -> Bool {
        try mappingFileErrors {
            try PossumFiles.createAtomically(bytes, at: path, temporaryDirectory: tempDirectory, durable: durable)
        }
    }

    /// Copies a regular file into place atomically, preserving nothing but the bytes.
    static func copyFile(from source: String, to destination: String, tempDirectory: String, durable: Bool) throws {
        // Checked first for the message; a directory or FIFO given as an artifact is a usage error.
        guard isRegularFile(source) else { throw TrackingError.invalidRequest("\(source): not a regular file") }
        try mappingFileErrors {
            try copyAtomically(from: source, to: destination, temporaryDirectory: tempDirectory, durable: durable)
        }
    }

    /// Appends one line (which must end in "\n") with a single `O_APPEND` write.
    static func appendLine(_ line: String, to path: String, durable: Bool) throws {
        try mappingFileErrors { try PossumFiles.appendLine(line, to: path, durable: durable) }
    }

    /// The whole file, or nil if it does not exist.
    static func readBytes(_ path: String) throws -> [UInt8]? {
        try mappingFileErrors { try readFile(path) }
    }

    /// The file as UTF-8 text, or nil if missing; invalid UTF-8 is a corrupt file.
    static func readText(_ path: String) throws -> String? {
        guard let bytes = try readBytes(path) else { return nil }
        guard let s = String(validating: bytes, as: UTF8.self) else {
            throw TrackingError.corruptFile(path: path, reason: "not valid UTF-8 text")
        }
        return s
    }

    /// Creates a directory; false if one was already there (an atomic "claim this name").
    @discardableResult
    static func makeDirectory(_ path: String) throws -> Bool {
        try mappingFileErrors { try PossumFiles.makeDirectory(path) }
    }

    /// `mkdir -p`.
    static func makeDirectories(_ path: String) throws {
        try mappingFileErrors { try PossumFiles.makeDirectories(path) }
    }

    /// Entry names (not `.`/`..`), unsorted; nil if the directory does not exist.
    static func listDirectory(_ path: String) throws -> [String]? {
        try mappingFileErrors { try PossumFiles.listDirectory(path) }
    }

    static func isDirectory(_ path: String) -> Bool { PossumFiles.isDirectory(path) }

    static func isRegularFile(_ path: String) -> Bool { PossumFiles.isRegularFile(path) }

    static func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    static func remove(_ path: String) throws {
        if unlink(path) != 0 && errno != ENOENT { throw TrackingError.io(path: path, operation: "unlink", code: errno) }
    }

    /// `PossumFiles` reports `FileError`; the store's callers and the CLI expect `TrackingError`.
    static func mappingFileErrors<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as FileError {
            throw TrackingError.io(path: error.path, operation: error.operation, code: error.code)
        }
    }
}
