#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The output policy: what possum may replace when it writes a file.
//
// 1. An output must be new, a regular file, or a symbolic link (followed, as the shell's `>`
//    does: the file it points to is replaced or created, never the link) to a regular file or
//    to nothing. A device, FIFO, socket or directory, or a link to one, is
//    refused: replacing `/dev/null` with a regular file is never what was meant. Every atomic
//    writer checks this (`replaceAtomically`), so no caller can forget it.
// 2. An output must not be the same file as an input of the same command, nor as another of its
//    outputs (same device and inode, so through symbolic and hard links): the atomic replace
//    would otherwise destroy the input it was computed from. Commands check this with
//    `checkOutputs(_:inputs:)` before they read anything.
//
// A refusal creates and changes nothing.

/// An output that the output policy refuses; nothing was read or written.
public struct OutputRefusal: Error, Equatable, Sendable, CustomStringConvertible {
    /// The output, as the caller spelled it.
    public var path: String
    /// Why, as a phrase.
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    /// `path: reason`, one line.
    public var description: String { path.isEmpty ? "an empty output file name: \(reason)" : "\(path): \(reason)" }
}

/// Throws an `OutputRefusal` unless `path` may be replaced by a new regular file (rule 1 above).
/// Errors other than "nothing there" while looking are left to the write itself to report.
public func checkReplaceableOutput(_ path: String) throws {
    if path.isEmpty { throw OutputRefusal(path: path, reason: "refusing to write") }
    // As an input, `-` is standard input; as an output it would be a file named `-` that the
    // user meant as standard output, which possum's files (HDF5, YAML, reports) never go to.
    if path == "-" {
        throw OutputRefusal(path: path, reason: "possum writes files, not standard output; name a file (./- for one called '-')")
    }
    var link = stat()
    guard lstat(path, &link) == 0 else { return }
    let own = link.st_mode & S_IFMT
    if own == S_IFREG { return }
    if own != S_IFLNK { throw OutputRefusal(path: path, reason: "is \(nodeKind(own)), not a regular file; refusing to replace it") }
    var target = stat()
    guard stat(path, &target) == 0 else { return }  // a dangling link: the new file is created where it points
    let kind = target.st_mode & S_IFMT
    if kind != S_IFREG {
        throw OutputRefusal(path: path, reason: "is a symbolic link to \(nodeKind(kind)), not to a regular file; refusing to replace it")
    }
}

/// Applies the whole output policy to a command's files before it reads any: each output must
/// be replaceable (`checkReplaceableOutput`), must not be the same file as any of `inputs`, and
/// must not be written twice under two names. Inputs that do not exist are skipped (reading
/// them will say so).
public func checkOutputs(_ outputs: [String], inputs: [String]) throws {
    var inputIdentities: [(path: String, id: FileIdentity)] = []
    for input in inputs {
        var st = stat()
        // `-` is whatever standard input is: `--data - --out t.csv < t.csv` reads t.csv too.
        if input == "-" ? fstat(STDIN_FILENO, &st) == 0 : stat(input, &st) == 0 {
            inputIdentities.append((inputDisplayName(input), FileIdentity(st)))
        }
    }
    var seen: [FileIdentity: String] = [:]
    for output in outputs {
        try checkReplaceableOutput(output)
        let id = outputIdentity(output)
        if let input = inputIdentities.first(where: { $0.id == id }) {
            let same = input.path == output ? "is also an input" : "is the same file as the input \(input.path)"
            throw OutputRefusal(path: output, reason: "\(same); refusing to overwrite an input")
        }
        if let other = seen[id] {
            let same = other == output ? "is written twice by this command" : "is the same file as the output \(other)"
            throw OutputRefusal(path: output, reason: same)
        }
        seen[id] = output
    }
}

/// Where a write to `path` lands: `path` itself, or for a symbolic link the path it points to,
/// link after link (relative targets taken from the link's directory), whether or not that
/// exists. A chain of more than 40 links (a loop) is an ELOOP error, as for `open`.
func resolvedOutputPath(_ path: String) throws -> String {
    var current = path
    for _ in 0..<40 {
        var st = stat()
        guard lstat(current, &st) == 0, st.st_mode & S_IFMT == S_IFLNK else { return current }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink(current, &buffer, buffer.count - 1)
        guard n > 0 else { throw FileError(path: path, operation: "read symbolic link", code: errno) }
        let target = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        current = target.hasPrefix("/") ? target : parentDirectory(of: current) + "/" + target
    }
    throw FileError(path: path, operation: "follow symbolic links", code: ELOOP)
}

/// Which file a path names: an existing file by device and inode; a file yet to be created by
/// its directory's device and inode and its name; failing that, by its spelling.
private enum FileIdentity: Hashable {
    case existing(device: UInt64, inode: UInt64)
    case new(directoryDevice: UInt64, directoryInode: UInt64, name: String)
    case unresolved(String)

    init(_ st: stat) { self = .existing(device: UInt64(truncatingIfNeeded: st.st_dev), inode: UInt64(truncatingIfNeeded: st.st_ino)) }
}

private func outputIdentity(_ output: String) -> FileIdentity {
    var st = stat()
    if stat(output, &st) == 0 { return FileIdentity(st) }
    // Not there (or a dangling link): identified by where the write will create it.
    let path = (try? resolvedOutputPath(output)) ?? output
    var directory = stat()
    if stat(parentDirectory(of: path), &directory) == 0 {
        return .new(directoryDevice: UInt64(truncatingIfNeeded: directory.st_dev), directoryInode: UInt64(truncatingIfNeeded: directory.st_ino),
                    name: lastPathComponent(path))
    }
    return .unresolved(path)
}

/// "a character device", ... for a `st_mode & S_IFMT`.
func nodeKind(_ type: mode_t) -> String {
    switch type {
    case S_IFDIR: "a directory"
    case S_IFCHR: "a character device"
    case S_IFBLK: "a block device"
    case S_IFIFO: "a FIFO"
    case S_IFSOCK: "a socket"
    case S_IFLNK: "a symbolic link"
    case S_IFREG: "a regular file"
    default: "an unknown kind of file"
    }
}
