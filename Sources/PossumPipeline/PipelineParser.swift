import Foundation
import PossumYAML
import Yams
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a pipeline from YAML:
///
///     name: possum                 # optional; defaults to the file name without extension
///     workdir: ..                  # optional; relative to this file's directory
///     defaults:                    # optional; per-task fields applied where a task omits them
///       retries: 1
///       retry_delay_seconds: 2
///       timeout_seconds: 600
///     tasks:
///       - name: import
///         command: [possum, data, import, datasets/possum.csv, --out, out/possum.h5]
///         inputs: [datasets/possum.csv]
///         outputs: [out/possum.h5]
///       - name: features
///         depends_on: [import]
///         command: "sh -c 'echo x > out.txt'"   # a string runs through /bin/sh -c
///
/// `tasks` may also be a mapping from name to fields. Unknown keys are refused (a typo such as
/// `depends-on` would otherwise silently drop an edge). Errors carry the file and line.
///
/// The file must be a regular file or a FIFO (read once); its bytes pass `YAMLPrescan` (size,
/// nesting depth, characters) before the YAML parser sees them. Numbers are range-checked here, so
/// nothing downstream (timers, Airflow export, formatting) meets a value it cannot represent.
public enum PipelineParser {
    static let taskKeys: Set<String> = ["name", "command", "depends_on", "inputs", "outputs", "retries",
                                        "retry_delay_seconds", "timeout_seconds"]
    static let topKeys: Set<String> = ["name", "workdir", "defaults", "tasks", "description"]
    /// Upper bounds of the policy fields: far beyond any real task, small enough that every timer,
    /// sleep and exported `timedelta` represents them exactly.
    static let maxRetries = 100
    static let maxRetryDelaySeconds = 86_400
    static let maxTimeoutSeconds = 366 * 86_400

    /// Loads and parses `path` (not validated: see `PipelineValidator`).
    public static func load(path: String) throws -> Pipeline {
        let file = absolute(path)
        let bytes = try readDefinition(path: file, shownAs: path)
        return try parse(bytes: bytes, file: file)
    }

    /// Parses the bytes of a pipeline file, after `YAMLPrescan` has bounded them.
    static func parse(bytes: [UInt8], file: String) throws -> Pipeline {
        if let problem = YAMLPrescan.check(bytes) {
            throw PipelineError.invalidDefinition(file: file, line: problem.line, message: problem.message)
        }
        // Aliases can repeat one large value many times: what the fields hold may exceed the file's
        // size only this much, so hashing, resolving or spawning them stays proportionate.
        let budget = 4 * bytes.count + (1 << 20)
        return try build(yaml: String(decoding: bytes, as: UTF8.self), file: file, stringBudget: budget)
    }

    /// The file's bytes, read once with plain POSIX calls: a regular file or a FIFO, at most
    /// `YAMLPrescan.maxDocumentBytes`. A directory, device or socket is refused before it is opened
    /// (opening a device can have effects of its own).
    static func readDefinition(path: String, shownAs shown: String) throws -> [UInt8] {
        do {
            return try FileIO.readBounded(path, limit: YAMLPrescan.maxDocumentBytes, allowFIFO: true)
        } catch {
            let reason = error.reason ?? "cannot read the pipeline file: \(String(cString: strerror(ENOENT)))"
            throw PipelineError.invalidDefinition(file: shown, line: nil, message: reason.hasPrefix("is ") ? "\(reason), not a pipeline file" : reason)
        }
    }

    /// Parses YAML text; `file` is used for messages, the default name and the default workdir.
    public static func parse(yaml: String, file: String) throws -> Pipeline {
        try parse(bytes: Array(yaml.utf8), file: file)
    }

