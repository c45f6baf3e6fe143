import Foundation
import PossumFiles
import PossumTestSupport
import Testing

@Suite struct DirectoryTests {
    @Test func makeDirectoryClaimsANameOnce() throws {
        let dir = try TemporaryDirectory()
        #expect(try makeDirectory(dir.file("run")))
        #expect(try !makeDirectory(dir.file("run")))
        try writeAtomically("x".utf8, to: dir.file("file"))
        let error = try #require(try fileError { try makeDirectory(dir.file("file")) })
        #expect(error.code == ENOTDIR && error.path == dir.file("file"))
    }

    @Test func makeDirectoriesCreatesParentsAndToleratesExisting() throws {
        let dir = try TemporaryDirectory()
        try makeDirectories(dir.file("a/b/c"))
        try makeDirectories(dir.file("a/b/c"))
        #expect(isDirectory(dir.file("a/b/c")) && !isRegularFile(dir.file("a/b/c")))
        try writeAtomically("x".utf8, to: dir.file("a/f"))
        #expect(isRegularFile(dir.file("a/f")) && !isDirectory(dir.file("a/f")))
        // The error names the file in the way, not the directory asked for.
        let error = try #require(try fileError { try makeDirectories(dir.file("a/f/g")) })
        #expect(error.path == dir.file("a/f") && error.code == ENOTDIR)
    }

    @Test func listDirectoryNamesEntriesAndMissingIsNil() throws {
        let dir = try TemporaryDirectory()
        #expect(try listDirectory(dir.file("missing")) == nil)
        try makeDirectory(dir.file("sub"))
        try writeAtomically("x".utf8, to: dir.file(".hidden"))
        #expect(try listDirectory(dir.path)?.sorted() == [".hidden", "sub"])
        try writeAtomically("x".utf8, to: dir.file("f"))
        #expect(try fileError { _ = try listDirectory(dir.file("f")) }?.code == ENOTDIR)
    }
}
