#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

import Synchronization

/// Removes the temporary files that killed writers left in `directory`: the first atomic write
/// into a directory in each process (`replaceAtomically`, `createAtomically`) calls this, so a
/// `kill -9` leaves its `.NAME.tmp-PID-RANDOM` file only until the next possum process writes
/// there.
///
/// The rule: an entry is removed when all of these hold:
/// - its name has `temporaryPath`'s shape (`isTemporaryName`) and it is a regular file;
/// - the PID in its name is no live process (`kill(pid, 0)` fails with ESRCH): a live writer,
///   or a process that reused a dead writer's PID, keeps the file (until a later sweep);
/// - nobody holds a lock on it: writers lock their temporary file while they fill it (HDF5 does
///   for its files; `writeAtomically` takes an `flock`), which protects a writer in another PID
///   namespace (another container sharing the directory), whose PID means nothing here.
///
/// Once per directory per process, so a process writing one directory many times (the DAG
/// state, a tracking run) lists it once. Best effort: errors are ignored, the write goes on.
func removeStaleTemporaryFiles(in directory: String) {
    guard sweptDirectories.withLock({ $0.insert(directory).inserted }) else { return }
    guard let names = try? listDirectory(directory) else { return }
    for name in names where isTemporaryName(name) {
        guard let pid = temporaryFileOwner(name), pid > 0, pid != getpid(),
              kill(pid, 0) != 0, errno == ESRCH else { continue }
        let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { continue }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG, flock(fd, LOCK_EX | LOCK_NB) == 0 else { continue }
        _ = unlink(path)
    }
}

/// The writer's PID in a temporary file's name (`.NAME.tmp-PID-RANDOM`).
func temporaryFileOwner(_ name: String) -> pid_t? {
    let fields = name.split(separator: "-", omittingEmptySubsequences: false)
    guard fields.count >= 3, fields[fields.count - 2].utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
    return pid_t(fields[fields.count - 2])
}

/// The directories already swept by this process.
private let sweptDirectories = Mutex<Set<String>>([])
