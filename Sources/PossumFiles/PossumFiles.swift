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
//   `isTemporaryName`); a thrown error removes it.
// - Power loss or a kernel crash with `durable: true` (the default): once the call returns, the
//   new file survives: the temporary file is `fsync`ed before the rename and the directory after
//   it. During the call, the target is old-or-new as above.
// - Power loss with `durable: false`: still never a torn file on journalling file systems that
//   order data before renames (ext4's default `data=ordered`, XFS, btrfs), but the last writes may
//   be lost, i.e. the old file may come back. For files that are cheap to recompute or to lose.
//
// `appendLine` is the other write shape: one `O_APPEND` write of a whole line, so concurrent
// appenders never interleave inside a line; with `durable`, fsynced before it returns.
//
// Plain POSIX through Glibc, no Foundation: Foundation's atomic writes neither fsync nor let the
// caller choose where the temporary file goes.
