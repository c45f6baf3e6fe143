/// Column-major scratch whose every column starts on a 64-byte boundary: the base is allocated
/// 64-byte aligned and the leading dimension is a multiple of 64 bytes' worth of elements. With
/// columns 8 or 16 elements past a line (as in a Swift array, whose elements start 32 bytes into
/// a 16-byte-aligned block), every `SIMD8<Double>` load and store of the TSQR leaf straddles two
/// cache lines, and split stores cost the level-2 sweeps much of their rate
/// (figures: Benchmarks/README.md: the roof, tall-skinny). Alignment changes no arithmetic: the same bits.
enum AlignedColumns {
    /// Bytes of alignment of the base and of every column.
    static let alignment = 64

    /// A leading dimension ≥ `rows` whose columns stay aligned (a multiple of 64 bytes of T).
    static func leadingDimension<T>(rows: Int, of _: T.Type) -> Int {
        let perLine = max(1, alignment / MemoryLayout<T>.stride)
        return roundUp(max(rows, 1), perLine)
    }

    /// Calls `body` with uninitialized aligned storage for `columns` columns of
    /// `leadingDimension(rows:of:)` elements (T is a trivial floating-point type), freed after.
    static func with<T: QRScalar, R>(
        rows: Int, columns: Int, of _: T.Type, _ body: (UnsafeMutablePointer<T>, _ leadingDimension: Int) throws -> R
    ) rethrows -> R {
        let ld = leadingDimension(rows: rows, of: T.self)
        let count = ld * max(columns, 1)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<T>.stride, alignment: alignment)
        defer { raw.deallocate() }
        let base = raw.bindMemory(to: T.self, capacity: count)
        return try body(base, ld)
    }
}
