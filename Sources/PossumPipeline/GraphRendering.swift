import Foundation

/// The DAG as text (for `dag show`) and as Graphviz DOT.
public enum GraphRendering {
    /// Indentation shows a task's layer up to this depth; deeper tasks are indented as this one and
    /// say their layer, so a long chain's output grows linearly, not with the square of its length.
    static let maxIndentedLayer = 16

    /// Tasks by layer, each with its command, dependencies, inputs and outputs.
    public static func text(_ graph: PipelineGraph) -> String {
        let p = graph.pipeline
        var lines = ["DAG \(p.name) (\(p.tasks.count) tasks), workdir \(p.workdir)"]
        let layers = graph.layers
        for name in graph.order {
            guard let t = graph.task(named: name) else { continue }
            let layer = layers[name] ?? 0
            let indent = String(repeating: "  ", count: min(layer, maxIndentedLayer) + 1)
            let deep = layer > maxIndentedLayer ? "  [layer \(layer)]" : ""
            let deps = (t.dependsOn.isEmpty ? "" : "  ← " + t.dependsOn.joined(separator: ", ")) + deep
            lines.append("\(indent)\(name)\(deps)")
            lines.append("\(indent)  $ \(t.command.map(shellQuote).joined(separator: " "))")
            if !t.inputs.isEmpty { lines.append("\(indent)  in:  \(t.inputs.joined(separator: ", "))") }
            if !t.outputs.isEmpty { lines.append("\(indent)  out: \(t.outputs.joined(separator: ", "))") }
            var policy: [String] = []
            if t.retries > 0 { policy.append("retries \(t.retries), delay \(formatSeconds(t.retryDelaySeconds)) doubling") }
            if let s = t.timeoutSeconds { policy.append("timeout \(formatSeconds(s))") }
            if !policy.isEmpty { lines.append("\(indent)  \(policy.joined(separator: "; "))") }
        }
        return lines.joined(separator: "\n")
    }

    public static func dot(_ graph: PipelineGraph) -> String {
        var lines = ["digraph \(dotID(graph.pipeline.name)) {", "  rankdir=LR;", "  node [shape=box, style=rounded, fontname=\"Helvetica\"];"]
        for name in graph.order { lines.append("  \(dotID(name));") }
        for name in graph.order {
            for d in graph.dependencies[name] ?? [] { lines.append("  \(dotID(d)) -> \(dotID(name));") }
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    static func dotID(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}

/// Bytes a shell word may hold unquoted (built once: this runs for every word of every command).
private let shellSafeBytes = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./:=+,@%".utf8)

/// `s` quoted for a POSIX shell when it needs to be.
func shellQuote(_ s: String) -> String {
    if !s.isEmpty && s.utf8.allSatisfy({ shellSafeBytes.contains($0) }) { return s }
    return "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
