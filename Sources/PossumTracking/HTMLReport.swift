import Foundation
import PossumPlot

/// `possum report --out report.html`: one self-contained HTML file (inline CSS, SVG and a few
/// lines of JS; no network) with, per experiment, the leave-one-out error against alpha of every
/// run, the other metric histories, a sortable params-and-metrics table of the runs, each run's
/// predicted-vs-true picture, and the model registry. Every string from the store is escaped.

/// The metric histories `possum train` logs for the LOO curve: at step k, the LOO RMSE and the
/// alpha of grid point k. MLflow's UI plots both against step; the report pairs them by step.
public enum LeaveOneOutCurve {
    public static let errorKey = "loo_rmse_by_alpha"
    public static let alphaKey = "alpha_grid"
    /// The chosen alpha (a plain metric), marked on the curve.
    public static let chosenAlphaKey = "alpha"
}

/// The predicted-vs-true pictures a run can carry as artifacts, in order of preference.
public let predictedVersusTrueArtifacts = ["predicted_vs_true.svg", "predicted_vs_true.png"]

/// Pictures larger than this are named, not embedded.
let largestEmbeddedPicture = 4 << 20
/// Pictures embedded per experiment; the report of a store with thousands of runs stays openable.
let picturesPerExperiment = 24

/// Renders the whole store.
public func renderReport(_ store: any TrackingStore, title: String = "possum tracking report") throws -> String {
    var body = "<h1>\(html(title))</h1>\n<p class=meta>store <code>\(html(store.location))</code> · generated \(html(TrackingFormat.formatTime(ProcessIdentity.nowMillis())))</p>\n"
    let experiments = try store.experiments()
    body += "<h2>Experiments</h2>\n<table class=plain><thead><tr><th>id</th><th>name</th><th>runs</th><th>created</th></tr></thead><tbody>\n"
    var runsByExperiment: [(Experiment, [Run])] = []
    for e in experiments {
        let runs = try store.searchRuns(experimentIDs: [e.experimentID], filter: nil, orderBy: [], maxResults: nil, include: .all)
        runsByExperiment.append((e, runs))
        body += "<tr><td>\(html(e.experimentID))</td><td><a href=\"#exp-\(html(e.experimentID))\">\(html(e.name))</a></td><td class=num>\(runs.count)</td><td>\(e.creationTime.map { html(TrackingFormat.formatTime($0)) } ?? "-")</td></tr>\n"
    }
    body += "</tbody></table>\n"
    for (e, runs) in runsByExperiment where !runs.isEmpty {
        body += try experimentSection(e, runs, store)
    }
    body += try registrySection(store)
    return """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
        <title>\(html(title))</title>
        <style>\(reportStyle)</style></head><body>
        \(body)<script>\(sortScript)</script>
        </body></html>

        """
}

/// One experiment: charts, the runs table, the pictures.
func experimentSection(_ e: Experiment, _ runs: [Run], _ store: any TrackingStore) throws -> String {
    var out = "<h2 id=\"exp-\(html(e.experimentID))\">Experiment \(html(e.name))</h2>\n"
    let curveKeys: Set = [LeaveOneOutCurve.errorKey, LeaveOneOutCurve.alphaKey]
    let paramKeys = Set(runs.flatMap(\.params.keys)).sorted()
    let metricKeys = Set(runs.flatMap(\.metrics.keys)).subtracting(curveKeys).sorted()

    var charts: [String] = []
    if let curve = try leaveOneOutChart(runs, store) {
        charts.append(figure(curve, caption: "Leave-one-out RMSE against alpha (log scale); ○ the alpha each run chose"))
    }
    // Other histories: only keys with more than one value somewhere are worth a chart.
    for key in metricKeys {
        var series: [LineChart.Series] = []
        for r in runs where r.metrics[key] != nil {
            let history = try store.metricHistory(runID: r.info.runID, key: key)
            series.append(.init(name: legendName(r), points: history.map { .init(x: Double($0.step), y: $0.value) }))
        }
        guard series.contains(where: { $0.points.count > 1 }) else { continue }
        var chart = LineChart(series: series, xLabel: "step", yLabel: key)
        chart.integerX = true
        charts.append(figure(chart.svg(), caption: "\(html(key)) by step"))
    }
    if !charts.isEmpty { out += "<div class=charts>\n" + charts.joined(separator: "\n") + "\n</div>\n" }
    out += runsTable(runs, paramKeys: paramKeys, metricKeys: metricKeys)
    out += pictures(runs, store)
    return out
}

