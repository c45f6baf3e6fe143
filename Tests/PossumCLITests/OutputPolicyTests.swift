import Foundation
import Testing

/// The output policy through the real binary: no command replaces a device, a FIFO, a directory
/// or one of its own inputs; write errors (a full disk, a full or closed standard output) end in
/// one line and a plain exit status, never a crash, with the old file intact.
@Suite struct OutputPolicyTests {
    static let csv = PossumProcess.repositoryRoot.appendingPathComponent("datasets/possum.csv").path

    /// A scratch directory with the possum data as p.csv, a small least-squares problem and a
    /// model trained on p.csv.
    final class Scratch {
        let url: URL
        var path: String { url.path }

        init(model: Bool = false) throws {
            url = try PossumProcess.scratch()
            try FileManager.default.copyItem(atPath: OutputPolicyTests.csv, toPath: file("p.csv"))
            try "1,2\n3,4\n5,7\n".write(toFile: file("A.csv"), atomically: true, encoding: .utf8)
            try "1\n2\n3\n".write(toFile: file("b.csv"), atomically: true, encoding: .utf8)
            if model {
                let trained = try PossumProcess.run(["train", "--no-track", "--data", "p.csv", "--export", "m.h5"] + PossumProcess.possumColumns, in: url)
                #expect(trained.status == 0, "\(trained.stderr)")
            }
        }

