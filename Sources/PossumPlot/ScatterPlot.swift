import Foundation
import PossumFiles

/// A predicted-versus-true scatter plot with the identity line y = x: points on the line are
/// perfect predictions, so the eye reads bias (a shifted cloud) and spread at once.
public struct ScatterPlot: Sendable {
    public var x: [Double]
    public var y: [Double]
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var width = 640.0
    public var height = 520.0

    public init(x: [Double], y: [Double], title: String, xLabel: String, yLabel: String) {
        precondition(x.count == y.count, "one y per x")
        (self.x, self.y, self.title, self.xLabel, self.yLabel) = (x, y, title, xLabel, yLabel)
    }

    /// A self-contained SVG document.
    public func svg() -> String {
        let (left, right, top, bottom) = (72.0, 24.0, 56.0, 56.0)
        let values = (x + y).filter(\.isFinite)
        let lo = values.min() ?? 0, hi = values.max() ?? 1
        let pad = 0.03 * max(hi - lo, 1e-12)  // keep edge points off the frame
        // Values near ±1.8e308 would pad (or span) to inf: the axis stops at the largest double.
        let ticks = niceTicks(max(lo - pad, -.greatestFiniteMagnitude), min(hi + pad, .greatestFiniteMagnitude))
        let (axisLo, axisHi) = (ticks.first ?? lo, ticks.last ?? hi)
        let plotW = width - left - right, plotH = height - top - bottom
        func px(_ v: Double) -> Double { left + (v - axisLo) / (axisHi - axisLo) * plotW }
        func py(_ v: Double) -> Double { top + plotH - (v - axisLo) / (axisHi - axisLo) * plotH }
        func f(_ v: Double) -> String { String(format: "%.2f", v) }

        var s = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(f(width / 2))" y="30" font-size="16" text-anchor="middle" fill="#222">\(escape(title))</text>

            """
        for t in ticks {
            s += "<line x1=\"\(f(px(t)))\" y1=\"\(f(top))\" x2=\"\(f(px(t)))\" y2=\"\(f(top + plotH))\" stroke=\"#e6e6e6\"/>\n"
            s += "<line x1=\"\(f(left))\" y1=\"\(f(py(t)))\" x2=\"\(f(left + plotW))\" y2=\"\(f(py(t)))\" stroke=\"#e6e6e6\"/>\n"
            s += "<text x=\"\(f(px(t)))\" y=\"\(f(top + plotH + 18))\" font-size=\"12\" text-anchor=\"middle\" fill=\"#444\">\(tickLabel(t))</text>\n"
            s += "<text x=\"\(f(left - 8))\" y=\"\(f(py(t) + 4))\" font-size=\"12\" text-anchor=\"end\" fill=\"#444\">\(tickLabel(t))</text>\n"
        }
        s += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotW))\" height=\"\(f(plotH))\" fill=\"none\" stroke=\"#888\"/>\n"
        s += "<line x1=\"\(f(px(axisLo)))\" y1=\"\(f(py(axisLo)))\" x2=\"\(f(px(axisHi)))\" y2=\"\(f(py(axisHi)))\" stroke=\"#c0392b\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>\n"
        let labelAt = axisLo + 0.88 * (axisHi - axisLo)  // just below the line, near its top end
        s += "<text x=\"\(f(px(labelAt) + 8))\" y=\"\(f(py(labelAt) + 4))\" font-size=\"12\" fill=\"#c0392b\">y = x</text>\n"
        for (a, b) in zip(x, y) where a.isFinite && b.isFinite {
            s += "<circle cx=\"\(f(px(a)))\" cy=\"\(f(py(b)))\" r=\"4\" fill=\"#2e86c1\" fill-opacity=\"0.65\" stroke=\"#1b4f72\" stroke-width=\"0.8\"/>\n"
        }
        s += "<text x=\"\(f(left + plotW / 2))\" y=\"\(f(height - 14))\" font-size=\"13\" text-anchor=\"middle\" fill=\"#222\">\(escape(xLabel))</text>\n"
        s += "<text x=\"18\" y=\"\(f(top + plotH / 2))\" font-size=\"13\" text-anchor=\"middle\" fill=\"#222\" transform=\"rotate(-90 18 \(f(top + plotH / 2)))\">\(escape(yLabel))</text>\n"
        return s + "</svg>\n"
    }

    private func tickLabel(_ v: Double) -> String {
        Int(exactly: v).map(String.init) ?? String(format: "%g", v)
    }

    private func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}

/// Ticks at 1, 2 or 5 × 10^k spacing covering [lo, hi], about six of them.
/// A range whose span overflows (or whose step is lost in rounding) gets just its two ends:
/// a stride by an inf or NaN step would never end.
func niceTicks(_ lo: Double, _ hi: Double) -> [Double] {
    let span = hi > lo ? hi - lo : max(abs(hi), 1)
    let raw = span / 6
    let magnitude = pow(10, floor(log10(raw)))
    let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
    let start = floor(lo / step) * step
    let end = ceil((hi > lo ? hi : lo + span) / step) * step
    guard span.isFinite, step > 0, start.isFinite, end.isFinite, (end - start) / step <= 100 else { return [lo, max(hi, lo)] }
    return stride(from: start, through: end + step / 2, by: step).map { ($0 / step).rounded() * step }
}

/// Renders an SVG to PNG with `rsvg-convert` (librsvg, the rasterizer GNOME uses), written
/// atomically: `rsvg-convert` writes the temporary file `replaceAtomically` hands it. A picture
/// deserves a real text renderer; we do not ship one.
public func renderPNG(svg: String, to path: String) throws {
    let converter = ["/usr/bin/rsvg-convert", "/usr/local/bin/rsvg-convert"].first { FileManager.default.isExecutableFile(atPath: $0) }
    guard let converter else {
        throw PlotError("\(path): PNG needs rsvg-convert (apt-get install librsvg2-bin); the SVG was written")
    }
    do {
        try replaceAtomically(path) { temporary in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: converter)
            process.arguments = ["--format", "png", "--output", temporary]
            let input = Pipe()
            process.standardInput = input
            process.standardError = FileHandle.nullDevice
            try process.run()
            // `write(contentsOf:)` throws where `write(_:)` traps (EPIPE if rsvg-convert exits early).
            do { try input.fileHandleForWriting.write(contentsOf: Data(svg.utf8)) } catch {}
            try input.fileHandleForWriting.close()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw PlotError("\(path): rsvg-convert failed (status \(process.terminationStatus))")
            }
        }
    } catch let error as FileError {
        throw PlotError(error.description)
    }
}

public struct PlotError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
