import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// CPU seconds spent by the calling thread. A guard against a hang or a quadratic blow-up in a
/// synchronous test reads this rather than the wall clock, which a loaded CI machine stretches.
public func threadCPUSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
}

/// Polls until process `pid` no longer runs (gone, or a zombie awaiting its reaper), for at most
/// `seconds`; true if it stopped. A killed process takes a moment to exit, longer on a loaded host.
public func waitUntilStopped(_ pid: Int32, seconds: Double = 30) -> Bool {
    var waited = 0.0
    while true {
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        let state = stat.split(separator: ")").last?.split(separator: " ").first ?? "gone"
        if state == "gone" || state == "Z" || state == "X" { return true }
        if waited >= seconds { return false }
        usleep(20_000)
        waited += 0.02
    }
}
