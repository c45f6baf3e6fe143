#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Directory operations on plain POSIX calls: `FileManager` costs several times more per call when
// the tracking store scans thousands of runs, and its errors do not carry errno.

/// Creates a directory. Returns false if a directory was already there, so `mkdir` doubles as an
/// atomic "claim this name" between processes; anything else in the way is an error (ENOTDIR).
@discardableResult
public func makeDirectory(_ path: String) throws -> Bool {
    if mkdir(path, 0o755) == 0 { return true }
    guard errno == EEXIST else { throw FileError(path: path, operation: "create directory", code: errno) }
    guard isDirectory(path) else { throw FileError(path: path, operation: "create directory", code: ENOTDIR) }
    return false
}

/// `mkdir -p`: creates `path` and any missing parents; fine if they exist.
public func makeDirectories(_ path: String) throws {
    if isDirectory(path) { return }
    let parent = parentDirectory(of: path)
    if parent != path && !parent.isEmpty { try makeDirectories(parent) }
    try makeDirectory(path)
}

/// Entry names (not `.`/`..`), unsorted; nil if the directory does not exist.
public func listDirectory(_ path: String) throws -> [String]? {
    guard let dir = opendir(path) else {
        if errno == ENOENT { return nil }
        throw FileError(path: path, operation: "list directory", code: errno)
    }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
        let name = withUnsafePointer(to: entry.pointee.d_name) {
            $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
        }
        if name != "." && name != ".." { names.append(name) }
    }
    return names
}

/// Whether `path` is a directory (following symbolic links).
public func isDirectory(_ path: String) -> Bool {
    var st = stat()
    return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
}

/// Whether `path` is a regular file (following symbolic links).
public func isRegularFile(_ path: String) -> Bool {
    var st = stat()
    return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
}
