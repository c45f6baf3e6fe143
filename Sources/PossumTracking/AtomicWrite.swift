#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The store's only file primitives, all plain POSIX calls.
///
/// Why not Foundation's `FileManager`/`Data.write(options: .atomic)`: Foundation puts its temp file
/// in a location of its choosing and does not fsync, and scanning 10,000 runs through `FileManager`
/// costs several times more than `open`/`read`. Every write here is either
/// - a whole-file replace: temp file, `fsync`, `rename` over the target, `fsync` of the directory, so
///   a reader sees the old file or the new one, never a torn one, even across a crash; or
/// - an append of one line with `O_APPEND` in a single `write`, then `fsync`: concurrent appenders
///   never interleave inside a line (the kernel serialises `O_APPEND` writes on one inode).
enum FileIO {
    /// Replaces `path` atomically with `bytes`.
    ///
    /// `tempDirectory` must be on the same file system as `path`. Callers pass the run, experiment
    /// or model directory rather than `tags/` or `params/` themselves, because MLflow reads *every*
    /// file in those folders: a temp file left there by a crash would show up as a bogus tag.
    static func writeAtomically(_ bytes: [UInt8], to path: String, tempDirectory: String? = nil, durable: Bool) throws {
        let dir = tempDirectory ?? parentDirectory(of: path)
        let tmp = "\(dir)/.possum-tmp-\(getpid())-\(randomHex(8))"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw TrackingError.io(path: tmp, operation: "create", code: errno) }
        var ok = false
        defer {
            if !ok { unlink(tmp) }
        }
        do {
            defer { close(fd) }
            try writeAll(fd, bytes, path: tmp)
            if durable && fsync(fd) != 0 { throw TrackingError.io(path: tmp, operation: "fsync", code: errno) }
        }
        guard rename(tmp, path) == 0 else { throw TrackingError.io(path: path, operation: "rename", code: errno) }
        ok = true
        if durable { syncDirectory(parentDirectory(of: path)) }
    }

    /// Appends one line (which must end in "\n") with a single `O_APPEND` write.
    static func appendLine(_ line: String, to path: String, durable: Bool) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw TrackingError.io(path: path, operation: "open for append", code: errno) }
        defer { close(fd) }
        let bytes = Array(line.utf8)
        // One write call: a partial write would let another appender's line land inside ours.
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard n == bytes.count else { throw TrackingError.io(path: path, operation: "append", code: n < 0 ? errno : EIO) }
        if durable && fsync(fd) != 0 { throw TrackingError.io(path: path, operation: "fsync", code: errno) }
    }

    /// The whole file, or nil if it does not exist.
    static func readBytes(_ path: String) throws -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw TrackingError.io(path: path, operation: "open", code: errno)
        }
        defer { close(fd) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                // EISDIR: a directory where a file belongs, e.g. a hand-made `params/x/`.
                throw TrackingError.io(path: path, operation: "read", code: errno)
            }
            if n == 0 { break }
            out.append(contentsOf: buffer[0..<n])
        }
        return out
    }

    /// The file as UTF-8 text, or nil if missing; invalid UTF-8 is a corrupt file.
    static func readText(_ path: String) throws -> String? {
        guard let bytes = try readBytes(path) else { return nil }
        guard let s = String(validating: bytes, as: UTF8.self) else {
            throw TrackingError.corruptFile(path: path, reason: "not valid UTF-8 text")
        }
        return s
    }

    /// Creates a directory. Returns false if it already existed (so `mkdir` doubles as an atomic
    /// "claim this name" between processes).
    @discardableResult
    static func makeDirectory(_ path: String) throws -> Bool {
        if mkdir(path, 0o755) == 0 { return true }
        if errno == EEXIST {
            guard isDirectory(path) else { throw TrackingError.corruptFile(path: path, reason: "exists but is not a directory") }
            return false
        }
        throw TrackingError.io(path: path, operation: "mkdir", code: errno)
    }

    /// `mkdir -p`.
    static func makeDirectories(_ path: String) throws {
        if isDirectory(path) { return }
        let parent = parentDirectory(of: path)
        if parent != path && !parent.isEmpty { try makeDirectories(parent) }
        try makeDirectory(path)
    }

    /// Entry names (not `.`/`..`), unsorted; nil if the directory does not exist.
    static func listDirectory(_ path: String) throws -> [String]? {
        guard let dir = opendir(path) else {
            if errno == ENOENT { return nil }
            throw TrackingError.io(path: path, operation: "list directory", code: errno)
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

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    static func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    static func isRegularFile(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }

    /// Copies a file into place atomically (temp + rename), preserving nothing but the bytes.
    static func copyFile(from source: String, to destination: String, tempDirectory: String, durable: Bool) throws {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw TrackingError.io(path: source, operation: "open", code: errno) }
        defer { close(input) }
        var st = stat()
        guard fstat(input, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            throw TrackingError.invalidRequest("\(source): not a regular file")
        }
        let tmp = "\(tempDirectory)/.possum-tmp-\(getpid())-\(randomHex(8))"
        let output = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard output >= 0 else { throw TrackingError.io(path: tmp, operation: "create", code: errno) }
        var ok = false
        defer { if !ok { unlink(tmp) } }
        do {
            defer { close(output) }
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
                if n < 0 { if errno == EINTR { continue }; throw TrackingError.io(path: source, operation: "read", code: errno) }
                if n == 0 { break }
                try writeAll(output, Array(buffer[0..<n]), path: tmp)
            }
            if durable && fsync(output) != 0 { throw TrackingError.io(path: tmp, operation: "fsync", code: errno) }
        }
        guard rename(tmp, destination) == 0 else { throw TrackingError.io(path: destination, operation: "rename", code: errno) }
        ok = true
        if durable { syncDirectory(parentDirectory(of: destination)) }
    }

    // MARK: - Helpers

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                throw TrackingError.io(path: path, operation: "write", code: errno)
            }
            offset += n
        }
    }

    /// fsync of a directory makes a rename or a new entry survive a crash. Best effort: some
    /// file systems refuse it, and the data itself is already synced.
    static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 { _ = fsync(fd); close(fd) }
    }
}

