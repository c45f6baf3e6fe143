import PossumLinalg

/// The R factor of [X | y] for a block of rows, and of several such factors stacked: the map and
/// the reduce of tall-skinny QR over row blocks that live in different processes or machines.
///
/// Both go through `RidgeCV`'s row-block TSQR (`RidgeCV.triangle`), uncentered. If Rᵢ is the R
/// factor of block i, then [R₁; R₂; …] has the same Gram matrix as the stacked blocks
/// ([X|y]ᵀ[X|y] = Σ RᵢᵀRᵢ), so its R factor is the R factor of all rows (up to row signs), in any
/// order of the blocks and any tree of reductions — and each step is an orthogonal
/// transformation, so the result is as backward stable as one QR of all rows (Mori, Yamamoto,
/// Zhang 2012). With R = [R₁₁ c; 0 ρ], the least-squares solution of y on X is R₁₁⁻¹c and the
/// residual norm is |ρ|.
public enum RowBlockTriangle {
    /// R of `xy` (its last column is y): (p+1) × (p+1), upper triangular, for any number of rows.
    /// A block with fewer rows than columns is padded with zero rows, which change no Gram matrix.
    public static func factor(_ xy: Matrix, solver: some LeastSquaresSolver) throws -> Matrix {
        let width = xy.columns
        precondition(width >= 1, "[X | y] has at least the y column")
        var padded = xy
        if xy.rows < width {
            padded = Matrix(rows: width, columns: width)
            for j in 0..<width { for i in 0..<xy.rows { padded[i, j] = xy[i, j] } }
        }
        let p = width - 1
        let x = padded.submatrix(rows: 0..<padded.rows, columns: 0..<p)
        let y = (0..<padded.rows).map { padded[$0, p] }
        return try RidgeCV.triangle(x, means: [Double](repeating: 0, count: p), yc: y, solver: solver)
    }

    /// The R factor of the triangles stacked, all (p+1) × (p+1).
    public static func combine(_ triangles: [Matrix], solver: some LeastSquaresSolver) throws -> Matrix {
        guard let first = triangles.first else { preconditionFailure("at least one triangle to combine") }
        let width = first.columns
        precondition(triangles.allSatisfy { $0.rows == width && $0.columns == width }, "triangles of one size")
        var stacked = Matrix(rows: width * triangles.count, columns: width)
        for (k, t) in triangles.enumerated() {
            for j in 0..<width { for i in 0...j { stacked[k * width + i, j] = t[i, j] } }
        }
        return try factor(stacked, solver: solver)
    }
}
