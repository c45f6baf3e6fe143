import Foundation

/// `possum task run FILE TASK`: runs one task's command once, in the pipeline's working
/// directory, with its stdout and stderr passed through (the caller, e.g. Airflow, logs them).
///
/// No cache, no state, no retries: whoever calls this schedules and retries. The task's inputs must
/// exist before it starts, and it succeeds only if it exits 0 *and* writes every declared output.
public enum SingleTask {
    /// Returns the exit status to exit with; throws for a bad task name or missing input.
    public static func run(_ graph: PipelineGraph, task name: String, options: RunOptions,
                           log: (String) -> Void) throws -> Int32 {
        let pipeline = graph.pipeline
        try pipeline.requireWorkdir()
        guard let task = graph.task(named: name) else { throw PipelineError.unknownTask(name: name) }
        for input in task.inputs where !FileIO.exists(pipeline.resolve(input)) {
            throw PipelineError.missingInput(task: name, path: input)
        }
        let env = options.taskEnvironment(dag: pipeline.name, task: name, inDagRun: false)
        if let problem = FileIO.makeParentDirectories(of: task.outputs, resolve: pipeline.resolve) {
            log("possum task run: \(name): \(problem)")
            return 1
        }
        let argv = options.resolvedCommand(task.command)
        log("possum task run: \(pipeline.name).\(name): \(argv.map(shellQuote).joined(separator: " ")) (in \(pipeline.workdir))")
        let outcome = try ProcessLauncher(killGraceSeconds: options.killGraceSeconds)
            .run(argv: argv, directory: pipeline.workdir, environment: env, stdoutPath: nil, stderrPath: nil,
                 timeoutSeconds: task.timeoutSeconds)
        if outcome.timedOut {
            log("possum task run: \(name) timed out after \(formatSeconds(task.timeoutSeconds ?? 0))")
            return 124
        }
        guard outcome.succeeded else {
            log("possum task run: \(name) failed with exit code \(outcome.exitCode)")
            return outcome.exitCode == 0 ? 1 : outcome.exitCode
        }
        let missing = task.outputs.filter { !FileIO.exists(pipeline.resolve($0)) }
        if !missing.isEmpty {
            log("possum task run: \(name) exited 0 but did not write \(missing.joined(separator: ", "))")
            return 1
        }
        log("possum task run: \(name) done in \(formatMilliseconds(outcome.durationSeconds * 1000))")
        return 0
    }
}
