import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Every read, listing and directory creation below the store root goes through here, so one rule
/// holds for all of them: **the store never follows a symbolic link below its root, and never
/// opens anything but regular files and directories.**
///
/// Each path is walked from the root one component at a time with `openat(O_NOFOLLOW)`, so a
/// hand-placed `params -> /etc` or `meta.yaml -> /dev/zero` is reported (one line, naming the
/// file) instead of read or written through; the last component is opened `O_NONBLOCK` and
/// checked with `fstat` before any `read`, so a FIFO or device where a file belongs cannot hang
/// a listing. The root itself may be a symbolic link (`mlruns -> /data/mlruns` is the user's
/// choice, not the store's contents). Reads are bounded: a file larger than its limit is an error.
struct StoreFiles: Sendable {
    let root: String
    private let cache = DirectoryCache()

    init(root: String) { self.root = root }

    /// meta.yaml, params, tags, aliases: MLflow's largest is a tag of 8,000 characters.
    static let smallFileLimit = 1 << 20
    /// Metric histories grow by ~30 bytes a step; 256 MiB is ~8 million steps.
    static let metricFileLimit = 256 << 20

    enum Kind: Equatable { case missing, directory, regularFile, symbolicLink, other }

    /// The components of `path` below the root; refuses paths outside it and `..`.
    private func components(_ path: String) throws -> [Substring] {
        if path == root { return [] }
        guard path.hasPrefix(root + "/") else {
            throw TrackingError.corruptFile(path: path, reason: "outside the tracking store \(root)")
        }
        let parts = path.dropFirst(root.count + 1).split(separator: "/", omittingEmptySubsequences: true)
        if parts.contains(where: { $0 == ".." || $0 == "." }) {
            throw TrackingError.corruptFile(path: path, reason: "'..' or '.' in a store path")
        }
        return parts
    }

    /// Directory descriptors kept open for the duration of `body`: a listing of 10,000 runs opens
    /// each experiment and run directory once, not once per file read in it. Outside such a scope
    /// every operation walks from the root afresh, so nothing stale is ever seen.
    func withDirectoryCache<T>(_ body: () throws -> T) rethrows -> T {
        cache.enter()
        defer { cache.leave() }
        return try body()
    }

    /// `body` with a descriptor of the directory holding the last component of `path`, and that
    /// component ("." for the root itself); nil if a directory on the way is missing. Throws if
    /// one on the way is a symbolic link or not a directory.
    private func withParent<T>(_ path: String, _ body: (Int32, String) throws -> T) throws -> T? {
        let parts = try components(path)
        let directories = parts.isEmpty ? [] : Array(parts.dropLast())
        let name = parts.last.map(String.init) ?? "."
        return try cache.locked { cached in
            var opened: [Int32] = []
            defer { for fd in opened { close(fd) } }
            func prefix(_ count: Int) -> String {
                count == 0 ? root : root + "/" + directories[0..<count].joined(separator: "/")
            }
            // Start from the deepest directory already open, if caching.
            var depth = directories.count
            var fd: Int32 = -1
            if let cached {
                while depth >= 0 {
                    if let hit = cached.fds[prefix(depth)] { fd = hit; break }
                    depth -= 1
                }
            }
            if fd < 0 {
                depth = 0
                fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                if fd < 0 {
                    if errno == ENOENT { return nil }
                    throw TrackingError.io(path: root, operation: "open", code: errno)
                }
                if let cached { cached.fds[root] = fd } else { opened.append(fd) }
            }
            while depth < directories.count {
                let next = openat(fd, String(directories[depth]), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                let code = errno
                depth += 1
                if next < 0 {
                    if code == ENOENT { return nil }
                    if code == ELOOP || code == ENOTDIR { throw notADirectory(prefix(depth), in: fd, named: String(directories[depth - 1])) }
                    throw TrackingError.io(path: prefix(depth), operation: "open", code: code)
                }
                if let cached { cached.fds[prefix(depth)] = next } else { opened.append(next) }
                fd = next
            }
            return try body(fd, name)
        }
    }

    private func notADirectory(_ path: String, in parent: Int32, named name: String) -> TrackingError {
        var st = stat()
        if fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) == 0, st.st_mode & S_IFMT == S_IFLNK {
            return .corruptFile(path: path, reason: "a symbolic link where the store expects a directory (links are not followed)")
        }
        return .corruptFile(path: path, reason: "not a directory (the store expects one here)")
    }

