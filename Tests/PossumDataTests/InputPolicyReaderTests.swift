import Foundation
import PossumData
import PossumTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The input policy as the CSV reader applies it, the reader's limits, and its messages.
@Suite struct InputPolicyReaderTests {
    let directory: String = {
        let d = NSTemporaryDirectory() + "possum-input-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }()

    func file(_ name: String, _ bytes: [UInt8]) throws -> String {
        let p = directory + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: p))
        return p
    }

    func error(_ body: () throws -> Void) -> String? {
        do { try body(); return nil } catch { return "\(error)" }
    }

    @Test func directoryIsRefusedByName() throws {
        let d = directory + "/adir"
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(error { _ = try CSVTable.read(contentsOf: d) } == "\(d): is a directory, not a data file")
        #expect(error { _ = try NumericMatrixFile.read(contentsOf: d) } == "\(d): is a directory, not a data file")
        #expect(error { _ = try SHA256.hex(ofFile: d) } == "\(d): is a directory, not a data file")
        #expect(error { _ = try CSVTable.read(contentsOf: directory + "/none.csv") } == "\(directory)/none.csv: no such file")
    }

    /// A device made here (never the system's): /dev/zero's numbers. Refused before it is read.
    @Test func deviceIsRefused() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let d = directory + "/zero.csv"
        guard mknod(d, S_IFCHR | 0o644, dev_t(1 << 8 | 5)) == 0 else { return }  // needs root
        #expect(error { _ = try CSVTable.read(contentsOf: d) } == "\(d): is a device, not a data file")
        #expect(error { _ = try NumericMatrixFile.read(contentsOf: d) } == "\(d): is a device, not a data file")
    }

    /// A FIFO is read once, and the digest comes from that one read.
    @Test func fifoIsReadOnceWithItsDigest() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let fifo = directory + "/pipe.csv"
        #expect(mkfifo(fifo, 0o644) == 0)
        let text = "a,b\r\n1,2\r\n3,4\r\n"
        let writer = Thread {
            let fd = open(fifo, O_WRONLY)
            _ = Array(text.utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
        }
        writer.start()
        let table = try CSVTable.read(contentsOf: fifo)
        #expect(table.rows == [["1", "2"], ["3", "4"]])
        #expect(table.contentSHA256 == SHA256.hex(text))
    }

    @Test func matrixReaderTakesCRLFAndByteOrderMark() throws {
        let m = try NumericMatrixFile.parse("\u{FEFF}1,2\r\n3,4\r\n\r\n  \n5,6", source: "A.csv")
        #expect(m.rows == 3 && m.columns == 2 && m.values == [1, 2, 3, 4, 5, 6])
        let p = try file("A.csv", [0xEF, 0xBB, 0xBF] + Array("1.5,2\r\n3,4e2\r\n".utf8))
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let f = try NumericMatrixFile.read(contentsOf: p)
        #expect(f.values == [1.5, 2, 3, 400])
        #expect(error { _ = try NumericMatrixFile.parse("1,2\r\n3,x\r\n", source: "A.csv") } == "A.csv:2: field 2: 'x' is not a number")
        #expect(error { _ = try NumericMatrixFile.parse("1,2\n3\n", source: "A.csv") } == "A.csv:2: expected 2 numbers (as on the first line), found 1")
    }

    @Test func nulIsReportedAgainstTheCSVLineAndColumn() {
        #expect(error { _ = try CSVTable.parse("a,b\n1,x\u{0}y\n", source: "t.csv") } == "t.csv:2: column 'b': a NUL byte: not text")
        #expect(error { _ = try CSVTable.parse("a,b\n1,\"x\u{0}\"\n", source: "t.csv") } == "t.csv:2: column 'b': a NUL byte: not text")
        #expect(error { _ = try NumericMatrixFile.parse("1,\u{0}\n", source: "A.csv") } == "A.csv:1: field 2: a NUL byte: not text")
    }

    /// Control characters never break a message's line, and long values are cut.
    @Test func messagesAreOneLineAndCut() {
        let e = error { _ = try CSVTable.parse("a,b\n1,\"x\ry\"\n", source: "t\n.csv").numericColumn("b") } ?? ""
        #expect(e == "t\\n.csv:2: column 'b': 'x\\ry' is not a number")
        let long = String(repeating: "z", count: 100_000)
        let e2 = error { _ = try CSVTable.parse("a\n\(long)\n", source: "t.csv").numericColumn("a") } ?? ""
        #expect(!e2.contains("\n") && e2.count < 200 && e2.contains("…"))
        let header = (0..<10_000).map { "c\($0)" }.joined(separator: ",")
        let e3 = error { _ = try CSVTable.parse(header + "\n" + header + "\n", source: "w.csv").columnIndex("x") } ?? ""
        #expect(e3 == "w.csv: no column 'x' (columns: c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, … and 9990 more)")
    }

    /// The limits stop hostile shapes quickly, naming file and line; real shapes below them are
    /// read in linear time (bounds generous for a debug build, in this thread's CPU time so that a
    /// loaded machine does not stretch them; quadratic work would take hours).
    @Test func limitsStopWideHeadersLongFieldsAndLongRecords() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let wide = try file("wide.csv", Array((0..<200_000).map { "c\($0)" }.joined(separator: ",").utf8) + [10])
        let t0 = threadCPUSeconds()
        #expect(error { _ = try CSVTable.read(contentsOf: wide) } == "\(wide):1: more than 100000 fields (the limit for one record)")
        let field = try file("field.csv", Array("a,b\n1,".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: 3 << 20) + [10])
        #expect(error { _ = try CSVTable.read(contentsOf: field) } == "\(field):2: column 'b': longer than 1 MiB (the limit for one field)")
        let quoted = try file("quoted.csv", Array("a,b\n1,\"".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: 3 << 20) + Array("\"\n".utf8))
        #expect(error { _ = try CSVTable.read(contentsOf: quoted) } == "\(quoted):2: column 'b': longer than 1 MiB (the limit for one field)")
        let record = CSVRecordReader.Limits(maxFields: 1_000_000, maxFieldBytes: 1 << 20, maxRecordBytes: 1 << 20)
        var reader = try CSVRecordReader(contentsOf: wide, limits: record)
        #expect(error { _ = try reader.next() } == "\(wide):1: record longer than 1 MiB (the limit for one record)")
        #expect(threadCPUSeconds() - t0 < 10)
        // Just under the limit, and many records: linear.
        let big = try file("big.csv", Array("a,b\n".utf8) + (0..<20).flatMap { _ in Array("1,".utf8) + [UInt8](repeating: UInt8(ascii: "y"), count: (1 << 20) - 10) + [10] })
        let t1 = threadCPUSeconds()
        let table = try CSVTable.read(contentsOf: big)
        #expect(table.rowCount == 20)
        #expect(threadCPUSeconds() - t1 < 60)
    }

    /// Seeded mutations of a valid CSV (bytes flipped, inserted, deleted, cut) read through every
    /// reader and block size: never a crash or a hang, every error one short line.
    @Test func fuzzedCSVNeverCrashesAndErrorsAreOneLine() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var rng = SplitMix64(seed: 13)
        let seed = Array("\u{FEFF}case,site,Pop,note,age\r\n1,1,Vic,\"a, \"\"b\"\"\",8.0\r\n2,1,other,é,NA\n3,2,Vic,\"two\nlines\",1e3\n4,2,Vic,,-0.5\n".utf8)
        let interesting: [UInt8] = [0x2C, 0x22, 0x0D, 0x0A, 0x00, 0xEF, 0xBB, 0xBF, 0xFF, 0xC3, 0x80, 0x20, 0x2E, 0x65, 0x2D, 0x4E, 0x41, 0x39]
        let clock = ContinuousClock()
        let start = clock.now
        let path = directory + "/fuzz.csv"
        for round in 0..<1500 {
            var bytes = seed
            for _ in 0..<(1 + Int(rng.next() % 6)) {
                let at = bytes.isEmpty ? 0 : Int(rng.next() % UInt64(bytes.count))
                let byte = rng.next() % 3 == 0 ? UInt8(truncatingIfNeeded: rng.next()) : interesting[Int(rng.next() % UInt64(interesting.count))]
                switch rng.next() % 5 {
                case 0 where !bytes.isEmpty: bytes[at] = byte
                case 1: bytes.insert(byte, at: at)
                case 2 where !bytes.isEmpty: bytes.remove(at: at)
                case 3: bytes = Array(bytes.prefix(at))
                default: bytes.insert(contentsOf: bytes[at...].prefix(Int(rng.next() % 40)), at: at)
                }
            }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let blockSize = [1, 3, 7, 64, 1 << 20][round % 5]
            for message in [
                error { var r = try CSVRecordReader(contentsOf: path, blockSize: blockSize); while try r.next() != nil {} },
                error { let t = try CSVTable.read(contentsOf: path); for c in t.header { _ = try? t.numericColumn(c); _ = try t.textColumn(c) } },
                error { _ = try NumericMatrixFile.read(contentsOf: path) },
            ].compactMap({ $0 }) {
                #expect(!message.contains("\n") && !message.contains("\r") && !message.contains("\u{0}"), "\(message)")
                #expect(message.count < 1200, "\(message.prefix(200))")
            }
        }
        #expect(clock.now - start < .seconds(120))
    }
}

/// A small seeded generator, so a failing fuzz case can be replayed.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
}
