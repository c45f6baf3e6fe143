import Foundation

/// A line chart of named series, one color each, with ticked and labeled axes and a legend that
/// names every series. The x axis can be logarithmic — decades labeled, 2…9 minor ticks — for a
/// grid of ridge penalties spaced evenly in log10. A series can mark one point (the chosen alpha):
/// a ring on the curve and a dashed drop line to the x axis.
public struct LineChart: Sendable {
    public struct Point: Sendable, Equatable {
        public var x: Double
        public var y: Double
        public init(x: Double, y: Double) { (self.x, self.y) = (x, y) }
    }

    public struct Series: Sendable {
        /// Legend text (cut to `legendCharacters` on the chart; the whole text is its tooltip).
        public var name: String
        public var points: [Point]
        public var marked: Point?
        public init(name: String, points: [Point], marked: Point? = nil) {
            (self.name, self.points, self.marked) = (name, points, marked)
        }
    }

    public var series: [Series]
    public var xLabel: String
    public var yLabel: String
    public var logX: Bool
    /// Label only whole numbers on a linear x axis (steps, counts).
    public var integerX = false
    public var width = 660.0
    public var height = 320.0
    /// Legend entries longer than this are cut with an ellipsis.
    public var legendCharacters = 34
    /// The legend under the plot (one row per series, the picture grows by them) rather than on
    /// its right, so long names leave the plot its full width.
    public var legendBelow = false
    /// Legend rows under the plot at most; the rest are counted.
    public static let legendRowsBelow = 12

    public static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                 "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]

    public init(series: [Series], xLabel: String, yLabel: String, logX: Bool = false) {
        (self.series, self.xLabel, self.yLabel, self.logX) = (series, xLabel, yLabel, logX)
    }

    /// Points that can be drawn: finite, and x > 0 on a log axis.
    func drawable(_ points: [Point]) -> [Point] {
        points.filter { $0.x.isFinite && $0.y.isFinite && (!logX || $0.x > 0) }
    }

    /// An SVG element (no XML prolog), to inline in HTML or save as a file. Empty when no series
    /// has a drawable point.
    public func svg() -> String {
        let legendWidth = 14 + 6.6 * Double(min(legendCharacters, series.map(\.name.count).max() ?? 0) + 2)
        let (left, right, top, bottom) = (64.0, legendBelow ? 16 : 16 + legendWidth, 14.0, 52.0)
        let belowRows = legendBelow ? min(series.count, Self.legendRowsBelow + 1) : 0
        let totalHeight = height + (belowRows > 0 ? 8 + 16 * Double(belowRows) : 0)
        let all = series.flatMap { drawable($0.points) }
        guard let minX = all.map(\.x).min(), let maxX = all.map(\.x).max(),
              let minY = all.map(\.y).min(), let maxY = all.map(\.y).max() else { return "" }
        let plotW = width - left - right, plotH = height - top - bottom

        let xAxis = logX ? LogAxis(minX, maxX) : LogAxis?.none
        let xTicks = xAxis.map { $0.major.map { ($0, decadeLabel($0)) } }
            ?? niceTicks(minX, maxX).map { ($0, axisLabel($0)) }.filter { !integerX || $0.0.rounded() == $0.0 }
        let yTicks = niceTicks(minY, maxY)
        let (x0, x1) = xAxis.map { ($0.low, $0.high) } ?? (xTicks.first?.0 ?? minX, xTicks.last?.0 ?? maxX)
        let (y0, y1) = (yTicks.first ?? minY, yTicks.last ?? maxY)
        // Clamped, so a point beyond a clamped axis end is drawn on the frame, not off the picture.
        func fraction(_ v: Double, _ a: Double, _ b: Double) -> Double { b > a ? min(1, max(0, (v - a) / (b - a))) : 0.5 }
        func px(_ v: Double) -> Double {
            left + plotW * (logX ? fraction(log10(v), log10(x0), log10(x1)) : fraction(v, x0, x1))
        }
        func py(_ v: Double) -> Double { top + plotH * (1 - fraction(v, y0, y1)) }

        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"\(f(width))\" height=\"\(f(totalHeight))\" viewBox=\"0 0 \(f(width)) \(f(totalHeight))\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"11\">\n"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        for t in xAxis?.minor ?? [] {
            s += "<line x1=\"\(f(px(t)))\" y1=\"\(f(top))\" x2=\"\(f(px(t)))\" y2=\"\(f(top + plotH))\" stroke=\"#f1f1f1\"/>\n"
        }
        for (t, label) in xTicks {
            s += "<line x1=\"\(f(px(t)))\" y1=\"\(f(top))\" x2=\"\(f(px(t)))\" y2=\"\(f(top + plotH + 4))\" stroke=\"#e0e0e0\"/>\n"
            s += "<text class=\"xtick\" x=\"\(f(px(t)))\" y=\"\(f(top + plotH + 16))\" text-anchor=\"middle\" fill=\"#444\">\(xmlEscape(label))</text>\n"
        }
        for t in yTicks {
            s += "<line x1=\"\(f(left - 4))\" y1=\"\(f(py(t)))\" x2=\"\(f(left + plotW))\" y2=\"\(f(py(t)))\" stroke=\"#e0e0e0\"/>\n"
            s += "<text class=\"ytick\" x=\"\(f(left - 7))\" y=\"\(f(py(t) + 4))\" text-anchor=\"end\" fill=\"#444\">\(xmlEscape(axisLabel(t)))</text>\n"
        }
        s += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotW))\" height=\"\(f(plotH))\" fill=\"none\" stroke=\"#999\"/>\n"
        s += "<text x=\"\(f(left + plotW / 2))\" y=\"\(f(height - 10))\" text-anchor=\"middle\" font-size=\"12\" fill=\"#222\">\(xmlEscape(xLabel))</text>\n"
        s += "<text x=\"14\" y=\"\(f(top + plotH / 2))\" text-anchor=\"middle\" font-size=\"12\" fill=\"#222\" transform=\"rotate(-90 14 \(f(top + plotH / 2)))\">\(xmlEscape(yLabel))</text>\n"

        for (k, one) in series.enumerated() {
            let color = Self.palette[k % Self.palette.count]
            let points = drawable(one.points).sorted { $0.x < $1.x }
            if points.count == 1, let p = points.first {
                s += "<circle cx=\"\(f(px(p.x)))\" cy=\"\(f(py(p.y)))\" r=\"3\" fill=\"\(color)\"/>\n"
            } else if !points.isEmpty {
                let coordinates = points.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
                s += "<polyline class=\"series\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.8\" points=\"\(coordinates)\"/>\n"
            }
            if let m = one.marked, drawable([m]).count == 1 {
                s += "<line x1=\"\(f(px(m.x)))\" y1=\"\(f(py(m.y)))\" x2=\"\(f(px(m.x)))\" y2=\"\(f(top + plotH))\" stroke=\"\(color)\" stroke-dasharray=\"3 3\"/>\n"
                s += "<circle class=\"marked\" cx=\"\(f(px(m.x)))\" cy=\"\(f(py(m.y)))\" r=\"5\" fill=\"white\" stroke=\"\(color)\" stroke-width=\"2\"/>\n"
            }
        }
        // The legend after every curve, so a cut-off legend never hides a curve.
        for (k, one) in series.enumerated() {
            let color = Self.palette[k % Self.palette.count]
            let y = legendBelow ? height + 12 + Double(k) * 16 : top + 8 + Double(k) * 16
            let x = legendBelow ? left - 12 : width - right
            guard legendBelow ? k < Self.legendRowsBelow || series.count == Self.legendRowsBelow + 1 : y < height - 8 else {
                s += "<text x=\"\(f(x + 14))\" y=\"\(f(y))\" fill=\"#777\">+ \(series.count - k) more</text>\n"
                break
            }
            s += "<g class=\"legend\"><title>\(xmlEscape(one.name))</title>"
            s += "<line x1=\"\(f(x + 12))\" y1=\"\(f(y - 4))\" x2=\"\(f(x + 26))\" y2=\"\(f(y - 4))\" stroke=\"\(color)\" stroke-width=\"3\"/>"
            s += "<text x=\"\(f(x + 30))\" y=\"\(f(y))\" fill=\"#222\">\(xmlEscape(shortened(one.name, legendCharacters)))</text></g>\n"
        }
        return s + "</svg>"
    }

    private func f(_ v: Double) -> String { String(format: "%.1f", v) }
}

