#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The directory part of `path` as written: `a/b/c` → `a/b`, `c` → `.`, `/c` → `/`.
public func parentDirectory(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    if slash == path.startIndex { return "/" }
    return String(path[..<slash])
}

/// The name part of `path`: `a/b/c` → `c`.
public func lastPathComponent(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return path }
    return String(path[path.index(after: slash)...])
}

/// A fresh temporary path for writing a replacement of `target`: `.<name>.tmp-<pid>-<random>`,
/// hidden, unique per process and call, and recognizably tied to its target for anyone cleaning
/// up after a crash.
///
/// By default it is a sibling of `target`, keeping the caller's relative spelling
/// (`models/m.h5` → `models/.m.h5.tmp-…`). `directory` puts it elsewhere; it must be on the same
/// file system as `target` (`rename` and `link` do not cross file systems). The tracking store
/// uses this to keep temporary files out of MLflow's `tags/` and `params/`, whose every file
/// MLflow reads as an entry.
///
/// The name is cut to fit NAME_MAX (255 bytes), so a 250-byte target name still works.
public func temporaryPath(for target: String, in directory: String? = nil) -> String {
    let suffix = ".tmp-\(getpid())-\(String(UInt64.random(in: 0...UInt64.max), radix: 16))"
    let room = 255 - 1 - suffix.utf8.count
    var stem = Substring(lastPathComponent(target))
    while stem.utf8.count > room { stem = stem.dropLast() }  // whole characters, so valid UTF-8
    let name = "." + stem + suffix
    if let directory { return directory.hasSuffix("/") ? directory + name : directory + "/" + name }
    guard let slash = target.lastIndex(of: "/") else { return name }
    return String(target[...slash]) + name
}

/// Whether a directory entry is a temporary file of `temporaryPath`'s shape (one a killed writer
/// left behind, or one being written right now): listings of user-visible entries skip these.
public func isTemporaryName(_ name: String) -> Bool {
    let fields = name.split(separator: "-", omittingEmptySubsequences: false)
    guard name.hasPrefix("."), fields.count >= 3 else { return false }
    let pid = fields[fields.count - 2], random = fields[fields.count - 1]
    let head = fields.dropLast(2).joined(separator: "-")
    return head.hasSuffix(".tmp") && head.count > ".tmp".count + 1
        && !pid.isEmpty && pid.allSatisfy(\.isNumber) && !random.isEmpty && random.allSatisfy(\.isHexDigit)
}
