import Dispatch
import PossumLinalg
import PossumProgress

/// R₀ = U·S·Vᵀ's right singular vectors and squared singular values, with each α's weights
/// 1/(s_k² + α): what the leave-one-out pass needs to get every α's leverages from one product
/// of each row with V (`RidgeCV.leaveOneOutErrors`).
public struct RidgeSpectralBasis: Sendable {
    /// V, p × p and orthogonal: column k is v_k.
    public let rightVectors: Matrix
    /// s_k², in the order of V's columns.
    public let squaredSingularValues: [Double]
    /// Per α of the grid: 1/(s_k² + α) for every k.
    public let weights: [[Double]]

    /// Sweeps of `init` before it gives up (LAPACK's dgesvj allows as many); quadratic
    /// convergence needs fewer than ten for any p seen here.
    static let largestSweepCount = 30

    /// By one-sided Jacobi (Hestenes 1958): the columns of A = R₀ are rotated in pairs until every
    /// pair is orthogonal to √p·ε of their norms (the test of LAPACK's dgesvj); the product of the
    /// rotations is V, and A·V's column norms are the s_k. Rotations are orthogonal, so V is
    /// orthogonal to rounding, and the computed pair (s, V) is exact for R₀ + ΔR with
    /// ‖ΔR‖ ≤ O(p·ε)·‖R₀‖ (Demmel, Veselić 1992). A zero or null direction of R₀ (possum keeps
    /// every one-hot level, so X_c is rank-deficient) is never rotated against and gives s_k ≈ 0.
    /// Nil when the sweeps do not converge (the caller then uses forward substitution).
    public init?(r0: Matrix, alphas: [Double]) {
        let p = r0.columns
        precondition(r0.rows == p, "R₀ is square")
        var a = r0.elements, v = Matrix.identity(p).elements
        let tolerance = Double(p).squareRoot() * Double.ulpOfOne
        var converged = p < 2
        for _ in 0..<Self.largestSweepCount where !converged {
            var rotated = false
            for i in 0..<max(0, p - 1) {
                for j in (i + 1)..<p {
                    var alpha = 0.0, beta = 0.0, gamma = 0.0
                    for k in 0..<p {
                        let x = a[i * p + k], y = a[j * p + k]
                        alpha += x * x; beta += y * y; gamma += x * y
                    }
                    guard gamma.magnitude > tolerance * (alpha * beta).squareRoot() else { continue }
                    rotated = true
                    // The smaller root of t² + 2ζt − 1 = 0 zeroes the rotated pair's inner product.
                    let zeta = (beta - alpha) / (2 * gamma)
                    let t = zeta.magnitude > 0x1p500 ? 1 / (2 * zeta)
                        : (zeta >= 0 ? 1 : -1) / (zeta.magnitude + (1 + zeta * zeta).squareRoot())
                    let c = 1 / (1 + t * t).squareRoot(), s = c * t
                    for k in 0..<p {
                        let x = a[i * p + k], y = a[j * p + k]
                        a[i * p + k] = c * x - s * y
                        a[j * p + k] = s * x + c * y
                        let vx = v[i * p + k], vy = v[j * p + k]
                        v[i * p + k] = c * vx - s * vy
                        v[j * p + k] = s * vx + c * vy
                    }
                }
            }
            converged = !rotated
        }
        guard converged, a.allSatisfy(\.isFinite) else { return nil }
        let squares = (0..<p).map { k in (0..<p).reduce(0.0) { $0 + a[k * p + $1] * a[k * p + $1] } }
        rightVectors = Matrix(rows: p, columns: p, columnMajor: v)
        squaredSingularValues = squares
        weights = alphas.map { alpha in squares.map { 1 / ($0 + alpha) } }
    }
}

extension RidgeCV {
    /// The spectral basis of R₀ (the leading p × p block of the (p+1) × (p+1) `triangle`) when the
    /// leave-one-out pass over `totalRows` rows is cheaper with it, nil when forward substitution
    /// is (or Jacobi does not converge). Flops per row: substitution p² per α; the spectral route
    /// 2p² for the product with V once and 4p per α; Jacobi costs about 400·p³ once (ten sweeps
    /// of p²/2 pairs at 8p each). So a wide design with few rows (p = 1100, n = 2000) keeps the
    /// substitution, and a tall one (p = 16 beyond about 300 rows) takes the basis.
    public func leaveOneOutBasis(triangle full: Matrix, totalRows: Int) -> RidgeSpectralBasis? {
        let p = full.columns - 1
        let (pd, n, a) = (Double(p), Double(totalRows), Double(alphas.count))
        guard p > 0, 400 * pd * pd * pd + n * (2 * pd * pd + 4 * pd * a) < n * a * pd * pd else { return nil }
        return RidgeSpectralBasis(r0: full.submatrix(rows: 0..<p, columns: 0..<p), alphas: alphas)
    }

