/// Everything that can go wrong loading, validating or running a pipeline.
///
/// Each case renders as one line that names the file or task at fault, because the CLI prints
/// `description` as is and exits non-zero: a user should be able to act on the message alone.
public enum PipelineError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The YAML could not be read or parsed, or a field has the wrong shape.
    case invalidDefinition(file: String, line: Int?, message: String)
    /// `depends_on` names a task that does not exist.
    case unknownDependency(task: String, dependency: String)
    /// Two tasks share a name.
    case duplicateTask(name: String)
    /// The dependency graph has a cycle; `path` starts and ends with the same task.
    case cycle(path: [String])
    /// An input file is missing on disk and no task declares it as an output.
    case missingInput(task: String, path: String)
    /// An input is produced by a task that is not upstream, so the order would be arbitrary.
    case inputNotUpstream(task: String, path: String, producer: String)
    /// Two tasks declare the same output file.
    case duplicateOutput(path: String, tasks: [String])
    /// No task has this name (`--force X`, `possum task run FILE X`).
    case unknownTask(name: String)
    /// A state or cache file exists but is not what we wrote.
    case corruptState(file: String, reason: String)
    /// No run with this id under the state directory.
    case unknownRun(id: String, directory: String)
    /// Another process holds the DAG's lock.
    case locked(dag: String, lockFile: String, holder: String?)
    /// The pipeline's working directory is missing or not a directory (`problem` says which).
    case missingWorkdir(file: String, workdir: String, problem: String)
    /// A system call failed (spawn, open, rename...).
    case system(operation: String, path: String, errno: Int32)

    public var description: String {
        // Names and paths come from the user's files: shown escaped and cut, so the message stays one line.
        switch self {
        case let .invalidDefinition(file, line, message):
            let at = shown(file, limit: 300)
            return shown(line.map { "\(at):\($0): \(message)" } ?? "\(at): \(message)", limit: 1000)
        case let .unknownDependency(task, dependency):
            return "task '\(shown(task))' depends on unknown task '\(shown(dependency))'"
        case let .duplicateTask(name):
            return "duplicate task name '\(shown(name))'"
        case let .cycle(path):
            // A cycle through thousands of tasks is named by its ends, not listed.
            let names = path.map { shown($0) }
            let listed = names.count <= 12 ? names : names.prefix(5) + ["… (\(names.count - 1) tasks) …"] + names.suffix(5)
            return "dependency cycle: \(listed.joined(separator: " → "))"
        case let .missingInput(task, path):
            return "task '\(shown(task))': input '\(shown(path))' does not exist and no task produces it"
        case let .inputNotUpstream(task, path, producer):
            return "task '\(shown(task))' reads '\(shown(path))', produced by '\(shown(producer))', but does not depend on '\(shown(producer))'"
        case let .duplicateOutput(path, tasks):
            return "output '\(shown(path))' is declared by several tasks: \(tasks.map { shown($0) }.joined(separator: ", "))"
        case let .unknownTask(name):
            return "no task named '\(shown(name))'"
        case let .corruptState(file, reason):
            return "corrupted state file \(shown(file, limit: 300)): \(shown(reason, limit: 300))"
        case let .unknownRun(id, directory):
            return "no DAG run '\(shown(id))' under \(shown(directory, limit: 300))"
        case let .locked(dag, lockFile, holder):
            let who = holder.map { " by pid \(shown($0))" } ?? ""
            return "DAG '\(shown(dag))' is already running (lock \(shown(lockFile, limit: 300)) held\(who)); wait for it, or pass --wait"
        case let .missingWorkdir(file, workdir, problem):
            return "\(shown(file, limit: 300)): workdir \(shown(workdir, limit: 300)) \(problem); create it or fix 'workdir:'"
        case let .system(operation, path, errno):
            return "\(operation) \(shown(path, limit: 300)): \(String(cString: strerror(errno)))"
        }
    }
}

/// A validation error prefixed with the pipeline file it concerns (the graph's own errors name
/// tasks, not files).
public struct PipelineFileError: Error, Equatable, CustomStringConvertible, Sendable {
    public var file: String
    public var error: PipelineError

    public init(file: String, error: PipelineError) {
        self.file = file
        self.error = error
    }

    public var description: String { "\(shown(file, limit: 300)): \(error)" }
}

/// A user-supplied string as a message shows it: control characters escaped (a newline in a
/// name must not break the one-line message, an escape sequence must not reach the terminal) and
/// cut to `limit` characters.
func shown(_ s: String, limit: Int = 80) -> String {
    var out = ""
    var count = 0
    for scalar in s.unicodeScalars {
        if count >= limit { return out + "…" }
        switch scalar {
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        case "\r": out += "\\r"
        default:
            if scalar.value < 0x20 || (0x7f...0x9f).contains(scalar.value) || scalar.value == 0x2028 || scalar.value == 0x2029 {
                out += "\\u{" + String(scalar.value, radix: 16) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        count += 1
    }
    return out
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
