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
