/// The `E` that `body` throws, or nil if it throws nothing. Other errors are rethrown, so a wrong
/// error type fails the test instead of passing as "no error".
public func thrownError<E: Error>(_ type: E.Type, _ body: () throws -> Void) throws -> E? {
    do {
        try body()
        return nil
    } catch let error as E {
        return error
    }
}
