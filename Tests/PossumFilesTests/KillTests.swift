import Foundation
import PossumTestSupport
import Testing
import PossumFiles

/// `kill -9` of a process in the middle of writing leaves the target old-or-new.
///
/// The writer is a child process: this test binary itself, started again on this suite with
/// `POSSUM_FILES_KILL_WRITER` set, which turns the test below into an endless writer loop.
@Suite struct KillTests {
    static let writerVariable = "POSSUM_FILES_KILL_WRITER"

    /// Version `v` of the file: a header line, 1 MiB of a byte that depends on `v`, the header
    /// again. Any mixture of two versions, prefix or empty file fails `version(of:)`.
    static func content(_ v: Int) -> [UInt8] {
        let header = Array("version \(v)\n".utf8)
        return header + [UInt8](repeating: UInt8(truncatingIfNeeded: v &* 37 &+ 1), count: 1 << 20) + header
    }

    static func version(of bytes: [UInt8]) -> Int? {
        guard let newline = bytes.firstIndex(of: 10),
              let v = Int(String(decoding: bytes[..<newline], as: UTF8.self).dropFirst("version ".count)) else { return nil }
        return bytes == content(v) ? v : nil
    }

    @Test func aWriterKilledMidWriteLeavesTheOldOrTheNewFile() throws {
        if let path = ProcessInfo.processInfo.environment[Self.writerVariable] {
            // The child: replace the file forever, until killed.
            var v = 2
            while true {
                try writeAtomically(Self.content(v), to: path, durable: false)
                v += 1
            }
        }
        let dir = try TemporaryDirectory()
        let path = dir.file("state.bin")
        for _ in 0..<4 {
            try writeAtomically(Self.content(1), to: path)
            let child = Process()
            child.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            child.arguments = ["--testing-library", "swift-testing", "--filter", "KillTests"]
            child.environment = ProcessInfo.processInfo.environment.merging([Self.writerVariable: path]) { $1 }
            child.standardOutput = FileHandle.nullDevice
            child.standardError = FileHandle.nullDevice
            try child.run()
            // Kill it once it is well into its loop (a bounded wait: a child that never writes fails).
            var seen = 1
            for _ in 0..<30_000 where seen < 4 && child.isRunning {
                if let bytes = try readFile(path), let v = Self.version(of: bytes) { seen = v }
                usleep(1000)
            }
            #expect(child.isRunning, "the writer child exited by itself")
            kill(child.processIdentifier, SIGKILL)
            child.waitUntilExit()
            #expect(seen >= 4, "the writer child made no progress")

            let bytes = try #require(try readFile(path))
            #expect(Self.version(of: bytes) != nil, "a killed writer left a torn file of \(bytes.count) bytes")
            // What may remain besides the target: the child's own hidden temporary file.
            for name in try dir.contents() where name != "state.bin" {
                #expect(isTemporaryName(name) && name.contains(".tmp-\(child.processIdentifier)-"), "\(name)")
                try FileManager.default.removeItem(atPath: dir.file(name))
            }
        }
    }
}
