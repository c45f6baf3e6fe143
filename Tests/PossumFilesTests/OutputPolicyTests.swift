import Foundation
import PossumTestSupport
import Testing
import PossumFiles

/// The output policy: devices, FIFOs, sockets and directories are refused, never replaced, by
/// every atomic writer; an output that is an input (through links) or written twice is refused.
@Suite struct OutputPolicyTests {
    func refusal(_ body: () throws -> Void) throws -> OutputRefusal? { try thrownError(OutputRefusal.self, body) }

    /// A character device like /dev/null (1, 3), made here, never the system's.
    func makeNullDevice(_ path: String) throws {
        try #require(getuid() == 0, "mknod needs root")
        #expect(mknod(path, S_IFCHR | 0o644, dev_t((1 << 8) | 3)) == 0)  // makedev(1, 3)
    }

    @Test func aCharacterDeviceIsRefusedByEveryWriterAndStaysADevice() throws {
        guard getuid() == 0 else { return }  // mknod needs root; the FIFO test covers the rule
        let dir = try TemporaryDirectory()
        let device = dir.file("null")
        try makeNullDevice(device)
        let error = try #require(try refusal { try writeAtomically("x".utf8, to: device) })
        #expect(error.description == "\(device): is a character device, not a regular file; refusing to replace it")
        #expect(try refusal { try replaceAtomically(device) { _ in } } != nil)
        try writeAtomically("source".utf8, to: dir.file("source"))
        #expect(try refusal { try copyAtomically(from: dir.file("source"), to: device) } != nil)
        var st = stat()
        #expect(lstat(device, &st) == 0 && st.st_mode & S_IFMT == S_IFCHR)
        #expect(try dir.contents() == ["null", "source"])  // no temporary file was made
    }

    /// `-` reads standard input; as an output it would make a file called `-` in the working
    /// directory where standard output was meant, so every writer refuses it; `./-` is a file.
    @Test func aDashIsRefusedAsAnOutputAndNothingIsMade() throws {
        let dashExisted = FileManager.default.fileExists(atPath: "-")
        #expect(try refusal { try writeAtomically("x".utf8, to: "-") }?.reason.hasPrefix("possum writes files, not standard output") == true)
        #expect(try refusal { try replaceAtomically("-") { _ in } } != nil)
        #expect(try refusal { try checkOutputs(["-"], inputs: []) } != nil)
        #expect(dashExisted || !FileManager.default.fileExists(atPath: "-"), "no file called '-' was made")
        let dir = try TemporaryDirectory()
        try writeAtomically("x".utf8, to: dir.file("-"))  // a path to a file called '-' is a file
        #expect(try dir.contents() == ["-"])
    }