    private static func build(yaml: String, file: String, stringBudget: Int) throws -> Pipeline {
        let node: Node?
        do {
            node = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw PipelineError.invalidDefinition(file: file, line: YAMLDiagnostics.line(error), message: YAMLDiagnostics.problem(error))
        }
        let context = Context(file: file, stringBudget: stringBudget)
        guard let rootMapping = node?.mapping else {
            throw context.error(node, "expected a mapping with a 'tasks' list at the top level")
        }
        let root = try context.fields(rootMapping, allowed: topKeys, what: "top-level")
        let fileName = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        let name = try root["name"].map { try context.string($0, "name") } ?? fileName
        try checkName(name, node: root["name"], context: context, what: "pipeline name")
        let directory = URL(fileURLWithPath: file).deletingLastPathComponent().path
        var workdir = directory
        if let w = root["workdir"] {
            let given = try context.string(w, "workdir")
            workdir = URL(fileURLWithPath: given.hasPrefix("/") ? given : directory + "/" + given).standardizedFileURL.path
        }
        var defaults = TaskSpec(name: "", command: [])
        if let d = root["defaults"] {
            guard let mapping = d.mapping else { throw context.error(d, "'defaults' must be a mapping") }
            let fields = try context.fields(mapping, allowed: ["retries", "retry_delay_seconds", "timeout_seconds"], what: "defaults")
            try applyPolicy(fields, to: &defaults, owner: "defaults", context: context)
        }
        guard let tasksNode = root["tasks"] else { throw context.error(node, "missing 'tasks'") }
        var entries: [(name: String?, node: Node)] = []
        if let seq = tasksNode.sequence {
            entries = seq.map { (nil, $0) }
        } else if let map = tasksNode.mapping {
            for (key, value) in map { entries.append((try context.string(key, "task name"), value)) }
        } else {
            throw context.error(tasksNode, "'tasks' must be a list (or a mapping from name to task)")
        }
        if entries.isEmpty { throw context.error(tasksNode, "'tasks' is empty") }
        var tasks: [TaskSpec] = []
        var lineOfTask: [String: Int] = [:]
        for (keyName, taskNode) in entries {
            let task = try parseTask(taskNode, keyName: keyName, defaults: defaults, context: context)
            let line = taskNode.mark?.line ?? 0
            if let first = lineOfTask.updateValue(line, forKey: task.name) {
                throw context.error(taskNode, "task name '\(shown(task.name))' given twice (first on line \(first))")
            }
            tasks.append(task)
        }
        return Pipeline(name: name, file: file, workdir: workdir, tasks: tasks)
    }

