import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Replaces a file so that, whatever happens (a thrown error, a crash, `kill -9`, power loss
/// after the call returns), the target path holds either the complete old file or the complete
/// new one, never a mixture or a truncated file.
///
/// The recipe: write a temporary file *in the same directory* (`rename` is only atomic within
/// one file system), flush it and `fsync` it (the data is on disk before the name points at
/// it), `rename` it over the target, then `fsync` the directory (the rename itself is on disk).
/// On a thrown error the temporary file is removed and the target is untouched. A process
/// killed mid-write can leave a hidden `.<name>.tmp-<pid>-<random>` file behind, never a
/// damaged target.
///
/// If the target is a symbolic link, the link itself is replaced by a regular file.
public enum AtomicFileWriter {
    /// Calls `body` with a temporary path next to `path`, then moves the file `body` wrote there
    /// onto `path` durably. `body` must have closed the file before returning.
    public static func write<R>(to path: String, _ body: (_ temporaryPath: String) throws -> R) throws -> R {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        let temporary = temporaryPath(for: path)
        do {
            let result = try body(temporary)
            try fsyncFile(temporary, reportAs: path)
            guard rename(temporary, path) == 0 else { throw posixError(path, "cannot replace file") }
            try fsyncDirectory(directory, reportAs: path)
            return result
        } catch {
            _ = unlink(temporary)
            throw error
        }
    }

    /// `dir/.name.tmp-<pid>-<random>`: hidden, unique per process and attempt, and recognizably
    /// tied to the target for anyone cleaning up after a crash.
    static func temporaryPath(for path: String) -> String {
        let url = URL(fileURLWithPath: path)
        let random = String(UInt64.random(in: 0...UInt64.max), radix: 16)
        let name = ".\(url.lastPathComponent).tmp-\(getpid())-\(random)"
        // Keep the caller's relative spelling: `models/m.h5` → `models/.m.h5.tmp-…`.
        let directoryPrefix = path.contains("/") ? String(path[...path.lastIndex(of: "/")!]) : ""
        return directoryPrefix + name
    }

    private static func fsyncFile(_ path: String, reportAs target: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw posixError(target, "cannot reopen temporary file to sync it") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw posixError(target, "cannot sync file to disk") }
    }

    private static func fsyncDirectory(_ directory: String, reportAs target: String) throws {
        let fd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY)
        guard fd >= 0 else { throw posixError(target, "cannot open directory to sync it") }
        defer { close(fd) }
        // Some file systems refuse fsync on directories (EINVAL); the rename has happened then
        // and there is nothing more we can do, so only real I/O errors are reported.
        if fsync(fd) != 0, errno != EINVAL { throw posixError(target, "cannot sync directory to disk") }
    }

    private static func posixError(_ file: String, _ message: String) -> HDF5Error {
        HDF5Error(.io, file: file, message, detail: String(cString: strerror(errno)))
    }
}

extension HDF5File {
    /// Creates a new HDF5 file for `body` to fill and atomically puts it at `path` (see
    /// `AtomicFileWriter`): readers see the old file or the complete new one, never a partial
    /// one. If `body` throws, nothing at `path` changes and no temporary file remains.
    ///
    /// The file is flushed and closed after `body` returns, which also closes any group or
    /// dataset `body` let escape (using one afterwards throws `.closed`).
    @discardableResult
    public static func writeAtomically<R>(to path: String, _ body: (HDF5File) throws -> R) throws -> R {
        try AtomicFileWriter.write(to: path) { temporary in
            let file = try HDF5File.create(at: temporary, reportedAs: path, overwrite: false)
            do {
                let result = try body(file)
                try file.flush()
                try file.close()
                return result
            } catch {
                try? file.close()
                throw error
            }
        }
    }
}
