import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How much more memory this process may take, as the system states it: the least of the
/// machine's memory, the address-space limit's headroom (`ulimit -v`, `prlimit --as`: the limit
/// less the process's present virtual size) and its cgroup's (`memory.max` less `memory.current`,
/// cgroup v2: a container's or `systemd-run -p MemoryMax=`'s limit).
///
/// Why: Swift cannot recover from a failed allocation — the process dies with a backtrace. Every
/// allocation whose size comes from the data (a table held whole, an HDF5 dataset read whole, a
/// design matrix) asks here first, so that a limit gives a one-line error or a block-wise read
/// instead. It is an estimate taken at one moment; the callers leave a margin.
public enum MemoryHeadroom {
    /// Bytes, never negative.
    public static func available() -> Int {
        if let limit = testingLimit { return max(0, limit) }
        var least = Int(clamping: ProcessInfo.processInfo.physicalMemory)
        if let limit = addressSpaceHeadroom() { least = min(least, limit) }
        if let limit = cgroupHeadroom() { least = min(least, limit) }
        return max(0, least)
    }

    /// For tests: a limit standing in for the system's within `withValue`'s body.
    @TaskLocal public static var testingLimit: Int?

    /// RLIMIT_AS less the virtual size (`/proc/self/statm`'s first field, in pages); nil without
    /// a limit.
    static func addressSpaceHeadroom() -> Int? {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_AS.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max else { return nil }  // RLIM_INFINITY
        let ceiling = Int(clamping: limit.rlim_cur)
        guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
              let pages = statm.split(separator: " ").first.flatMap({ Int($0) }) else { return ceiling }
        let (used, overflow) = pages.multipliedReportingOverflow(by: Int(clamping: sysconf(Int32(_SC_PAGESIZE))))
        return overflow ? 0 : ceiling - used
    }

    /// The cgroup v2 group of this process (`0::/path` in /proc/self/cgroup): memory.max less
    /// memory.current; nil when unlimited or not known.
    static func cgroupHeadroom() -> Int? {
        guard let membership = try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8),
              let line = membership.split(separator: "\n").first(where: { $0.hasPrefix("0::") }) else { return nil }
        let group = "/sys/fs/cgroup" + line.dropFirst(3).trimmingCharacters(in: .whitespaces)
        func number(_ file: String) -> Int? {
            (try? String(contentsOfFile: group + "/" + file, encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
        guard let max = number("memory.max") else { return nil }  // "max": no limit
        return max - (number("memory.current") ?? 0)
    }
}

extension MemoryHeadroom {
    /// At most this much may be allocated between two asks of the headroom (which reads /proc): a
    /// request this large asks at once, smaller ones ask each time they add up to it.
    public static let askInterval = 1 << 20

    /// The one check for allocations whose size comes from the data, asked often enough that no
    /// size slips past it: a request of `askInterval` or more, and each time the smaller ones since
    /// the last ask add up to `askInterval`, asks `headroom()`, and a request is refused unless it
    /// leaves `askInterval` free (what the next unasked requests may take). The CSV reader asks at
    /// the same interval (`CSVTable.collect`); HDF5 reads go through one `Meter` (`HDF5Dataspace`).
    public struct Meter: Sendable {
        private var unasked = 0

        public init() {}

        /// Whether `bytes` more may be allocated now.
        public mutating func admits(_ bytes: Int, headroom: () -> Int = MemoryHeadroom.available) -> Bool {
            // A test's stand-in limit holds for its own task only, while a shared meter also counts
            // other tasks' reads: under it only a request's own size decides whether it asks.
            if MemoryHeadroom.testingLimit != nil && bytes < MemoryHeadroom.askInterval { return true }
            let (sum, overflow) = unasked.addingReportingOverflow(max(0, bytes))
            if !overflow && sum < MemoryHeadroom.askInterval {
                unasked = sum
                return true
            }
            unasked = 0
            let (needed, tooMuch) = max(0, bytes).addingReportingOverflow(MemoryHeadroom.askInterval)
            return !tooMuch && needed <= headroom()
        }
    }
}
