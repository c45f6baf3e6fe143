// The one place possum opens shared libraries: Glibc's dlopen/dlsym, no C shim. PossumOpenBLAS loads
// OpenBLAS's LAPACK through it, possum-bench's `--lapack` peers (and roof-square's gemm) any LAPACK by path.
// The engine (PossumLinalg) never loads anything.
#if canImport(Glibc)
import Glibc
#endif

/// A library that dlopen refused: its path and dlerror's text, as given and without the path it starts with.
public struct DynamicLibraryError: Error, CustomStringConvertible, Equatable, Sendable {
    public let path: String
    /// dlerror's text as it came (it usually starts with the path).
    public let message: String
    /// The same without the leading `path: `, for a message that names the path once.
    public var reason: String {
        message.hasPrefix(path + ": ") ? String(message.dropFirst(path.count + 2)) : message
    }

    public var description: String { "\(path): not a loadable shared library (\(reason))" }
}

/// A shared library opened by path or soname, its symbols looked up by name. It stays loaded for the life
/// of the process (a LAPACK's thread pool may still run after its last call, so it is never dlclose'd).
public struct DynamicLibrary: @unchecked Sendable {
    /// The path it was opened by.
    public let path: String
    private let handle: UnsafeMutableRawPointer

    /// `ownSymbolsFirst` (RTLD_DEEPBIND): the library's own symbols (and its dependencies') come before those
    /// already in the process, so a peer's `dgemm_` is its own and not that of a library loaded before it
    /// (the system OpenBLAS possum-bench times beside it). Without it, a library the process already has is that one (RTLD_NOW, local).
    public init(path: String, ownSymbolsFirst: Bool = false) throws(DynamicLibraryError) {
        _ = dlerror()
        let mode = ownSymbolsFirst ? RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND : RTLD_NOW
        guard let handle = dlopen(path, mode) else {
            throw DynamicLibraryError(path: path, message: dlerror().map { String(cString: $0) } ?? "dlopen failed")
        }
        self.path = path
        self.handle = handle
    }

    /// The address of `name` in the library or its dependencies, nil when absent.
    public func symbol(_ name: String) -> UnsafeMutableRawPointer? {
        dlsym(handle, name)
    }

    /// `name` as the C function type `F` (one of `LAPACKRoutine`'s), nil when absent.
    public func function<F>(_ name: String, as _: F.Type) -> F? {
        symbol(name).map { unsafeBitCast($0, to: F.self) }
    }
}
