import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Every command that reads a data file applies the one input policy: a directory, device or
/// socket is a one-line error (no crash), a FIFO or `-` is read once, and every CSV is read by
/// the one reader (CRLF and a byte-order mark accepted by `lstsq` as by `data import`).
@Suite(.serialized) struct InputPolicyTests {
    static let possumCSV = PossumProcess.repositoryRoot.appendingPathComponent("datasets/possum.csv").path

    /// Each command, reading `input` as its data (`out` a scratch output).
    static func commands(_ input: String) -> [[String]] {
        [
            ["data", "import", input, "--out", "o.h5"],
            ["data", "show", input],
            ["train", "--data", input, "--no-track"] + PossumProcess.possumColumns,
            ["features", "--data", input, "--out", "f.h5", "--no-track"] + PossumProcess.possumColumns,
            ["lstsq", input, input],
        ]
    }

    func expectOneLineRefusal(_ p: PossumProcess, _ message: String, _ arguments: [String]) {
        #expect(!p.crashed, "\(arguments)")
        #expect(p.status == 1, "\(arguments): \(p.stderr)")
        #expect(p.stderr == "Error: \(message)\n", "\(arguments)")
    }

    @Test func directoryGivenAsDataIsAOneLineError() throws {
        let dir = try PossumProcess.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("adir"), withIntermediateDirectories: false)
        for arguments in Self.commands("adir") {
            expectOneLineRefusal(try PossumProcess.run(arguments, in: dir), "adir: is a directory, not a data file", arguments)
        }
        // predict reads its model first; with a good model the data directory is refused.
        _ = try PossumProcess.run(["train", "--data", Self.possumCSV, "--export", "m.h5", "--no-track"] + PossumProcess.possumColumns, in: dir)
        let predict = ["predict", "--model", "m.h5", "--data", "adir"]
        expectOneLineRefusal(try PossumProcess.run(predict, in: dir), "adir: is a directory, not a data file", predict)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["adir", "m.h5"])
    }

    /// Devices made with mknod in a scratch directory (never the system's): /dev/zero's numbers,
    /// as a CSV and as an HDF5 file. Needs root; skipped otherwise.
    @Test func deviceGivenAsDataIsRefusedNotRead() throws {
        let dir = try PossumProcess.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        guard mknod(dir.appendingPathComponent("zero.csv").path, S_IFCHR | 0o644, dev_t(1 << 8 | 5)) == 0,
              mknod(dir.appendingPathComponent("zero.h5").path, S_IFCHR | 0o644, dev_t(1 << 8 | 5)) == 0 else { return }
        for name in ["zero.csv", "zero.h5"] {
            for arguments in Self.commands(name) {
                expectOneLineRefusal(try PossumProcess.run(arguments, in: dir), "\(name): is a device, not a data file", arguments)
            }
        }
    }

    /// A FIFO is opened once: each command finishes (it used to wait for a second writer).
    @Test func fifoIsReadOnce() throws {
        let dir = try PossumProcess.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("p.csv").path
        #expect(mkfifo(fifo, 0o644) == 0)
        let text = try String(contentsOfFile: Self.possumCSV, encoding: .utf8)
        for arguments in [["data", "import", "p.csv", "--out", "t.h5", "--table", "possum"],
                          ["features", "--data", "p.csv", "--out", "f.h5", "--no-track"] + PossumProcess.possumColumns,
                          ["train", "--data", "p.csv", "--no-track"] + PossumProcess.possumColumns] {
            let writer = Thread {
                let fd = open(fifo, O_WRONLY)
                _ = Array(text.utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                close(fd)
            }
            writer.start()
            // A second open of the FIFO would wait for ever: the watchdog turns that into a failure.
            let p = try Self.run(arguments, stdin: nil, in: dir)
            #expect(!p.crashed && p.status == 0, "\(arguments): \(p.stderr)")
        }
        let show = try PossumProcess.run(["data", "show", "t.h5"], in: dir)
        #expect(show.stdout.hasPrefix("t.h5: 104 rows × 14 columns"))
    }

    @Test func standardInputIsReadOnce() throws {
        let dir = try PossumProcess.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let p = try Self.run(["data", "import", "-", "--out", "t.h5"], stdin: Self.possumCSV, in: dir)
        #expect(p.status == 0, "\(p.stderr)")
        let show = try PossumProcess.run(["data", "show", "t.h5"], in: dir)
        #expect(show.stdout.hasPrefix("t.h5: 104 rows × 14 columns"))
        let bad = try Self.run(["data", "show", "-"], stdin: dir.appendingPathComponent("t.h5").path, in: dir)
        #expect(bad.status == 1 && bad.stderr.hasPrefix("Error: <stdin>:1: ") && bad.stderr.split(separator: "\n").count == 1, "\(bad.stderr)")
    }

    @Test func lstsqReadsCRLFAndByteOrderMark() throws {
        let dir = try PossumProcess.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data([0xEF, 0xBB, 0xBF] + Array("1,0\r\n0,2\r\n1,1\r\n".utf8)).write(to: dir.appendingPathComponent("A.csv"))
        try Data("1\r\n4\r\n3\r\n".utf8).write(to: dir.appendingPathComponent("b.csv"))
        let p = try PossumProcess.run(["lstsq", "A.csv", "b.csv"], in: dir)
        #expect(p.status == 0, "\(p.stderr)")
        let x = p.stdout.split(separator: "\n").map { Double($0) ?? .nan }
        #expect(x.count == 2 && abs(x[0] - 1) < 1e-12 && abs(x[1] - 2) < 1e-12, "\(x)")
        try Data("1,0\r\n0,x\r\n".utf8).write(to: dir.appendingPathComponent("bad.csv"))
        let bad = try PossumProcess.run(["lstsq", "bad.csv", "b.csv"], in: dir)
        #expect(bad.stderr == "Error: bad.csv:2: field 2: 'x' is not a number\n")
    }

    /// Hostile shapes end quickly with one line naming file and line, and leave nothing behind.
    /// "Quickly" is possum's CPU time (a loaded host stretches the wall clock, not this).
    @Test func hugeHeaderAndFieldAreRefusedQuickly() throws {
        let dir = try PossumProcess.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        var wide = (0..<1_000_000).map { "c\($0)" }.joined(separator: ",")
        wide += "\n" + String(repeating: "1,", count: 999_999) + "1\n"
        try wide.write(to: dir.appendingPathComponent("wide.csv"), atomically: true, encoding: .utf8)
        var long = try String(contentsOfFile: Self.possumCSV, encoding: .utf8)
        long = long.replacingOccurrences(of: "\n1,1,Vic,", with: "\n1,1,\(String(repeating: "V", count: 50 << 20)),")
        try long.write(to: dir.appendingPathComponent("long.csv"), atomically: true, encoding: .utf8)
        let (a, importCPU) = try PossumProcess.runCountingCPU(["data", "import", "wide.csv", "--out", "w.h5"], in: dir)
        #expect(a.stderr == "Error: wide.csv:1: more than 100000 fields (the limit for one record)\n")
        let (b, trainCPU) = try PossumProcess.runCountingCPU(["train", "--data", "long.csv", "--no-track"] + PossumProcess.possumColumns, in: dir)
        #expect(b.stderr == "Error: long.csv:2: column 'Pop': longer than 1 MiB (the limit for one field)\n")
        #expect(importCPU + trainCPU < 30, "import \(importCPU) CPU s, train \(trainCPU) CPU s")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["long.csv", "wide.csv"])
    }

    @Test func importRefusesNonFiniteNumbersAndBadTableNames() throws {
        let dir = try PossumProcess.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = try String(contentsOfFile: Self.possumCSV, encoding: .utf8)
        try text.replacingOccurrences(of: "\n5,1,Vic,f,2.0,91.5,56.3,85.5,36.0,", with: "\n5,1,Vic,f,2.0,91.5,56.3,85.5,1e400,")
            .write(to: dir.appendingPathComponent("big.csv"), atomically: true, encoding: .utf8)
        let big = try PossumProcess.run(["data", "import", "big.csv", "--out", "b.h5"], in: dir)
        #expect(big.stderr == "Error: big.csv:6: column 'taill': '1e400' is not a finite number (write NA for a missing value)\n")
        for name in ["a/b", "../x", "", "."] {
            let p = try PossumProcess.run(["data", "import", Self.possumCSV, "--out", "t.h5", "--table", name], in: dir)
            #expect(p.status == 1 && p.stderr.hasPrefix("Error: t.h5: /: table name '"), "\(p.stderr)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["big.csv"])
    }

    /// Runs possum with standard input read from `stdin` (or none), killed after `timeout`
    /// seconds so that a hang fails the test instead of stalling the suite.
    static func run(_ arguments: [String], stdin: String?, in directory: URL, timeout: Double = 60) throws -> PossumProcess {
        try PossumProcess.run(arguments, in: directory, stdin: stdin, timeout: timeout)
    }
}
