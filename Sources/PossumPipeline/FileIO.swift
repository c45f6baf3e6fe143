import Foundation
import PossumData
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The few file operations the pipeline needs, on raw descriptors so that durability is explicit.
enum FileIO {
    /// SHA-256 of a file's contents (streamed); nil if it cannot be read.
    static func sha256(path: String) -> String? { try? SHA256.hex(ofFile: path) }

    /// Replaces `path` with `data` so that a reader sees the old file or the new one, never a part,
    /// and the new one survives a crash: write a temp file beside it, fsync, rename, fsync the folder.
    static func writeAtomically(_ data: Data, to path: String, durable: Bool = true) throws {
        let dir = (path as NSString).deletingLastPathComponent
        let temp = "\(dir)/.\((path as NSString).lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw PipelineError.system(operation: "create", path: temp, errno: errno) }
        var ok = false
        defer { if !ok { unlink(temp) } }
        try data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    let e = errno; close(fd)
                    throw PipelineError.system(operation: "write", path: temp, errno: e)
                }
                offset += n
            }
        }
        if durable && fsync(fd) != 0 { let e = errno; close(fd); throw PipelineError.system(operation: "fsync", path: temp, errno: e) }
        close(fd)
        guard rename(temp, path) == 0 else { throw PipelineError.system(operation: "rename to", path: path, errno: errno) }
        ok = true
        if durable {
            let dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if dfd >= 0 { fsync(dfd); close(dfd) }
        }
    }

    static func makeDirectories(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw PipelineError.system(operation: "create directory", path: path, errno: EACCES)
        }
    }

    static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    /// Declared outputs say where a task writes: their folders exist before it runs (as Luigi's
    /// targets do), so a fresh checkout needs no `mkdir out` step.
    static func makeParentDirectories(of paths: [String]) {
        for path in paths {
            try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                     withIntermediateDirectories: true)
        }
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
