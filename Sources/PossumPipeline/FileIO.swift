import Foundation
import PossumData
import PossumFiles
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The few file operations the pipeline needs, on raw descriptors so that durability is explicit.
enum FileIO {
    /// SHA-256 of a file's contents (streamed); nil if it cannot be read.
    static func sha256(path: String) -> String? { try? SHA256.hex(ofFile: path) }

    static func makeDirectories(_ path: String) throws {
        do {
            try PossumFiles.makeDirectories(path)
        } catch let error as FileError {
            throw PipelineError.system(operation: error.operation, path: error.path, errno: error.code)
        }
    }

    static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    /// Declared outputs say where a task writes: their folders exist before it runs (as Luigi's
    /// targets do), so a fresh checkout needs no `mkdir out` step.
    static func makeParentDirectories(of paths: [String]) {
        for path in paths { try? PossumFiles.makeDirectories(parentDirectory(of: path)) }
    }

    /// The last `count` lines of the bytes of `path` from `offset` on (a task attempt's stderr).
    static func tailLines(path: String, from offset: UInt64, count: Int) -> [String] {
        guard let handle = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        // Only the last 64 KiB matter for a handful of lines.
        let start = max(offset, size > 65536 ? size - 65536 : 0)
        try? handle.seek(toOffset: start)
        let data = (try? handle.readToEnd()) ?? Data()
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true)
        return lines.suffix(count).map(String.init)
    }
}
