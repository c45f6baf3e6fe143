import Foundation

/// Human tables and JSON for the `possum runs` / `possum models` commands, so each command is:
/// query the store, then print `TrackingFormat.xxx(...)` or `TrackingJSON.encode(...)`.
public enum TrackingFormat {
    /// One row per run: id, name, status, start, duration, then the chosen params and metrics.
    public static func runsTable(_ runs: [Run], paramColumns: [String] = [], metricColumns: [String]? = nil) -> String {
        let metricKeys = metricColumns ?? Array(Set(runs.flatMap(\.metrics.keys)).sorted().prefix(6))
        var header = ["run id", "name", "status", "start", "duration"]
        header += paramColumns.map { "params.\($0)" } + metricKeys.map { "metrics.\($0)" }
        let rows = runs.map { run -> [String] in
            var row = [run.info.runID, run.info.runName, run.info.status.name, formatTime(run.info.startTime),
                       formatDuration(run.info.startTime, run.info.endTime)]
            row += paramColumns.map { run.params[$0] ?? "-" }
            row += metricKeys.map { run.metrics[$0].map { formatMetricValue($0.value) } ?? "-" }
            return row
        }
        if runs.isEmpty { return "no runs\n" }
        return table(header: header, rows: rows, numericFrom: 5 + paramColumns.count)
    }

    /// Everything about one run.
    /// `artifactDirectory` is where the store keeps the files (shown instead of the recorded URI,
    /// which in a copied store still names the original).
    public static func runDetail(_ run: Run, experimentName: String? = nil, artifacts: [String] = [], artifactDirectory: String? = nil) -> String {
        var out = ""
        let i = run.info
        out += "run         \(i.runID)\n"
        out += "name        \(displayCell(i.runName))\n"
        out += "experiment  \(experimentName.map { "\($0) (id \(i.experimentID))" } ?? i.experimentID)\n"
        out += "status      \(i.status.name)\n"
        out += "start       \(formatTime(i.startTime))\n"
        out += "end         \(i.endTime.map(formatTime) ?? "-")  (\(formatDuration(i.startTime, i.endTime)))\n"
        if let parent = run.parentRunID { out += "parent      \(parent)\n" }
        out += "user        \(displayCell(i.userID))\n"
        out += "artifacts   \(displayCell(artifactDirectory ?? i.artifactURI))\n"
        out += section("params", run.params.sorted { $0.key < $1.key }.map { [$0.key, $0.value] })
        out += section("metrics", run.metrics.sorted { $0.key < $1.key }.map {
            [$0.key, formatMetricValue($0.value.value), "step \($0.value.step)"]
        })
        out += section("tags", run.tags.sorted { $0.key < $1.key }.map { [$0.key, $0.value] })
        if !artifacts.isEmpty { out += "\nartifact files\n" + artifacts.map { "  \(displayCell($0))\n" }.joined() }
        return out
    }

    /// Side-by-side comparison; rows where the runs differ are marked with `≠` (or shown in bold
    /// when `ansi` is true, for a terminal).
    public static func comparisonTable(_ c: RunComparison, ansi: Bool = false) -> String {
        let header = ["", "key"] + zip(c.shortIDs.count == c.runIDs.count ? c.shortIDs : c.runIDs, c.runNames).map { "\($1) (\($0))" }
        let rows = c.rows.map { row in [row.differs ? "≠" : "", "\(row.kind)s.\(row.key)"] + row.values.map { $0 ?? "-" } }
        var lines = table(header: header, rows: rows, numericFrom: 2).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if ansi {
            for (k, row) in c.rows.enumerated() where row.differs { lines[k + 2] = "\u{1B}[1m" + lines[k + 2] + "\u{1B}[0m" }
        }
        return lines.joined(separator: "\n")
    }

    /// Registered models with their latest version per stage and aliases.
    public static func modelsTable(_ models: [(model: RegisteredModel, versions: [ModelVersion])]) -> String {
        if models.isEmpty { return "no registered models\n" }
        let rows = models.map { entry -> [String] in
            let latest = entry.versions.last.map { "v\($0.version)" } ?? "-"
            let staging = entry.versions.last { $0.currentStage == .staging }.map { "v\($0.version)" } ?? "-"
            let production = entry.versions.last { $0.currentStage == .production }.map { "v\($0.version)" } ?? "-"
            let aliases = entry.model.aliases.sorted { $0.key < $1.key }.map { "\($0.key)→v\($0.value)" }.joined(separator: " ")
            return [entry.model.name, String(entry.versions.count), latest, staging, production, aliases.isEmpty ? "-" : aliases,
                    formatTime(entry.model.lastUpdatedTimestamp)]
        }
        return table(header: ["name", "versions", "latest", "staging", "production", "aliases", "updated"], rows: rows, numericFrom: 99)
    }

