import Foundation
import PossumTestSupport
import Testing
@testable import PossumFiles

/// The temporary file of a writer killed by `kill -9` is removed by the next write into its
/// directory; live writers' temporary files are left alone.
@Suite struct StaleTemporaryFileTests {
    static let writerVariable = "POSSUM_FILES_STALE_WRITER"

    /// A PID that belonged to a process that has exited and been reaped.
    func deadPID() throws -> pid_t {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/sh")
        child.arguments = ["-c", "exit 0"]
        try child.run()
        child.waitUntilExit()
        return child.processIdentifier
    }

    @Test func theNextWriterRemovesTheTemporaryFileOfAKilledWriter() throws {
        if let path = ProcessInfo.processInfo.environment[Self.writerVariable] {
            // The child: start replacing the file, and hang half-way until killed.
            try replaceAtomically(path) { temporary in
                try "half of the new".write(toFile: temporary, atomically: false, encoding: .utf8)
                while true { sleep(1) }
            }
        }
        let dir = try TemporaryDirectory()
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        child.arguments = ["--testing-library", "swift-testing", "--filter", "StaleTemporaryFileTests"]
        child.environment = ProcessInfo.processInfo.environment.merging([Self.writerVariable: dir.file("state.json")]) { $1 }
        child.standardOutput = FileHandle.nullDevice
        child.standardError = FileHandle.nullDevice
        try child.run()
        var leftover: [String] = []
        for _ in 0..<30_000 where leftover.isEmpty && child.isRunning {  // a bounded wait
            leftover = try dir.contents().filter(isTemporaryName)
            usleep(1000)
        }
        kill(child.processIdentifier, SIGKILL)
        child.waitUntilExit()
        #expect(leftover.count == 1 && leftover[0].contains(".tmp-\(child.processIdentifier)-"), "\(leftover)")
        #expect(try dir.contents() == leftover)

        try writeAtomically("{}".utf8, to: dir.file("other.json"))
        #expect(try dir.contents() == ["other.json"])
    }

    @Test func liveOrLockedWritersKeepTheirTemporaryFiles() throws {
        let dir = try TemporaryDirectory()
        let dead = try deadPID()
        let live = ".a.tmp-\(getppid())-1f"  // our parent: alive
        let locked = ".b.tmp-\(dead)-2e"  // dead PID, but locked: a writer in another PID namespace
        let stale = ".c.tmp-\(dead)-3d"
        let notTemporary = ".d.tmp-\(dead)-xyz"
        // Made directly: a first atomic write into the directory would sweep it already.
        for name in [live, locked, stale, notTemporary] { #expect(FileManager.default.createFile(atPath: dir.file(name), contents: Data())) }
        let fd = open(dir.file(locked), O_RDONLY)
        defer { close(fd) }
        #expect(flock(fd, LOCK_EX) == 0)
        try createAtomically("y".utf8, at: dir.file("new"))
        #expect(try dir.contents() == [live, locked, notTemporary, "new"].sorted())
    }

    @Test func theOwnerIsReadFromTheName() {
        #expect(temporaryFileOwner(".m.h5.tmp-1234-abc") == 1234)
        #expect(temporaryFileOwner(".a-b.tmp-99-0") == 99)
        #expect(temporaryFileOwner(".m.tmp-12x-ab") == nil)
        #expect(temporaryFileOwner(".m.tmp-99999999999999999999-ab") == nil)
    }
}
