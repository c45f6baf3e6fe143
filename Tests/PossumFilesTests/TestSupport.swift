import PossumFiles
import PossumTestSupport

/// The `FileError` that `body` throws, or nil (see `thrownError`).
func fileError(_ body: () throws -> Void) throws -> FileError? { try thrownError(FileError.self, body) }
