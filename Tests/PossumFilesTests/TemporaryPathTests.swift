import Foundation
import PossumTestSupport
import Testing
import PossumFiles

@Suite struct TemporaryPathTests {
    @Test func isAHiddenSiblingInTheCallersSpelling() {
        let relative = temporaryPath(for: "models/m.h5")
        #expect(relative.hasPrefix("models/.m.h5.tmp-\(getpid())-"))
        #expect(temporaryPath(for: "m.h5").hasPrefix(".m.h5.tmp-\(getpid())-"))
        #expect(temporaryPath(for: "/a/b/tags/t", in: "/a/b").hasPrefix("/a/b/.t.tmp-"))
        #expect(temporaryPath(for: "m.h5") != temporaryPath(for: "m.h5"))
    }

    @Test func isRecognizedAsTemporary() {
        #expect(isTemporaryName(lastPathComponent(temporaryPath(for: "dir/m.h5"))))
        #expect(isTemporaryName(lastPathComponent(temporaryPath(for: "with-dashes-1-2"))))
        for name in ["m.h5", ".hidden", ".m.tmp-", ".m.tmp-12-", ".m.tmp-x1-ab", "m.tmp-12-ab", ".tmp-12-ab", ".m.tmp-12-xyz"] {
            #expect(!isTemporaryName(name), "\(name)")
        }
    }

    @Test func longNamesStillFitNAME_MAX() throws {
        let dir = try TemporaryDirectory()
        let name = String(repeating: "é", count: 125)  // 250 bytes
        let temporary = lastPathComponent(temporaryPath(for: dir.file(name)))
        #expect(temporary.utf8.count <= 255 && isTemporaryName(temporary))
        try writeAtomically("x".utf8, to: dir.file(name))
        #expect(try dir.contents() == [name])
    }

    @Test func pathHelpers() {
        #expect(parentDirectory(of: "a/b/c") == "a/b" && parentDirectory(of: "c") == "." && parentDirectory(of: "/c") == "/")
        #expect(lastPathComponent("a/b/c") == "c" && lastPathComponent("c") == "c")
    }
}
