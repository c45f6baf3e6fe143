import BigInt
import PossumLinalg

/// The exact minimum-norm least-squares solution x* = A⁺b of a problem whose data are doubles,
/// in rational arithmetic: the oracle the accuracy tests measure every solver against.
///
/// Method (all exact): G = AᵀA and h = Aᵀb; Gauss–Jordan on G picks a maximal set S of
/// independent columns (rank(G) = rank(A)). With C = A[:, S], A = C·F where F = (CᵀC)⁻¹CᵀA, and
/// A⁺ = Fᵀ(FFᵀ)⁻¹(CᵀC)⁻¹Cᵀ (a full-rank factorization). For full column rank this is just
/// x* = G⁻¹h. Cost grows quickly with n and with the bit length of the data: meant for n ≲ 12.
public enum ExactLeastSquares {
    public struct Result: Sendable {
        public var x: [Rational]
        public var rank: Int
        public var xDouble: [Double] { x.map(\.doubleValue) }
    }

    public static func solve(_ a: Matrix, _ b: [Double]) -> Result {
        let (m, n) = (a.rows, a.columns)
        // G = AᵀA and h = Aᵀb accumulated in integers: column j is scaled by 2^shift[j] so that
        // all its entries are integers, which makes the m-term sums gcd-free BigInt arithmetic;
        // only the n² results become rationals.
        let (columns, shifts) = (0..<n).map { j in integerColumn((0..<m).map { a[$0, j] }) }
            .reduce(into: ([[BigInt]](), [Int]())) { $0.0.append($1.values); $0.1.append($1.shift) }
        let (bInt, bShift) = integerColumn(b)
        func rational(_ v: BigInt, shift: Int) -> Rational { Rational(v, BigInt(1) << shift) }
        var gram = [[BigInt]](repeating: [BigInt](repeating: 0, count: n), count: n)
        var rhs = [BigInt](repeating: 0, count: n)
        for p in 0..<n {
            for q in p..<n {
                var s = BigInt(0)
                for i in 0..<m { s += columns[p][i] * columns[q][i] }
                gram[p][q] = s
                gram[q][p] = s
            }
            var t = BigInt(0)
            for i in 0..<m { t += columns[p][i] * bInt[i] }
            rhs[p] = t
        }
        let G = (0..<n).map { p in (0..<n).map { q in rational(gram[p][q], shift: shifts[p] + shifts[q]) } }
        let h = (0..<n).map { p in rational(rhs[p], shift: shifts[p] + bShift) }
        // Full column rank (the common case): solve G_int·y = t by fraction-free Gauss–Jordan
        // (Bareiss), integer-only and gcd-free, then undo the power-of-two scalings.
        if let y = bareissSolve(gram, rhs) {
            // G = D⁻¹·G_int·D⁻¹ and h = D⁻¹·t/2^bShift with D = diag(2^shiftⱼ), so x = D·y/2^bShift.
            let x = (0..<n).map { j in y[j] * Rational(BigInt(1) << shifts[j], BigInt(1) << bShift) }
            return Result(x: x, rank: n)
        }
        let pivots = independentColumns(G)
        let r = pivots.count
        guard r > 0 else { return Result(x: [Rational](repeating: .zero, count: n), rank: 0) }
        let gSS = pivots.map { p in pivots.map { G[p][$0] } }   // CᵀC
        let gSAll = pivots.map { G[$0] }                           // CᵀA
        let hS = pivots.map { h[$0] }                              // Cᵀb
        if r == n { return Result(x: solveSquare(gSS, [hS])[0], rank: n) }
        // F = (CᵀC)⁻¹CᵀA  (r × n), z = (CᵀC)⁻¹Cᵀb, x = Fᵀ(FFᵀ)⁻¹z.
        let columnsOfF = solveSquare(gSS, (0..<n).map { j in gSAll.map { $0[j] } } + [hS])
        let F = (0..<r).map { i in (0..<n).map { columnsOfF[$0][i] } }
        let z = columnsOfF[n]
        var FFt = [[Rational]](repeating: [Rational](repeating: .zero, count: r), count: r)
        for i in 0..<r { for j in 0..<r { FFt[i][j] = (0..<n).reduce(Rational.zero) { $0 + F[i][$1] * F[j][$1] } } }
        let w = solveSquare(FFt, [z])[0]
        let x = (0..<n).map { j in (0..<r).reduce(Rational.zero) { $0 + F[$1][j] * w[$1] } }
        return Result(x: x, rank: r)
    }

    /// The entries of `values` as integers vᵢ·2^shift, with the smallest shift ≥ 0 that makes
    /// every entry an integer (a double's denominator is a power of two).
    static func integerColumn(_ values: [Double]) -> (values: [BigInt], shift: Int) {
        let exact = values.map(Rational.init)
        let shift = exact.map { $0.denominator.trailingZeroBitCount }.max() ?? 0
        return (exact.map { $0.numerator << (shift - $0.denominator.trailingZeroBitCount) }, shift)
    }

    /// Fraction-free Gauss–Jordan elimination (Bareiss 1968; Nakos, Turner & Williams 1997) of
    /// M·y = r over the integers: every division is exact, so no gcds until the n final
    /// quotients. Returns y, or nil when M is singular.
    static func bareissSolve(_ matrix: [[BigInt]], _ r: [BigInt]) -> [Rational]? {
        let n = matrix.count
        var m = (0..<n).map { matrix[$0] + [r[$0]] }
        var previous = BigInt(1)
        for k in 0..<n {
            guard let p = (k..<n).first(where: { m[$0][k] != 0 }) else { return nil }
            if p != k { m.swapAt(p, k) }
            for i in 0..<n where i != k {
                for j in 0...n where j != k {
                    m[i][j] = (m[k][k] * m[i][j] - m[i][k] * m[k][j]) / previous
                }
                m[i][k] = 0
            }
            previous = m[k][k]
        }
        return (0..<n).map { i in Rational(m[i][n], m[i][i]) }
    }

    /// Indices of a maximal independent set of columns of a symmetric matrix (pivot columns of
    /// its reduced row echelon form).
    static func independentColumns(_ g: [[Rational]]) -> [Int] {
        var m = g
        let n = g.count
        var pivots: [Int] = []
        var row = 0
        for col in 0..<n where row < n {
            guard let p = (row..<n).first(where: { !m[$0][col].isZero }) else { continue }
            m.swapAt(row, p)
            for i in (row + 1)..<n where !m[i][col].isZero {
                let f = m[i][col] / m[row][col]
                for j in col..<n { m[i][j] = m[i][j] - f * m[row][j] }
            }
            pivots.append(col)
            row += 1
        }
        return pivots
    }

    /// Solves M·X = columns for a nonsingular square M by Gaussian elimination; returns one
    /// solution vector per right-hand side.
    static func solveSquare(_ matrix: [[Rational]], _ rightHandSides: [[Rational]]) -> [[Rational]] {
        let n = matrix.count
        let k = rightHandSides.count
        var m = (0..<n).map { i in matrix[i] + rightHandSides.map { $0[i] } }
        for col in 0..<n {
            let p = (col..<n).first { !m[$0][col].isZero }!
            m.swapAt(col, p)
            for i in 0..<n where i != col && !m[i][col].isZero {
                let f = m[i][col] / m[col][col]
                for j in col..<(n + k) { m[i][j] = m[i][j] - f * m[col][j] }
            }
        }
        return (0..<k).map { c in (0..<n).map { m[$0][n + c] / m[$0][$0] } }
    }
}
