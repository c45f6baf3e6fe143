/// `validateLeastSquaresShape` with the scan for NaN/±∞ vectorized: on small problems the
/// element-by-element scan was a large share of the factorization (Benchmarks/README.md: the
/// finiteness scan).
func validateLeastSquaresShapeFast(_ a: Matrix) throws {
    let finite = a.elements.withUnsafeBufferPointer { allFinite($0.count, $0.baseAddress!) }
    // The slow check also finds *where* the bad entry is, for the error message.
    if !finite || a.columns < 1 || a.rows < a.columns { try validateLeastSquaresShape(a) }
}

/// Whether x[0..<n] are all finite: x·0 is ±0 for finite x and NaN for NaN or ±∞, and a NaN
/// anywhere makes the sum NaN. (n = 0: true.)
@inlinable
func allFinite<T: QRScalar>(_ n: Int, _ x: UnsafePointer<T>?) -> Bool {
    guard let x, n > 0 else { return true }
    var acc = T.zeroVector
    var i = 0
    while i + T.lanes <= n {
        acc = T.accumulateTimesZero(acc, T.load(x + i))
        i += T.lanes
    }
    var s = T.sum(acc)
    while i < n { s += x[i] * 0; i += 1 }
    return s == 0
}