    /// `leaveOneOutErrors` through R₀'s spectral basis. With R₀ = U·S·Vᵀ,
    /// R_αᵀR_α = R₀ᵀR₀ + αI = V·(S² + αI)·Vᵀ, so for a centered row x
    ///
    ///     hᵢ = 1/n + x·(R₀ᵀR₀ + αI)⁻¹·xᵀ = 1/n + Σ_k (x·v_k)² / (s_k² + α):
    ///
    /// per block one product W = B·V (2p² flops a row, whatever the number of α), then per α and
    /// row p multiply-adds for hᵢ and p for the fitted value x·w (w the model's own coefficients,
    /// rounded as the substitution rounds them), vectorized over rows. No inverse of R₀ is formed, so a
    /// rank-deficient design is fine: a null direction has s_k ≈ 0 and x·v_k ≈ 0 for every row.
    ///
    /// Accuracy, against the substitution's relative error p·ε·κ(R_α) in hᵢ − 1/n
    /// (κ(R_α)² = (s_max² + α)/(s_min² + α)):
    /// - (s, V) are exact for R₀ + ΔR, ‖ΔR‖ ≤ c·p·ε·‖R₀‖. With M = R₀ᵀR₀ + αI, the change of M is
    ///   R₀ᵀΔR + ΔRᵀR₀ and ‖M^-½(R₀ᵀΔR + ΔRᵀR₀)M^-½‖ ≤ 2‖R₀M^-½‖·‖ΔR‖/√(s_min² + α), where
    ///   ‖R₀M^-½‖ = max s/√(s² + α) ≤ 1: a relative change of x·M⁻¹·xᵀ of at most 2c·p·ε·κ(R_α).
    /// - Pairs left with cosines below √p·ε make VᵀR₀ᵀR₀V = S² + E, |E_kl| ≤ √p·ε·s_k·s_l: a
    ///   relative change of at most p·√p·ε, whatever the condition.
    /// - Each computed x·v_k is off by at most p·ε·‖x‖; by Cauchy–Schwarz the sum of squares
    ///   moves by at most 2p·ε·‖x‖·√(hᵢ − 1/n)·√(Σ_k 1/(s_k² + α)), and
    ///   ‖x‖² ≤ (s_max² + α)(hᵢ − 1/n), so relatively by at most 2p·√p·ε·κ(R_α).
    /// The same order as the substitution's; the tests hold the two to their sum.
    static func leaveOneOutErrorsSpectral(_ x: Matrix, means: [Double], yc: [Double], models: [(w: [Double], r: Matrix)],
                                          basis: RidgeSpectralBasis, blockRows: Int, totalRows: Int?, progressOffset: Int,
                                          progress: any ProgressReporter) -> (sse: [Double], rss: [Double]) {
        let n = x.rows
        precondition(basis.weights.count == models.count && basis.rightVectors.columns == x.columns, "a basis of this fit's grid and features")
        let oneOverN = 1 / Double(totalRows ?? n)
        // Two halves of the rows on two threads when there are enough of them: a fixed split,
        // so the sums are the same bits on every run and every machine.
        guard n >= Self.rowsToSplit else {
            return spectralSums(x, rows: 0..<n, means: means, yc: yc, models: models, basis: basis, blockRows: blockRows,
                                oneOverN: oneOverN, progress: { progress.update(completed: progressOffset + $0) })
        }
        let halves = [0..<(n / 2), (n / 2)..<n]
        var parts = [(sse: [Double], rss: [Double])](repeating: ([], []), count: 2)
        parts.withUnsafeMutableBufferPointer { out in
            let shared = SharedWithHalves(value: out)
            DispatchQueue.concurrentPerform(iterations: 2) { h in
                // The first half reports for both: rows done there, twice, is the whole's progress.
                shared.value[h] = spectralSums(x, rows: halves[h], means: means, yc: yc, models: models, basis: basis,
                                               blockRows: blockRows, oneOverN: oneOverN,
                                               progress: { done in if h == 0 { progress.update(completed: progressOffset + min(n, 2 * done)) } })
            }
        }
        progress.update(completed: progressOffset + n)
        return (zip(parts[0].sse, parts[1].sse).map(+), zip(parts[0].rss, parts[1].rss).map(+))
    }

