import ArgumentParser
import Foundation
import PossumPipeline

/// `possum dag status [RUN_ID]`: one run, task by task.
struct DagStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show a run's tasks: status, attempts, duration (default: the latest run).")

    @Argument(help: "The run id or a unique prefix of it (default: the latest run of any DAG here).")
    var runID: String?

    @Option(name: .customShort("C"), help: "The pipeline's working directory, where .possum/ is (default: current directory).")
    var directory = "."

    @Flag(name: .long, help: "Print the state file's JSON.")
    var json = false

    func run() throws {
        let store = StateStore(workdir: directory)
        let state: RunState
        if let runID {
            state = try store.load(runID: runID)
        } else {
            guard let latest = store.runPaths().last else {
                throw ValidationError("no DAG runs under \(store.root)")
            }
            state = try store.load(path: latest.path)
        }
        if json {
            print(String(decoding: try store.rawState(dag: state.dag, runID: state.runID), as: UTF8.self))
            return
        }
        print(RunReport.table(state))
        let summary = RunReport.failureSummary(state, logDirectory: store.logDirectory(dag: state.dag, runID: state.runID))
        if !summary.isEmpty { print(summary) }
    }
}

/// `possum dag list-runs`: every run here, oldest first.
struct DagListRunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list-runs", abstract: "List the DAG runs, oldest first.")

    @Option(name: .customShort("C"), help: "The pipeline's working directory, where .possum/ is (default: current directory).")
    var directory = "."

    @Option(name: .long, help: "Only runs of this DAG.")
    var dag: String?

    @Flag(name: .long, help: "Print the runs as JSON (oldest first; an unreadable state file has an error instead).")
    var json = false

    struct Entry: Encodable {
        var runID: String, dag: String
        var status: String?, createdAt: String?, endedAt: String?
        var tasks: [String: Int]?
        var error: String?
        enum CodingKeys: String, CodingKey {
            case runID = "run_id", dag, status, createdAt = "created_at", endedAt = "ended_at", tasks, error
        }
    }

    func run() throws {
        let store = StateStore(workdir: directory)
        let runs = store.runPaths(dag: dag)
        if json {
            let iso = ISO8601DateFormatter()
            iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]  // ms, as the state files
            let entries = runs.map { run -> Entry in
                do {
                    let s = try store.load(path: run.path)
                    let counts = Dictionary(uniqueKeysWithValues: s.counts.map { ($0.key.rawValue, $0.value) })
                    return Entry(runID: s.runID, dag: s.dag, status: s.status.rawValue, createdAt: iso.string(from: s.createdAt), endedAt: s.endedAt.map(iso.string(from:)), tasks: counts)
                } catch {
                    return Entry(runID: run.runID, dag: run.dag, error: "\(error)")
                }
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(entries), as: UTF8.self))
            return
        }
        if runs.isEmpty { print("no DAG runs under \(store.root)"); return }
        print("run id                  dag           status     duration  tasks")
        for run in runs {
            do {
                print(RunReport.listLine(try store.load(path: run.path)))
            } catch {
                // One bad file must not hide the other runs.
                print("\(run.runID)  \(run.dag)  unreadable: \(error)")
            }
        }
    }
}
