/// Operations on a QR factorization stored in LAPACK's `dgeqrf` layout — R on and above the
/// diagonal of an m × n matrix, the tail of reflector vₖ (with implicit vₖ[k] = 1) below the
/// diagonal of column k, Q = H₀·H₁⋯H₍ₙ₋₁₎ with Hₖ = I − τₖ·vₖ·vₖᵀ — shared by the factorizations
/// whose output has that layout (the blocked one: blocking changes how the reflectors are
/// *applied*, not what they are).
/// Generic over the kernels, so that the scalar twin and the SIMD path share one algorithm.
enum PackedReflectors<Kernels: HouseholderKernels> where Kernels.Scalar == Double {
    /// The n × n upper triangle R.
    static func r(_ packed: Matrix) -> Matrix {
        let n = packed.columns
        var r = Matrix(rows: n, columns: n)
        for j in 0..<n { for i in 0...j { r[i, j] = packed[i, j] } }
        return r
    }

    /// Qᵀ·b = H₍ₙ₋₁₎⋯H₀·b: one pass over the reflectors (4mn flops).
    static func applyQTranspose(_ packed: Matrix, _ tau: [Double], _ b: [Double]) -> [Double] {
        let (m, n) = (packed.rows, packed.columns)
        precondition(b.count == m, "applyQTranspose: b must have one entry per row")
        var c = b
        packed.elements.withUnsafeBufferPointer { p in
            c.withUnsafeMutableBufferPointer { cb in
                let cView = MutableMatrixView(base: cb.baseAddress!, rows: m, columns: 1, leadingDimension: m)
                for k in 0..<n where tau[k] != 0 {
                    Kernels.applyReflector(p.baseAddress! + k + k * m, tau: tau[k],
                                           to: cView.block(row: k, column: 0, rows: m - k, columns: 1))
                }
            }
        }
        return c
    }

    /// The first n columns of Q, accumulated backwards (`dorg2r`): Hₖ only touches rows and
    /// columns ≥ k of the partial product H_k⋯H₍ₙ₋₁₎·[I; 0].
    static func thinQ(_ packed: Matrix, _ tau: [Double]) -> Matrix {
        let (m, n) = (packed.rows, packed.columns)
        var q = Matrix(rows: m, columns: n)
        for j in 0..<n { q[j, j] = 1 }
        packed.elements.withUnsafeBufferPointer { p in
            q.withMutableView { qv in
                for k in stride(from: n - 1, through: 0, by: -1) where tau[k] != 0 {
                    Kernels.applyReflector(p.baseAddress! + k + k * m, tau: tau[k],
                                           to: qv.block(row: k, column: k, rows: m - k, columns: n - k))
                }
            }
        }
        return q
    }
}
