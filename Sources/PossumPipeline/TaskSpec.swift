import Foundation

/// One task of a pipeline, as declared in the YAML file.
public struct TaskSpec: Sendable, Equatable, Codable {
    /// Unique within the pipeline; letters, digits, `_`, `.`, `-` (also a valid Airflow task_id).
    public var name: String
    /// argv. A first element `possum` means "the possum binary running this pipeline".
    public var command: [String]
    public var dependsOn: [String]
    /// Files read, relative to the pipeline's working directory (or absolute). Hashed for the cache.
    public var inputs: [String]
    /// Files written. A task is done only when it exited 0 and all of these exist.
    public var outputs: [String]
    /// Extra attempts after a failure (0 = run once).
    public var retries: Int
    /// Delay before the first retry; doubled before each further one.
    public var retryDelaySeconds: Double
    /// Wall-clock limit per attempt; nil = none. On expiry the task's process group is killed.
    public var timeoutSeconds: Double?

    public init(name: String, command: [String], dependsOn: [String] = [], inputs: [String] = [], outputs: [String] = [],
                retries: Int = 0, retryDelaySeconds: Double = 1, timeoutSeconds: Double? = nil) {
        self.name = name
        self.command = command
        self.dependsOn = dependsOn
        self.inputs = inputs
        self.outputs = outputs
        self.retries = retries
        self.retryDelaySeconds = retryDelaySeconds
        self.timeoutSeconds = timeoutSeconds
    }

    /// The delay before attempt `attempt` (2, 3, ...): exponential backoff from `retryDelaySeconds`.
    public func backoff(beforeAttempt attempt: Int) -> Double {
        retryDelaySeconds * Double(1 << min(max(attempt - 2, 0), 20))
    }
}

/// An absolute path with `.`, `..` and repeated or trailing slashes folded away, without touching
/// the file system (as `URL.standardizedFileURL` does, at a fraction of its cost: this runs for every
/// input and output of every task).
func lexicallyNormalized(_ path: String) -> String {
    var parts: [Substring] = []
    for part in path.split(separator: "/", omittingEmptySubsequences: true) {
        if part == "." { continue }
        if part == ".." {
            _ = parts.popLast()
            continue
        }
        parts.append(part)
    }
    return "/" + parts.joined(separator: "/")
}

/// A parsed (not yet validated) pipeline: a name, a working directory and its tasks in file order.
public struct Pipeline: Sendable, Equatable {
    /// Names the DAG's state directory, lock and tracker runs; also the Airflow dag_id.
    public var name: String
    /// The YAML file it came from (absolute), for messages and for `possum task run` in exports.
    public var file: String
    /// Where commands run and relative paths resolve (absolute). `workdir:` in the YAML, relative to
    /// the file's directory; the file's directory if absent. Pipeline state lives in `<workdir>/.possum`.
    public var workdir: String
    public var tasks: [TaskSpec]

    public init(name: String, file: String, workdir: String, tasks: [TaskSpec]) {
        self.name = name
        self.file = file
        self.workdir = workdir
        self.tasks = tasks
    }

    public func task(named name: String) -> TaskSpec? { tasks.first { $0.name == name } }

    /// Throws unless the working directory exists and is a directory. Checked before anything
    /// runs or is written there: a typo in `workdir:` must not become a new directory that tasks
    /// then run in.
    public func requireWorkdir() throws {
        var st = stat()
        guard stat(workdir, &st) == 0 else {
            let problem = errno == ENOENT ? "does not exist" : "cannot be read (\(String(cString: strerror(errno))))"
            throw PipelineError.missingWorkdir(file: file, workdir: workdir, problem: problem)
        }
        guard st.st_mode & S_IFMT == S_IFDIR else {
            throw PipelineError.missingWorkdir(file: file, workdir: workdir, problem: "is not a directory")
        }
    }

    /// `path` made absolute against the working directory and lexically normalised, so that
    /// `x.txt` and `./x.txt` name the same file.
    public func resolve(_ path: String) -> String {
        lexicallyNormalized(path.hasPrefix("/") ? path : workdir + "/" + path)
    }
}
