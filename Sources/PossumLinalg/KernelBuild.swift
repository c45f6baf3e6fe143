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
    /// (SSE2, no FMA) every lane's fused multiply-add is a libm `fma` call, hence over ten times slower.
    static let portableLowering: String = {
        #if arch(x86_64)
        return "x86-64 baseline: scalar fma calls"
        #elseif arch(arm64)
        return "arm64 baseline: 128-bit NEON"
        #else
        return "baseline instructions"
        #endif
    }()

    /// One line, e.g. "SIMD8<Double>/SIMD16<Float> compiled for the build machine's CPU (x86_64)" or
    /// "SIMD8<Double>/SIMD16<Float> compiled portable (x86-64 baseline: scalar fma calls)".
    public static let description: String =
        "SIMD8<Double>/SIMD16<Float> compiled "
        + (isNativeCPU ? "for the build machine's CPU (\(architecture))" : "portable (\(portableLowering))")
}
