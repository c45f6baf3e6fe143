import Foundation
import PossumFiles
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive `flock` on `.possum/dags/<dag>/lock`: one process drives a DAG at a time.
///
/// The kernel drops the lock when the holder dies, even by `kill -9`, so a crash never leaves a
/// stale lock behind (unlike a pid file). The holder's pid is written into the file for messages.
public final class DagLock: @unchecked Sendable {
    public let path: String
    private let lock: FileLock

    /// Takes the lock. With `wait`, blocks until the holder releases it; otherwise throws `locked`.
    public init(path: String, dag: String, wait: Bool) throws {
        self.path = path
        try FileIO.makeDirectories((path as NSString).deletingLastPathComponent)
        let taken: FileLock?
        do {
            taken = try FileLock(path: path, wait: wait)
        } catch let error as FileError {
            throw PipelineError.system(operation: error.operation, path: path, errno: error.code)
        }
        guard let taken else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            throw PipelineError.locked(dag: dag, lockFile: path, holder: holder?.isEmpty == false ? holder : nil)
        }
        taken.record("\(getpid())\n")
        lock = taken
    }

    /// Releases the lock (also done on deinit and by the kernel at exit).
    public func release() { lock.release() }
}
