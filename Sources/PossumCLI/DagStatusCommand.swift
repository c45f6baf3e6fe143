import ArgumentParser
import Foundation
import PossumPipeline

/// `possum dag status [RUN_ID]`: one run, task by task.
struct DagStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show a run's tasks: status, attempts, duration (default: the latest run).")

    @Argument(help: "The run id (default: the latest run of any DAG here).")
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

    func run() throws {
        let store = StateStore(workdir: directory)
        let runs = store.runPaths(dag: dag)
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
