import PossumLinalg
import PossumOpenBLAS

/// The least-squares backends a user can pick with `--solver`.
public enum SolverChoice: String, CaseIterable, Sendable {
    /// Our Householder QR with SIMD8<Double> kernels.
    case simd
    /// LAPACK dgeqrf/dormqr/dorgqr/dtrtrs from OpenBLAS.
    case openblas
    /// The same Householder QR with plain scalar loops: the correctness baseline.
    case naive

    /// The backend. Every one of them can factor (`possum train`) and solve rank-revealing,
    /// minimum-norm problems (`possum lstsq`).
    public func makeSolver() -> any RankRevealingSolver {
        switch self {
        case .simd: return SIMDSolver()
        case .openblas:
            // possum's problems are small: one thread avoids OpenBLAS's thread start-up costs.
            setOpenBLASThreads(1)
            return OpenBLASSolver()
        case .naive: return NaiveSolver()
        }
    }
}
