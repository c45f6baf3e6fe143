/// The recursive panel of a TSQR block step (Elmroth–Gustavson; faer's `qr_in_place_recursive`):
/// a panel of w structured reflectors is split in halves, the left half factored recursively, its
/// block reflector applied to the right half (and any columns past the panel) through the kernels'
/// `innerProducts` and `rankUpdate`, then the right half factored recursively. Only panels of at
/// most `leafWidth` columns are swept by their reflectors (level 2; for Double two per sweep:
/// TallSkinnyQR+PairedLeaf.swift). Leaves narrower than the default measured no faster: the block
/// reflectors' products lose as much with short inner dimensions.
extension TallSkinnyQR {
    /// Columns of the widest panel factored by level-2 sweeps alone (`factorPanelPaired`): with two
    /// reflectors and up to eight columns per sweep, a whole 16-column block step swept so beats
    /// two leaves of 8 and their block reflector, whose Gram matrix is extra work; narrower leaves
    /// (4, 2) were slower still (Benchmarks/README.md: the roof, tall-skinny). So for n ≤
    /// `widestRecursivePanel` the default block step does not recurse.
    public static let defaultLeafWidth = 16

    /// The leaves of a block step when none are given: paired sweeps, `defaultLeafWidth` wide, for
    /// `Double` and `Float` alike (Float's paired sweeps measured slower than one reflector per sweep
    /// with leaves of 8 until the pair kernel's column groups were specialized; since then faster:
    /// Benchmarks/README.md, the roof, tall-skinny).
    static func defaultLeaves<T: QRScalar>(_: T.Type) -> (sweep: LeafSweep, width: Int) {
        (.paired, defaultLeafWidth)
    }

    /// Factors the structured reflectors k0..<k0+w of one block step (the triangle's rows k0..<k0+w
    /// and the block's rows r0..<r0+len) and applies them to columns k0+w..<end of the same rows:
    /// the left half recursively (applied to the panel's right half only), its block reflector on
    /// columns k0+h..<end, then the right half recursively with the same `end`. `scratch` holds
    /// `Householder.structuredBlockReflectorScratch(columns: end − k0, blockSize: w)` elements.
    static func factorPanelRecursive<K: HouseholderKernels>(
        _ a: StridedMatrixView<K.Scalar>, from k0: Int, count w: Int, block r0: Int, rows len: Int, applyThrough end: Int,
        tau: UnsafeMutablePointer<K.Scalar>, leafWidth: Int, leafSweep: LeafSweep = .paired,
        scratch: UnsafeMutablePointer<K.Scalar>, kernels: K.Type
    ) {
        guard w > max(1, leafWidth) else {
            switch leafSweep {
            case .paired:
                factorPanelPaired(a, from: k0, count: w, block: r0, rows: len, applyThrough: end, tau: tau, kernels: K.self)
            case .single:
                factorPanelStructured(a, from: k0, count: w, block: r0, rows: len, applyThrough: end, tau: tau, kernels: K.self)
            }
            return
        }
        // The left half a multiple of the leaf width where it can be, so that every leaf is whole.
        let half = w / 2
        let h = half >= leafWidth ? half - half % leafWidth : half
        factorPanelRecursive(a, from: k0, count: h, block: r0, rows: len, applyThrough: k0 + h, tau: tau,
                             leafWidth: leafWidth, leafSweep: leafSweep, scratch: scratch, kernels: K.self)
        let c0 = k0 + h
        Householder<K>.applyStructuredBlockReflector(
            a.block(row: r0, column: k0, rows: len, columns: h), tau: tau + k0,
            to: a.block(row: r0, column: c0, rows: len, columns: end - c0),
            head: a.block(row: k0, column: c0, rows: h, columns: end - c0), scratch: scratch)
        factorPanelRecursive(a, from: c0, count: w - h, block: r0, rows: len, applyThrough: end, tau: tau,
                             leafWidth: leafWidth, leafSweep: leafSweep, scratch: scratch, kernels: K.self)
    }
}
