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
    /// A system call failed (spawn, open, rename...).
    case system(operation: String, path: String, errno: Int32)

    public var description: String {
        switch self {
        case let .invalidDefinition(file, line, message):
            return line.map { "\(file):\($0): \(message)" } ?? "\(file): \(message)"
        case let .unknownDependency(task, dependency):
            return "task '\(task)' depends on unknown task '\(dependency)'"
        case let .duplicateTask(name):
            return "duplicate task name '\(name)'"
        case let .cycle(path):
            return "dependency cycle: \(path.joined(separator: " → "))"
        case let .missingInput(task, path):
            return "task '\(task)': input '\(path)' does not exist and no task produces it"
        case let .inputNotUpstream(task, path, producer):
            return "task '\(task)' reads '\(path)', produced by '\(producer)', but does not depend on '\(producer)'"
        case let .duplicateOutput(path, tasks):
            return "output '\(path)' is declared by several tasks: \(tasks.joined(separator: ", "))"
        case let .unknownTask(name):
            return "no task named '\(name)'"
        case let .corruptState(file, reason):
            return "corrupted state file \(file): \(reason)"
        case let .unknownRun(id, directory):
            return "no DAG run '\(id)' under \(directory)"
        case let .locked(dag, lockFile, holder):
            let who = holder.map { " by pid \($0)" } ?? ""
            return "DAG '\(dag)' is already running (lock \(lockFile) held\(who)); wait for it, or pass --wait"
        case let .system(operation, path, errno):
            return "\(operation) \(path): \(String(cString: strerror(errno)))"
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