/// A log10 axis over whole decades covering [lo, hi] (both > 0): major ticks at the powers of ten
/// (every second or third one when there are many), minor ticks at 2…9 × 10^k when few decades.
struct LogAxis {
    var low: Double, high: Double
    var major: [Double], minor: [Double]

    init(_ lo: Double, _ hi: Double) {
        // log10 of a positive finite double is within ±324, so the exponents fit an Int.
        var first = Int(exactly: floor(log10(lo))) ?? 0
        var last = Int(exactly: ceil(log10(hi))) ?? first + 1
        if last <= first { (first, last) = (first - 1, last + 1) }
        // 10^±308 are the widest powers of ten that are normal doubles.
        (first, last) = (max(first, -307), min(last, 308))
        (low, high) = (pow(10, Double(first)), pow(10, Double(last)))
        let decades = last - first
        let every = decades <= 8 ? 1 : decades <= 16 ? 2 : (decades + 7) / 8
        major = stride(from: first, through: last, by: every).map { pow(10, Double($0)) }
        minor = decades > 6 ? [] : (first..<last).flatMap { k in (2...9).map { Double($0) * pow(10, Double(k)) } }
    }
}

/// 0.001, 0.01 … 1000 as decimals; beyond that 1e-5, 1e6.
func decadeLabel(_ v: Double) -> String {
    let e = log10(v).rounded()
    return (-3...4).contains(e) ? String(format: "%g", v) : String(format: "1e%.0f", e)
}

/// A tick value: an integer as such, else the shortest of %g.
func axisLabel(_ v: Double) -> String {
    if v.magnitude < 1e15, let i = Int(exactly: v) { return String(i) }
    return String(format: "%g", v)
}

/// Text with at most `limit` characters: the middle elided, so both a path's folder and its file
/// name (or an id's start and end) survive.
public func shortened(_ text: String, _ limit: Int) -> String {
    guard text.count > limit, limit >= 3 else { return text }
    let head = (limit - 1) / 2, tail = limit - 1 - head
    return String(text.prefix(head)) + "…" + String(text.suffix(tail))
}

/// Escapes text for XML/HTML element content and attribute values.
public func xmlEscape(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.utf8.count)
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
