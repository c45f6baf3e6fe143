#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Creates the folders an output file goes into (`mkdir -p` of its parent), so `--out
/// results/2026/model.h5` works in a fresh checkout; every command that writes an output file and
/// the pipeline (for a task's declared outputs) call this, so a missing folder means the same
/// everywhere.
///
/// The output must pass the output policy first (`checkReplaceableOutput`). When a component of
/// the parent path exists but is not a directory (a file, a device), it throws an
/// `OutputRefusal` naming that component before creating anything; a failed `mkdir` (no
/// permission, a read-only file system) is a `FileError` naming the folder.
public func makeParentDirectories(forOutput path: String) throws {
    try checkReplaceableOutput(path)
    let parent = parentDirectory(of: path)
    var ancestors: [String] = []
    var current = parent
    while !isDirectory(current) {
        var st = stat()
        if stat(current, &st) == 0 || lstat(current, &st) == 0 {
            let kind = (st.st_mode & S_IFMT) == S_IFLNK ? "a symbolic link to nothing" : nodeKind(st.st_mode & S_IFMT)
            throw OutputRefusal(path: path, reason: "cannot create its folder: \(current) is \(kind), not a directory")
        }
        ancestors.append(current)
        let up = parentDirectory(of: current)
        if up == current || up.isEmpty { break }
        current = up
    }
    for directory in ancestors.reversed() { try makeDirectory(directory) }
}
