import PossumLinalg
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Fit y ≈ c₀ + c₁t + c₂t² to 40 noisy points through the public API, as a user of the library would.
let t = (0..<40).map { Double($0) / 39 }
let a = Matrix(rowMajor: t.map { [1, $0, $0 * $0] })
let b = t.enumerated().map { i, t in 1 + 2 * t - 3 * t * t + 0.01 * Double(i % 7 - 3) }
let solution = try SIMDSolver().solve(a, b)

// The least-squares residual is orthogonal to every column of A: |aⱼ·r| ≤ tol·‖aⱼ‖·‖b‖ with tol ≫ mε.
let fitted = a.multiplied(by: solution.x)
let residual = zip(b, fitted).map { $0 - $1 }
let tolerance = 1e-10 * scaledNorm2(b)
var orthogonal = true
for j in 0..<a.columns {
    let column = a.column(j)
    let dot = zip(column, residual).reduce(0) { $0 + $1.0 * $1.1 }
    if !(abs(dot) <= tolerance * scaledNorm2(column)) { orthogonal = false }
    print("column \(j): x = \(solution.x[j]), aⱼ·r = \(dot)")
}
print("‖r‖ = \(solution.residualNorm) (recomputed \(scaledNorm2(residual))); kernels: \(KernelBuild.description)")
guard orthogonal, abs(solution.residualNorm - scaledNorm2(residual)) <= 1e-10 * scaledNorm2(b) else {
    print("FAIL: the residual is not orthogonal to range(A)")
    exit(1)
}
print("downstream least squares: ok")
