import Foundation

/// A layered drawing of the DAG as SVG, without Graphviz: each task's column is its depth (longest
/// path from a root), rows within a column are ordered by the mean row of the task's dependencies
/// (one barycentre sweep, enough to untangle small pipelines), edges are cubic curves with arrows.
public enum SVGLayout {
    static let boxWidth = 150.0, boxHeight = 40.0, columnGap = 70.0, rowGap = 24.0, margin = 20.0

    public static func render(_ graph: PipelineGraph, status: [String: TaskStatus] = [:]) -> String {
        let depth = graph.layers
        let columnCount = (depth.values.max() ?? 0) + 1
        var columns = [[String]](repeating: [], count: columnCount)
        for name in graph.order { columns[depth[name] ?? 0].append(name) }
        var row: [String: Double] = [:]
        for (c, names) in columns.enumerated() {
            // Each task's sort key computed once, not in every comparison.
            let keyed = names.enumerated().map { (name: $0.element, offset: $0.offset, key: barycentre($0.element, graph, row) ?? Double($0.offset)) }
            let sorted = c == 0 ? names : keyed.sorted { a, b in
                a.key != b.key ? a.key < b.key : a.offset < b.offset
            }.map(\.name)
            columns[c] = sorted
            for (i, n) in sorted.enumerated() { row[n] = Double(i) }
        }
        let rows = Double(columns.map(\.count).max() ?? 1)
        let width = margin * 2 + Double(columnCount) * boxWidth + Double(columnCount - 1) * columnGap
        let hasLongEdges = graph.order.contains { n in (graph.dependencies[n] ?? []).contains { (depth[n] ?? 0) - (depth[$0] ?? 0) > 1 } }
        let height = margin * 2 + rows * boxHeight + (rows - 1) * rowGap + 24 + (hasLongEdges ? rowGap + 14 : 0)
        // Centre each column vertically.
        func position(_ n: String) -> (x: Double, y: Double) {
            let c = depth[n] ?? 0
            let offset = (rows - Double(columns[c].count)) * (boxHeight + rowGap) / 2
            return (margin + Double(c) * (boxWidth + columnGap), margin + 24 + offset + (row[n] ?? 0) * (boxHeight + rowGap))
        }
        var out = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(fmt(width.rounded(.down)))" height="\(fmt(height.rounded(.down)))" viewBox="0 0 \(fmt(width.rounded(.down))) \(fmt(height.rounded(.down)))" font-family="Helvetica, Arial, sans-serif" font-size="13">
          <defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#555"/></marker></defs>
          <rect width="100%" height="100%" fill="white"/>
          <text x="\(margin)" y="\(margin + 4)" font-weight="bold">\(xmlEscape(graph.pipeline.name))</text>

        """
        for name in graph.order {
            for d in graph.dependencies[name] ?? [] {
                let a = position(d), b = position(name)
                let (x1, y1, x2, y2) = (a.x + boxWidth, a.y + boxHeight / 2, b.x, b.y + boxHeight / 2)
                let mid = (x1 + x2) / 2
                let path: String
                if (depth[name] ?? 0) - (depth[d] ?? 0) > 1 {
                    // A long edge would run straight through the boxes between: bow it below them.
                    let below = max(y1, y2) + boxHeight / 2 + rowGap + 14
                    path = "M \(fmt(a.x + boxWidth / 2)) \(fmt(a.y + boxHeight)) C \(fmt(a.x + boxWidth / 2)) \(fmt(below)), \(fmt(b.x + boxWidth / 2)) \(fmt(below)), \(fmt(b.x + boxWidth / 2)) \(fmt(b.y + boxHeight))"
                } else {
                    path = "M \(fmt(x1)) \(fmt(y1)) C \(fmt(mid)) \(fmt(y1)), \(fmt(mid)) \(fmt(y2)), \(fmt(x2)) \(fmt(y2))"
                }
                out += "  <path d=\"\(path)\" fill=\"none\" stroke=\"#555\" stroke-width=\"1.5\" marker-end=\"url(#arrow)\"/>\n"
            }
        }
        for name in graph.order {
            let p = position(name)
            let fill = colour(status[name])
            let label = name.count > 20 ? String(name.prefix(19)) + "…" : name
            out += "  <g><title>\(xmlEscape(name))</title><rect x=\"\(fmt(p.x))\" y=\"\(fmt(p.y))\" width=\"\(fmt(boxWidth))\" height=\"\(fmt(boxHeight))\" rx=\"8\" fill=\"\(fill)\" stroke=\"#333\"/>"
            out += "<text x=\"\(fmt(p.x + boxWidth / 2))\" y=\"\(fmt(p.y + boxHeight / 2 + 4))\" text-anchor=\"middle\">\(xmlEscape(label))</text></g>\n"
        }
        return out + "</svg>\n"
    }

    static func barycentre(_ name: String, _ graph: PipelineGraph, _ row: [String: Double]) -> Double? {
        let ys = (graph.dependencies[name] ?? []).compactMap { row[$0] }
        return ys.isEmpty ? nil : ys.reduce(0, +) / Double(ys.count)
    }

    static func colour(_ status: TaskStatus?) -> String {
        switch status {
        case .succeeded?: return "#c8e6c9"
        case .cached?: return "#dcedc8"
        case .failed?: return "#ffcdd2"
        case .running?: return "#fff9c4"
        case .skipped?: return "#eeeeee"
        default: return "#e3f2fd"
        }
    }

    /// A coordinate as SVG writes it; total: any Double gives a string, none traps.
    static func fmt(_ v: Double) -> String {
        if let whole = Int(exactly: v) { return String(whole) }
        return v.isFinite ? String(format: "%.1f", v) : "0"
    }
}

func xmlEscape(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
}
