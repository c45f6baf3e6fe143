/// Which algorithm `SIMDSolver` runs for which shape. The crossovers are measured
/// (Benchmarks/README.md), not derived: they move with the machine's cache sizes.
extension SIMDSolver {
    /// Below this many columns the unblocked algorithm wins: the panel is the whole matrix.
    public static let blockedCrossover = 64

    /// A one-line description of the configuration, printed by the benchmark.
    public var configurationDescription: String {
        "blocked QR nb=\(BlockedHouseholderQR.defaultBlockSize) for n > \(Self.blockedCrossover), "
            + "micro-kernel \(MicroKernel.mr)x\(MicroKernel.nr) SIMD8<Double>, threads=\(threads)"
    }

    func factorizeFast(_ a: Matrix) throws -> any QRFactorization {
        if a.columns > Self.blockedCrossover {
            return try BlockedHouseholderQR(factoring: a)
        }
        return try HouseholderQR<SIMDKernels>(factoring: a)
    }
}
