import ArgumentParser
import Foundation

// Standard output and standard error, with one policy for their write errors:
//
// - Every `print` in this module goes through `StandardOutput.write` (the `print` below
//   shadows Swift's for the whole module, so no command can bypass it). A failed write is
//   remembered and later output dropped; when the command ends, `Possum.main` turns it into a
//   one-line error and exit status 1 (a full disk, an I/O error), or, for a reader that went
//   away (EPIPE, as in `possum runs list | head -1`), a quiet exit 0, as `head` intended.
// - SIGPIPE gets a handler that does nothing, so that writing to a closed pipe fails with EPIPE
//   instead of killing the process. A handler, not SIG_IGN: an ignored signal stays ignored in
//   the tasks and tools possum starts, a handled one is reset to the default by exec.
// - Standard error is written by `printError`, which never fails: there is nowhere left to
//   report its own errors (Foundation's `FileHandle.write` traps on them instead).

/// Swift's `print`, through `StandardOutput` (see above).
func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {
    StandardOutput.write(items.map { String(describing: $0) }.joined(separator: separator) + terminator)
}

/// Writes `text` to standard error; errors are ignored.
func printError(_ text: String) {
    _ = StandardOutput.writeAll(text, to: 2)
}

/// A note for the user on standard error (a summary, a warning, "registered …"): dropped once a
/// write to standard output has failed, so that the failure's one-line error is all stderr says.
func printNote(_ text: String) {
    if !StandardOutput.hasFailed { printError(text) }
}

enum StandardOutput {
    private static let lock = NSLock()
    /// The `errno` of the first failed write to standard output. Guarded by `lock`.
    nonisolated(unsafe) private static var failure: Int32?

    /// Whether a write to standard output has failed.
    static var hasFailed: Bool { lock.withLock { failure != nil } }

    /// Writes `text` unbuffered (progress lines are a live view, and the bytes are out before
    /// any later error message); after a failure, drops it.
    static func write(_ text: String) {
        lock.lock()
        defer { lock.unlock() }
        guard failure == nil else { return }
        failure = writeAll(text, to: 1)
    }

    /// Writes all of `text` to `fd`: nil, or the `errno` of the failed write.
    static func writeAll(_ text: String, to fd: Int32) -> Int32? {
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBytes { buffer -> Int32? in
            var offset = 0
            while offset < buffer.count {
                let n = Foundation.write(fd, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += n
            }
            return nil
        }
    }

    /// Reopens standard input, output and error if the process started with them closed
    /// (`possum … >&-`, `2>&-`, a daemon's launcher): otherwise the first file possum opens takes
    /// descriptor 1 or 2, and its notes and reports land inside that output file. Each is
    /// reopened on /dev/null in the direction it cannot be used (stdout and stderr read-only,
    /// stdin write-only), so using it still fails with EBADF, as it did closed, and the failure
    /// is reported as before. Without /dev/null (a bare chroot) the process stops with status 1:
    /// nothing can be written safely then.
    static func reopenClosedStandardDescriptors() {
        for fd: Int32 in [0, 1, 2] where fcntl(fd, F_GETFD) == -1 && errno == EBADF {
            let opened = open("/dev/null", (fd == 0 ? O_WRONLY : O_RDONLY) | O_NOCTTY)
            if opened == fd { continue }
            if opened >= 0, dup2(opened, fd) == fd { close(opened); continue }
            _exit(1)
        }
    }

    /// Makes a write to a closed pipe fail with EPIPE rather than kill the process.
    static func catchBrokenPipe() {
        signal(SIGPIPE) { _ in }
    }

    /// Ends the process if a write to standard output failed: quietly for EPIPE (the reader left,
    /// as `head` does; the status still says the output is incomplete), else with a one-line error;
    /// status 1 either way. Returns if every write succeeded.
    static func exitIfWriteFailed() {
        let code = lock.withLock { failure }
        guard let code else { return }
        if code == EPIPE { Foundation.exit(1) }
        printError("Error: standard output: write failed: \(String(cString: strerror(code)))\n")
        Foundation.exit(1)
    }
}
