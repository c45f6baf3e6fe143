import Foundation
import PossumTestSupport
import Testing
@testable import PossumHDF5

/// A write that the disk refuses (ENOSPC, EIO; here EFBIG from a file-size limit, which fails
/// the same `write` calls inside HDF5) ends in a one-line error, the old file intact, no
/// temporary file left, and no crash, not even at exit, where HDF5 1.10 used to segfault
/// closing a file whose flush had failed (see `HDF5Handle.closeFile`).
///
/// The failing writer is a child process: this test binary started again on this suite with
/// `POSSUM_HDF5_FAULT_WRITER` set, under `RLIMIT_FSIZE`, so the limit and the leaked file stay
/// out of the parent's other tests. The child exits itself, running the exit handlers.
@Suite struct WriteFaultTests {
    static let writerVariable = "POSSUM_HDF5_FAULT_WRITER"

    /// Exit status of the child: what went wrong, for the parent to report.
    enum ChildStatus: Int32 { case ok = 0, wroteDespiteLimit = 3, wrongError = 4, oldFileChanged = 5, temporaryLeft = 6 }

    static func writeLarge(to path: String) throws {
        try HDF5File.writeAtomically(to: path) { file in
            try file.createDataset("x", values: [Double](repeating: 1.5, count: 50_000))
        }
    }

    static func runChild(path: String) -> Never {
        var limit = rlimit(rlim_cur: 64 << 10, rlim_max: 64 << 10)
        _ = setrlimit(Int32(RLIMIT_FSIZE.rawValue), &limit)
        signal(SIGXFSZ, SIG_IGN)  // so the write fails with EFBIG instead of killing us
        let before = try? Data(contentsOf: URL(fileURLWithPath: path))
        var status = ChildStatus.ok
        do {
            try writeLarge(to: path)
            status = .wroteDespiteLimit
        } catch let error as HDF5Error {
            let text = error.description
            if error.kind != .io || text.contains("\n") || !text.hasPrefix(path + ": ") || !text.contains("File too large")
                || text.contains(".tmp-") { status = .wrongError }
        } catch {
            status = .wrongError
        }
        if status == .ok, (try? Data(contentsOf: URL(fileURLWithPath: path))) != before { status = .oldFileChanged }
        let directory = (path as NSString).deletingLastPathComponent
        if status == .ok, ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []) != ["old.h5"] {
            status = .temporaryLeft
        }
        exit(status.rawValue)  // runs the exit handlers, where the crash used to be
    }

    @Test func aRefusedWriteLeavesTheOldFileAndDoesNotCrash() throws {
        if let path = ProcessInfo.processInfo.environment[Self.writerVariable] { Self.runChild(path: path) }
        let dir = try TemporaryDirectory()
        let path = dir.file("old.h5")
        try HDF5File.writeAtomically(to: path) { try $0.createDataset("x", values: [1.0, 2.0]) }
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        child.arguments = ["--testing-library", "swift-testing", "--filter", "WriteFaultTests"]
        child.environment = ProcessInfo.processInfo.environment.merging([Self.writerVariable: path]) { $1 }
        child.standardOutput = FileHandle.nullDevice
        child.standardError = FileHandle.nullDevice
        try child.run()
        child.waitUntilExit()
        #expect(child.terminationReason == .exit, "the writer crashed with signal \(child.terminationStatus)")
        #expect(child.terminationStatus == ChildStatus.ok.rawValue,
                "\(ChildStatus(rawValue: child.terminationStatus).map { "\($0)" } ?? "status \(child.terminationStatus)")")
        #expect(try HDF5File.open(at: path).openDataset("x").read(as: Double.self) == [1.0, 2.0])
    }

    @Test func theDriversWriteErrorIsCutToItsSystemReason() {
        let raw = "file write failed: time = Sun Dec  6 22:58:51 2026\n, filename = '.m.h5.tmp-1-ab', file descriptor = 3, "
            + "errno = 28, error message = 'No space left on device', buf = 0x1, total write size = 3912, offset = 0"
        #expect(HDF5Error.systemReason(raw) == "file write failed: No space left on device")
        #expect(HDF5Error.systemReason("dataset not found") == "dataset not found")
    }
}
