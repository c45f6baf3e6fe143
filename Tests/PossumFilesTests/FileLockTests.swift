import PossumFiles
import PossumTestSupport
import Testing

@Suite struct FileLockTests {
    @Test func aHeldLockRefusesAnotherUntilReleased() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("lock")
        let holder = try #require(try FileLock(path: path, wait: false))
        holder.record("4242\n")
        #expect(try dir.read("lock") == "4242\n")
        #expect(try FileLock(path: path, wait: false) == nil, "a second open of the same file is excluded too")
        holder.release()
        #expect(try dir.read("lock") == "")
        let next = try #require(try FileLock(path: path, wait: false))
        next.release()
    }

    @Test func withLockRunsTheBodyAndReleases() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("lock")
        #expect(try FileLock.withLock(at: path) { try FileLock(path: path, wait: false) == nil })
        #expect(try FileLock(path: path, wait: false) != nil)
    }

    @Test func aMissingDirectoryIsAnErrorNamingTheLockFile() throws {
        let dir = try TemporaryDirectory()
        let error = try #require(try fileError { _ = try FileLock(path: dir.file("no/lock")) })
        #expect(error.path == dir.file("no/lock") && error.operation == "open the lock file")
    }
}
