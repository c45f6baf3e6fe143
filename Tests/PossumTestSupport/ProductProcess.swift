import Foundation

/// What a process printed and how it ended.
public struct ProcessResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    /// Whether the process ended by a signal (a crash, a trap, a kill), not by exit.
    public var crashed: Bool

    public init(status: Int32, stdout: String, stderr: String, crashed: Bool) {
        (self.status, self.stdout, self.stderr, self.crashed) = (status, stdout, stderr, crashed)
    }
}

/// The one way the test targets run a built product of this package (possum, possum-bench) as a user
/// would: found beside the test bundle, launched with an environment and an optional command in front
/// (`timeout`, `prlimit`), its output captured.
public enum ProductProcess {
    /// The executable `name` in the build products folder (beside the test bundle, or one up); nil: not built.
    public static func executable(_ name: String) -> URL? {
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        return [bundleDirectory, bundleDirectory.deletingLastPathComponent()]
            .map { $0.appendingPathComponent(name) }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    /// Runs `executable` with `arguments` in `directory`. The environment is this process's, with
    /// `environment` set over it and `unsetting` removed. `prefix` is a command run in front of it, its
    /// first word a path (`["/usr/bin/timeout", "-s", "KILL", "60", "prlimit", "--as=…"]`). Standard
    /// input is the file `stdin` (or inherited); after `timeout` seconds a process still running is
    /// terminated, so that a hang fails the test instead of stalling the suite.
    public static func run(
        _ executable: URL, _ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:],
        unsetting: [String] = [], prefix: [String] = [], stdin: String? = nil, timeout: Double? = nil
    ) throws -> ProcessResult {
        let process = Process()
        if let command = prefix.first {
            process.executableURL = URL(fileURLWithPath: command)
            process.arguments = Array(prefix.dropFirst()) + [executable.path] + arguments
        } else {
            process.executableURL = executable
            process.arguments = arguments
        }
        if let directory { process.currentDirectoryURL = directory }
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        for name in unsetting { env[name] = nil }
        process.environment = env
        if let stdin { process.standardInput = FileHandle(forReadingAtPath: stdin) }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        if let timeout {
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { if process.isRunning { process.terminate() } }
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return ProcessResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                             stderr: String(decoding: errData, as: UTF8.self), crashed: process.terminationReason == .uncaughtSignal)
    }

    /// `run` under a shell that writes, with its `times`, the CPU seconds (user + system) the process
    /// used: a guard against a blow-up that a loaded host cannot stretch, unlike the wall clock, and
    /// unlike this process's RUSAGE_CHILDREN not shared with other tests' children. A hang that does
    /// not spin is killed (`timeout -s KILL`) after `killAfter` wall seconds, exit status 137.
    public static func runCountingCPU(
        _ executable: URL, _ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:],
        killAfter: Int = 600
    ) throws -> (result: ProcessResult, cpuSeconds: Double) {
        let times = FileManager.default.temporaryDirectory.appendingPathComponent("possum-times-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: times) }
        let script = "timeout -s KILL \(killAfter) \"$0\" \"$@\"; s=$?; times > \"$POSSUM_TEST_TIMES\"; exit $s"
        let result = try run(executable, arguments, in: directory, environment: environment.merging(["POSSUM_TEST_TIMES": times]) { $1 },
                             prefix: ["/bin/sh", "-c", script])
        // `times` prints the shell's user and system time, then its children's: "0m1.25s 0m0.03s".
        let text = (try? String(contentsOfFile: times, encoding: .utf8)) ?? ""
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map { field -> Double? in
            let parts = field.dropLast().split(separator: "m")
            guard field.hasSuffix("s"), parts.count == 2, let minutes = Double(parts[0]), let seconds = Double(parts[1]) else { return nil }
            return 60 * minutes + seconds
        }
        guard fields.count == 4, let user = fields[2], let system = fields[3] else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "unreadable times: '\(text)'"])
        }
        return (result, user + system)
    }
}
