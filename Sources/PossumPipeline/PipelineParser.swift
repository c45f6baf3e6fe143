import Foundation
import Yams

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
public enum PipelineParser {
    static let taskKeys: Set<String> = ["name", "command", "depends_on", "inputs", "outputs", "retries",
                                        "retry_delay_seconds", "timeout_seconds"]
    static let topKeys: Set<String> = ["name", "workdir", "defaults", "tasks", "description"]

    /// Loads and parses `path` (not validated: see `PipelineValidator`).
    public static func load(path: String) throws -> Pipeline {
        let file = absolute(path)
        guard let data = FileManager.default.contents(atPath: file) else {
            throw PipelineError.invalidDefinition(file: path, line: nil, message: "cannot read the pipeline file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw PipelineError.invalidDefinition(file: path, line: nil, message: "not UTF-8 text")
        }
        return try parse(yaml: text, file: file)
    }

    /// Parses YAML text; `file` is used for messages, the default name and the default workdir.
    public static func parse(yaml: String, file: String) throws -> Pipeline {
        let node: Node?
        do {
            node = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw PipelineError.invalidDefinition(file: file, line: yamlErrorLine(error), message: yamlErrorProblem(error))
        }
        let context = Context(file: file)
        guard let root = node?.mapping else {
            throw context.error(node, "expected a mapping with a 'tasks' list at the top level")
        }
        try context.refuseUnknownKeys(root, allowed: topKeys, what: "top-level")
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
            try context.refuseUnknownKeys(mapping, allowed: ["retries", "retry_delay_seconds", "timeout_seconds"], what: "defaults")
            try applyPolicy(mapping, to: &defaults, context: context)
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
        for (keyName, taskNode) in entries {
            tasks.append(try parseTask(taskNode, keyName: keyName, defaults: defaults, context: context))
        }
        return Pipeline(name: name, file: file, workdir: workdir, tasks: tasks)
    }

    static func parseTask(_ node: Node, keyName: String?, defaults: TaskSpec, context: Context) throws -> TaskSpec {
        guard let map = node.mapping else { throw context.error(node, "a task must be a mapping") }
        try context.refuseUnknownKeys(map, allowed: taskKeys, what: "task")
        var task = defaults
        if let n = map["name"] {
            task.name = try context.string(n, "name")
            if let keyName, keyName != task.name {
                throw context.error(n, "task key '\(keyName)' and name '\(task.name)' differ")
            }
        } else if let keyName {
            task.name = keyName
        } else {
            throw context.error(node, "task without a 'name'")
        }
        try checkName(task.name, node: map["name"] ?? node, context: context, what: "task name")
        guard let c = map["command"] else { throw context.error(node, "task '\(task.name)' has no 'command'") }
        if let text = c.string, c.sequence == nil {
            guard !text.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw context.error(c, "task '\(task.name)': empty command")
            }
            task.command = ["/bin/sh", "-c", text]
        } else {
            task.command = try context.strings(c, "command")
            if task.command.isEmpty { throw context.error(c, "task '\(task.name)': empty command") }
        }
        task.dependsOn = try map["depends_on"].map { try context.strings($0, "depends_on", allowScalar: true) } ?? []
        task.inputs = try map["inputs"].map { try context.strings($0, "inputs", allowScalar: true) } ?? []
        task.outputs = try map["outputs"].map { try context.strings($0, "outputs", allowScalar: true) } ?? []
        try applyPolicy(map, to: &task, context: context)
        return task
    }

    /// retries / retry_delay_seconds / timeout_seconds, shared by tasks and `defaults`.
    static func applyPolicy(_ map: Node.Mapping, to task: inout TaskSpec, context: Context) throws {
        if let r = map["retries"] {
            guard let v = r.int, v >= 0, v <= 100 else { throw context.error(r, "'retries' must be an integer from 0 to 100") }
            task.retries = v
        }
        if let d = map["retry_delay_seconds"] {
            guard let v = d.float, v.isFinite, v >= 0 else { throw context.error(d, "'retry_delay_seconds' must be a number >= 0") }
            task.retryDelaySeconds = v
        }
        if let t = map["timeout_seconds"] {
            if t.null != nil { task.timeoutSeconds = nil; return }
            guard let v = t.float, v.isFinite, v > 0 else { throw context.error(t, "'timeout_seconds' must be a number > 0") }
            task.timeoutSeconds = v
        }
    }

    static func checkName(_ name: String, node: Node?, context: Context, what: String) throws {
        let ok = !name.isEmpty && name.count <= 200 && name.unicodeScalars.allSatisfy {
            ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || $0 == "_" || $0 == "-" || $0 == "."
        } && !name.hasPrefix(".") && !name.hasPrefix("-")
        guard ok else {
            throw context.error(node, "\(what) '\(name)' must be letters, digits, '_', '-' or '.', not starting with '.' or '-'")
        }
    }

    /// Messages and typed accessors that know the file, so every error names file and line.
    struct Context {
        var file: String

        func error(_ node: Node?, _ message: String) -> PipelineError {
            .invalidDefinition(file: file, line: node?.mark.map { $0.line }, message: message)
        }

        func string(_ node: Node, _ field: String) throws -> String {
            guard node.scalar != nil, let s = node.string else { throw error(node, "'\(field)' must be a string") }
            return s
        }

        func strings(_ node: Node, _ field: String, allowScalar: Bool = false) throws -> [String] {
            if allowScalar, node.scalar != nil, let s = node.string { return [s] }
            guard let seq = node.sequence else { throw error(node, "'\(field)' must be a list of strings") }
            return try seq.map { item in
                guard item.scalar != nil, let s = item.string else { throw error(item, "'\(field)' must be a list of strings") }
                return s
            }
        }

        func refuseUnknownKeys(_ map: Node.Mapping, allowed: Set<String>, what: String) throws {
            var seen: Set<String> = []
            for key in map.keys {
                let k = key.string ?? "?"
                if !allowed.contains(k) {
                    throw error(key, "unknown \(what) key '\(k)' (expected one of: \(allowed.sorted().joined(separator: ", ")))")
                }
                if !seen.insert(k).inserted { throw error(key, "key '\(k)' given twice") }
            }
        }
    }

    static func yamlErrorLine(_ error: YamlError) -> Int? {
        switch error {
        case let .scanner(_, _, mark, _), let .parser(_, _, mark, _), let .composer(_, _, mark, _): return mark.line
        default: return nil
        }
    }

    static func yamlErrorProblem(_ error: YamlError) -> String {
        switch error {
        case let .scanner(_, problem, _, _), let .parser(_, problem, _, _), let .composer(_, problem, _, _):
            return "invalid YAML: \(problem)"
        default:
            return "invalid YAML: " + String(describing: error).split(separator: "\n").joined(separator: " ")
        }
    }
}

/// `path` made absolute against the current directory, lexically normalised.
func absolute(_ path: String) -> String {
    if path.hasPrefix("/") { return URL(fileURLWithPath: path).standardizedFileURL.path }
    return URL(fileURLWithPath: FileManager.default.currentDirectoryPath + "/" + path).standardizedFileURL.path
}
