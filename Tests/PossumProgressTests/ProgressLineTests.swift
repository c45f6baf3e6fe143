import Foundation
import PossumProgress
import Testing

@Suite struct ProgressLineTests {
    @Test func knownTotalShowsBarPercentAmountRateAndETA() {
        // 1000 of 4000 rows in 2 s: 500 rows/s, 3000 rows left → 6 s.
        let s = ProgressSnapshot(label: "writing", completed: 1000, total: 4000, unit: .items("rows"), elapsed: 2)
        #expect(ProgressLine.render(s, width: 80)
            == "writing  [██████░░░░░░░░░░░░░░░░░░]   25%  1000/4000 rows  500 rows/s  ETA 0:06")
    }

    @Test func theBarShrinksToFitAndGoesFirst() {
        let s = ProgressSnapshot(label: "writing", completed: 1000, total: 4000, unit: .items("rows"), elapsed: 2)
        // 7 + 6 + 42 columns around the bar: a 5-column bar at width 61 (the last column stays free).
        #expect(ProgressLine.render(s, width: 61) == "writing  [█░░░░]   25%  1000/4000 rows  500 rows/s  ETA 0:06")
        #expect(ProgressLine.render(s, width: 60) == "writing   25%  1000/4000 rows  500 rows/s  ETA 0:06")
        #expect(ProgressLine.render(s, width: 20) == "writing   25%  100…")
        for width in 1...100 { #expect(ProgressLine.render(s, width: width).count <= max(1, width - 1)) }
    }

    @Test func unknownTotalIsACounterWithRateAndElapsedTime() {
        let s = ProgressSnapshot(label: "reading", completed: 120_000, total: nil, unit: .items("rows"), elapsed: 75)
        #expect(ProgressLine.render(s, width: 80) == "reading  120000 rows  1.6k rows/s  1:15")
    }

    @Test func bytesAndDetail() {
        let s = ProgressSnapshot(label: "reading", completed: 45_100_000, total: 120_000_000, unit: .bytes, elapsed: 4, detail: "x\u{1B}[2Jy")
        #expect(ProgressLine.render(s, width: 120)
            == "reading  [███████████░░░░░░░░░░░░░░░░░░░]   37%  45.1 MB/120.0 MB  11.3 MB/s  ETA 0:07  x?[2Jy")
    }

    @Test func aLongDetailIsCutBeforeTheBarGoes() {
        let s = ProgressSnapshot(label: "DAG d", completed: 1, total: 4, unit: .items("tasks"), elapsed: 2,
                                 detail: "running " + String(repeating: "t", count: 40))
        // 5 + 6 + 38 columns, and 2 + 24 claimed by the detail: a 6-column bar at width 82, the detail cut at the edge.
        let line = ProgressLine.render(s, width: 82)
        #expect(line == "DAG d  [█░░░░░]   25%  1/4 tasks  0.5 tasks/s  ETA 0:06  running " + String(repeating: "t", count: 15) + "…")
        #expect(line.count == 81)
    }

    @Test func nothingDoneYetHasNoRateNorETA() {
        let s = ProgressSnapshot(label: "dag", completed: 0, total: 3, unit: .items("tasks"), elapsed: 0)
        #expect(ProgressLine.render(s, width: 60) == "dag  [░░░░░░░░░░░░]    0%  0/3 tasks  -- tasks/s  ETA --:--")
        let done = ProgressSnapshot(label: "dag", completed: 3, total: 3, unit: .items("tasks"), elapsed: 0.5)
        #expect(ProgressLine.render(done, width: 60) == "dag  [████████████]  100%  3/3 tasks  6.0 tasks/s  ETA 0:00")
    }

    @Test func durationsAndRates() {
        #expect(ProgressLine.formatDuration(0) == "0:00")
        #expect(ProgressLine.formatDuration(59.4) == "0:59")
        #expect(ProgressLine.formatDuration(59.6) == "1:00")
        #expect(ProgressLine.formatDuration(3599) == "59:59")
        #expect(ProgressLine.formatDuration(3600 + 62) == "1:01:02")
        #expect(ProgressLine.formatDuration(1e9) == ">99h")
        #expect(ProgressLine.formatDuration(.infinity) == ">99h")
        #expect(ProgressLine.formatDuration(.nan) == "--:--")
        #expect(ProgressLine.formatRate(0.25, unit: .items("tasks")) == "0.3 tasks/s")
        #expect(ProgressLine.formatRate(523.4, unit: .items("rows")) == "523 rows/s")
        #expect(ProgressLine.formatRate(52_349, unit: .items("rows")) == "52.3k rows/s")
        #expect(ProgressLine.formatRate(999_999, unit: .items("rows")) == "1.0M rows/s")
        #expect(ProgressLine.formatRate(1.5e12, unit: .items("rows")) == "1500.0G rows/s")
        #expect(ProgressLine.formatRate(999, unit: .bytes) == "999 B/s")
        #expect(ProgressLine.formatRate(12_345_678, unit: .bytes) == "12.3 MB/s")
    }

    @Test func theThrottleDrawsTheFirstUpdateThenAtMostTenTimesASecond() {
        var throttle = ProgressThrottle(interval: 0.1)
        let draws = [5.00, 5.05].map { throttle.shouldDraw(at: $0) }
        #expect(draws == [true, false])
        #expect(throttle.pending)
        let later = throttle.shouldDraw(at: 5.15)
        #expect(later && !throttle.pending)
        let backwards = throttle.shouldDraw(at: 4.0)
        #expect(backwards, "a clock that went back draws rather than stalls")
        // 1000 updates over one second draw at most 11 times.
        var drawn = 0
        throttle.reset()
        for k in 0..<1000 where throttle.shouldDraw(at: 10 + Double(k) / 1000) { drawn += 1 }
        #expect(drawn >= 10 && drawn <= 11)
    }
}

