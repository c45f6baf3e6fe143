import Dispatch
import Foundation
import PossumFiles
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a worker tells the scheduler. The scheduler alone owns the run state; workers only post.
enum WorkerEvent: Sendable {
    /// Posted once the attempt's process exists, with what identifies it (see `TaskProcess`).
    case attemptStarted(task: String, attempt: Int, key: String, process: TaskProcess)
    case retrying(task: String, nextAttempt: Int, delay: Double, reason: String)
    case succeeded(task: String, key: String, outputs: [String: String], milliseconds: Double, attempts: Int)
    case failed(task: String, exitCode: Int32?, timedOut: Bool, attempts: Int, message: String, stderrTail: [String])
}

/// Why a ready task cannot even start.
struct TaskNotRunnable: Error {
    var message: String
}

/// Everything one task needs to run off the scheduler's thread (all values, so it is Sendable).
struct TaskJob: Sendable {
    var task: TaskSpec
    var argv: [String]
    var workdir: String
    var environment: [String: String]
    var stdoutPath: String
    var stderrPath: String
    /// Output hashes of each direct dependency in this run.
    var upstreamOutputs: [String: [String: String]]
    /// The cache record from the last success, unless forced.
    var cacheEntry: CacheEntry?
    var killGraceSeconds: Double
    /// Absolute path of each declared path (inputs and outputs), as declared → absolute.
    var resolve: @Sendable (String) -> String

    /// The task's cache key, or a one-line reason it cannot run (a missing input). Hashes the inputs,
    /// so it is called once per task, by the scheduler, when the task becomes ready.
    func computeKey() -> Result<String, TaskNotRunnable> {
        var inputHashes: [String: String] = [:]
        for input in task.inputs {
            guard let h = FileIO.sha256(path: resolve(input)) else { return .failure(TaskNotRunnable(message: "input '\(input)' is missing")) }
            inputHashes[input] = h
        }
        return .success(cacheKey(task: task, inputHashes: inputHashes, upstreamOutputs: upstreamOutputs))
    }

    /// The outputs' hashes if `cacheEntry` vouches for this key and every output still matches it.
    func cachedOutputs(key: String) -> [String: String]? {
        guard let entry = cacheEntry, entry.key == key, let outputs = hashOutputs(), outputs == entry.outputs else { return nil }
        return outputs
    }

    /// Runs attempts with exponential backoff between them; posts every transition.
    func run(key: String, post: @Sendable (WorkerEvent) -> Void) {
        let name = task.name
        let launcher = ProcessLauncher(killGraceSeconds: killGraceSeconds)
        let total = task.retries + 1
        var last: (exit: Int32?, timedOut: Bool, message: String, tail: [String]) = (nil, false, "", [])
        if let problem = FileIO.makeParentDirectories(of: task.outputs, resolve: resolve) {
            post(.failed(task: name, exitCode: nil, timedOut: false, attempts: 0, message: problem, stderrTail: []))
            return
        }
        for attempt in 1...total {
            if attempt > 1 {
                let delay = task.backoff(beforeAttempt: attempt)
                post(.retrying(task: name, nextAttempt: attempt, delay: delay, reason: last.message))
                if delay > 0 { usleep(useconds_t(exactly: (min(delay, 3600) * 1_000_000).rounded()) ?? 0) }
            }
            let banner = "== possum: attempt \(attempt) of \(total) at \(ISOTime.format(Date())): \(argv.joined(separator: " "))\n"
            // Log lines only: a failed banner must not fail the attempt, and no fsync is worth it.
            _ = try? appendLine(banner, to: stdoutPath, durable: false)
            _ = try? appendLine(banner, to: stderrPath, durable: false)
            let stderrStart = fileSize(stderrPath)
            let outcome: ProcessOutcome
            do {
                // Started is posted only once there is a process to record: the state write it
                // triggers is what lets a resume find the process if this driver is killed.
                outcome = try launcher.run(argv: argv, directory: workdir, environment: environment, stdoutPath: stdoutPath,
                                           stderrPath: stderrPath, timeoutSeconds: task.timeoutSeconds) { pid in
                    post(.attemptStarted(task: name, attempt: attempt, key: key, process: .spawned(pid: pid)))
                }
            } catch {
                // A command that cannot start will not start on a retry either.
                post(.failed(task: name, exitCode: 127, timedOut: false, attempts: attempt, message: "\(error)", stderrTail: []))
                return
            }
            let tail = FileIO.tailLines(path: stderrPath, from: stderrStart, count: 10)
            if outcome.succeeded {
                // Done means exit 0 *and* every declared output present: hash them now, so what the
                // state records is exactly what this attempt left.
                if let outputs = hashOutputs() {
                    post(.succeeded(task: name, key: key, outputs: outputs, milliseconds: outcome.durationSeconds * 1000, attempts: attempt))
                    return
                }
                let missing = task.outputs.filter { !FileIO.exists(resolve($0)) }
                last = (0, false, "exited 0 but did not write \(missing.map { "'\($0)'" }.joined(separator: ", "))", tail)
            } else if outcome.timedOut {
                last = (outcome.exitCode, true, "timed out after \(formatSeconds(task.timeoutSeconds ?? 0)), its processes killed", tail)
            } else if let signal = outcome.signal {
                last = (outcome.exitCode, false, "killed by signal \(signal)", tail)
            } else {
                last = (outcome.exitCode, false, "exit code \(outcome.exitCode)", tail)
            }
        }
        post(.failed(task: name, exitCode: last.exit, timedOut: last.timedOut, attempts: total, message: last.message, stderrTail: last.tail))
    }

    /// Declared output → SHA-256, or nil if any is missing.
    func hashOutputs() -> [String: String]? {
        var out: [String: String] = [:]
        for o in task.outputs {
            guard let h = FileIO.sha256(path: resolve(o)) else { return nil }
            out[o] = h
        }
        return out
    }
}

func fileSize(_ path: String) -> UInt64 {
    var st = stat()
    return stat(path, &st) == 0 ? UInt64(clamping: st.st_size) : 0
}