    /// Rows from which `leaveOneOutErrorsSpectral` splits the work in two.
    static let rowsToSplit = 4096

    /// The per-α sums over `rows` of x, a block of rows at a time (`progress` hears the rows done).
    static func spectralSums(_ x: Matrix, rows: Range<Int>, means: [Double], yc: [Double], models: [(w: [Double], r: Matrix)],
                             basis: RidgeSpectralBasis, blockRows: Int, oneOverN: Double,
                             progress: (Int) -> Void) -> (sse: [Double], rss: [Double]) {
        let p = x.columns
        // Every α reads the whole centered block and its squares again: rows enough that both fit
        // in a 32 KB L1 data cache (128 at p = 16), in multiples of the kernel's 16.
        let l1Rows = max(16, (32 * 1024 / (2 * 8 * max(1, p))) / 16 * 16)
        let mb = max(1, min(blockRows, l1Rows, rows.count))
        var sse = [Double](repeating: 0, count: models.count)
        var rss = [Double](repeating: 0, count: models.count)
        let block = UnsafeMutablePointer<Double>.allocate(capacity: mb * p)
        let squares = UnsafeMutablePointer<Double>.allocate(capacity: mb * p)
        let targets = UnsafeMutablePointer<Double>.allocate(capacity: mb)
        // Every α's coefficients and weights side by side, p doubles each; V column by column.
        let coefficients = UnsafeMutablePointer<Double>.allocate(capacity: models.count * p)
        let weights = UnsafeMutablePointer<Double>.allocate(capacity: models.count * p)
        let v = UnsafeMutablePointer<Double>.allocate(capacity: p * p)
        defer {
            block.deallocate(); squares.deallocate(); targets.deallocate()
            coefficients.deallocate(); weights.deallocate(); v.deallocate()
        }
        for (a, model) in models.enumerated() {
            for k in 0..<p { coefficients[a * p + k] = model.w[k]; weights[a * p + k] = basis.weights[a][k] }
        }
        for (k, element) in basis.rightVectors.elements.enumerated() { v[k] = element }
        var start = rows.lowerBound
        while start < rows.upperBound {
            let count = min(mb, rows.upperBound - start)
            centeredBlock(x, means: means, start: start, count: count, into: block)
            for i in 0..<count { targets[i] = yc[start + i] }
            Self.squaredProducts(count, p, block: block, v: v, into: squares)
            for a in models.indices {
                let (s, q) = Self.spectralBlockSums(count, p, block: block, squares: squares, w: coefficients + a * p,
                                                    d: weights + a * p, y: targets, oneOverN: oneOverN)
                sse[a] += s
                rss[a] += q
            }
            start += count
            progress(start - rows.lowerBound)
        }
        return (sse, rss)
    }

