import Foundation
import PossumFiles
import PossumTestSupport
import Testing

@Suite struct OutputDirectoryTests {
    @Test func createsTheMissingFoldersOfAnOutput() throws {
        let dir = try TemporaryDirectory()
        try makeParentDirectories(forOutput: dir.file("a/b/c/model.h5"))
        #expect(isDirectory(dir.file("a/b/c")))
        #expect(!isRegularFile(dir.file("a/b/c/model.h5")), "only the folders: the file is the writer's")
        try makeParentDirectories(forOutput: dir.file("a/b/c/model.h5"))  // existing folders are fine
        try makeParentDirectories(forOutput: "relative-name-in-the-current-folder.csv")
    }

    @Test func aFileInThePathIsRefusedBeforeAnythingIsCreated() throws {
        let dir = try TemporaryDirectory()
        try writeAtomically("x".utf8, to: dir.file("a"))
        let refusal = try #require(try thrownError(OutputRefusal.self) { try makeParentDirectories(forOutput: dir.file("a/b/c/out.csv")) })
        #expect(refusal.path == dir.file("a/b/c/out.csv"))
        #expect(refusal.reason == "cannot create its folder: \(dir.file("a")) is a regular file, not a directory")
        #expect(!refusal.description.contains("\n"))
        #expect(try String(contentsOfFile: dir.file("a"), encoding: .utf8) == "x")
    }

    @Test func aDeviceInThePathIsRefused() throws {
        let refusal = try #require(try thrownError(OutputRefusal.self) { try makeParentDirectories(forOutput: "/dev/null/sub/out.csv") })
        #expect(refusal.reason == "cannot create its folder: /dev/null is a character device, not a directory")
    }

    @Test func theOutputPolicyComesFirst() throws {
        let dir = try TemporaryDirectory()
        try makeDirectory(dir.file("taken"))
        let refusal = try #require(try thrownError(OutputRefusal.self) { try makeParentDirectories(forOutput: dir.file("taken")) })
        #expect(refusal.reason.contains("is a directory, not a regular file"))
    }
}
