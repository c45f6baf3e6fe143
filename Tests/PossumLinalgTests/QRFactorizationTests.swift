import PossumLinalg
import PossumOpenBLAS
import Testing

/// Backward error and orthogonality of each solver's QR.
///
/// Householder QR is normwise backward stable: Q̂R̂ = A + ΔA with ‖ΔA‖_F ≤ c·m·n·ε·‖A‖_F in the
/// worst case (Higham Thm 19.4), and Q̂ (formed from the reflectors) satisfies ‖Q̂ᵀQ̂ − I‖_F ≤
/// c·n·ε-ish in practice. We test the tighter, observed form ‖A − Q̂R̂‖_F ≤ 10·n·ε·‖A‖_F (the
/// target the benchmark uses too); a wrong reflector, sign or index gives errors of order 1.
@Suite struct QRFactorizationTests {
    @Test(arguments: Problem.allCases)
    func backwardErrorAndOrthogonality(problem: Problem) throws {
        let a = problem.matrix
        let n = Double(a.columns)
        for solver in allSolvers {
            let qr = try solver.factorize(a)
            let q = qr.thinQ()
            let r = qr.r
            for j in 0..<a.columns { for i in (j + 1)..<max(j + 1, a.columns) { #expect(r[i, j] == 0) } }
            let residual = (a - q.multiplied(by: r)).frobeniusNorm / a.frobeniusNorm
            #expect(residual <= 10 * n * .ulpOfOne, "\(solver.name): ‖A − QR‖/‖A‖ = \(residual)")
            let orthogonality = (q.transposed.multiplied(by: q) - .identity(a.columns)).frobeniusNorm
            #expect(orthogonality <= 10 * n * .ulpOfOne, "\(solver.name): ‖QᵀQ − I‖ = \(orthogonality)")
        }
    }

    /// R is unique up to the signs of its rows; with LAPACK's sign convention (β = −sign(α)‖x‖)
    /// ours and OpenBLAS's must agree entry by entry. Perturbation theory for R (Sun 1991) bounds
    /// the difference by about κ₂(A)·(backward errors); these problems have κ₂ < 1e3 after
    /// column scaling, so 1e-10 relative to the row's diagonal leaves a wide margin.
    @Test(arguments: Problem.allCases)
    func rMatchesOpenBLAS(problem: Problem) throws {
        let a = problem.matrix
        let reference = try OpenBLASSolver().factorize(a).r
        for solver in [SIMDSolver(), NaiveSolver()] as [any LeastSquaresSolver] {
            let r = try solver.factorize(a).r
            for j in 0..<a.columns {
                for i in 0...j {
                    let scale = max(abs(reference[i, i]), abs(reference[j, j]))
                    #expect(abs(r[i, j] - reference[i, j]) <= 1e-10 * scale,
                            "\(solver.name) R[\(i),\(j)] = \(r[i, j]) vs \(reference[i, j])")
                }
            }
        }
    }

    /// Qᵀb from the implicit reflectors equals (thin Q)ᵀb on the first n entries, and the rest
    /// carries exactly the part of b's norm outside range(A).
    @Test(arguments: Problem.allCases)
    func implicitQTransposeAgreesWithFormedQ(problem: Problem) throws {
        let a = problem.matrix
        var rng = SplitMix64(seed: 5)
        let b = (0..<a.rows).map { _ in Double.random(in: -1...1, using: &rng) }
        let bNorm = scaledNorm2(b)
        for solver in allSolvers {
            let qr = try solver.factorize(a)
            let c = qr.applyQTranspose(b)
            let viaQ = qr.thinQ().transposed.multiplied(by: b)
            for k in 0..<a.columns {
                #expect(abs(c[k] - viaQ[k]) <= 10 * Double(a.rows) * .ulpOfOne * bNorm, "\(solver.name) k=\(k)")
            }
            // Q is orthogonal: ‖Qᵀb‖ = ‖b‖.
            #expect(abs(scaledNorm2(c) - bNorm) <= 10 * Double(a.rows) * .ulpOfOne * bNorm)
        }
    }
}