/// The terminal reporter with an injected clock, width and output.
@Suite struct TerminalProgressTests {
    final class Recorder: @unchecked Sendable {
        let lock = NSLock()
        var now = 0.0
        var text = ""
        func advance(_ seconds: Double) { lock.withLock { now += seconds } }
    }

    func reporter(_ r: Recorder) -> TerminalProgress {
        TerminalProgress(interval: 0.1, clock: { r.lock.withLock { r.now } }, width: { 60 },
                         output: { s in r.lock.withLock { r.text += s } })
    }

    @Test func drawsInPlaceThrottlesAndClearsAtTheEnd() {
        let r = Recorder()
        let p = reporter(r)
        p.begin("rows", total: 100, unit: .items("rows"))
        r.advance(1)
        p.update(completed: 10)
        r.advance(0.01)
        p.update(completed: 11)  // held back by the throttle...
        p.finish()               // ...but the last state is drawn before the line is cleared
        let frames = r.text.components(separatedBy: "\r").filter { !$0.isEmpty }
        #expect(frames.count == 3)
        #expect(frames[0].hasPrefix("rows  [") && frames[0].contains("10/100 rows  10 rows/s  ETA 0:09"))
        #expect(frames[1].contains("11/100 rows"))
        #expect(frames[2] == "\u{1B}[K")
    }

    @Test func interleavedLinesClearAndRedrawTheBar() {
        let r = Recorder()
        let p = reporter(r)
        p.begin("dag", total: 2, unit: .items("tasks"))
        r.advance(1)
        p.update(completed: 1, detail: "train")
        p.interleave { r.text += "LOG\n" }
        #expect(r.text.contains("\r\u{1B}[KLOG\n\rdag  ["))
        p.finish()
        #expect(r.text.hasSuffix("\r\u{1B}[K"))
    }

    @Test func silentWhenNothingWasDrawn() {
        let r = Recorder()
        let p = reporter(r)
        p.begin("rows", total: nil, unit: .items("rows"))
        p.finish()
        #expect(r.text.isEmpty)
    }
}