        func file(_ name: String) -> String { url.appendingPathComponent(name).path }
        func contents() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: path).sorted() }
        func bytes(_ name: String) -> Data? { FileManager.default.contents(atPath: file(name)) }

        deinit { try? FileManager.default.removeItem(at: url) }
    }

    /// Runs `possum` refused as expected: status 1, the one-line error, nothing created or changed.
    func expectRefused(_ arguments: [String], in scratch: Scratch, _ message: String,
                       sourceLocation: SourceLocation = #_sourceLocation) throws {
        let before = try scratch.contents().map { ($0, scratch.bytes($0)) }
        let run = try PossumProcess.run(arguments, in: scratch.url)
        let command = "possum " + arguments.joined(separator: " ")
        #expect(!run.crashed && run.status == 1, "\(command): status \(run.status)", sourceLocation: sourceLocation)
        #expect(run.stderr == "Error: \(message)\n", "\(command)", sourceLocation: sourceLocation)
        let after = try scratch.contents().map { ($0, scratch.bytes($0)) }
        #expect(after.map(\.0) == before.map(\.0) && zip(after, before).allSatisfy { $0.1 == $1.1 },
                "\(command) changed the directory", sourceLocation: sourceLocation)
    }

    @Test func anOutputThatIsAnInputIsRefusedBeforeAnythingIsRead() throws {
        let s = try Scratch(model: true)
        #expect(symlink("p.csv", s.file("link.csv")) == 0)
        #expect(link(s.file("p.csv"), s.file("hard.csv")) == 0)
        try expectRefused(["data", "import", "p.csv", "--out", "p.csv"], in: s, "p.csv: is also an input; refusing to overwrite an input")
        try expectRefused(["predict", "--model", "m.h5", "--data", "p.csv", "--out", "p.csv"], in: s,
                          "p.csv: is also an input; refusing to overwrite an input")
        try expectRefused(["predict", "--model", "m.h5", "--data", "p.csv", "--out", "m.h5"], in: s,
                          "m.h5: is also an input; refusing to overwrite an input")
        try expectRefused(["lstsq", "A.csv", "b.csv", "--out", "A.csv"], in: s, "A.csv: is also an input; refusing to overwrite an input")
        try expectRefused(["train", "--no-track", "--data", "p.csv", "--export", "link.csv"] + PossumProcess.possumColumns, in: s,
                          "link.csv: is the same file as the input p.csv; refusing to overwrite an input")
        try expectRefused(["features", "--no-track", "--data", "p.csv", "--out", "hard.csv"] + PossumProcess.possumColumns, in: s,
                          "hard.csv: is the same file as the input p.csv; refusing to overwrite an input")
        try expectRefused(["predict", "--model", "m.h5", "--data", "p.csv", "--out", "pic.png", "--plot", "pic.svg"], in: s,
                          "pic.png: is written twice by this command")
    }

    @Test func aFIFOOrADirectoryAsOutputIsRefusedWithoutHanging() throws {
        let s = try Scratch()
        #expect(mkfifo(s.file("fifo"), 0o644) == 0)
        try FileManager.default.createDirectory(atPath: s.file("dir"), withIntermediateDirectories: false)
        try expectRefused(["lstsq", "A.csv", "b.csv", "--out", "fifo"], in: s, "fifo: is a FIFO, not a regular file; refusing to replace it")
        try expectRefused(["data", "import", "p.csv", "--out", "dir"], in: s, "dir: is a directory, not a regular file; refusing to replace it")
    }

    @Test(.enabled(if: getuid() == 0, "mknod needs root"))
    func aDeviceAsOutputIsRefusedAndStaysADevice() throws {
        let s = try Scratch(model: true)
        #expect(mknod(s.file("null"), S_IFCHR | 0o666, dev_t((1 << 8) | 3)) == 0)  // like /dev/null
        let refusal = "null: is a character device, not a regular file; refusing to replace it"
        try expectRefused(["predict", "--model", "m.h5", "--data", "p.csv", "--out", "null"], in: s, refusal)
        try expectRefused(["lstsq", "A.csv", "b.csv", "--out", "null"], in: s, refusal)
        try expectRefused(["data", "import", "p.csv", "--out", "null"], in: s, refusal)
        try expectRefused(["train", "--no-track", "--data", "p.csv", "--export", "null"] + PossumProcess.possumColumns, in: s, refusal)
        try expectRefused(["features", "--no-track", "--data", "p.csv", "--out", "null"] + PossumProcess.possumColumns, in: s, refusal)
        var st = stat()
        #expect(lstat(s.file("null"), &st) == 0 && st.st_mode & S_IFMT == S_IFCHR)
    }

    /// Runs possum through /bin/sh (for `ulimit` and redirections) in `scratch`.
    func shell(_ script: String, in scratch: Scratch) throws -> PossumProcess {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        process.currentDirectoryURL = scratch.url
        process.environment = ProcessInfo.processInfo.environment.merging(["POSSUM": PossumProcess.executable.path]) { $1 }
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        // sh reports a child killed by a signal as 128 + signal.
        return PossumProcess(status: process.terminationStatus, stdout: "", stderr: String(decoding: errData, as: UTF8.self),
                             crashed: process.terminationReason == .uncaughtSignal || process.terminationStatus > 128)
    }

    /// A file-size limit (`ulimit -f`, with SIGXFSZ ignored so writes fail with EFBIG) stands in
    /// for a full disk: the same failed `write` calls, without needing root to mount a tmpfs.
    @Test func aWriteTheDiskRefusesIsOneLineAndLeavesTheOldFile() throws {
        let s = try Scratch()
        let old = "an old file\n"
        for (command, out) in [("data import p.csv --out OUT", "t.h5"), ("features --no-track --data p.csv --target taill --drop case --categorical site,Pop,sex --out OUT", "f.h5"),
                               ("train --no-track --data p.csv --target taill --drop case --categorical site,Pop,sex --export OUT", "m.h5"), ("lstsq A.csv b.csv --out OUT", "x.csv")] {
            try old.write(toFile: s.file(out), atomically: true, encoding: .utf8)
            let limit = out == "x.csv" ? 0 : 8  // in 512-byte blocks; x is a few bytes
            let run = try shell("ulimit -f \(limit); trap '' XFSZ; exec \"$POSSUM\" \(command.replacingOccurrences(of: "OUT", with: out))", in: s)
            #expect(!run.crashed && run.status == 1, "\(command): status \(run.status) \(run.stderr)")
            let lines = run.stderr.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].hasPrefix("Error: \(out): ") && lines[0].contains("File too large"), "\(run.stderr)")
            #expect(s.bytes(out) == Data(old.utf8), "\(command) changed \(out)")
            let left = try s.contents()
            #expect(left.allSatisfy { !$0.hasPrefix(".") }, "\(command) left \(left)")
        }
    }

    @Test func aFullStandardOutputIsAnErrorAndAClosedOneIsQuiet() throws {
        let s = try Scratch()
        for command in ["lstsq A.csv b.csv", "data show p.csv", "--help", "dag show \(PossumProcess.repositoryRoot.path)/pipelines/possum.yaml"] {
            let full = try shell("ulimit -f 0; trap '' XFSZ; exec \"$POSSUM\" \(command) > out.txt", in: s)
            #expect(!full.crashed && full.status == 1, "\(command): status \(full.status)")
            #expect(full.stderr.hasSuffix("Error: standard output: write failed: File too large\n"), "\(command): \(full.stderr)")

            // A reader that is gone before possum writes (`true` exits at once, possum starts half a
            // second later): EPIPE, quietly, with status 1 (the output is incomplete), never a signal.
            let closed = try shell("{ sleep 0.5; \"$POSSUM\" \(command); echo $? > status.txt; } | true", in: s)
            let status = try String(contentsOfFile: s.file("status.txt"), encoding: .utf8)
            #expect(closed.status == 0 && status == "1\n", "\(command): status \(status)")
            #expect(!closed.stderr.contains("Error") && !closed.stderr.contains("rash"), "\(command): \(closed.stderr)")
        }
    }

    @Test func aCLIWriterRemovesTheTemporaryFileOfADeadWriter() throws {
        let s = try Scratch()
        let dead = Process()
        dead.executableURL = URL(fileURLWithPath: "/bin/sh")
        dead.arguments = ["-c", "exit 0"]
        try dead.run()
        dead.waitUntilExit()
        let stale = ".t.h5.tmp-\(dead.processIdentifier)-5eed"
        #expect(FileManager.default.createFile(atPath: s.file(stale), contents: Data("half".utf8)))
        let run = try PossumProcess.run(["lstsq", "A.csv", "b.csv", "--out", "x.csv"], in: s.url)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try s.contents() == ["A.csv", "b.csv", "p.csv", "x.csv"])
    }

    @Test(.enabled(if: getuid() == 0, "mounting a tmpfs needs root"))
    func aFullTmpfsIsOneLineAndNoCrash() throws {
        let s = try Scratch()
        let disk = s.file("disk")
        try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: false)
        guard mount("tmpfs", disk, "tmpfs", 0, "size=200k") == 0 else {
            print("skipped: cannot mount a tmpfs here (errno \(errno))")
            return
        }
        defer { withExtendedLifetime(s) { _ = umount2(disk, 0) } }  // unmounted before the scratch is removed
        try "old model\n".write(toFile: disk + "/m.h5", atomically: true, encoding: .utf8)
        // Fill the disk to the last block.
        let fd = open(disk + "/filler", O_WRONLY | O_CREAT, 0o644)
        let block = [UInt8](repeating: 7, count: 4096)
        while block.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) > 0 {}
        close(fd)
        for command in ["train --no-track --data p.csv --target taill --drop case --categorical site,Pop,sex --export disk/m.h5", "data import p.csv --out disk/m.h5",
                        "features --no-track --data p.csv --target taill --drop case --categorical site,Pop,sex --out disk/m.h5"] {
            let run = try PossumProcess.run(command.split(separator: " ").map(String.init), in: s.url)
            #expect(!run.crashed && run.status == 1, "\(command): status \(run.status)")
            #expect(run.stderr.split(separator: "\n").count == 1 && run.stderr.contains("No space left on device"), "\(command): \(run.stderr)")
            #expect(FileManager.default.contents(atPath: disk + "/m.h5") == Data("old model\n".utf8))
            #expect(try FileManager.default.contentsOfDirectory(atPath: disk).sorted() == ["filler", "m.h5"])
        }
    }

    /// Standard descriptors closed at start (`<&-`, `2>&-`): the first file possum opens must not
    /// take their number. It did: `lstsq A.csv - <&-` read A.csv's descriptor as standard input,
    /// and `predict --plot … 2>&-` trapped in Foundation's Process about one run in two.
    @Test func closedStandardDescriptorsAreNotReusedForFiles() throws {
        let scratch = try Scratch(model: true)
        let closingStdin = ["/bin/sh", "-c", "exec \"$@\" <&-", "sh"]
        let lstsq = try PossumProcess.run(["lstsq", "A.csv", "-"], in: scratch.url, prefix: closingStdin)
        #expect(!lstsq.crashed && lstsq.status == 1)
        #expect(lstsq.stderr.contains("<stdin>") && lstsq.stderr.contains("Bad file descriptor"), "\(lstsq.stderr)")
        let closingStderr = ["/bin/sh", "-c", "exec \"$@\" 2>&-", "sh"]
        for _ in 0..<4 {
            let run = try PossumProcess.run(["predict", "--model", "m.h5", "--data", "p.csv", "--out", "o.csv", "--plot", "o.svg", "--quiet"],
                                            in: scratch.url, prefix: closingStderr)
            // Without rsvg-convert the PNG is refused in one line (status 1), the CSV written all the same.
            let converter = ["/usr/bin/rsvg-convert", "/usr/local/bin/rsvg-convert"].contains { FileManager.default.isExecutableFile(atPath: $0) }
            #expect(!run.crashed && run.status == (converter ? 0 : 1), "status \(run.status)")
            let lines = (String(data: scratch.bytes("o.csv") ?? Data(), encoding: .utf8) ?? "").split(separator: "\n")
            #expect(lines.count == 102 && lines.dropFirst().allSatisfy { $0.split(separator: ",").count == 3 })
        }
    }

    /// `-` is standard input, whatever file it is: `--data - --out p.csv < p.csv` writes over its
    /// input, so it is refused as naming the input directly is, with p.csv untouched.
    @Test func anOutputThatIsTheFileOnStandardInputIsRefused() throws {
        let scratch = try Scratch(model: true)
        let original = scratch.bytes("p.csv")
        for arguments in [["predict", "--model", "m.h5", "--data", "-", "--out", "p.csv"],
                          ["data", "import", "-", "--out", "p.csv"],
                          ["train", "--no-track", "--data", "-", "--export", "p.csv"] + PossumProcess.possumColumns] {
            let run = try PossumProcess.run(arguments, in: scratch.url, stdin: scratch.file("p.csv"))
            #expect(!run.crashed && run.status == 1, "\(arguments): status \(run.status)")
            #expect(run.stderr.contains("p.csv: is the same file as the input <stdin>"), "\(run.stderr)")
            #expect(scratch.bytes("p.csv") == original)
        }
    }
}
