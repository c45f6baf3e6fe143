import ArgumentParser
import Foundation
import PossumPipeline
import PossumTracking

/// `possum dag …`: run a pipeline (a DAG of tasks from YAML) with caching, retries and resume.
struct DagCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dag",
        abstract: "Run pipelines: DAGs of possum and shell tasks, cached, retried, resumable.",
        discussion: """
            A pipeline is a YAML file of tasks with commands, dependencies, inputs and outputs
            (see pipelines/possum.yaml). State lives in <workdir>/.possum/dags/<dag>/.
              possum dag run pipelines/possum.yaml          run it; unchanged tasks are cached
              possum dag run FILE --force train              rerun train and what depends on it
              possum dag status                              the latest run, task by task
              possum dag resume RUN_ID                       rerun what did not finish
              possum dag export FILE --airflow dag.py        the same DAG for Airflow 3
            """,
        subcommands: [DagRunCommand.self, DagStatusCommand.self, DagResumeCommand.self, DagShowCommand.self,
                      DagListRunsCommand.self, DagExportCommand.self])
}

/// Options shared by the commands that run tasks: where the tracker is, and which possum binary
/// a task's leading `possum` means.
struct DagRunEnvironment: ParsableArguments {
    @Option(name: .long, help: "Tracking store: a directory or file: URI, or an MLflow tracking server http(s)://HOST:PORT; the tasks log there too. Default: $POSSUM_TRACKING_URI, else $MLFLOW_TRACKING_URI, else <workdir>/mlruns.")
    var trackingURI: String?

    @Flag(name: .long, help: "Do not log the run to the tracker.")
    var noTrack = false

    @Option(name: .long, help: ArgumentHelp("The possum binary that `possum` in a command runs (default: this one).", visibility: .hidden))
    var possum: String?

    /// Run options for a pipeline in `workdir`.
    func options(workdir: String) throws -> RunOptions {
        var options = RunOptions()
        options.possumExecutable = possum ?? currentExecutablePath()
        if !noTrack {
            let env = processEnvironment()
            let named = [trackingURIEnvironmentVariable, mlflowTrackingURIEnvironmentVariable].contains { !(env[$0] ?? "").isEmpty }
            // Checked here, so an unsupported scheme is refused before any task runs.
            switch try TrackingLocation(uri: trackingURI ?? (named ? nil : workdir + "/mlruns"), environment: env) {
            case let .directory(path): options.trackingURI = path
            case let .server(uri): options.trackingURI = uri
            }
        }
        return options
    }
}

/// Loads and validates a pipeline file. A graph problem (a cycle, an unknown dependency...) is
/// reported with the file it is in, as parse errors are.
func loadGraph(_ file: String, checkFiles: Bool) throws -> PipelineGraph {
    let pipeline = try PipelineParser.load(path: file)
    do {
        return try PipelineGraph(pipeline, checkFiles: checkFiles)
    } catch let error as PipelineError {
        switch error {
        case .invalidDefinition, .missingWorkdir: throw error
        default: throw PipelineFileError(file: pipeline.file, error: error)
        }
    }
}