    /// squares_ki = (Σ_j B_ji·V_jk)² — column k of (B·V) ⊙ (B·V) — for a centered block B of
    /// `count` rows: eight rows and four k at a time, the sums kept in registers.
    static func squaredProducts(_ count: Int, _ p: Int, block: UnsafePointer<Double>, v: UnsafePointer<Double>,
                                into squares: UnsafeMutablePointer<Double>) {
        typealias V = SIMD8<Double>
        func load(_ pointer: UnsafePointer<Double>) -> V { UnsafeRawPointer(pointer).loadUnaligned(as: V.self) }
        func store(_ value: V, _ pointer: UnsafeMutablePointer<Double>) { UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: V.self) }
        var i = 0
        while i + 8 <= count {
            var k = 0
            while k + 4 <= p {
                var a0 = V(), a1 = V(), a2 = V(), a3 = V()
                var b = block + i
                let (v0, v1, v2, v3) = (v + k * p, v + (k + 1) * p, v + (k + 2) * p, v + (k + 3) * p)
                for j in 0..<p {
                    let x = load(b)
                    a0 = a0.addingProduct(x, V(repeating: v0[j])); a1 = a1.addingProduct(x, V(repeating: v1[j]))
                    a2 = a2.addingProduct(x, V(repeating: v2[j])); a3 = a3.addingProduct(x, V(repeating: v3[j]))
                    b += count
                }
                let out = squares + k * count + i
                store(a0 * a0, out); store(a1 * a1, out + count); store(a2 * a2, out + 2 * count); store(a3 * a3, out + 3 * count)
                k += 4
            }
            while k < p {
                var a = V()
                var b = block + i
                for j in 0..<p { a = a.addingProduct(load(b), V(repeating: v[k * p + j])); b += count }
                store(a * a, squares + k * count + i)
                k += 1
            }
            i += 8
        }
        while i < count {
            for k in 0..<p {
                var a = 0.0
                for j in 0..<p { a = a.addingProduct(block[j * count + i], v[k * p + j]) }
                squares[k * count + i] = a * a
            }
            i += 1
        }
    }

    /// Σ loo² and Σ e² over `count` rows for one α: hᵢ = 1/n + Σ_k d_k·squares_ki,
    /// eᵢ = yᵢ − Σ_k w_k·B_ki, looᵢ = eᵢ/(1 − hᵢ), vectorized over rows.
    @inline(__always)
    static func spectralBlockSums(_ count: Int, _ p: Int, block: UnsafePointer<Double>, squares: UnsafePointer<Double>,
                                  w: UnsafePointer<Double>, d: UnsafePointer<Double>, y: UnsafePointer<Double>,
                                  oneOverN: Double) -> (Double, Double) {
        typealias V = SIMD8<Double>
        func load(_ pointer: UnsafePointer<Double>) -> V { UnsafeRawPointer(pointer).loadUnaligned(as: V.self) }
        var s0 = V(), s1 = V(), q0 = V(), q1 = V()
        var i = 0
        // Thirty-two rows at a time: eight chains of additions in flight, enough to cover their
        // latency (sixteen rows, four chains, wait on it).
        while i + 32 <= count {
            var h0 = V(repeating: oneOverN), h1 = h0, h2 = h0, h3 = h0, f0 = V(), f1 = V(), f2 = V(), f3 = V()
            var sq = squares + i, b = block + i
            for k in 0..<p {
                let dk = V(repeating: d[k]), wk = V(repeating: w[k])
                h0 = h0.addingProduct(dk, load(sq)); h1 = h1.addingProduct(dk, load(sq + 8))
                h2 = h2.addingProduct(dk, load(sq + 16)); h3 = h3.addingProduct(dk, load(sq + 24))
                f0 = f0 + wk * load(b); f1 = f1 + wk * load(b + 8); f2 = f2 + wk * load(b + 16); f3 = f3 + wk * load(b + 24)
                sq += count; b += count
            }
            let e0 = load(y + i) - f0, e1 = load(y + i + 8) - f1, e2 = load(y + i + 16) - f2, e3 = load(y + i + 24) - f3
            let l0 = e0 / (1 - h0), l1 = e1 / (1 - h1), l2 = e2 / (1 - h2), l3 = e3 / (1 - h3)
            s0 = s0.addingProduct(l0, l0).addingProduct(l2, l2); s1 = s1.addingProduct(l1, l1).addingProduct(l3, l3)
            q0 = q0.addingProduct(e0, e0).addingProduct(e2, e2); q1 = q1.addingProduct(e1, e1).addingProduct(e3, e3)
            i += 32
        }
        while i + 16 <= count {
            var h0 = V(repeating: oneOverN), h1 = h0, f0 = V(), f1 = V()
            var sq = squares + i, b = block + i
            for k in 0..<p {
                let dk = V(repeating: d[k]), wk = V(repeating: w[k])
                h0 = h0.addingProduct(dk, load(sq)); h1 = h1.addingProduct(dk, load(sq + 8))
                // Not fused: the same roundings as the substitution's fitted values, so only hᵢ differs.
                f0 = f0 + wk * load(b); f1 = f1 + wk * load(b + 8)
                sq += count; b += count
            }
            let e0 = load(y + i) - f0, e1 = load(y + i + 8) - f1
            let l0 = e0 / (1 - h0), l1 = e1 / (1 - h1)
            s0 = s0.addingProduct(l0, l0); s1 = s1.addingProduct(l1, l1)
            q0 = q0.addingProduct(e0, e0); q1 = q1.addingProduct(e1, e1)
            i += 16
        }
        var s = (s0 + s1).sum(), q = (q0 + q1).sum()
        while i < count {
            var h = oneOverN, f = 0.0
            for k in 0..<p {
                h = h.addingProduct(d[k], squares[k * count + i])
                f = f + w[k] * block[k * count + i]
            }
            let e = y[i] - f, loo = e / (1 - h)
            s = s.addingProduct(loo, loo)
            q = q.addingProduct(e, e)
            i += 1
        }
        return (s, q)
    }
}

/// The halves' result slots, written by one thread each (`leaveOneOutErrorsSpectral`).
private struct SharedWithHalves: @unchecked Sendable {
    let value: UnsafeMutableBufferPointer<(sse: [Double], rss: [Double])>
}