func parentDirectory(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    if slash == path.startIndex { return "/" }
    return String(path[..<slash])
}

/// `count` random bytes from the system generator, drawn 8 at a time: one `getrandom` call per
/// 64 bits instead of one per byte (a run id cost 16 system calls before).
func randomBytes(_ count: Int) -> [UInt8] {
    var g = SystemRandomNumberGenerator()
    var bytes: [UInt8] = []
    bytes.reserveCapacity(count + 7)
    while bytes.count < count {
        let word = g.next()
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(shift))) }
    }
    return Array(bytes.prefix(count))
}

private func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count * 2)
    for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 0xf)]) }
    return String(decoding: out, as: UTF8.self)
}

/// Random lowercase hex (temp file names).
func randomHex(_ bytes: Int) -> String { hex(randomBytes(bytes)) }

/// A uuid4 as 32 hex digits, the form MLflow uses for run ids (`uuid.uuid4().hex`).
func uuid4Hex() -> String {
    var b = randomBytes(16)
    b[6] = (b[6] & 0x0f) | 0x40  // version 4
    b[8] = (b[8] & 0x3f) | 0x80  // RFC 4122 variant
    return hex(b)
}

/// An exclusive advisory lock on a file (`flock`), held for the duration of `body`.
///
/// Used for the few read-modify-write operations: creating an experiment (name uniqueness),
/// rewriting a run's `meta.yaml`, and registry changes (version numbers, stage transitions).
/// `flock` locks belong to the open file description, so threads of one process that each open
/// the file exclude each other too, and the kernel drops the lock if the process dies.
struct FileLock {
    let path: String

    func withLock<T>(_ body: () throws -> T) throws -> T {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw TrackingError.io(path: path, operation: "open lock file", code: errno) }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            if errno != EINTR { throw TrackingError.io(path: path, operation: "flock", code: errno) }
        }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }
}
