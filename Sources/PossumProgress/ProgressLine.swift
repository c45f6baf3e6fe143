/// The state of a phase at one moment: everything a progress line shows.
public struct ProgressSnapshot: Sendable, Equatable {
    public var label: String
    public var completed: Int
    public var total: Int?
    public var unit: ProgressUnit
    /// Seconds since the phase began.
    public var elapsed: Double
    public var detail: String?

    public init(label: String, completed: Int, total: Int?, unit: ProgressUnit, elapsed: Double, detail: String? = nil) {
        (self.label, self.completed, self.total, self.unit, self.elapsed, self.detail) = (label, completed, total, unit, elapsed, detail)
    }

    /// Units per second over the whole phase; nil before there is anything to average. The mean
    /// over the phase, not a recent window: the work is steady (rows, blocks), and a mean does
    /// not make the ETA jump about.
    public var rate: Double? {
        guard completed > 0, elapsed > 0, elapsed.isFinite else { return nil }
        return Double(completed) / elapsed
    }

    /// Seconds left at the current rate, when the total is known.
    public var secondsLeft: Double? {
        guard let total, let rate, rate > 0 else { return nil }
        return Double(max(0, total - completed)) / rate
    }
}

/// Renders a snapshot as one terminal line of at most `width` columns:
///
///     writing  [████████░░░░░░░░]  45%  120000/265000 rows  52.3k rows/s  ETA 0:03
///     reading  120000 rows  52.3k rows/s  0:02
///
/// The bar takes what room is left (at most 30 columns) and goes first when the line is narrow
/// (after a detail longer than 24 columns has been cut);
/// a line never reaches the last column, so the terminal never wraps it and `\r` redraws it in place.
public enum ProgressLine {
    public static func render(_ s: ProgressSnapshot, width: Int) -> String {
        var fields: [String] = []
        let rate = s.rate.map { formatRate($0, unit: s.unit) } ?? "-- \(unitName(s.unit))/s"
        if let total = s.total {
            let fraction = total > 0 ? min(1, max(0, Double(s.completed) / Double(total))) : 1
            fields.append(percent(fraction))
            fields.append(formatAmount(s.completed, of: total, unit: s.unit))
            fields.append(rate)
            fields.append("ETA " + (s.secondsLeft.map(formatDuration) ?? "--:--"))
        } else {
            fields.append(formatAmount(s.completed, of: nil, unit: s.unit))
            fields.append(rate)
            fields.append(formatDuration(s.elapsed))
        }
        let detail = s.detail.map(printable) ?? ""
        // A long detail (task names) is cut before the bar goes: it keeps up to 24 columns' claim.
        let detailClaim = detail.isEmpty ? 0 : 2 + min(detail.count, 24)
        if !detail.isEmpty { fields.append(detail) }
        let label = printable(s.label)
        let room = max(1, width - 1)
        let text = fields.joined(separator: "  ")
        if let total = s.total {
            let fraction = total > 0 ? min(1, max(0, Double(s.completed) / Double(total))) : 1
            let fixed = label.count + 2 + 2 + 2 + text.count - (detail.isEmpty ? 0 : 2 + detail.count) + detailClaim  // label, gaps, brackets
            let barWidth = min(30, room - fixed)
            if barWidth >= 5 {
                return cut(label + "  [" + bar(fraction, width: barWidth) + "]  " + text, to: room)
            }
        }
        return cut(label + "  " + text, to: room)
    }

    /// `width` cells of a bar `fraction` full (rounded down: full only when done).
    static func bar(_ fraction: Double, width: Int) -> String {
        let filled = min(width, max(0, Int(exactly: (fraction * Double(width)).rounded(.down)) ?? 0))
        return String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
    }

    static func percent(_ fraction: Double) -> String {
        let p = Int(exactly: (fraction * 100).rounded(.down)) ?? 0
        return String(repeating: " ", count: p < 10 ? 2 : p < 100 ? 1 : 0) + "\(p)%"
    }

    static func unitName(_ unit: ProgressUnit) -> String {
        switch unit {
        case let .items(name): name
        case .bytes: "B"
        }
    }

    /// `120000/265000 rows`, `45.1 MB/120.0 MB`, `7 tasks`.
    static func formatAmount(_ completed: Int, of total: Int?, unit: ProgressUnit) -> String {
        switch unit {
        case let .items(name): return total.map { "\(completed)/\($0) \(name)" } ?? "\(completed) \(name)"
        case .bytes: return total.map { formatBytes(Double(completed)) + "/" + formatBytes(Double($0)) } ?? formatBytes(Double(completed))
        }
    }

    /// `523 rows/s`, `52.3k rows/s`, `1.2M rows/s`, `0.4 tasks/s`, `12.3 MB/s`.
    public static func formatRate(_ perSecond: Double, unit: ProgressUnit) -> String {
        switch unit {
        case let .items(name): return compact(perSecond) + " \(name)/s"
        case .bytes: return formatBytes(perSecond) + "/s"
        }
    }

    /// A count in at most 5 characters: 0.4, 7.5, 523, 52.3k, 1.2M, 3.0G.
    static func compact(_ x: Double) -> String {
        guard x.isFinite, x >= 0 else { return "--" }
        if x < 10 { return fixed(x, decimals: 1) }
        if x < 1000 { return fixed(x, decimals: 0) }
        if x < 999_950 { return fixed(x / 1e3, decimals: 1) + "k" }
        if x < 999_950_000 { return fixed(x / 1e6, decimals: 1) + "M" }
        return fixed(x / 1e9, decimals: 1) + "G"
    }

    /// Decimal units, as `ls -h --si` and download tools show them: 512 B, 45.1 kB, 120.0 MB.
    public static func formatBytes(_ x: Double) -> String {
        guard x.isFinite, x >= 0 else { return "-- B" }
        if x < 1000 { return fixed(x, decimals: 0) + " B" }
        if x < 999_950 { return fixed(x / 1e3, decimals: 1) + " kB" }
        if x < 999_950_000 { return fixed(x / 1e6, decimals: 1) + " MB" }
        return fixed(x / 1e9, decimals: 1) + " GB"
    }

    /// `m:ss` under an hour, `h:mm:ss` from there, `>99h` beyond: total on every Double.
    public static func formatDuration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds < 100 * 3600 else { return seconds.isNaN ? "--:--" : ">99h" }
        let whole = Int(exactly: max(0, seconds).rounded()) ?? 0
        let (h, m, s) = (whole / 3600, whole / 60 % 60, whole % 60)
        let ss = s < 10 ? "0\(s)" : "\(s)"
        if h == 0 { return "\(m):\(ss)" }
        return "\(h):" + (m < 10 ? "0\(m)" : "\(m)") + ":" + ss
    }

    /// `x` with `decimals` (0 or 1) digits after the point, without Foundation's `String(format:)`.
    static func fixed(_ x: Double, decimals: Int) -> String {
        let scale = decimals == 0 ? 1.0 : 10.0
        guard let n = Int(exactly: (x * scale).rounded()) else { return "--" }
        return decimals == 0 ? "\(n)" : "\(n / 10).\(n % 10)"
    }

    /// Control characters (a task name or label is never trusted to be free of escapes) as `?`.
    static func printable(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map {
            $0.value < 0x20 || (0x7F...0x9F).contains($0.value) ? "?" : $0
        }))
    }

    /// The first `room` characters (one column each for what possum draws: ASCII, █ and ░).
    static func cut(_ line: String, to room: Int) -> String {
        line.count <= room ? line : String(line.prefix(max(0, room - 1))) + "…"
    }
}