    private func notADirectory(_ path: String) -> TrackingError {
        kind(path) == .symbolicLink
            ? .corruptFile(path: path, reason: "a symbolic link where the store expects a directory (links are not followed)")
            : .corruptFile(path: path, reason: "not a directory (the store expects one here)")
    }

    /// What is at `path`, without following a link there or on the way (anything unreadable on the
    /// way counts as missing).
    func kind(_ path: String) -> Kind {
        let found = try? withParent(path) { fd, name -> Kind in
            var st = stat()
            guard fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else { return .missing }
            switch st.st_mode & S_IFMT {
            case S_IFDIR: return .directory
            case S_IFREG: return .regularFile
            case S_IFLNK: return .symbolicLink
            default: return .other
            }
        }
        return (found ?? nil) ?? .missing
    }

    func isDirectory(_ path: String) -> Bool { kind(path) == .directory }

    /// The whole file, or nil if it (or a directory on the way) does not exist.
    func readBytes(_ path: String, limit: Int = smallFileLimit) throws -> [UInt8]? {
        let fd = try withParent(path) { parent, name -> Int32 in
            let fd = openat(parent, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
            if fd < 0 {
                let code = errno
                if code == ENOENT || code == ENOTDIR { return -1 }
                if code == ELOOP { throw TrackingError.corruptFile(path: path, reason: "a symbolic link (links in the store are not followed)") }
                throw TrackingError.io(path: path, operation: "open", code: code)
            }
            return fd
        }
        guard let fd, fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw TrackingError.io(path: path, operation: "stat", code: errno) }
        guard st.st_mode & S_IFMT == S_IFREG else {
            let what = st.st_mode & S_IFMT == S_IFDIR ? "a directory" : "a FIFO, device or socket"
            throw TrackingError.corruptFile(path: path, reason: "\(what) where the store expects a regular file")
        }
        func tooLarge() -> TrackingError {
            .corruptFile(path: path, reason: "larger than the \(limit >= 1 << 20 ? "\(limit >> 20) MiB" : "\(limit >> 10) KiB") the store reads for such a file")
        }
        if st.st_size > limit { throw tooLarge() }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: Int(max(4096, min(Int64(st.st_size) + 1, 65536))))
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw TrackingError.io(path: path, operation: "read", code: errno)
            }
            if n == 0 { break }
            if out.count + n > limit { throw tooLarge() }  // grew while we read
            out.append(contentsOf: buffer[0..<n])
        }
        return out
    }

    /// The file as UTF-8 text, or nil if missing; invalid UTF-8 is a corrupt file.
    func readText(_ path: String) throws -> String? {
        guard let bytes = try readBytes(path) else { return nil }
        guard let s = String(validating: bytes, as: UTF8.self) else {
            throw TrackingError.corruptFile(path: path, reason: "not valid UTF-8 text")
        }
        return s
    }

    /// Entry names (not `.`/`..`), unsorted; nil if the directory does not exist.
    func listDirectory(_ path: String) throws -> [String]? {
        try listEntries(path)?.map(\.name)
    }

    /// Entry names with their kinds, as `readdir` reports them (no extra `stat` on file systems
    /// that fill in `d_type`; the others get one `fstatat` per entry).
    func listEntries(_ path: String) throws -> [(name: String, kind: Kind)]? {
        let fd = try withParent(path) { parent, name -> Int32 in
            let fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if fd < 0 {
                let code = errno
                if code == ENOENT { return -1 }
                if code == ELOOP || code == ENOTDIR { throw notADirectory(path, in: parent, named: name) }
                throw TrackingError.io(path: path, operation: "list directory", code: code)
            }
            return fd
        }
        guard let fd, fd >= 0 else { return nil }
        guard let dir = fdopendir(fd) else {
            let code = errno
            close(fd)
            throw TrackingError.io(path: path, operation: "list directory", code: code)
        }
        defer { closedir(dir) }
        var entries: [(name: String, kind: Kind)] = []
        let dirFD = dirfd(dir)
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name == "." || name == ".." { continue }
            var kind: Kind
            switch Int32(entry.pointee.d_type) {
            case Int32(DT_DIR): kind = .directory
            case Int32(DT_REG): kind = .regularFile
            case Int32(DT_LNK): kind = .symbolicLink
            case Int32(DT_UNKNOWN):
                var st = stat()
                guard fstatat(dirFD, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else { continue }  // gone meanwhile
                switch st.st_mode & S_IFMT {
                case S_IFDIR: kind = .directory
                case S_IFREG: kind = .regularFile
                case S_IFLNK: kind = .symbolicLink
                default: kind = .other
                }
            default: kind = .other
            }
            entries.append((name, kind))
        }
        return entries
    }

    /// Creates `path` and any missing directories below the root, refusing to go through a link or
    /// a file. Returns false if `path` was already a directory.
    @discardableResult
    func makeDirectories(_ path: String) throws -> Bool {
        var walked = root
        var created = false
        for part in try components(path) {
            walked += "/" + part
            created = try FileIO.makeDirectory(walked)
            // mkdir's EEXIST check follows links: make sure what is there is a real directory.
            if !created && kind(walked) != .directory { throw notADirectory(walked) }
        }
        return created
    }

    /// Throws unless `path` is a real directory below the root (no link on the way): the check
    /// before writing into it by path.
    func requireDirectory(_ path: String) throws {
        switch kind(path) {
        case .directory: return
        case .missing: throw TrackingError.io(path: path, operation: "open", code: ENOENT)
        default: throw notADirectory(path)
        }
    }

    /// `rm -r` below the root, never following links (a link is removed, not its target).
    func removeTree(_ path: String) throws {
        switch kind(path) {
        case .missing: return
        case .directory:
            for name in try listDirectory(path) ?? [] { try removeTree(path + "/" + name) }
            if rmdir(path) != 0 && errno != ENOENT { throw TrackingError.io(path: path, operation: "remove directory", code: errno) }
        default:
            try FileIO.remove(path)
        }
    }
}

