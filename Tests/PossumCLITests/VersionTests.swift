import Foundation
import PossumLinalg
import PossumWorkflows
import Testing
@testable import PossumCLI

struct VersionTests {
    /// `possum --version` names the version, the kernels compiled in, and what this CPU offers them.
    @Test func versionSaysWhichKernelsWereCompiled() throws {
        let p = try PossumProcess.run(["--version"])
        #expect(p.status == 0, "\(p.stderr)")
        #expect(p.stdout.hasPrefix("possum \(possumVersion) (kernels: \(KernelBuild.description); this CPU: "))
        #expect(p.stdout.contains(KernelBuild.isNativeCPU ? "build machine's CPU" : "portable"))
        #expect(p.stdout.contains("; tile: \(KernelBuild.tile))"))
    }

    /// The tile named is the one the kernels run with, shape included.
    @Test func tileNamesTheSelectedMicroKernel() {
        let name = String(describing: NativeTile<Double>.self).prefix { $0 != "<" }
        #expect(KernelBuild.tile.hasPrefix("\(name) \(NativeTile<Double>.mr)×\(NativeTile<Double>.nr) Float64"))
        #if arch(x86_64) && POSSUM_AVX512
        #expect(KernelBuild.tile.hasPrefix("AVX512Tile 16×6 Float64, 32×6 Float32"))
        #endif
    }

    /// The default thread count is the affinity mask's CPU count (what `taskset` sets), read from
    /// /proc/self/status; without the line, Foundation's count.
    @Test func coresAvailableCountsTheAffinityMask() {
        #expect(CPUFeatures.cores(status: "Name:\tx\nCpus_allowed:\t3\nCpus_allowed_list:\t0-1\n") == 2)
        #expect(CPUFeatures.cores(status: "Cpus_allowed:\t1\n") == 1)
        #expect(CPUFeatures.cores(status: "Cpus_allowed:\tffffffff,00000001\n") == 33)
        #expect(CPUFeatures.cores(status: nil) >= 1)
        #expect(SIMDSolver().threads == CPUFeatures.coresAvailable)
    }

    @Test func cpuFeaturesAreReadFromCpuinfo() {
        let x86 = "processor\t: 0\nflags\t\t: fpu sse2 avx fma avx2 bmi2\nprocessor\t: 1\n"
        #expect(CPUFeatures.summary(cpuinfo: x86) == "AVX2+FMA")
        #expect(CPUFeatures.summary(cpuinfo: "flags\t: fpu avx512f avx2 fma\n") == "AVX-512F+AVX2+FMA")
        #expect(CPUFeatures.summary(cpuinfo: "flags\t: fpu sse2\n") == "no AVX2 or FMA")
        #expect(CPUFeatures.summary(cpuinfo: "Features\t: fp asimd evtstrm sve\n") == "NEON+SVE")
        #expect(CPUFeatures.summary(cpuinfo: "") == "unknown")
        #expect(CPUFeatures.summary(cpuinfo: nil) == "unknown")
    }
}
