// EXPERIMENT (removed again in the next commit): the level-2 part of one TSQR block step swept two
// and four reflectors at a time, specialized inside the module (Benchmarks/roof `level2`).
public enum Level2Probe {
    typealias K = NativeKernels<Double>
    public static func pairs(_ base: UnsafeMutablePointer<Double>, rows: Int, ld: Int, columns: Int, reflectors: Int,
                             out: UnsafeMutablePointer<Double>, gains: UnsafeMutablePointer<Double>) {
        func view(_ j0: Int, _ q: Int) -> StridedMatrixView<Double> {
            StridedMatrixView(base: base + j0 * ld, rows: rows, columns: q, leadingDimension: ld)
        }
        K.innerProducts(rows: rows, base, ldx: ld, count: columns, base, ldy: ld, count: 2, into: out, ldo: columns,
                        skipBelowDiagonal: false)
        for k in stride(from: 0, to: reflectors, by: 2) {
            K.applyStructuredPair(view(k + 2, columns - k - 2), first: base + k * ld, second: base + (k + 1) * ld,
                                  crossGain: 1e-3, gains1: gains, gains2: gains + 64, scale1: 1, scale2: 1,
                                  carry: k + 2 < reflectors, firstDots: out, secondDots: out + 64)
        }
    }
    public static func quads(_ base: UnsafeMutablePointer<Double>, rows: Int, ld: Int, columns: Int, reflectors: Int,
                             out: UnsafeMutablePointer<Double>, gains: UnsafeMutablePointer<Double>,
                             lower: UnsafePointer<Double>, ones: UnsafePointer<Double>) {
        func view(_ j0: Int, _ q: Int) -> StridedMatrixView<Double> {
            StridedMatrixView(base: base + j0 * ld, rows: rows, columns: q, leadingDimension: ld)
        }
        K.innerProducts(rows: rows, base, ldx: ld, count: columns, base, ldy: ld, count: 4, into: out, ldo: columns,
                        skipBelowDiagonal: false)
        for k in stride(from: 0, to: reflectors, by: 4) {
            K.applyStructuredQuad(view(k + 4, columns - k - 4), reflectors: view(k, 4), lower: lower, gains: gains,
                                  ldg: 64, scales: ones, carry: k + 4 < reflectors, dots: out, ldd: 64)
        }
    }
}
