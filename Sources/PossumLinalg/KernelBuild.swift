/// Which instructions this build of the kernels was compiled for, for `possum --version` and the
/// benchmark's header. Swift cannot ask the compiler which CPU features it targets, so the fast build
/// sets a compilation condition beside `-target-cpu native` (both in the Makefile's `SWIFT_NATIVE`).
public enum KernelBuild {
    /// True when built with `-DPOSSUM_NATIVE_CPU` (the Makefile's fast build: `-target-cpu native`).
    public static let isNativeCPU: Bool = {
        #if POSSUM_NATIVE_CPU
        return true
        #else
        return false
        #endif
    }()

    /// The architecture the kernels were compiled for.
    public static let architecture: String = {
        #if arch(x86_64)
        return "x86_64"
        #elseif arch(arm64)
        return "arm64"
        #else
        return "other architecture"
        #endif
    }()

    /// What the portable build's `SIMD8<Double>` lowers to on this architecture: at the x86-64 baseline
    /// (SSE2, no FMA) every lane's fused multiply-add is a libm `fma` call, hence many times slower
    /// (Benchmarks/README.md, Reproduce).
    static let portableLowering: String = {
        #if arch(x86_64)
        return "x86-64 baseline: scalar fma calls"
        #elseif arch(arm64)
        return "arm64 baseline: 128-bit NEON"
        #else
        return "baseline instructions"
        #endif
    }()

    /// The vector instructions the kernels of this build run as on a CPU with `cpuFeatures` (a
    /// summary such as "AVX-512F+AVX2+FMA", "AVX2+FMA", "NEON", as `possum --version` prints it):
    /// "AVX-512F zmm", "AVX2+FMA ymm", "SSE2 xmm", "NEON", or "portable (…)" for a build without
    /// `POSSUM_NATIVE_CPU`. Swift cannot ask the compiler which features `-target-cpu native`
    /// enabled, so a native build is described by the CPU it runs on — the build machine's, which
    /// is where a native binary belongs (on another CPU it may not run at all).
    public static func vectorInstructions(cpuFeatures: String) -> String {
        guard isNativeCPU else { return "portable (\(portableLowering))" }
        let features = Set(cpuFeatures.split(separator: "+").map(String.init))
        #if arch(x86_64)
        // LLVM lowers the 64-byte SIMD8<Double>/SIMD16<Float> to one zmm register with AVX-512F,
        // to two ymm registers with AVX2 (FMA fused), else to four xmm registers.
        if features.contains("AVX-512F") { return "AVX-512F zmm" }
        if features.contains("AVX2") && features.contains("FMA") { return "AVX2+FMA ymm" }
        return "SSE2 xmm"
        #elseif arch(arm64)
        return features.contains("SVE") ? "NEON (SVE present, unused)" : "NEON"
        #else
        return "native (\(architecture))"
        #endif
    }

    /// One line, e.g. "SIMD8<Double>/SIMD16<Float> compiled for the build machine's CPU (x86_64)" or
    /// "SIMD8<Double>/SIMD16<Float> compiled portable (x86-64 baseline: scalar fma calls)".
    public static let description: String =
        "SIMD8<Double>/SIMD16<Float> compiled "
        + (isNativeCPU ? "for the build machine's CPU (\(architecture))" : "portable (\(portableLowering))")

    /// The level-3 tile `KernelSelection.swift` picked, with its shape in both precisions, e.g.
    /// "AVX512Tile 16×6 Float64, 32×6 Float32".
    public static let tile: String = {
        let name = String(describing: NativeTile<Double>.self).prefix { $0 != "<" }
        return "\(name) \(NativeTile<Double>.mr)×\(NativeTile<Double>.nr) Float64, "
            + "\(NativeTile<Float>.mr)×\(NativeTile<Float>.nr) Float32"
    }()

    /// Everything above for this process, in one line, e.g. "vector code AVX-512F zmm (this CPU:
    /// AVX-512F+AVX2+FMA), tile AVX512Tile 16×6 Float64, 32×6 Float32".
    public static let summary: String =
        "vector code \(vectorInstructions(cpuFeatures: CPUFeatures.current)) (this CPU: \(CPUFeatures.current)), tile \(tile)"
}
