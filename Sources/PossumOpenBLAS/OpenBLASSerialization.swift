import Foundation

/// Runs `body` — one or more OpenBLAS calls — with the library ready (`OpenBLASLibrary.prepare`:
/// loaded, its buffers mapped, or a one-line error) while no other thread of this process is inside
/// OpenBLAS through possum.
///
/// Why: OpenBLAS's threaded builds are not reliably safe to call from several threads at once;
/// the races reported in its buffers and thread server return wrong numbers, not errors
/// (OpenBLAS issues #1755, #2126, #5825). possum's commands call it from one thread, but a test
/// runner (Swift Testing runs tests in parallel) or a library user need not. What prompted it:
/// once, in a full parallel test run, a Float32 test's ‖A − QR‖/‖A‖ — Q formed by `dorgqr` while
/// other tests were inside `dgels`, `sgels` and `dgeqrf` — came out 0.035 instead of ~1e-7; the
/// same test passes alone, and neither that failure nor a wrong result in 400 concurrent
/// `dgeqrf`/`dorgqr`/`dgels` rounds could be reproduced, so OpenBLAS is the suspect, not the
/// proven cause. OpenBLAS still uses its own threads inside each call. An uncontended lock costs
/// tens of nanoseconds against microseconds for the smallest call. One caller at a time also means
/// one buffer in use at a time: the main thread's, mapped once.
@inline(__always)
func openBLAS<R>(_ body: (OpenBLASLibrary) throws -> R) throws -> R {
    openBLASLock.lock()
    defer { openBLASLock.unlock() }
    return try body(OpenBLASLibrary.prepare())
}

let openBLASLock = NSLock()
