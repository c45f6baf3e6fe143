import Foundation

/// `possum report --out report.html`: one self-contained HTML file (inline CSS and SVG, no scripts,
/// no network) with every experiment, its runs, metric-history charts and the model registry.

/// Renders the whole store. Charts: one per metric key that any run logged more than once, with one
/// polyline per run against step.
public func renderReport(_ store: any TrackingStore, title: String = "possum tracking report") throws -> String {
    var body = "<h1>\(html(title))</h1>\n<p class=meta>store <code>\(html(store.location))</code> · generated \(html(TrackingFormat.formatTime(ProcessIdentity.nowMillis())))</p>\n"
    let experiments = try store.experiments()
    body += "<h2>Experiments</h2>\n<table><tr><th>id</th><th>name</th><th>runs</th><th>created</th></tr>\n"
    var runsByExperiment: [(Experiment, [Run])] = []
    for e in experiments {
        let runs = try store.searchRuns(experimentIDs: [e.experimentID], filter: nil, orderBy: [], maxResults: nil, include: .all)
        runsByExperiment.append((e, runs))
        body += "<tr><td>\(html(e.experimentID))</td><td><a href=\"#exp-\(html(e.experimentID))\">\(html(e.name))</a></td><td class=num>\(runs.count)</td><td>\(e.creationTime.map { html(TrackingFormat.formatTime($0)) } ?? "-")</td></tr>\n"
    }
    body += "</table>\n"

    for (e, runs) in runsByExperiment where !runs.isEmpty {
        body += "<h2 id=\"exp-\(html(e.experimentID))\">Experiment \(html(e.name))</h2>\n"
        let paramKeys = Set(runs.flatMap(\.params.keys)).sorted()
        let metricKeys = Set(runs.flatMap(\.metrics.keys)).sorted()
        body += "<div class=scroll><table><tr><th>run</th><th>status</th><th>start</th><th>duration</th>"
        body += paramKeys.map { "<th class=param>\(html($0))</th>" }.joined() + metricKeys.map { "<th class=metric>\(html($0))</th>" }.joined()
        body += "</tr>\n"
        for r in runs {
            let parent = r.parentRunID.map { " <span class=meta>child of \(html(String($0.prefix(8))))</span>" } ?? ""
            body += "<tr><td><b>\(html(r.info.runName))</b>\(parent)<br><code>\(html(r.info.runID))</code></td>"
            body += "<td class=\"st-\(r.info.status.name.lowercased())\">\(r.info.status.name)</td>"
            body += "<td>\(html(TrackingFormat.formatTime(r.info.startTime)))</td><td>\(html(TrackingFormat.formatDuration(r.info.startTime, r.info.endTime)))</td>"
            body += paramKeys.map { "<td>\(html(r.params[$0] ?? "-"))</td>" }.joined()
            body += metricKeys.map { "<td class=num>\(r.metrics[$0].map { html(formatMetricValue($0.value)) } ?? "-")</td>" }.joined()
            body += "</tr>\n"
        }
        body += "</table></div>\n"
        // Metric histories: only keys with more than one value somewhere are worth a chart.
        for key in metricKeys {
            var series: [(String, [Metric])] = []
            for r in runs where r.metrics[key] != nil {
                series.append((r.info.runName, try store.metricHistory(runID: r.info.runID, key: key)))
            }
            guard series.contains(where: { $0.1.count > 1 }) else { continue }
            body += "<h3>\(html(key)) by step</h3>\n" + svgChart(series) + "\n"
        }
    }

    let models = try store.registeredModels()
    body += "<h2>Registered models</h2>\n"
    if models.isEmpty { body += "<p class=meta>none</p>\n" }
    for m in models {
        body += "<h3>\(html(m.name))</h3>\n"
        if !m.tags.isEmpty {
            body += "<p>" + m.tags.sorted { $0.key < $1.key }.map { "<span class=tag>\(html($0.key))=\(html($0.value))</span>" }.joined(separator: " ") + "</p>\n"
        }
        body += "<table><tr><th>version</th><th>stage</th><th>aliases</th><th>run</th><th>created</th><th>source</th></tr>\n"
        for v in try store.modelVersions(name: m.name) {
            body += "<tr><td>v\(v.version)</td><td class=\"stage-\(v.currentStage.rawValue.lowercased())\">\(v.currentStage.rawValue)</td>"
            body += "<td>\(html(v.aliases.joined(separator: ", ")))</td><td><code>\(html(v.runID ?? "-"))</code></td>"
            body += "<td>\(html(TrackingFormat.formatTime(v.creationTimestamp)))</td><td><code>\(html(v.source))</code></td></tr>\n"
        }
        body += "</table>\n"
    }
    return """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(html(title))</title>
        <style>
        body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
        table{border-collapse:collapse;margin:.5em 0 1.5em}
        th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
        th{background:#f4f4f4} th.metric{background:#eef4ff} th.param{background:#f3fbef}
        td.num{text-align:right;font-variant-numeric:tabular-nums}
        code{font-size:12px;color:#555} .meta{color:#777;font-size:12px}
        .scroll{overflow-x:auto} .tag{background:#eee;border-radius:3px;padding:1px 6px;margin-right:4px}
        .st-finished{color:#2a7a2a} .st-failed,.st-killed{color:#b22} .st-running{color:#b70}
        .stage-production{color:#2a7a2a;font-weight:bold} .stage-staging{color:#b70} .stage-archived{color:#888}
        svg text{font-size:11px;fill:#444}
        </style></head><body>
        \(body)</body></html>

        """
}

