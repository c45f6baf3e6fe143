import Foundation
import PossumFiles
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `messageText`/`messageList` (the one message sanitizer) and `InputFile` (the one input policy).
@Suite struct InputPolicyFileTests {
    @Test func messageTextEscapesControlCharactersAndCuts() {
        #expect(messageText("a\nb\rc\td\u{0}e\u{1B}[31m\u{7F}\u{85}\u{2028}\u{202E}") == "a\\nb\\rc\\td\\u{0}e\\u{1b}[31m\\u{7f}\\u{85}\\u{2028}\\u{202e}")
        #expect(messageText("plain é ü 数") == "plain é ü 数")
        #expect(messageText(String(repeating: "x", count: 10), limit: 4) == "xxxx…")
        #expect(messageText("a\nb", limit: 1) == "a…")
        let once = messageText("x\u{0}\\n", limit: 50)
        #expect(messageText(once, limit: 50) == once)  // idempotent: backslashes are not escaped
    }

    @Test func messageListShowsTheFirstNamesAndCountsTheRest() {
        #expect(messageList(["a", "b"]) == "a, b")
        #expect(messageList((0..<10_000).map { "c\($0)" }, limit: 3) == "c0, c1, c2, … and 9997 more")
        #expect(messageList(["x\ny"]) == "x\\ny")
        #expect(messageList([]) == "")
    }

    @Test func policyClassifiesWithoutOpening() throws {
        let dir = NSTemporaryDirectory() + "possum-policy-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data("x\n".utf8).write(to: URL(fileURLWithPath: dir + "/f"))
        #expect(try checkInput(dir + "/f") == .regularFile)
        #expect(try checkInput("-") == .stream)
        #expect(mkfifo(dir + "/p", 0o644) == 0)
        #expect(try checkInput(dir + "/p") == .stream)
        #expect(throws: InputError(path: dir + "/p", "is a FIFO (named pipe): this file must be a regular file")) {
            try checkInput(dir + "/p", requireRegularFile: true)
        }
        #expect(throws: InputError(path: dir, "is a directory, not a data file")) { try checkInput(dir) }
        #expect(throws: InputError(path: dir + "/none", "no such file")) { try checkInput(dir + "/none") }
        #expect(throws: InputError(path: dir + "/f/x", "no such file")) { try checkInput(dir + "/f/x") }
        if mknod(dir + "/zero", S_IFCHR | 0o644, dev_t(1 << 8 | 5)) == 0 {  // needs root
            #expect(throws: InputError(path: dir + "/zero", "is a device, not a data file")) { try InputFile(dir + "/zero") }
        }
        #expect("\(InputError(path: "-", "x"))" == "<stdin>: x")
        #expect("\(InputError(path: "a\nb", "x"))" == "a\\nb: x")
    }

    /// A stream opened for a second pass replays exactly what was read, from an unlinked spool.
    @Test func streamIsSpooledForASecondPass() throws {
        let dir = NSTemporaryDirectory() + "possum-spool-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fifo = dir + "/p"
        #expect(mkfifo(fifo, 0o644) == 0)
        let bytes = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let writer = Thread {
            let fd = open(fifo, O_WRONLY)
            _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
        }
        writer.start()
        let input = try InputFile(fifo, spoolForSecondPass: true)
        #expect(input.kind == .stream)
        func readAll() throws -> [UInt8] {
            var out: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = try chunk.withUnsafeMutableBytes { try input.readBytes(into: $0) }
                if n == 0 { return out }
                out += chunk[0..<n]
            }
        }
        #expect(try readAll() == bytes)
        try input.rewind()
        #expect(try readAll() == bytes)
        // Without a spool a stream says so rather than reading nothing.
        let stdin = try InputFile("-")
        #expect(throws: InputError(path: "-", "is a stream and cannot be read twice")) { try stdin.rewind() }
    }
}
