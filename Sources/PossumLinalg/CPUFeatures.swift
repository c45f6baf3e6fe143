import FoundationEssentials

/// What the running machine offers the kernels: the CPU's vector features (from /proc/cpuinfo)
/// and the CPUs this process may use (its affinity mask), for `possum --version`, the benchmark's
/// header and the default thread count. Linux files; elsewhere "unknown" and Foundation's count.
public enum CPUFeatures {
    /// E.g. "AVX2+FMA", "AVX-512F+AVX2+FMA", "NEON", or "unknown" where /proc/cpuinfo can't be read.
    public static let current: String = summary(cpuinfo: try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))

    /// The features of the first processor listed (every core of a machine is assumed alike).
    public static func summary(cpuinfo: String?) -> String {
        guard let cpuinfo else { return "unknown" }
        for line in cpuinfo.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let key = parts[0].trimmingSpaces
            let flags = Set(parts[1].split(separator: " ").map(String.init))
            if key == "flags" {  // x86
                let named = [("avx512f", "AVX-512F"), ("avx2", "AVX2"), ("fma", "FMA")]
                    .filter { flags.contains($0.0) }.map(\.1)
                return named.isEmpty ? "no AVX2 or FMA" : named.joined(separator: "+")
            }
            if key == "Features" {  // arm64
                let named = [("asimd", "NEON"), ("sve", "SVE")].filter { flags.contains($0.0) }.map(\.1)
                return named.isEmpty ? "no NEON" : named.joined(separator: "+")
            }
        }
        return "unknown"
    }

    /// The CPUs this process may run on: the Cpus_allowed mask of /proc/self/status, as `taskset` or
    /// a cgroup cpuset sets it (Foundation's count ignores the mask); Foundation's count elsewhere.
    public static let coresAvailable: Int = cores(status: try? String(contentsOfFile: "/proc/self/status", encoding: .utf8))

    /// The bits set in the status file's Cpus_allowed mask (hex words, comma-separated on large
    /// machines), or Foundation's active processor count when there is none.
    public static func cores(status: String?) -> Int {
        if let line = status?.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed:") }) {
            let mask = line.dropFirst("Cpus_allowed:".count).filter(\.isHexDigit)
            let count = mask.reduce(0) { $0 + ($1.hexDigitValue ?? 0).nonzeroBitCount }
            if count >= 1 { return count }
        }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var s = self
        while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" { s.removeLast() }
        return s
    }
}
