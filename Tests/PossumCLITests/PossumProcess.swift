import Foundation

/// Runs the real `possum` executable, as a user would, and captures what it printed.
struct PossumProcess {
    var status: Int32
    var stdout: String
    var stderr: String
    /// Whether the process ended by a signal (a crash or trap), not by exit.
    var crashed: Bool

    /// The built `possum` binary sits beside the test bundle in the build products folder.
    static let executable: URL = {
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [bundleDirectory, bundleDirectory.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent("possum")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return URL(fileURLWithPath: "possum-not-built")
    }()

    /// The possum table's column choices (the pipeline's): without them `case` would be a
    /// feature and `site` (coded as digits) numeric.
    static let possumColumns = ["--target", "taill", "--drop", "case", "--categorical", "site,Pop,sex"]

    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// Runs possum with `arguments`; tracking goes to a private store unless `environment` says
    /// otherwise, so tests never write into the repository's ./mlruns.
    static func run(_ arguments: [String], in directory: URL = repositoryRoot,
                    environment: [String: String] = [:]) throws -> PossumProcess {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        var env = ProcessInfo.processInfo.environment
        env["POSSUM_TRACKING_URI"] = FileManager.default.temporaryDirectory.appendingPathComponent("possum-cli-tests-mlruns").path
        env.merge(environment) { $1 }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return PossumProcess(status: process.terminationStatus,
                             stdout: String(decoding: outData, as: UTF8.self),
                             stderr: String(decoding: errData, as: UTF8.self),
                             crashed: process.terminationReason == .uncaughtSignal)
    }

    /// An empty scratch directory, removed by the caller.
    static func scratch() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("possum-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// A scratch directory holding one file, removed by the caller.
    static func scratch(file name: String, contents: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("possum-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try contents.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
        return dir
    }
}