/// Open directory descriptors by path, while a `withDirectoryCache` scope is active. Every use
/// holds the lock, so a descriptor is never closed while another thread reads through it.
final class DirectoryCache: @unchecked Sendable {
    private let lock = NSLock()
    private var scopes = 0
    var fds: [String: Int32] = [:]

    func enter() { lock.withLock { scopes += 1 } }

    func leave() {
        lock.withLock {
            scopes -= 1
            if scopes == 0 { closeAll() }
        }
    }

    private func closeAll() {
        for fd in fds.values { close(fd) }
        fds.removeAll()
    }

    /// `body` under the lock, given the cache when a scope is active (nil otherwise).
    func locked<T>(_ body: (DirectoryCache?) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        guard scopes > 0 else { return try body(nil) }
        if fds.count > 256 { closeAll() }  // bounded: a listing needs a handful at a time
        return try body(self)
    }

    deinit { closeAll() }
}

/// Entries a listing skipped (a damaged run, a stray link, an unreadable param): each reported
/// once, as one line, so `runs list` over a damaged store still lists the rest and says what it
/// left out.
final class WarningLog: @unchecked Sendable {
    private let lock = NSLock()
    private var seen: Set<String> = []
    private let handler: @Sendable (String) -> Void

    init(handler: @escaping @Sendable (String) -> Void) { self.handler = handler }

    static let standardError: @Sendable (String) -> Void = { line in
        // One write(2) on fd 2: unbuffered, so warnings and errors keep their order.
        let bytes = Array(("warning: " + line + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }

    /// Marks an entry as already reported elsewhere (`runs gc` lists damaged runs in its table).
    func markReported(_ error: TrackingError) {
        let line = "skipped " + error.description
        _ = lock.withLock { seen.insert(line) }
    }

    func skipped(_ error: TrackingError) {
        let line = "skipped " + error.description
        let isNew = lock.withLock { seen.insert(line).inserted }
        if isNew { handler(line) }
    }
}

/// A message made safe for one terminal line: control characters escaped, at most 400 characters.
func oneLine(_ s: String) -> String {
    let out = escapingControlCharacters(s)
    return out.count > 400 ? String(out.prefix(400)) + "…" : out
}

/// Whether a scalar is a C0 or C1 control character (or DEL), which a terminal would act on.
func isControlCharacter(_ scalar: Unicode.Scalar) -> Bool {
    scalar.value < 0x20 || scalar.value == 0x7f || (0x80...0x9f).contains(scalar.value)
}

/// `s` with each control character written as `\xNN`.
func escapingControlCharacters(_ s: String) -> String {
    var out = ""
    for scalar in s.unicodeScalars {
        if isControlCharacter(scalar) {
            out += "\\x" + (scalar.value < 16 ? "0" : "") + String(scalar.value, radix: 16)
        } else {
            out.unicodeScalars.append(scalar)
        }
    }
    return out
}
