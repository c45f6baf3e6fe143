import Foundation

/// A validated pipeline: the tasks, their edges and a topological order.
///
/// Building one checks everything that can be checked without running anything: duplicate names,
/// unknown dependencies, cycles (reported as the path `a → b → a`), outputs declared twice, inputs
/// produced by a task that is not upstream, and (with `checkFiles`) inputs that neither exist nor are
/// produced by any task. The first problem found is thrown, as one line.
public struct PipelineGraph: Sendable {
    public let pipeline: Pipeline
    /// Task names in a topological order: file order among tasks whose order is free.
    public let order: [String]
    /// name → direct dependencies (in file order).
    public let dependencies: [String: [String]]
    /// name → direct dependents.
    public let dependents: [String: [String]]

    public init(_ pipeline: Pipeline, checkFiles: Bool) throws {
        self.pipeline = pipeline
        var seen: Set<String> = []
        for task in pipeline.tasks where !seen.insert(task.name).inserted {
            throw PipelineError.duplicateTask(name: task.name)
        }
        var deps: [String: [String]] = [:], rdeps: [String: [String]] = [:]
        for task in pipeline.tasks {
            for d in task.dependsOn where !seen.contains(d) {
                throw PipelineError.unknownDependency(task: task.name, dependency: d)
            }
            var unique: [String] = []
            for d in task.dependsOn where !unique.contains(d) { unique.append(d) }
            deps[task.name] = unique
            rdeps[task.name, default: []] += []
            for d in unique { rdeps[d, default: []].append(task.name) }
        }
        if let path = Self.findCycle(names: pipeline.tasks.map(\.name), dependencies: deps) {
            throw PipelineError.cycle(path: path)
        }
        self.dependencies = deps
        self.dependents = rdeps
        self.order = Self.topologicalOrder(names: pipeline.tasks.map(\.name), dependencies: deps)
        try checkFilesFlow(checkExistence: checkFiles)
    }

    /// Every task downstream of `name` (not including it).
    public func descendants(of name: String) -> Set<String> {
        var out: Set<String> = [], stack = dependents[name] ?? []
        while let n = stack.popLast() {
            if out.insert(n).inserted { stack += dependents[n] ?? [] }
        }
        return out
    }

    /// Every task upstream of `name` (not including it).
    public func ancestors(of name: String) -> Set<String> {
        var out: Set<String> = [], stack = dependencies[name] ?? []
        while let n = stack.popLast() {
            if out.insert(n).inserted { stack += dependencies[n] ?? [] }
        }
        return out
    }

    /// Depth of each task: 0 for tasks without dependencies, else 1 + the deepest dependency.
    public var layers: [String: Int] {
        var depth: [String: Int] = [:]
        for n in order { depth[n] = (dependencies[n] ?? []).map { depth[$0]! + 1 }.max() ?? 0 }
        return depth
    }

    func checkFilesFlow(checkExistence: Bool) throws {
        var producer: [String: String] = [:]
        for task in pipeline.tasks {
            for o in task.outputs {
                let key = pipeline.resolve(o)
                if let other = producer[key] { throw PipelineError.duplicateOutput(path: o, tasks: [other, task.name]) }
                producer[key] = task.name
            }
        }
        for task in pipeline.tasks {
            let upstream = ancestors(of: task.name)
            for input in task.inputs {
                let key = pipeline.resolve(input)
                if let p = producer[key] {
                    if p != task.name && !upstream.contains(p) {
                        throw PipelineError.inputNotUpstream(task: task.name, path: input, producer: p)
                    }
                } else if checkExistence && !FileManager.default.fileExists(atPath: key) {
                    throw PipelineError.missingInput(task: task.name, path: input)
                }
            }
        }
    }

    /// A cycle as a closed path (first == last), or nil. Iterative DFS with colours, so deep
    /// pipelines cannot overflow the stack.
    static func findCycle(names: [String], dependencies: [String: [String]]) -> [String]? {
        enum Colour { case white, grey, black }
        var colour = Dictionary(uniqueKeysWithValues: names.map { ($0, Colour.white) })
        for start in names where colour[start] == .white {
            // Stack of (node, index of the next dependency to visit); the grey path is the stack.
            var stack: [(String, Int)] = [(start, 0)]
            colour[start] = .grey
            while let (node, i) = stack.last {
                let next = dependencies[node] ?? []
                if i < next.count {
                    stack[stack.count - 1].1 += 1
                    let d = next[i]
                    switch colour[d]! {
                    case .white:
                        colour[d] = .grey
                        stack.append((d, 0))
                    case .grey:
                        // d is on the current path: the cycle is d … node → d, shown in the
                        // "depends on" direction reversed so it reads as data flows (a → b: b needs a).
                        let path = stack.map(\.0)
                        let from = path.firstIndex(of: d)!
                        let cyc = Array(path[from...]) + [d]
                        return cyc.reversed()
                    case .black:
                        break
                    }
                } else {
                    colour[node] = .black
                    stack.removeLast()
                }
            }
        }
        return nil
    }

    /// Kahn's algorithm, always taking the earliest ready task in file order (stable, predictable).
    static func topologicalOrder(names: [String], dependencies: [String: [String]]) -> [String] {
        var remaining = Dictionary(uniqueKeysWithValues: names.map { ($0, Set(dependencies[$0] ?? [])) })
        var order: [String] = []
        while order.count < names.count {
            guard let next = names.first(where: { remaining[$0]?.isEmpty == true }) else { break }
            order.append(next)
            remaining[next] = nil
            for n in names { remaining[n]?.remove(next) }
        }
        return order
    }
}