    static func parseTask(_ node: Node, keyName: String?, defaults: TaskSpec, context: Context) throws -> TaskSpec {
        guard let mapping = node.mapping else { throw context.error(node, "a task must be a mapping") }
        let map = try context.fields(mapping, allowed: taskKeys, what: "task")
        var task = defaults
        if let n = map["name"] {
            task.name = try context.string(n, "name")
            if let keyName, keyName != task.name {
                throw context.error(n, "task key '\(shown(keyName))' and name '\(shown(task.name))' differ")
            }
        } else if let keyName {
            task.name = keyName
        } else {
            throw context.error(node, "task without a 'name'")
        }
        try checkName(task.name, node: map["name"] ?? node, context: context, what: "task name")
        let owner = "task '\(task.name)'"
        guard let c = map["command"] else { throw context.error(node, "\(owner) has no 'command'") }
        if let text = c.string, c.sequence == nil {
            guard !text.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw context.error(c, "\(owner): empty command")
            }
            task.command = ["/bin/sh", "-c", text]
        } else {
            task.command = try context.strings(c, "command")
            if task.command.isEmpty { throw context.error(c, "\(owner): empty command") }
        }
        task.dependsOn = try map["depends_on"].map { try context.strings($0, "depends_on", allowScalar: true) } ?? []
        task.inputs = try map["inputs"].map { try context.strings($0, "inputs", allowScalar: true) } ?? []
        task.outputs = try map["outputs"].map { try context.strings($0, "outputs", allowScalar: true) } ?? []
        try applyPolicy(map, to: &task, owner: owner, context: context)
        return task
    }

    /// retries / retry_delay_seconds / timeout_seconds, shared by tasks and `defaults` (`owner`
    /// names which, in messages).
    static func applyPolicy(_ map: [String: Node], to task: inout TaskSpec, owner: String, context: Context) throws {
        if let r = map["retries"] {
            guard let v = r.int, v >= 0, v <= maxRetries else {
                throw context.error(r, "\(owner): 'retries' must be an integer from 0 to \(maxRetries)")
            }
            task.retries = v
        }
        if let d = map["retry_delay_seconds"] {
            guard let v = d.float, v.isFinite, v >= 0, v <= Double(maxRetryDelaySeconds) else {
                throw context.error(d, "\(owner): 'retry_delay_seconds' must be a number from 0 to \(maxRetryDelaySeconds) (one day)")
            }
            task.retryDelaySeconds = v
        }
        if let t = map["timeout_seconds"] {
            if t.null != nil { task.timeoutSeconds = nil; return }
            guard let v = t.float, v.isFinite, v > 0, v <= Double(maxTimeoutSeconds) else {
                throw context.error(t, "\(owner): 'timeout_seconds' must be a number > 0 and at most \(maxTimeoutSeconds) (366 days), or ~ for none")
            }
            task.timeoutSeconds = v
        }
    }

    static func checkName(_ name: String, node: Node?, context: Context, what: String) throws {
        let ok = !name.isEmpty && name.count <= 200 && name.unicodeScalars.allSatisfy {
            ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || $0 == "_" || $0 == "-" || $0 == "."
        } && !name.hasPrefix(".") && !name.hasPrefix("-")
        guard ok else {
            let length = name.count > 200 ? " (at most 200 characters, not \(name.count))" : ""
            throw context.error(node, "\(what) '\(shown(name))' must be letters, digits, '_', '-' or '.', not starting with '.' or '-'\(length)")
        }
    }

    /// Messages and typed accessors that know the file, so every error names file and line.
    final class Context {
        let file: String
        /// Bytes of strings still allowed out of the document (see `parse(bytes:file:)`).
        private var stringBudget: Int

        init(file: String, stringBudget: Int) {
            self.file = file
            self.stringBudget = stringBudget
        }

        func error(_ node: Node?, _ message: String) -> PipelineError {
            .invalidDefinition(file: file, line: node?.mark.map { $0.line }, message: message)
        }

        func string(_ node: Node, _ field: String) throws -> String {
            guard node.scalar != nil, let s = node.string else { throw error(node, "'\(field)' must be a string") }
            return try noNUL(s, node, field)
        }

        func strings(_ node: Node, _ field: String, allowScalar: Bool = false) throws -> [String] {
            if allowScalar, node.scalar != nil, let s = node.string { return [try noNUL(s, node, field)] }
            guard let seq = node.sequence else { throw error(node, "'\(field)' must be a list of strings") }
            return try seq.map { item in
                guard item.scalar != nil, let s = item.string else { throw error(item, "'\(field)' must be a list of strings") }
                return try noNUL(s, item, field)
            }
        }

        /// A `"\0"` escape would cut a path or argument short at the C boundary.
        func noNUL(_ s: String, _ node: Node, _ field: String) throws -> String {
            stringBudget -= s.utf8.count
            if stringBudget < 0 {
                throw error(node, "the fields' text, with aliases expanded, is far larger than the file (an alias repeating a large value?)")
            }
            if s.utf8.contains(0) { throw error(node, "'\(field)' contains a NUL character") }
            return s
        }

        /// The mapping's fields by key, refusing unknown and repeated keys. Looked up in a
        /// dictionary: Yams' own subscript resolves every key's tag with a regular expression on
        /// each lookup, which was most of the time spent loading a large pipeline.
        func fields(_ map: Node.Mapping, allowed: Set<String>, what: String) throws -> [String: Node] {
            var fields: [String: Node] = [:]
            for (key, value) in map {
                let k = key.string ?? "?"
                if !allowed.contains(k) {
                    throw error(key, "unknown \(what) key '\(shown(k))' (expected one of: \(allowed.sorted().joined(separator: ", ")))")
                }
                if fields.updateValue(value, forKey: k) != nil { throw error(key, "key '\(shown(k))' given twice") }
            }
            return fields
        }
    }
}

/// `path` made absolute against the current directory, lexically normalised.
func absolute(_ path: String) -> String {
    if path.hasPrefix("/") { return URL(fileURLWithPath: path).standardizedFileURL.path }
    return URL(fileURLWithPath: FileManager.default.currentDirectoryPath + "/" + path).standardizedFileURL.path
}
