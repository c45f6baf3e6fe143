// PossumFiles: the one place possum writes files, so that the project's rule holds everywhere:
// every output file is replaced atomically, and durably when asked.
//
// The contract of `writeAtomically`, `replaceAtomically`, `copyAtomically` and `createAtomically`:
//
// - A reader opening the target sees the complete old file (or none) or the complete new file,
//   never a mixture, a prefix or an empty file: the new content is written to a temporary file
//   and `rename`d (or `link`ed) over the target, which POSIX makes atomic within a file system.
// - `kill -9` at any moment, or a thrown error, leaves the target old-or-new. A killed process
//   can leave its hidden temporary file (`.<name>.tmp-<pid>-<random>`, see `temporaryPath` and
//   `isTemporaryName`) until another process writes into that directory: each process's first
//   write there removes the temporary files of dead writers (`removeStaleTemporaryFiles` states
//   the rule). A thrown error removes it at once.
// - The output policy (OutputPolicy.swift): a device, FIFO, socket or directory at the target is
//   refused, never replaced.
// - Power loss or a kernel crash with `durable: true` (the default): once the call returns, the
//   new file survives: the temporary file is `fsync`ed before the rename and the directory after
//   it. During the call, the target is old-or-new as above.
// - Power loss with `durable: false`: no guarantee. The old file may come back, and unless the file
//   system writes a renamed file's data before the rename (ext4's `auto_da_alloc` does for a rename
//   over an existing file; not every file system, nor every mount, does), the new name may point at
//   an empty or partly written file. Only for files that are cheap to recompute or to lose; kill -9
//   and readers are still safe.
//
// `appendLine` is the other write shape: one `O_APPEND` write of a whole line, so concurrent
// appenders never interleave inside a line; with `durable`, fsynced before it returns.
//
// Also here, because the tracker and the DAG engine both need them: `FileLock` (`flock`), and the
// directory helpers `makeDirectory` (an atomic name claim), `makeDirectories`, `listDirectory`, and
// `makeParentDirectories(forOutput:)`, the one way an output's missing folders are created.
//
// Plain POSIX through Glibc, no Foundation: Foundation's atomic writes neither fsync nor let the
// caller choose where the temporary file goes.