    /// One model: tags, then every version with stage, run and source.
    public static func modelDetail(_ model: RegisteredModel, versions: [ModelVersion]) -> String {
        var out = "model       \(model.name)\n"
        if let d = model.description, !d.isEmpty { out += "description \(d)\n" }
        out += "created     \(formatTime(model.creationTimestamp))\n"
        out += section("tags", model.tags.sorted { $0.key < $1.key }.map { [$0.key, $0.value] })
        out += section("aliases", model.aliases.sorted { $0.key < $1.key }.map { [$0.key, "version \($0.value)"] })
        out += "\nversions\n"
        if versions.isEmpty { return out + "  none\n" }
        let rows = versions.map { v in
            ["v\(v.version)", v.currentStage.rawValue, v.aliases.joined(separator: ","), v.runID ?? "-", formatTime(v.creationTimestamp), v.source]
        }
        out += table(header: ["version", "stage", "aliases", "run", "created", "source"], rows: rows, numericFrom: 99)
            .split(separator: "\n").map { "  " + $0 + "\n" }.joined()
        return out
    }

    /// `possum runs gc` output.
    public static func gcTable(_ outcomes: [GCOutcome], dryRun: Bool) -> String {
        if outcomes.isEmpty { return "no RUNNING or damaged runs\n" }
        let rows = outcomes.map { o in
            [o.runID, o.runName, o.action == .ended ? "\(dryRun ? "would mark" : "marked") \(o.newStatus?.name ?? "")" : o.action.rawValue, o.reason]
        }
        return table(header: ["run id", "name", "action", "why"], rows: rows, numericFrom: 99)
    }

    // MARK: - Helpers

    /// A plain-text table: left-aligned text, right-aligned columns from `numericFrom` on. Cells
    /// come from store files anyone can edit: control characters are escaped and long cells cut,
    /// so each row stays one line.
    public static func table(header: [String], rows rawRows: [[String]], numericFrom: Int) -> String {
        let rows = rawRows.map { $0.map(displayCell) }
        let width = header.indices.map { c in ([header[c]] + rows.map { c < $0.count ? $0[c] : "" }).map(\.count).max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { c, cell in
                let pad = String(repeating: " ", count: max(0, width[c] - cell.count))
                return c >= numericFrom ? pad + cell : cell + pad
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        var out = line(header) + "\n"
        out += line(width.map { String(repeating: "-", count: $0) }) + "\n"
        for row in rows { out += line(row) + "\n" }
        return out
    }

    /// One cell of a table or detail section: control characters escaped, at most 200 characters.
    static func displayCell(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: isControlCharacter) || s.count > 200 else { return s }
        let out = escapingControlCharacters(s)
        return out.count > 200 ? String(out.prefix(199)) + "…" : out
    }

    private static func section(_ title: String, _ rawRows: [[String]]) -> String {
        let rows = rawRows.map { $0.map(displayCell) }
        guard !rows.isEmpty else { return "\n\(title): none\n" }
        let w = rows.map { $0[0].count }.max() ?? 0
        return "\n\(title)\n" + rows.map { r in
            "  " + r[0].padding(toLength: w, withPad: " ", startingAt: 0) + "  " + r.dropFirst().joined(separator: "  ") + "\n"
        }.joined()
    }

    /// Local time, "2026-11-27 00:06:29". Through localtime_r and strftime: a DateFormatter made
    /// per call rebuilds its ICU formatter each time, which dominated listing thousands of runs.
    public static func formatTime(_ millis: Int64) -> String {
        // Whole seconds rounded down, also before 1970 (and no overflow at Int64.min).
        var seconds = time_t(truncatingIfNeeded: millis / 1000 - (millis % 1000 < 0 ? 1 : 0))
        var parts = tm()
        var buffer = [CChar](repeating: 0, count: 32)
        // Years of four digits only: others keep DateFormatter's padding and signs, below.
        if localtime_r(&seconds, &parts) != nil, (-900...8099).contains(parts.tm_year) {
            let n = strftime(&buffer, buffer.count, "%Y-%m-%d %H:%M:%S", &parts)
            if n > 0 { return String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self) }
        }
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        formatter.locale = Locale(identifier: "en_US_POSIX")
        return formatter.string(from: Date(timeIntervalSince1970: Double(millis) / 1000))
    }

    /// "1.2 s", "3 min 4 s", or "running" with no end.
    public static func formatDuration(_ start: Int64, _ end: Int64?) -> String {
        guard let end else { return "-" }
        // Doubles, not Int64: two hostile timestamps must not overflow (and trap) on subtraction.
        let s = (Double(end) - Double(start)) / 1000
        if s < 60 { return String(format: "%.1f s", s) }
        guard let whole = Int(exactly: s.rounded(.towardZero)) else { return String(format: "%.3g s", s) }
        if s < 3600 { return "\(whole / 60) min \(whole % 60) s" }
        return "\(whole / 3600) h \(whole % 3600 / 60) min"
    }
}

/// `--json` output: pretty, keys sorted, MLflow's snake_case field names.
public enum TrackingJSON {
    public static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

func formatG(_ x: Double, _ significant: Int) -> String { String(format: "%.\(significant)g", x) }