    @Test func aFIFOADirectoryAndALinkToThemAreRefused() throws {
        let dir = try TemporaryDirectory()
        let fifo = dir.file("fifo"), directory = dir.file("sub"), link = dir.file("link")
        #expect(mkfifo(fifo, 0o644) == 0)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        #expect(symlink(fifo, link) == 0)
        #expect(try refusal { try writeAtomically("x".utf8, to: fifo) }?.reason == "is a FIFO, not a regular file; refusing to replace it")
        #expect(try refusal { try writeAtomically("x".utf8, to: directory) }?.reason == "is a directory, not a regular file; refusing to replace it")
        #expect(try refusal { try writeAtomically("x".utf8, to: link) }?.reason
                == "is a symbolic link to a FIFO, not to a regular file; refusing to replace it")
        #expect(try refusal { try checkOutputs([fifo], inputs: []) } != nil)
        #expect(try refusal { try writeAtomically("x".utf8, to: "") }?.description == "an empty output file name: refusing to write")
        #expect(try dir.contents() == ["fifo", "link", "sub"])
    }

    @Test func appendingRefusesAFIFOWithoutBlockingAndADirectory() throws {
        let dir = try TemporaryDirectory()
        #expect(mkfifo(dir.file("fifo"), 0o644) == 0)
        try FileManager.default.createDirectory(atPath: dir.file("sub"), withIntermediateDirectories: false)
        #expect(try refusal { try appendLine("1\n", to: dir.file("fifo")) }?.reason == "is a FIFO, not a regular file; refusing to append to it")
        #expect(try refusal { try appendLine("1\n", to: dir.file("sub")) }?.reason == "is a directory, not a regular file; refusing to append to it")
        let reader = open(dir.file("fifo"), O_RDONLY | O_NONBLOCK)  // with a reader, open succeeds: fstat refuses
        defer { close(reader) }
        #expect(try refusal { try appendLine("1\n", to: dir.file("fifo")) }?.reason == "is a FIFO, not a regular file; refusing to append to it")
        try appendLine("1\n", to: dir.file("log"))
        #expect(try dir.read("log") == "1\n")
    }

    @Test func regularFilesNewFilesAndDanglingLinksAreWritten() throws {
        let dir = try TemporaryDirectory()
        try writeAtomically("old".utf8, to: dir.file("a"))
        try writeAtomically("new".utf8, to: dir.file("a"))
        #expect(symlink(dir.file("nowhere"), dir.file("dangling")) == 0)
        try checkOutputs([dir.file("a"), dir.file("b"), dir.file("dangling")], inputs: [dir.file("missing-input")])
        try writeAtomically("x".utf8, to: dir.file("dangling"))
        #expect(try dir.read("a") == "new")
        #expect(try dir.read("nowhere") == "x")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: dir.file("dangling")) == dir.file("nowhere"))
    }

    @Test func aSymbolicLinkIsFollowedLikeTheShellsRedirection() throws {
        let dir = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir.file("models"), withIntermediateDirectories: false)
        try writeAtomically("v1".utf8, to: dir.file("models/v1.h5"))
        #expect(symlink("models/v1.h5", dir.file("current")) == 0)  // relative to the link's directory
        #expect(symlink("current", dir.file("alias")) == 0)  // a chain
        try writeAtomically("v2".utf8, to: dir.file("alias"))
        #expect(try dir.read("models/v1.h5") == "v2")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: dir.file("current")) == "models/v1.h5")
        #expect(try dir.contents("models") == ["v1.h5"])
        #expect(symlink("loop", dir.file("loop")) == 0)
        let error = try #require(try thrownError(FileError.self) { try writeAtomically("x".utf8, to: dir.file("loop")) })
        #expect(error.code == ELOOP)
    }

    @Test func anOutputThatIsAnInputIsRefusedThroughLinks() throws {
        let dir = try TemporaryDirectory()
        let input = dir.file("in.csv")
        try writeAtomically("a\n1\n".utf8, to: input)
        #expect(symlink("in.csv", dir.file("soft")) == 0)
        #expect(link(input, dir.file("hard")) == 0)
        #expect(try refusal { try checkOutputs([input], inputs: [input]) }?.reason == "is also an input; refusing to overwrite an input")
        for alias in ["soft", "hard"] {
            let error = try #require(try refusal { try checkOutputs([dir.file(alias)], inputs: [input]) })
            #expect(error.description == "\(dir.file(alias)): is the same file as the input \(input); refusing to overwrite an input")
        }
        let spelledOtherwise = dir.path + "/./in.csv"
        #expect(try refusal { try checkOutputs([spelledOtherwise], inputs: [input]) } != nil)
        #expect(try dir.read("in.csv") == "a\n1\n")
    }

    @Test func anOutputWrittenTwiceIsRefusedEvenBeforeItExists() throws {
        let dir = try TemporaryDirectory()
        let error = try #require(try refusal { try checkOutputs([dir.file("x.png"), dir.path + "/./x.png"], inputs: []) })
        #expect(error.reason == "is the same file as the output \(dir.file("x.png"))")
        #expect(try refusal { try checkOutputs([dir.file("x"), dir.file("x")], inputs: []) }?.reason == "is written twice by this command")
        #expect(try dir.contents() == [])
    }
}
