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
