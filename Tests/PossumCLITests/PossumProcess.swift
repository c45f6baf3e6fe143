import Foundation
import PossumTestSupport

/// What the real `possum` executable printed, run as a user would (`PossumProcess.run`).
typealias PossumProcess = ProcessResult

extension ProcessResult {
    /// The built `possum` binary sits beside the test bundle in the build products folder.
    static let executable: URL = ProductProcess.executable("possum") ?? URL(fileURLWithPath: "possum-not-built")

    /// The possum table's column choices (the pipeline's): without them `case` would be a
    /// feature and `site` (coded as digits) numeric.
    static let possumColumns = ["--target", "taill", "--drop", "case", "--categorical", "site,Pop,sex"]

    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// Runs possum with `arguments`; tracking goes to a private store unless `environment` says
    /// otherwise, so tests never write into the repository's ./mlruns. `unsetting`, `prefix` (a command
    /// in front, its first word a path), `stdin` and `timeout`: as `ProductProcess.run` has them.
    static func run(_ arguments: [String], in directory: URL = repositoryRoot, environment: [String: String] = [:],
                    unsetting: [String] = [], prefix: [String] = [], stdin: String? = nil,
                    timeout: Double? = nil) throws -> PossumProcess {
        let store = FileManager.default.temporaryDirectory.appendingPathComponent("possum-cli-tests-mlruns").path
        return try ProductProcess.run(
            executable, arguments, in: directory, environment: ["POSSUM_TRACKING_URI": store].merging(environment) { $1 },
            unsetting: unsetting, prefix: prefix, stdin: stdin, timeout: timeout)
    }

    /// `run`, also returning the CPU seconds possum used (`ProductProcess.runCountingCPU`).
    static func runCountingCPU(_ arguments: [String], in directory: URL) throws -> (PossumProcess, cpuSeconds: Double) {
        let store = FileManager.default.temporaryDirectory.appendingPathComponent("possum-cli-tests-mlruns").path
        let (result, cpu) = try ProductProcess.runCountingCPU(executable, arguments, in: directory, environment: ["POSSUM_TRACKING_URI": store])
        return (result, cpu)
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