/// Every run with both LOO histories, one curve each against its alphas; nil when none has them.
func leaveOneOutChart(_ runs: [Run], _ store: any TrackingStore) throws -> String? {
    var series: [LineChart.Series] = []
    for r in runs where r.metrics[LeaveOneOutCurve.errorKey] != nil && r.metrics[LeaveOneOutCurve.alphaKey] != nil {
        var alphaAt: [Int64: Double] = [:]
        for m in try store.metricHistory(runID: r.info.runID, key: LeaveOneOutCurve.alphaKey) { alphaAt[m.step] = m.value }
        let points = try store.metricHistory(runID: r.info.runID, key: LeaveOneOutCurve.errorKey).compactMap { m in
            alphaAt[m.step].map { LineChart.Point(x: $0, y: m.value) }
        }
        guard !points.isEmpty else { continue }
        // The grid point of the chosen alpha (the closest one, should the logged alpha be rounded).
        let chosen = r.metrics[LeaveOneOutCurve.chosenAlphaKey].map(\.value).flatMap { alpha in
            points.filter { $0.x > 0 }.min { abs(log($0.x / alpha)) < abs(log($1.x / alpha)) }
        }
        var name = legendName(r)
        if let chosen { name += String(format: "  α = %.3g", chosen.x) }
        series.append(.init(name: name, points: points, marked: chosen))
    }
    guard !series.isEmpty else { return nil }
    var chart = LineChart(series: series, xLabel: "alpha (ridge penalty)", yLabel: "LOO RMSE", logX: true)
    (chart.width, chart.height, chart.legendCharacters, chart.legendBelow) = (900, 360, 90, true)
    return chart.svg()
}

/// `name (3f2a9c1e)`: a run as a legend or caption names it.
func legendName(_ r: Run) -> String { "\(shortened(r.info.runName, 48)) (\(r.info.runID.prefix(8)))" }

func figure(_ svg: String, caption: String) -> String {
    "<figure class=chart>\(svg)<figcaption>\(caption)</figcaption></figure>"
}

/// The runs side by side: params then metrics, each header sortable. Long values are cut in the
/// middle and carry the whole value as a tooltip, and every cell may wrap anywhere, so the table
/// never grows wider than the page.
func runsTable(_ runs: [Run], paramKeys: [String], metricKeys: [String]) -> String {
    // Past this many params and metrics, numbers and names may break anywhere too, so even a
    // table of very many columns fits the page.
    let many = paramKeys.count + metricKeys.count > 12 ? " many" : ""
    var out = "<h3>Runs</h3>\n<table class=\"runs sortable\(many)\"><colgroup><col class=c-run><col class=c-status><col class=c-time><col class=c-duration>"
    out += String(repeating: "<col>", count: paramKeys.count + metricKeys.count) + "</colgroup>\n<thead><tr class=group><th colspan=4 class=nosort></th>"
    if !paramKeys.isEmpty { out += "<th colspan=\(paramKeys.count) class=\"param nosort\">params</th>" }
    if !metricKeys.isEmpty { out += "<th colspan=\(metricKeys.count) class=\"metric nosort\">metrics</th>" }
    out += "</tr>\n<tr><th>run</th><th>status</th><th>start</th><th>duration</th>"
    out += paramKeys.map { "<th class=param title=\"\(html($0))\">\(headerText($0))</th>" }.joined()
    out += metricKeys.map { "<th class=metric title=\"\(html($0))\">\(headerText($0))</th>" }.joined()
    out += "</tr></thead><tbody>\n"
    for r in runs {
        let parent = r.parentRunID.map { " <span class=meta>child of \(html(String($0.prefix(8))))</span>" } ?? ""
        out += "<tr><td data-sort=\"\(html(r.info.runName))\"><b title=\"\(html(r.info.runName))\">\(html(shortened(r.info.runName, 40)))</b>\(parent)<br>"
        out += "<code title=\"\(html(r.info.runID))\">\(html(String(r.info.runID.prefix(8))))</code></td>"
        out += "<td class=\"st-\(r.info.status.name.lowercased())\">\(r.info.status.name)</td>"
        out += "<td data-sort=\"\(r.info.startTime)\">\(html(TrackingFormat.formatTime(r.info.startTime)))</td>"
        let seconds = r.info.endTime.map { (Double($0) - Double(r.info.startTime)) / 1000 }
        out += "<td class=num data-sort=\"\(seconds.map { String(format: "%.3f", $0) } ?? "")\">\(html(TrackingFormat.formatDuration(r.info.startTime, r.info.endTime)))</td>"
        for key in paramKeys {
            guard let value = r.params[key] else { out += "<td data-sort=\"\">-</td>"; continue }
            let number = Double(value).map { String(format: "%.17g", $0) } ?? value
            out += "<td data-sort=\"\(html(number))\" title=\"\(html(value))\">\(html(shortened(value, 20)))</td>"
        }
        for key in metricKeys {
            guard let m = r.metrics[key] else { out += "<td class=num data-sort=\"\">-</td>"; continue }
            out += "<td class=num data-sort=\"\(String(format: "%.17g", m.value))\" title=\"\(html(String(m.value)))\">\(html(formatMetricValue(m.value)))</td>"
        }
        out += "</tr>\n"
    }
    return out + "</tbody></table>\n"
}