/// A line chart of metric value against step, one colored polyline per series, with a legend.
func svgChart(_ series: [(name: String, points: [Metric])]) -> String {
    let (w, h, left, right, top, bottom) = (640.0, 260.0, 60.0, 160.0, 10.0, 30.0)
    let all = series.flatMap(\.points).filter { $0.value.isFinite }
    guard let minStep = all.map(\.step).min(), let maxStep = all.map(\.step).max(),
          let minV = all.map(\.value).min(), let maxV = all.map(\.value).max() else { return "" }
    let stepSpan = Double(max(1, maxStep - minStep)), vSpan = maxV > minV ? maxV - minV : 1
    func x(_ step: Int64) -> Double { left + Double(step - minStep) / stepSpan * (w - left - right) }
    func y(_ v: Double) -> Double { top + (1 - (v - minV) / vSpan) * (h - top - bottom) }
    let colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
    var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(w))\" height=\"\(Int(h))\" viewBox=\"0 0 \(Int(w)) \(Int(h))\">"
    svg += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(w - left - right)\" height=\"\(h - top - bottom)\" fill=\"none\" stroke=\"#ccc\"/>"
    svg += "<text x=\"\(left - 4)\" y=\"\(top + 10)\" text-anchor=\"end\">\(html(formatMetricValue(maxV)))</text>"
    svg += "<text x=\"\(left - 4)\" y=\"\(h - bottom)\" text-anchor=\"end\">\(html(formatMetricValue(minV)))</text>"
    svg += "<text x=\"\(left)\" y=\"\(h - 10)\">step \(minStep)</text><text x=\"\(w - right)\" y=\"\(h - 10)\" text-anchor=\"end\">step \(maxStep)</text>"
    for (k, s) in series.enumerated() {
        let color = colors[k % colors.count]
        let pts = s.points.filter { $0.value.isFinite }.sorted { ($0.step, $0.timestamp) < ($1.step, $1.timestamp) }
        let coords = pts.map { String(format: "%.1f,%.1f", x($0.step), y($0.value)) }.joined(separator: " ")
        if pts.count == 1 {
            svg += "<circle cx=\"\(x(pts[0].step))\" cy=\"\(y(pts[0].value))\" r=\"3\" fill=\"\(color)\"/>"
        } else {
            svg += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\" points=\"\(coords)\"/>"
        }
        svg += "<text x=\"\(w - right + 8)\" y=\"\(top + 14 + Double(k) * 14)\" fill=\"\(color)\">\(html(String(s.name.prefix(22))))</text>"
    }
    return svg + "</svg>"
}

/// Escapes text for HTML element content and attribute values.
func html(_ s: String) -> String {
    var out = ""
    for c in s {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.append(c)
        }
    }
    return out
}
