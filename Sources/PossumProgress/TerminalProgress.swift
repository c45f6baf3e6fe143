import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A progress line on a terminal, redrawn in place with `\r` and erase-to-end-of-line, at most ten
/// times a second, and cleared when the work ends.
///
/// Hand-written rather than a dependency: the maintained candidates in reach (vapor/console-kit's
/// ProgressBar and ActivityIndicator) show no rate or ETA and bring swift-nio with them; Rainbow
/// only colors text. This is a renderer (`ProgressLine`), a throttle and a file descriptor.
public final class TerminalProgress: ProgressReporter, @unchecked Sendable {
    /// The reporter for standard error: silent unless it is a terminal that can redraw a line
    /// (not TERM=dumb) and the user did not ask for `--quiet`.
    public static func standardError(quiet: Bool) -> any ProgressReporter {
        let term = ProcessInfo.processInfo.environment["TERM"] ?? ""
        guard !quiet, isatty(2) == 1, term != "dumb" else { return SilentProgress() }
        return TerminalProgress(descriptor: 2)
    }

    private let lock = NSLock()
    private let descriptor: Int32
    private let clock: @Sendable () -> Double
    private let width: @Sendable () -> Int
    private let output: @Sendable (String) -> Void
    // Guarded by `lock`.
    private var phase: ProgressSnapshot?
    private var started = 0.0
    private var throttle: ProgressThrottle
    private var visible = false
    private var shown = ""

    /// A reporter drawing on `descriptor`; tests inject the clock, the width and the output.
    public init(descriptor: Int32 = 2, interval: Double = 0.1,
                clock: (@Sendable () -> Double)? = nil, width: (@Sendable () -> Int)? = nil,
                output: (@Sendable (String) -> Void)? = nil) {
        self.descriptor = descriptor
        self.throttle = ProgressThrottle(interval: interval)
        self.clock = clock ?? monotonicSeconds
        self.width = width ?? { terminalWidth(descriptor) }
        self.output = output ?? { text in writeAll(text, to: descriptor) }
    }

    public func begin(_ label: String, total: Int?, unit: ProgressUnit) {
        lock.withLock {
            let now = clock()
            drawPending(now: now)
            phase = ProgressSnapshot(label: label, completed: 0, total: total, unit: unit, elapsed: 0)
            started = now
            throttle.reset()
        }
    }

    public func update(completed: Int, detail: String?) {
        lock.withLock {
            guard var current = phase else { return }
            let now = clock()
            current.completed = completed
            current.detail = detail
            current.elapsed = now - started
            phase = current
            if throttle.shouldDraw(at: now) { draw(current) }
        }
    }

    public func finish() {
        lock.withLock {
            drawPending(now: clock())
            phase = nil
            if visible { output("\r\u{1B}[K") }
            visible = false
        }
    }

    public func interleave(_ body: () -> Void) {
        lock.withLock {
            if visible { output("\r\u{1B}[K") }
            visible = false
            body()
            if var current = phase {
                let now = clock()
                current.elapsed = now - started
                phase = current
                draw(current)
                throttle.drew(at: now)
            }
        }
    }

    /// Draws the phase's last state if the throttle held it back, so every phase ends on screen as it ended.
    private func drawPending(now: Double) {
        guard throttle.pending, let current = phase else { return }
        draw(current)
        throttle.drew(at: now)
    }

    private func draw(_ snapshot: ProgressSnapshot) {
        let line = ProgressLine.render(snapshot, width: width())
        // The same text again (the rate and ETA round alike) would only cost a write.
        if visible && line == shown { return }
        output("\r" + line + "\u{1B}[K")
        shown = line
        visible = true
    }
}

/// Seconds on a clock that never jumps (the wall clock may).
@Sendable func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// The terminal's width in columns, or 80 when it does not say.
@Sendable func terminalWidth(_ descriptor: Int32) -> Int {
    var size = winsize()
    let status = withUnsafeMutablePointer(to: &size) { ioctl(descriptor, UInt(truncatingIfNeeded: TIOCGWINSZ), $0) }
    if status == 0, size.ws_col > 0 { return Int(truncatingIfNeeded: size.ws_col) }
    return 80
}

/// Writes all of `text` to `descriptor`; errors are ignored (a progress line is not worth failing for).
func writeAll(_ text: String, to descriptor: Int32) {
    var bytes = Array(text.utf8)
    bytes.withUnsafeMutableBytes { buffer in
        var offset = 0
        while offset < buffer.count, let base = buffer.baseAddress {
            let n = write(descriptor, base + offset, buffer.count - offset)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            offset += n
        }
    }
}
