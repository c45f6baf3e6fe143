import PossumLinalg
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// docs/library.md shows this file's first part; keep the two identical.
// Fit y ≈ c₀ + c₁t + c₂t² to 40 points, for three right-hand sides at once, in Float or Double.
func fitQuadratics<T: QRScalar>(_: T.Type) throws -> (a: ColumnMajorMatrix<T>, b: ColumnMajorMatrix<T>, x: ColumnMajorMatrix<T>) {
    let t = (0..<40).map { T($0) / 39 }
    let a = try ColumnMajorMatrix<T>(columns: [t.map { _ in 1 }, t, t.map { $0 * $0 }])
    let b = try ColumnMajorMatrix<T>(columns: [
        t.map { 1 + 2 * $0 - 3 * $0 * $0 },
        t.map { -$0 * $0 },
        t.enumerated().map { i, t in 0.5 + t + T(i % 7 - 3) / 100 },  // noisy
    ])
    let qr = try QRDecomposition(factoring: a)  // factor once …
    let x = try qr.solve(b)                     // … solve for all three columns of b: x is 3 × 3
    return (a, b, x)
}

// Rank-deficient: the third column is the sum of the first two. The column-pivoted QR finds
// rank 2 and returns the minimum-norm solution.
func minimumNorm<T: QRScalar>(_: T.Type) throws -> (rank: Int, x: ColumnMajorMatrix<T>) {
    let t = (0..<10).map { T($0) }
    let a = try ColumnMajorMatrix<T>(columns: [t.map { _ in 1 }, t, t.map { 1 + $0 }])
    let b = try ColumnMajorMatrix<T>(columns: [t.map { 2 + 2 * $0 }])
    let qr = try ColumnPivotedQR(factoring: a)
    return (qr.rank, try qr.solveMinimumNorm(b))
}
// End of the part docs/library.md shows.

/// Checks the fit: the exact coefficients for the first two columns, and for every column a residual
/// orthogonal to range(A) (|aⱼ·r| ≤ tol·‖aⱼ‖·‖b‖, tol ≫ m·n·ε of the precision).
func check<T: QRScalar>(_ type: T.Type) throws -> Bool {
    let (a, b, x) = try fitQuadratics(T.self)
    let tolerance = Double(T.ulpOfOne) * 1e3
    var ok = true
    let exact: [[Double]] = [[1, 2, -3], [0, 0, -1]]
    for (column, coefficients) in exact.enumerated() {
        for i in 0..<3 where !(abs(Double(x[i, column]) - coefficients[i]) <= tolerance * 10) { ok = false }
    }
    for k in 0..<b.columns {
        var residual = [Double](repeating: 0, count: a.rows)
        for i in 0..<a.rows {
            residual[i] = Double(b[i, k]) - (0..<3).reduce(0.0) { $0 + Double(a[i, $1]) * Double(x[$1, k]) }
        }
        for j in 0..<a.columns {
            let column = a.column(j).map(Double.init)
            let dot = zip(column, residual).reduce(0.0) { $0 + $1.0 * $1.1 }
            if !(abs(dot) <= tolerance * scaledNorm2(column) * scaledNorm2(b.column(k).map(Double.init))) { ok = false }
        }
        print("\(T.dtypeName) column \(k): x = \((0..<3).map { x[$0, k] }), ‖r‖ = \(scaledNorm2(residual))")
    }
    // x₀ + x₁·t + x₂·(1 + t) = 2 + 2t means x₀ = x₁ = 2 − x₂; the least ‖x‖ has x₂ = 4/3: x = (2/3, 2/3, 4/3).
    let (rank, xm) = try minimumNorm(T.self)
    let expected: [Double] = [2.0 / 3, 2.0 / 3, 4.0 / 3]
    print("\(T.dtypeName) rank-deficient: rank \(rank), minimum-norm x = \((0..<3).map { xm[$0, 0] })")
    if rank != 2 { ok = false }
    for i in 0..<3 where !(abs(Double(xm[i, 0]) - expected[i]) <= tolerance * 10) { ok = false }
    return ok
}

let ok = try check(Double.self) && check(Float.self)
print("kernels: \(KernelBuild.description)")
guard ok else {
    print("FAIL: a least-squares answer is off")
    exit(1)
}
print("downstream least squares: ok")
