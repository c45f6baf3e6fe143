#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The one rule for every file possum reads data from (CSV tables, matrices, HDF5 files):
//
// - A regular file is read.
// - `-` (standard input) and a FIFO are streams: read once, front to back, with the same limits
//   as a file. A reader that needs a second pass asks `InputFile` to spool what it reads to an
//   unlinked temporary file (bounded by `InputFile.spoolLimit`), never to open the path again —
//   a second open of a FIFO waits for a writer that never comes.
// - A directory, a device (character or block) or a socket is refused with a one-line error
//   naming it, before it is opened: /dev/zero never ends, a directory cannot be read, and opening
//   some devices has side effects.
// - HDF5 (which seeks) takes regular files only: `checkInput(_:requireRegularFile: true)`.

/// Why an input was refused or could not be read: one line naming the file.
public struct InputError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The path as the user gave it (`-` for standard input).
    public var path: String
    public var reason: String

    public init(path: String, _ reason: String) {
        (self.path, self.reason) = (path, reason)
    }

    public var description: String { "\(messageText(inputDisplayName(path))): \(reason)" }
}

/// How an accepted input is read.
public enum InputKind: Sendable, Equatable {
    /// A regular file: may be read again from the start.
    case regularFile
    /// Standard input or a FIFO: read once.
    case stream
}

/// The name of an input in messages: `<stdin>` for `-`, the path otherwise.
public func inputDisplayName(_ path: String) -> String { path == "-" ? "<stdin>" : path }

/// Classifies `path` under the input policy without opening it, or throws `InputError` for a
/// missing file, a directory, a device or a socket (and, with `requireRegularFile`, a stream).
@discardableResult
public func checkInput(_ path: String, requireRegularFile: Bool = false) throws -> InputKind {
    if path == "-" {
        if requireRegularFile { throw InputError(path: path, "standard input cannot be read here: this file must be seekable (save it to a file first)") }
        return .stream
    }
    var st = stat()
    guard stat(path, &st) == 0 else {
        let code = errno
        switch code {
        case ENOENT, ENOTDIR: throw InputError(path: path, "no such file")
        case EACCES: throw InputError(path: path, "permission denied")
        default: throw InputError(path: path, "cannot be read: \(String(cString: strerror(code)))")
        }
    }
    return try classify(mode: st.st_mode, path: path, requireRegularFile: requireRegularFile)
}

private func classify(mode: mode_t, path: String, requireRegularFile: Bool) throws -> InputKind {
    switch mode & S_IFMT {
    case S_IFREG: return .regularFile
    case S_IFIFO:
        if requireRegularFile { throw InputError(path: path, "is a FIFO (named pipe): this file must be a regular file") }
        return .stream
    case S_IFDIR: throw InputError(path: path, "is a directory, not a data file")
    case S_IFCHR, S_IFBLK: throw InputError(path: path, "is a device, not a data file")
    case S_IFSOCK: throw InputError(path: path, "is a socket, not a data file")
    default: throw InputError(path: path, "is not a regular file")
    }
}

/// An input opened under the policy, read with plain `read(2)`.
///
/// With `spoolForSecondPass`, the bytes of a stream are copied as they are read to an unlinked
/// temporary file (in `$TMPDIR`, else /tmp; nothing is left behind even after kill -9), so that
/// `rewind()` can replay them; a regular file is simply read again.
public final class InputFile {
    /// Most bytes a stream may spool for a second pass (16 GiB): past it, the user is asked to
    /// save the stream to a file, rather than possum filling the temporary directory.
    public static let spoolLimit = 16 << 30

    public let path: String
    public let kind: InputKind
    private var fd: Int32
    private let spooling: Bool
    private var spool: Int32 = -1
    private var spooled = 0
    private var replaying = false

    public init(_ path: String, spoolForSecondPass: Bool = false) throws {
        self.path = path
        self.spooling = spoolForSecondPass
        let expected = try checkInput(path)
        if path == "-" {
            fd = STDIN_FILENO
            kind = .stream
        } else {
            // A regular file is opened non-blocking and without becoming a controlling terminal, so
            // that a device swapped in since the check is refused below instead of blocking here.
            let flags = expected == .regularFile ? O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK : O_RDONLY | O_CLOEXEC | O_NOCTTY
            var descriptor: Int32
            repeat { descriptor = open(path, flags) } while descriptor < 0 && errno == EINTR
            guard descriptor >= 0 else {
                let code = errno
                throw InputError(path: path, code == EACCES ? "permission denied" : "cannot be opened: \(String(cString: strerror(code)))")
            }
            var st = stat()
            let actual: InputKind
            do {
                guard fstat(descriptor, &st) == 0 else { throw InputError(path: path, "cannot be read: \(String(cString: strerror(errno)))") }
                actual = try classify(mode: st.st_mode, path: path, requireRegularFile: false)
            } catch {
                close(descriptor)
                throw error
            }
            if expected == .regularFile { _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) & ~O_NONBLOCK) }  // blocking reads again
            fd = descriptor
            kind = actual
        }
        if spooling && kind == .stream { try openSpool() }
    }

    deinit {
        if fd != STDIN_FILENO && fd >= 0 { close(fd) }
        if spool >= 0 { close(spool) }
    }

    private func openSpool() throws {
        var directory = "/tmp"
        if let tmp = getenv("TMPDIR"), tmp.pointee != 0 { directory = String(cString: tmp) }
        var template = Array("\(directory)/.possum-input-XXXXXX".utf8CString)
        let descriptor = mkstemp(&template)
        guard descriptor >= 0 else {
            throw InputError(path: path, "cannot make a temporary copy in \(messageText(directory)) for a second pass: \(String(cString: strerror(errno)))")
        }
        _ = unlink(template)  // the copy lives only as long as the descriptor
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        spool = descriptor
    }

    /// Reads up to `buffer.count` bytes: the count, 0 at the end of the input.
    public func readBytes(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        let source = replaying ? spool : fd
        var n: Int
        repeat { n = read(source, base, buffer.count) } while n < 0 && errno == EINTR
        guard n >= 0 else { throw InputError(path: path, "read failed: \(String(cString: strerror(errno)))") }
        if spool >= 0 && !replaying && n > 0 {
            spooled += n
            guard spooled <= Self.spoolLimit else {
                throw InputError(path: path, "is a stream longer than \(Self.spoolLimit >> 30) GiB, too long to keep for a second pass: save it to a file first")
            }
            do {
                try writeAll(UnsafeRawBufferPointer(rebasing: buffer[0..<n]), to: spool, reportingAs: path)
            } catch let error as FileError {
                throw InputError(path: path, "cannot keep a temporary copy for a second pass: \(error.reason)")
            }
        }
        return n
    }

    /// Starts reading again from the first byte: a regular file is re-read; a stream replays its
    /// spool (and must have been opened with `spoolForSecondPass`).
    public func rewind() throws {
        switch kind {
        case .regularFile:
            guard lseek(fd, 0, SEEK_SET) == 0 else { throw InputError(path: path, "cannot be read again: \(String(cString: strerror(errno)))") }
        case .stream:
            guard spool >= 0 else { throw InputError(path: path, "is a stream and cannot be read twice") }
            guard lseek(spool, 0, SEEK_SET) == 0 else { throw InputError(path: path, "cannot re-read the temporary copy: \(String(cString: strerror(errno)))") }
            replaying = true
        }
    }
}
