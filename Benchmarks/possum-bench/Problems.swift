import PossumLinalg

extension SplitMix64 {
    /// Uniform in [−1, 1): every run times the same matrices.
    mutating func symmetricUnit() -> Double {
        Double(next() >> 11) * 0x1p-52 - 1
    }
}

/// A least-squares problem with entries uniform in [−1, 1): full column rank with overwhelming
/// probability and well conditioned for m ≫ n, so the backward errors measure the algorithm.
struct Problem {
    var a: Matrix
    var b: [Double]

    init(_ shape: Shape, seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        var elements = [Double](repeating: 0, count: shape.m * shape.n)
        for i in elements.indices { elements[i] = rng.symmetricUnit() }
        a = Matrix(rows: shape.m, columns: shape.n, columnMajor: elements)
        b = (0..<shape.m).map { _ in rng.symmetricUnit() }
    }
}

/// How a backward error was obtained (printed next to it).
enum ErrorKind: String {
    /// ‖A − Q·R‖_F / ‖A‖_F with Q formed explicitly.
    case exact = "F"
    /// max over three random x of ‖Qᵀ(A·x) − [R·x; 0]‖₂ / (‖A‖_F·‖x‖₂): forming Q and the m×n×n
    /// product is too slow for big shapes, and since Q is orthogonal this is ‖(A − QR)x‖₂ /
    /// (‖A‖_F·‖x‖₂), a lower estimate of ‖A − QR‖₂/‖A‖_F that in practice lands within a small factor.
    case probe = "p"
    /// ‖Aᵀr‖₂ / (‖A‖_F·(‖A‖_F·‖x‖₂ + ‖r‖₂)) with r = b − A·x (see `leastSquaresBackwardError`).
    case normal = "n"
}

/// Backward error of a QR factorization, relative to ‖A‖_F (see `ErrorKind`).
func qrBackwardError(_ a: Matrix, _ qr: any QRFactorization) -> (Double, ErrorKind) {
    let (m, n) = (a.rows, a.columns)
    let normA = a.frobeniusNorm
    let r = qr.r
    if Double(m) * Double(n) * Double(n) <= 3e8 {
        let q = qr.thinQ()
        return ((a - q.multiplied(by: r)).frobeniusNorm / normA, .exact)
    }
    var rng = SplitMix64(seed: 0x5EED)
    var worst = 0.0
    for _ in 0..<3 {
        let x = (0..<n).map { _ in rng.symmetricUnit() }
        let qtax = qr.applyQTranspose(a.multiplied(by: x))
        let rx = r.multiplied(by: x)
        var diff = qtax
        for i in 0..<n { diff[i] -= rx[i] }
        worst = max(worst, scaledNorm2(diff) / (normA * scaledNorm2(x)))
    }
    return (worst, .probe)
}

/// A normwise backward-error measure of a least-squares solution x̂: with r = b − A·x̂,
///
///     ω = ‖Aᵀr‖₂ / (‖A‖_F · (‖A‖_F·‖x̂‖₂ + ‖r‖₂)).
///
/// x̂ is the exact solution iff Aᵀr = 0. A backward-stable solver returns the exact solution of
/// a problem perturbed by ‖ΔA‖ ≲ cε‖A‖, ‖Δb‖ ≲ cε‖b‖, which moves Aᵀr by about
/// cε‖A‖(‖A‖‖x̂‖ + ‖r‖): so ω is O(ε) times a modest polynomial in m, n for a backward-stable
/// solve, and large for an unstable one (e.g. normal equations on an ill-conditioned A). It is the
/// quantity compared with 10·n·ε in the report, like ‖A − QR‖/‖A‖ for `qr`.
func leastSquaresBackwardError(_ a: Matrix, _ b: [Double], _ x: [Double]) -> Double {
    let ax = a.multiplied(by: x)
    let r = zip(b, ax).map { $0 - $1 }
    var atr = [Double](repeating: 0, count: a.columns)
    for j in 0..<a.columns {
        var s = 0.0
        for i in 0..<a.rows { s += a[i, j] * r[i] }
        atr[j] = s
    }
    let normA = a.frobeniusNorm
    return scaledNorm2(atr) / (normA * (normA * scaledNorm2(x) + scaledNorm2(r)))
}
