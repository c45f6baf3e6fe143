import ArgumentParser
import Foundation
import PossumPipeline

/// `possum task …`: one task of a pipeline, outside the DAG runner.
struct TaskCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "task", abstract: "Run a single task of a pipeline (what an Airflow export calls).",
        subcommands: [TaskRunCommand.self])
}

/// `possum task run FILE TASK`: the task's command once, output passed through, exit status kept.
struct TaskRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run one task's command once in the pipeline's workdir (no cache, no state, no retries).",
        discussion: "Fails if an input is missing, or if the command exits 0 without writing its declared outputs.")

    @Argument(help: "The pipeline YAML file.")
    var file: String

    @Argument(help: "The task's name.")
    var task: String

    @OptionGroup var environment: DagRunEnvironment

    func run() throws {
        let graph = try loadGraph(file, checkFiles: false)
        let options = try environment.options(workdir: graph.pipeline.workdir)
        RunningGroups.installInterruptHandler()
        let status = try SingleTask.run(graph, task: task, options: options) {
            printError($0 + "\n")
        }
        if status != 0 { throw ExitCode(status) }
    }
}
