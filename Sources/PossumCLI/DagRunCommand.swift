import ArgumentParser
import Foundation
import PossumPipeline

/// `possum dag run FILE`: a new run of the whole DAG.
struct DagRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a pipeline: tasks in dependency order, in parallel, unchanged ones cached.",
        discussion: """
            A task is cached (not rerun) when its command, the contents of its inputs and its \
            upstream outputs are unchanged and its outputs still have the recorded hashes. \
            Exits 1 if a task failed, after running every task that did not depend on it. \
            On a terminal, a progress line on stderr counts the tasks done.

            Examples:
              possum dag run pipelines/possum.yaml
              possum dag run pipelines/possum.yaml --force train
              possum dag run pipelines/possum.yaml --json --quiet > run.json
            """)

    @Argument(help: "The pipeline YAML file.")
    var file: String

    @Option(name: .shortAndLong, help: "Run at most N tasks at once (default: number of cores).")
    var jobs: Int?

    @Option(name: .long, help: "Rerun TASK and everything downstream of it even if cached (repeatable).")
    var force: [String] = []

    @Flag(name: .long, help: "If another run of this DAG is in progress, wait for it instead of refusing.")
    var wait = false

    @OptionGroup var environment: DagRunEnvironment

    @OptionGroup var output: DagRunOutput

    func validate() throws {
        if let jobs, jobs < 1 || jobs > 1024 { throw ValidationError("--jobs must be from 1 to 1024") }
    }

    func run() throws {
        let started = Date()
        let graph = try loadGraph(file, checkFiles: true)
        var options = try environment.options(workdir: graph.pipeline.workdir)
        if let jobs { options.jobs = jobs }
        options.force = force
        options.waitForLock = wait
        RunningGroups.installInterruptHandler()
        let view = output.progressView()
        defer { view.finish() }
        let runner = PipelineRunner(graph: graph, options: options, progress: view.handle)
        let state = try runner.run()
        view.finish()
        try finish(state, store: runner.store, started: started, json: output.json)
    }
}

/// `possum dag resume RUN_ID`: finish a run that failed or was killed.
struct DagResumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Rerun the tasks of a run that did not succeed (failed, skipped, or killed mid-run).",
        discussion: """
            Tasks that succeeded or were cached are kept; a task left 'running' by a killed run is rerun. \
            Processes such a task left running (its driver was killed, so nothing stopped them) are \
            stopped first: SIGTERM, then SIGKILL.

            Examples:
              possum dag resume 20261207T015809          (a unique prefix of the run id will do)
              possum dag resume 20261207T015809 --json
            """)

    @Argument(help: "The run id or a unique prefix of it (see `possum dag list-runs`).")
    var runID: String

    @Option(name: .customShort("C"), help: "The pipeline's working directory, where .possum/ is (default: current directory).")
    var directory = "."

    @Option(name: .shortAndLong, help: "Run at most N tasks at once (default: number of cores).")
    var jobs: Int?

    @Flag(name: .long, help: "If another run of this DAG is in progress, wait for it instead of refusing.")
    var wait = false

    @OptionGroup var environment: DagRunEnvironment

    @OptionGroup var output: DagRunOutput

    func run() throws {
        let started = Date()
        let previous = try StateStore(workdir: directory).load(runID: runID)
        let graph = try loadGraph(previous.dagFile, checkFiles: true)
        var options = try environment.options(workdir: graph.pipeline.workdir)
        if let jobs { options.jobs = jobs }
        options.waitForLock = wait
        RunningGroups.installInterruptHandler()
        let view = output.progressView()
        defer { view.finish() }
        let runner = PipelineRunner(graph: graph, options: options, progress: view.handle)
        let state = try runner.resume(runID: previous.runID)  // the full id: runID may be a prefix
        view.finish()
        try finish(state, store: runner.store, started: started, json: output.json)
    }
}

/// What `dag run` and `dag resume` print while and after they run.
struct DagRunOutput: ParsableArguments {
    @Flag(name: .long, help: "Print the run as one JSON object (run id, tasks with status, cached, attempts, duration, outputs); task lines go to stderr.")
    var json = false

    @Flag(name: .shortAndLong, help: "No progress: neither the progress line (shown when stderr is a terminal) nor the task lines; warnings and errors still.")
    var quiet = false

    func progressView() -> DagProgressView { DagProgressView(quiet: quiet, json: json) }
}
