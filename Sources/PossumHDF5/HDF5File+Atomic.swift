import PossumFiles

extension HDF5File {
    /// Creates a new HDF5 file for `body` to fill and atomically puts it at `path` (see
    /// `PossumFiles.replaceAtomically`): readers see the old file or the complete new one, never a
    /// partial one, also after `kill -9` or, once this returns, power loss. If `body` throws,
    /// nothing at `path` changes and no temporary file remains.
    ///
    /// The file is flushed and closed after `body` returns, which also closes any group or
    /// dataset `body` let escape (using one afterwards throws `.closed`).
    @discardableResult
    public static func writeAtomically<R>(to path: String, _ body: (HDF5File) throws -> R) throws -> R {
        do {
            return try replaceAtomically(path) { temporary in
                let file = try HDF5File.create(at: temporary, reportedAs: path, overwrite: false)
                do {
                    let result = try body(file)
                    try file.flush()
                    try file.close()
                    return result
                } catch {
                    try? file.close()
                    throw error
                }
            }
        } catch let error as FileError {
            throw HDF5Error(.io, file: error.path, "cannot \(error.operation)", detail: error.reason)
        }
    }
}
