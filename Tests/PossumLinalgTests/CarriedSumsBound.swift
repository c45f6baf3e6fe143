@testable import PossumLinalg
import Testing

/// γₖ = k·ε/(1 − k·ε) (Higham §3.1), with ε as the caller gives it (`ulpOfOne`: twice the unit
/// roundoff, a margin of 2 built in).
func gamma(_ k: Int, _ eps: Double) -> Double { Double(k) * eps / (1 - Double(k) * eps) }

/// The sums a carrying sweep returns (`fast`) against its reference twin's (`slow`) over `rows`:
/// n terms in either order, plus what the two updated columns' own differences carry (`dy[0]`,
/// `dy[1]`: each entry's bound, from the caller's update check) — the check every carrying kernel
/// op's twin test ends with.
func expectCarriedSumsAgree<T: QRScalar>(
    _ fast: CarriedSums<T>, _ slow: CarriedSums<T>, updated columns: [[T]], entryBounds dy: [[Double]],
    rows: Range<Int>, count n: Int, eps: Double, _ label: String
) {
    func bound(_ x: Int, _ y: Int) -> Double {
        rows.reduce(0.0) { s, i in
            let (p, q) = (Double(abs(columns[x][i])), Double(abs(columns[y][i])))
            return s + 2 * gamma(n, eps) * (p * q + p * dy[y][i] + q * dy[x][i]) + p * dy[y][i] + q * dy[x][i] + dy[x][i] * dy[y][i]
        } + 1e-30
    }
    #expect(Double(abs(fast.squares - slow.squares)) <= bound(0, 0), "\(label) squares")
    #expect(Double(abs(fast.cross - slow.cross)) <= bound(0, 1), "\(label) cross")
    #expect(Double(abs(fast.nextSquares - slow.nextSquares)) <= bound(1, 1), "\(label) next squares")
}
