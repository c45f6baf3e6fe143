import PossumLinalg
import PossumOpenBLAS
import Testing

/// Test matrices: each family stresses something different in a QR.
enum Problem: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case random          // 60 × 20, well conditioned
    case graded          // columns scaled 1e-6 … 1e6: QR must be column-scaling invariant
    case tallSkinny      // 3000 × 6
    case square          // 33 × 33 (not a multiple of the vector width)
    case oneColumn       // 40 × 1
    case oneRowMore      // 21 × 20
    case oneByOne        // 1 × 1

    var testDescription: String { rawValue }

    var matrix: Matrix {
        var rng = SplitMix64(seed: UInt64(Self.allCases.firstIndex(of: self)!) + 7)
        switch self {
        case .random: return .random(rows: 60, columns: 20, using: &rng)
        case .graded:
            var a = Matrix.random(rows: 50, columns: 13, using: &rng)
            for j in 0..<13 {
                let s = pow10(Double(j - 6))
                for i in 0..<50 { a[i, j] *= s }
            }
            return a
        case .tallSkinny: return .random(rows: 3000, columns: 6, using: &rng)
        case .square: return .random(rows: 33, columns: 33, using: &rng)
        case .oneColumn: return .random(rows: 40, columns: 1, using: &rng)
        case .oneRowMore: return .random(rows: 21, columns: 20, using: &rng)
        case .oneByOne: return Matrix(rowMajor: [[-2.5]])
        }
    }
}

/// 10^k for small integer k, exactly as far as binary allows.
func pow10(_ k: Double) -> Double {
    var r = 1.0
    for _ in 0..<Int(abs(k)) { r *= 10 }
    return k < 0 ? 1 / r : r
}

let allSolvers: [any LeastSquaresSolver] = [SIMDSolver(), NaiveSolver(), OpenBLASSolver()]
