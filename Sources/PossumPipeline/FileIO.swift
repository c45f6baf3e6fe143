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
    /// targets do), so a fresh checkout needs no `mkdir out` step. The same helper as every
    /// possum command's `--out` (`PossumFiles.makeParentDirectories(forOutput:)`); a folder that
    /// cannot be made (a parent is a file) is a one-line reason naming the output.
    static func makeParentDirectories(of outputs: [String], resolve: (String) -> String) -> String? {
        for output in outputs {
            do {
                try PossumFiles.makeParentDirectories(forOutput: resolve(output))
            } catch {
                let reason = (error as? OutputRefusal)?.reason ?? String(describing: error)
                return "output '\(shown(output))': \(shown(reason, limit: 300))"
            }
        }
        return nil
    }

    /// Why `readBounded` refused a path: a short phrase, or nil for "does not exist".
    struct ReadRefusal: Error {
        var reason: String?
    }

    /// The bytes of `path`, read once with plain POSIX calls, refusing what is not a regular file
    /// (or, with `allowFIFO`, a FIFO) before opening it — opening a device can have effects of its
    /// own, and reading one may never end — and anything over `limit` bytes.
    static func readBounded(_ path: String, limit: Int, allowFIFO: Bool) throws(ReadRefusal) -> [UInt8] {
        func failure() -> ReadRefusal {
            ReadRefusal(reason: errno == ENOENT ? nil : "cannot be read: \(String(cString: strerror(errno)))")
        }
        func refusal(_ mode: mode_t) -> ReadRefusal? {
            switch mode & S_IFMT {
            case S_IFREG: return nil
            case S_IFIFO: return allowFIFO ? nil : ReadRefusal(reason: "is a FIFO, not a file")
            case S_IFDIR: return ReadRefusal(reason: "is a directory")
            case S_IFCHR, S_IFBLK: return ReadRefusal(reason: "is a device")
            case S_IFSOCK: return ReadRefusal(reason: "is a socket")
            default: return ReadRefusal(reason: "is not a regular file")
            }
        }
        var st = stat()
        guard stat(path, &st) == 0 else { throw failure() }
        if let refused = refusal(st.st_mode) { throw refused }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure() }
        defer { close(fd) }
        // The path may have been replaced between stat and open: judge what was opened.
        guard fstat(fd, &st) == 0 else { throw failure() }
        if let refused = refusal(st.st_mode) { throw refused }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw failure()
            }
            if n == 0 { return bytes }
            bytes.append(contentsOf: buffer[0..<n])
            if bytes.count > limit { throw ReadRefusal(reason: "is larger than \(limit >> 20) MiB") }
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
