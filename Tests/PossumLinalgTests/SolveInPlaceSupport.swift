@testable import PossumLinalg

/// `solver.solve(inPlace:)` on [A | b] stored column-major in an array (leading dimension m, as a
/// Swift array lays it out), with the given kernels: x and ‖r‖; `augmented` is left factored.
func solveInPlace<K: HouseholderKernels>(
    _ solver: SIMDSolver, _ augmented: inout [K.Scalar], rows m: Int, columns n: Int, kernels: K.Type
) throws -> (x: [K.Scalar], residual: K.Scalar) {
    var tau = [K.Scalar](repeating: .nan, count: SIMDSolver.tauCount(rows: m, columns: n))
    var x = [K.Scalar](repeating: .nan, count: n)
    var workspace = QRWorkspace()
    let residual = try augmented.withUnsafeMutableBufferPointer { v in
        try tau.withUnsafeMutableBufferPointer { t in
            try x.withUnsafeMutableBufferPointer { xb in
                guard let vb = v.baseAddress, let tb = t.baseAddress, let xp = xb.baseAddress else { return K.Scalar.nan }
                return try solver.solve(inPlace: StridedMatrixView(base: vb, rows: m, columns: n + 1, leadingDimension: m),
                                        tau: tb, solution: xp, workspace: &workspace, kernels: K.self)
            }
        }
    }
    return (x, residual)
}
