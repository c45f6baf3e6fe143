/// Seconds of a `Duration`.
func seconds(_ d: Duration) -> Double {
    let c = d.components
    return Double(c.seconds) + Double(c.attoseconds) * 1e-18
}

/// Keeps a result alive so the optimizer cannot drop the work that produced it.
@inline(never)
func blackHole<T>(_ x: T) {
    withExtendedLifetime(x) {}
}

/// One contender: a name, the untimed preparation of one call (copying A into the buffer the
/// call overwrites), and the call itself, the only thing timed.
struct Contender {
    var solver: SolverName
    var prepare: () -> Void = {}
    var run: () throws -> Void
    /// A `--lapack` peer's label (its samples are kept under it, not under `solver`).
    var peer: String? = nil

    var key: String { peer.map { "lapack:" + $0 } ?? solver.rawValue }
}

/// Timing samples of each contender, in seconds per call.
struct Samples {
    var perCall: [String: [Double]] = [:]

    func median(_ s: SolverName) -> Double { median(key: s.rawValue) }
    func median(peer label: String) -> Double { median(key: "lapack:" + label) }
    func min(_ s: SolverName) -> Double { min(key: s.rawValue) }
    func min(peer label: String) -> Double { min(key: "lapack:" + label) }

    func median(key: String) -> Double {
        let v = (perCall[key] ?? []).sorted()
        guard !v.isEmpty else { return .nan }
        return v.count % 2 == 1 ? v[v.count / 2] : (v[v.count / 2 - 1] + v[v.count / 2]) / 2
    }

    func min(key: String) -> Double { perCall[key]?.min() ?? .nan }
}

/// Times the contenders interleaved: repetition r runs every contender once (in an order rotated
/// by r, so that none always runs right after another's cache pollution) before repetition r + 1
/// starts. Machine-wide slowdowns (another process, thermal state) then hit every contender
/// alike, and their *ratios* stay meaningful even when absolute times drift.
///
/// A sample of a short call repeats it `inner` times back to back, with `inner` calibrated so a
/// sample lasts at least `minimumSample` seconds: clock overhead and jitter stay below 1 %.
func measure(_ contenders: [Contender], repetitions: Int, minimumSample: Double = 0.005) throws -> Samples {
    let clock = ContinuousClock()
    /// Time of `count` calls, each after its untimed `prepare`. The clock is read around each call
    /// (≈ 30 ns, under 0.5 % of the shortest call timed here).
    func timed(_ c: Contender, _ count: Int) throws -> Double {
        var total = Duration.zero
        for _ in 0..<count {
            c.prepare()
            let start = clock.now
            try c.run()
            total += clock.now - start
        }
        return seconds(total)
    }
    var inner: [Int] = []
    for c in contenders {  // warm-up (page faults, lazy initialisation) and calibration
        _ = try timed(c, 1)
        let t = try timed(c, 1)
        inner.append(t >= minimumSample ? 1 : Swift.min(100_000, Int((minimumSample / Swift.max(t, 1e-9)).rounded(.up))))
    }
    var samples = Samples()
    for r in 0..<repetitions {
        for k in 0..<contenders.count {
            let i = (k + r) % contenders.count
            let c = contenders[i]
            samples.perCall[c.key, default: []].append(try timed(c, inner[i]) / Double(inner[i]))
        }
    }
    return samples
}