/// A column name cut to 24 characters, with a line-break chance after each underscore
/// (`fit_<wbr>seconds`), so narrow columns break names where a reader would.
func headerText(_ key: String) -> String {
    html(shortened(key, 24)).replacingOccurrences(of: "_", with: "_<wbr>")
}

/// Each run's predicted-vs-true picture (an artifact of the run), embedded as a data URI: an
/// image so loaded runs no script and fetches nothing, whatever the file holds.
func pictures(_ runs: [Run], _ store: any TrackingStore) -> String {
    var cards: [String] = [], missing = 0
    for r in runs {
        var found: (name: String, bytes: [UInt8])?
        var problem: String?
        for name in predictedVersusTrueArtifacts where found == nil && problem == nil {
            do {
                if let bytes = try store.artifactBytes(runID: r.info.runID, path: name, limit: largestEmbeddedPicture) { found = (name, bytes) }
            } catch {
                problem = "\(name): \(error)"
            }
        }
        let caption = "<figcaption>\(html(legendName(r)))</figcaption>"
        if let problem {
            cards.append("<figure class=picture><p class=meta>picture not shown: \(html(problem))</p>\(caption)</figure>")
        } else if let found {
            guard cards.count < picturesPerExperiment else { missing += 1; continue }
            let type = found.name.hasSuffix(".svg") ? "image/svg+xml" : "image/png"
            cards.append("<figure class=picture><img src=\"data:\(type);base64,\(Data(found.bytes).base64EncodedString())\" alt=\"predicted against true values, run \(html(legendName(r)))\">\(caption)</figure>")
        }
    }
    guard !cards.isEmpty else { return "" }
    var out = "<h3>Predicted vs true</h3>\n<div class=pictures>\n" + cards.joined(separator: "\n") + "\n</div>\n"
    if missing > 0 { out += "<p class=meta>\(missing) more runs have a picture (see their artifacts)</p>\n" }
    return out
}

