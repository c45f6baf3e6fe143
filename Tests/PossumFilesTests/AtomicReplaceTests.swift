import Foundation
import PossumTestSupport
import Testing
import PossumFiles

@Suite struct AtomicReplaceTests {
    struct Interrupted: Error {}

    @Test(arguments: [true, false]) func replacesTheTargetAndLeavesNoTemporaryFile(durable: Bool) throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("out.csv")
        try writeAtomically(Array("old\n".utf8), to: path, durable: durable)
        try writeAtomically("a,b\n1,2\n".utf8, to: path, durable: durable)
        #expect(try dir.read("out.csv") == "a,b\n1,2\n")
        try writeAtomically(Data(), to: path, durable: durable)
        #expect(try dir.read("out.csv") == "")
        #expect(try dir.contents() == ["out.csv"])
    }

    @Test func aReaderDuringTheWriteSeesTheOldFileComplete() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("state.json")
        try writeAtomically("old".utf8, to: path)
        try replaceAtomically(path) { temporary in
            // Half of the new content is on disk, as when a writer is killed here.
            try "new, half writ".write(toFile: temporary, atomically: false, encoding: .utf8)
            #expect(try dir.read("state.json") == "old")
            try "new, half written and then complete".write(toFile: temporary, atomically: false, encoding: .utf8)
        }
        #expect(try dir.read("state.json") == "new, half written and then complete")
    }

    @Test func aThrowingWriterLeavesTheOldFileAndNoTemporaryFile() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("model.h5")
        try writeAtomically("version 1".utf8, to: path)
        #expect(throws: Interrupted.self) {
            try replaceAtomically(path) { temporary in
                try "version 2".write(toFile: temporary, atomically: false, encoding: .utf8)
                throw Interrupted()
            }
        }
        #expect(try dir.read("model.h5") == "version 1")
        #expect(try dir.contents() == ["model.h5"])
    }

    @Test func theTemporaryFileGoesToTheGivenDirectory() throws {
        let dir = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir.file("tags"), withIntermediateDirectories: false)
        let path = dir.file("tags/mlflow.runName")
        try replaceAtomically(path, temporaryDirectory: dir.path) { temporary in
            #expect(parentDirectory(of: temporary) == dir.path)
            #expect(try dir.contents("tags") == [], "nothing appears in tags/ before the rename")
            try "RidgeCV".write(toFile: temporary, atomically: false, encoding: .utf8)
        }
        try writeAtomically("RidgeCV 2".utf8, to: path, temporaryDirectory: dir.path)
        #expect(try dir.read("tags/mlflow.runName") == "RidgeCV 2")
        #expect(try dir.contents() == ["tags"])
        #expect(try dir.contents("tags") == ["mlflow.runName"])
    }

    @Test func aMissingDirectoryIsAnErrorNamingTheTarget() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("no/such/dir/out.csv")
        let error = try #require(try fileError { try writeAtomically("x".utf8, to: path) })
        #expect(error.path == path && error.code == ENOENT)
        #expect(error.description == "\(path): create a temporary file in \(dir.file("no/such/dir")) failed: No such file or directory")
    }

    @Test func aDirectoryInTheWayIsRefusedAndLeavesNothing() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("out")
        try FileManager.default.createDirectory(atPath: path + "/inside", withIntermediateDirectories: true)
        let error = try #require(try thrownError(OutputRefusal.self) { try writeAtomically("x".utf8, to: path) })
        #expect(error.description == "\(path): is a directory, not a regular file; refusing to replace it")
        #expect(try dir.contents() == ["out"])
    }

    @Test func copiesReplaceAtomicallyAndNameTheFileThatFailed() throws {
        let dir = try TemporaryDirectory()
        let big = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }  // several read buffers
        try writeAtomically(big, to: dir.file("source.bin"))
        try writeAtomically("old".utf8, to: dir.file("copy.bin"))
        try copyAtomically(from: dir.file("source.bin"), to: dir.file("copy.bin"))
        #expect(try readFile(dir.file("copy.bin")) == big)
        #expect(try dir.contents() == ["copy.bin", "source.bin"])
        let error = try #require(try fileError { try copyAtomically(from: dir.file("missing"), to: dir.file("copy.bin")) })
        #expect(error.path == dir.file("missing") && error.code == ENOENT)
        #expect(try readFile(dir.file("copy.bin")) == big)
    }

    @Test func createAtomicallyCreatesOnlyOnce() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("param")
        #expect(try createAtomically("first".utf8, at: path))
        #expect(try !createAtomically("second".utf8, at: path))
        #expect(try dir.read("param") == "first")
        #expect(try dir.contents() == ["param"])
    }

    @Test func readFileReadsAllMissingIsNilAndLimitCuts() throws {
        let dir = try TemporaryDirectory()
        #expect(try readFile(dir.file("missing")) == nil)
        #expect(try readFile(dir.file("missing/below")) == nil)
        let bytes = (0..<10_000).map { UInt8(truncatingIfNeeded: $0) }
        try writeAtomically(bytes, to: dir.file("f"))
        #expect(try readFile(dir.file("f")) == bytes)
        #expect(try readFile(dir.file("f"), limit: 5000) == Array(bytes.prefix(5000)))
        #expect(try fileError { _ = try readFile(dir.path) }?.code == EISDIR)
        #expect(try readFile("/proc/self/stat").map { !$0.isEmpty } == true, "/proc sizes read as 0")
    }
}
