/// An estimate of κ₁(R) = ‖R‖₁·‖R⁻¹‖₁ for a nonsingular upper-triangular R (the role of LAPACK's
/// `dtrcon`), in O(n²) flops instead of the O(n³) of inverting R.
///
/// ‖R⁻¹‖₁ comes from Hager's method as refined by Higham (1988, "FORTRAN codes for estimating the
/// one-norm of a real or complex matrix", Alg. 4.1): a few steps of a convex maximization over the
/// unit ℓ₁ ball, each one solve with R and one with Rᵀ, plus Higham's alternating-sign extra
/// vector. The result is a lower bound of the true value, almost always within a factor 3.
public func conditionEstimate1(upperTriangular r: Matrix) -> Double {
    let n = r.columns
    precondition(r.rows >= n, "R must be at least n × n")
    guard n > 0 else { return 0 }
    var normR = 0.0
    for j in 0..<n { normR = max(normR, (0...j).reduce(0) { $0 + abs(r[$1, j]) }) }
    if (0..<n).contains(where: { r[$0, $0] == 0 }) { return .infinity }

    func solve(_ c: [Double]) -> [Double] { backSubstitute(r, c) }
    func solveTransposed(_ c: [Double]) -> [Double] {
        var x = c
        for j in 0..<n {
            var s = x[j]
            for i in 0..<j { s -= r[i, j] * x[i] }
            x[j] = s / r[j, j]
        }
        return x
    }
    func norm1(_ v: [Double]) -> Double { v.reduce(0) { $0 + abs($1) } }

    var x = [Double](repeating: 1 / Double(n), count: n)
    var estimate = 0.0
    var lastIndex = -1
    for _ in 0..<5 {
        let y = solve(x)
        let yNorm = norm1(y)
        if yNorm <= estimate { break }
        estimate = yNorm
        let z = solveTransposed(y.map { $0 >= 0 ? 1 : -1 })
        let j = z.indices.max { abs(z[$0]) < abs(z[$1]) }!
        if j == lastIndex { break }
        lastIndex = j
        x = [Double](repeating: 0, count: n)
        x[j] = 1
    }
    // Higham's extra test vector catches the matrices that fool the iteration.
    let denominator = Double(max(n - 1, 1))
    let alternating: [Double] = (0..<n).map { i in
        let magnitude: Double = 1 + Double(i) / denominator
        return i % 2 == 0 ? magnitude : -magnitude
    }
    estimate = max(estimate, 2 * norm1(solve(alternating)) / (3 * Double(n)))
    return normR * estimate
}
