import BigInt
import PossumLinalg

extension ExactLeastSquares {
    /// The exact minimum-norm solution x* = Aᵀ(AAᵀ)⁻¹b of a wide (m ≤ n) problem of full row
    /// rank, for the wide shapes `solve` cannot reach (it works on the n × n matrix AᵀA).
    ///
    /// Method (all exact): row i of A scaled by 2^sᵢ is an integer row Rᵢ, so AAᵀ = D⁻¹·G·D⁻¹ with
    /// G = R·Rᵀ in integers (gcd-free m²n products) and D = diag(2^sᵢ); G·w = D·b by fraction-free
    /// elimination; then x = Aᵀ·D·w = Rᵀ·w. nil when A has dependent rows.
    public static func solveFullRowRank(_ a: Matrix, _ b: [Double]) -> [Rational]? {
        let (m, n) = (a.rows, a.columns)
        precondition(b.count == m && m <= n, "a wide A and one b entry per row")
        let rows = (0..<m).map { i in integerColumn((0..<n).map { a[i, $0] }) }
        let (bInt, bShift) = integerColumn(b)
        var gram = [[BigInt]](repeating: [BigInt](repeating: 0, count: m), count: m)
        for p in 0..<m {
            for q in p..<m {
                var s = BigInt(0)
                for j in 0..<n { s += rows[p].values[j] * rows[q].values[j] }
                (gram[p][q], gram[q][p]) = (s, s)
            }
        }
        // G·w = D·b with b = B/2^bShift: solve G·w' = (Bᵢ·2^sᵢ), w = w'/2^bShift.
        guard let w = bareissSolve(gram, (0..<m).map { bInt[$0] << rows[$0].shift }) else { return nil }
        // x = Rᵀ·w' / 2^bShift, over one common denominator so the n sums stay integer.
        var common = BigInt(1)
        for v in w { common = common / common.greatestCommonDivisor(with: v.denominator) * v.denominator }
        let integers = w.map { $0.numerator * (common / $0.denominator) }
        let denominator = common << bShift
        return (0..<n).map { j in
            var s = BigInt(0)
            for i in 0..<m { s += rows[i].values[j] * integers[i] }
            return Rational(s, denominator)
        }
    }
}
