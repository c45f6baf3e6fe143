import PossumFiles

/// The `FileError` that `body` throws, or nil if it throws nothing (other errors are rethrown, so
/// a wrong error type fails the test).
func fileError(_ body: () throws -> Void) throws -> FileError? {
    do {
        try body()
        return nil
    } catch let error as FileError {
        return error
    }
}
