#if canImport(Glibc)
import Glibc
#endif

/// What the running CPU offers the SIMD kernels, read from /proc/cpuinfo, so that `possum --version` can
/// show a portable build on an AVX2 machine (slow kernels for no reason) next to what was compiled.
enum CPUFeatures {
    /// E.g. "AVX2+FMA", "AVX-512F+AVX2+FMA", "NEON", or "unknown" where /proc/cpuinfo can't be read.
    static let current: String = summary(cpuinfo: readProcFile("/proc/cpuinfo"))

    /// The features of the first processor listed (every core of a machine is assumed alike).
    static func summary(cpuinfo: String?) -> String {
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

    /// The whole file with plain read(2): /proc files report a size of 0, so read until end of file.
    private static func readProcFile(_ path: String) -> String? {
        #if canImport(Glibc)
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return n == 0 ? String(decoding: bytes, as: UTF8.self) : nil }
            bytes.append(contentsOf: chunk[0..<n])
        }
        #else
        return nil
        #endif
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