func registrySection(_ store: any TrackingStore) throws -> String {
    let models = try store.registeredModels()
    var out = "<h2>Registered models</h2>\n"
    if models.isEmpty { out += "<p class=meta>none</p>\n" }
    for m in models {
        out += "<h3>\(html(m.name))</h3>\n"
        if !m.tags.isEmpty {
            out += "<p>" + m.tags.sorted { $0.key < $1.key }.map { "<span class=tag>\(html($0.key))=\(html($0.value))</span>" }.joined(separator: " ") + "</p>\n"
        }
        out += "<table class=\"plain sortable\"><thead><tr><th>version</th><th>stage</th><th>aliases</th><th>run</th><th>created</th><th>source</th></tr></thead><tbody>\n"
        for v in try store.modelVersions(name: m.name) {
            out += "<tr><td data-sort=\"\(v.version)\">v\(v.version)</td><td class=\"stage-\(v.currentStage.rawValue.lowercased())\">\(v.currentStage.rawValue)</td>"
            out += "<td>\(html(v.aliases.joined(separator: ", ")))</td><td><code title=\"\(html(v.runID ?? "-"))\">\(html(String((v.runID ?? "-").prefix(8))))</code></td>"
            out += "<td>\(html(TrackingFormat.formatTime(v.creationTimestamp)))</td><td><code title=\"\(html(v.source))\">\(html(shortened(v.source, 60)))</code></td></tr>\n"
        }
        out += "</tbody></table>\n"
    }
    return out
}

/// Fits a 1400 px window with no horizontal scroll: the page is at most 1360 px wide, table
/// cells wrap anywhere (so no content is wider than its column), charts and pictures shrink to
/// their box.
let reportStyle = """
    body{font:14px/1.4 system-ui,sans-serif;margin:20px auto;max-width:1360px;padding:0 12px;color:#222}
    h2{margin-top:1.8em;border-bottom:1px solid #ddd}
    table{border-collapse:collapse;margin:.5em 0 1.5em}
    th,td{border:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
    th{background:#f4f4f4} th.metric{background:#eef4ff} th.param{background:#f3fbef}
    table.runs{width:100%;font-size:12.5px}
    table.runs th{overflow-wrap:normal} table.runs td.num{white-space:nowrap} table.runs td{min-width:5em}
    table.runs.many th,table.runs.many td.num{overflow-wrap:anywhere;white-space:normal} table.runs.many td{min-width:0}
    col.c-run{width:170px} col.c-status{width:72px} col.c-time{width:88px} col.c-duration{width:64px}
    table.sortable thead tr:last-child th{cursor:pointer}
    table.sortable th[aria-sort=ascending]::after{content:" ▲"} table.sortable th[aria-sort=descending]::after{content:" ▼"}
    td.num{text-align:right;font-variant-numeric:tabular-nums}
    code{font-size:12px;color:#555} .meta{color:#777;font-size:12px}
    .tag{background:#eee;border-radius:3px;padding:1px 6px;margin-right:4px;overflow-wrap:anywhere}
    .st-finished{color:#2a7a2a} .st-failed,.st-killed{color:#b22} .st-running{color:#b70}
    .stage-production{color:#2a7a2a;font-weight:bold} .stage-staging{color:#b70} .stage-archived{color:#888}
    .charts,.pictures{display:flex;flex-wrap:wrap;gap:16px}
    figure{margin:0;max-width:100%} figcaption{font-size:12px;color:#555;text-align:center}
    figure svg,figure img{max-width:100%;height:auto;display:block}
    figure.picture img{width:430px}
    """

/// Click a header to sort by it (again to reverse); numbers compare as numbers, missing values
/// last. Without JS the table is complete, in start-time order.
let sortScript = """
    document.querySelectorAll("table.sortable").forEach(function (table) {
      var heads = table.tHead.rows[table.tHead.rows.length - 1].cells;
      Array.prototype.forEach.call(heads, function (th, column) {
        th.title = (th.title ? th.title + " — " : "") + "click to sort";
        th.addEventListener("click", function () {
          var direction = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
          Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
          th.setAttribute("aria-sort", direction > 0 ? "ascending" : "descending");
          var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
          function key(row) { var c = row.cells[column]; var v = c.getAttribute("data-sort"); return v === null ? c.textContent : v; }
          rows.sort(function (a, b) {
            var x = key(a), y = key(b);
            if (x === "" || y === "") { return (x === "") - (y === ""); }
            var nx = Number(x), ny = Number(y);
            return direction * (!isNaN(nx) && !isNaN(ny) ? nx - ny : x.localeCompare(y, undefined, {numeric: true}));
          });
          rows.forEach(function (row) { body.appendChild(row); });
        });
      });
    });
    """

/// Escapes text for HTML element content and attribute values.
func html(_ s: String) -> String { xmlEscape(s) }
