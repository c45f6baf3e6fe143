// The only place the benchmark opens shared libraries: Glibc's dlopen/dlsym, no C shim. The engine
// (PossumLinalg) never loads anything; this target exists for possum-bench's `--lapack` peers and their test.
#if canImport(Glibc)
import Glibc
#endif

/// A shared library opened by path, its symbols looked up by name. It stays loaded for the life of the
/// process (peers' thread pools may still run after their last call, so it is never dlclose'd).
public struct DynamicLibrary {
    /// The path it was opened by.
    public let path: String
    private let handle: UnsafeMutableRawPointer

    /// RTLD_DEEPBIND: the library's own symbols (and its dependencies') come before those already in the
    /// process, so a peer's `dgemm_` is its own and not the system OpenBLAS that possum-bench links.
    public init(path: String) throws(LAPACKPeerError) {
        _ = dlerror()
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND) else {
            // dlerror starts with the path; the message names it once.
            var reason = Self.lastError() ?? "dlopen failed"
            if reason.hasPrefix(path + ": ") { reason.removeFirst(path.count + 2) }
            throw .notALibrary(path: path, reason: reason)
        }
        self.path = path
        self.handle = handle
    }

    /// The address of `name` in the library or its dependencies, nil when absent.
    public func symbol(_ name: String) -> UnsafeMutableRawPointer? {
        dlsym(handle, name)
    }

    private static func lastError() -> String? {
        guard let message = dlerror() else { return nil }
        return String(cString: message)
    }
}
