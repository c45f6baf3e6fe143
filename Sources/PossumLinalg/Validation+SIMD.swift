/// `validateLeastSquaresShape` with the scan for NaN/±∞ vectorized: on small problems (104 × 17)
/// the element-by-element scan cost a fifth of the whole factorization.
func validateLeastSquaresShapeFast(_ a: Matrix) throws {
    let finite = a.elements.withUnsafeBufferPointer { allFinite($0.count, $0.baseAddress!) }
    // The slow check also finds *where* the bad entry is, for the error message.
    if !finite || a.columns < 1 || a.rows < a.columns { try validateLeastSquaresShape(a) }
}

/// Whether x[0..<n] are all finite: x·0 is ±0 for finite x and NaN for NaN or ±∞, and a NaN
/// anywhere makes the sum NaN. (n = 0: true.)
@inlinable
func allFinite(_ n: Int, _ x: UnsafePointer<Double>?) -> Bool {
    guard let x, n > 0 else { return true }
    var acc = SIMD8<Double>()
    var i = 0
    while i + 8 <= n {
        acc += SIMDKernels.load8(x + i) * 0
        i += 8
    }
    var s = acc.sum()
    while i < n { s += x[i] * 0; i += 1 }
    return s == 0
}
