/// When to redraw: the first update of a phase at once, then at most once per `interval` seconds
/// (redrawing on every row would cost more than the work and flicker); a phase's last state is
/// always drawn (`pending` tells whether something is not on screen yet).
public struct ProgressThrottle: Sendable, Equatable {
    public var interval: Double
    private var lastDraw: Double?
    /// An update arrived since the last draw.
    public private(set) var pending = false

    public init(interval: Double = 0.1) { self.interval = interval }

    /// Records an update at `now`; true if it should be drawn now.
    public mutating func shouldDraw(at now: Double) -> Bool {
        if let lastDraw, now - lastDraw < interval, now >= lastDraw {
            pending = true
            return false
        }
        // First draw, interval passed, or the clock went backwards (draw rather than stall).
        lastDraw = now
        pending = false
        return true
    }

    /// Records a draw made regardless of the interval (a phase's last state, a redraw after a log line).
    public mutating func drew(at now: Double) {
        lastDraw = now
        pending = false
    }

    /// A new phase: its first update draws at once.
    public mutating func reset() {
        lastDraw = nil
        pending = false
    }
}
