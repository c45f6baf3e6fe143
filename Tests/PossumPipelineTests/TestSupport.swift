import Foundation
@testable import PossumPipeline

/// A temporary working directory holding one pipeline file, removed by `cleanup()`.
struct Scratch {
    let dir: String

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("possum-dag-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    func cleanup() { try? FileManager.default.removeItem(atPath: dir) }

    /// Writes `yaml` as `<dir>/<name>.yaml`, returns its path.
    @discardableResult
    func pipeline(_ yaml: String, name: String = "p") throws -> String {
        let path = "\(dir)/\(name).yaml"
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func write(_ text: String, to name: String) throws {
        try text.write(toFile: "\(dir)/\(name)", atomically: true, encoding: .utf8)
    }

    func read(_ name: String) -> String? { try? String(contentsOfFile: "\(dir)/\(name)", encoding: .utf8) }

    func graph(_ file: String = "p", checkFiles: Bool = true) throws -> PipelineGraph {
        try PipelineGraph(PipelineParser.load(path: "\(dir)/\(file).yaml"), checkFiles: checkFiles)
    }

    /// Fast, test-friendly options: no fsync, short kill grace, tracker inside the scratch dir.
    func options(jobs: Int = 4, force: [String] = [], track: Bool = false) -> RunOptions {
        var o = RunOptions()
        o.jobs = jobs
        o.force = force
        o.durable = false
        o.killGraceSeconds = 0.2
        o.trackingURI = track ? "\(dir)/mlruns" : nil
        return o
    }

    /// Runs the pipeline `file` and returns the final state and the progress events.
    func run(_ file: String = "p", jobs: Int = 4, force: [String] = [], track: Bool = false) throws -> (RunState, [ProgressEvent]) {
        let events = EventLog()
        let runner = PipelineRunner(graph: try graph(file), options: options(jobs: jobs, force: force, track: track)) { events.append($0) }
        let state = try runner.run()
        return (state, events.all)
    }
}

/// Collects progress events from any thread.
final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [ProgressEvent] = []
    func append(_ e: ProgressEvent) { lock.lock(); events.append(e); lock.unlock() }
    var all: [ProgressEvent] { lock.lock(); defer { lock.unlock() }; return events }
}

extension RunState {
    func status(_ task: String) -> TaskStatus? { tasks[task]?.status }
}

/// A diamond a → (b, c) → d of trivial shell tasks writing files.
let diamondYAML = """
name: diamond
tasks:
  - name: a
    command: "cat in.txt > a.txt; echo a >> runs.log"
    inputs: [in.txt]
    outputs: [a.txt]
  - name: b
    depends_on: [a]
    command: "cat a.txt > b.txt; echo b >> runs.log"
    inputs: [a.txt]
    outputs: [b.txt]
  - name: c
    depends_on: [a]
    command: [sh, -c, "cat a.txt > c.txt; echo c >> runs.log"]
    inputs: [a.txt]
    outputs: [c.txt]
  - name: d
    depends_on: [b, c]
    command: "cat b.txt c.txt > d.txt; echo d >> runs.log"
    inputs: [b.txt, c.txt]
    outputs: [d.txt]
"""
