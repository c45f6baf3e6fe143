import PossumLinalg

extension OpenBLASSolver {
    /// min‖A·x − b‖₂ in single precision, one `sgels` call: the Float32 reference for tests (A is
    /// m × n column-major, m ≥ n, full rank). Returns x (n entries).
    public func sgels(rows: Int, columns: Int, _ a: [Float], _ b: [Float]) throws -> [Float] {
        precondition(a.count == rows * columns && b.count == rows && rows >= columns && columns >= 1,
                     "sgels: A must be m × n column-major with m ≥ n ≥ 1 and b of length m")
        var m = Int32(rows), n = Int32(columns), nrhs: Int32 = 1
        var lda = m, ldb = m, info: Int32 = 0
        var work = a
        var rhs = b
        var trans = CChar(UInt8(ascii: "N"))
        var lwork = Int32(-1)
        var query: Float = 0
        try openBLAS { lib in
            lib.sgels(&trans, &m, &n, &nrhs, &work, &lda, &rhs, &ldb, &query, &lwork, &info, 1)
            lwork = Int32(query)
            var scratch = [Float](repeating: 0, count: max(1, Int(lwork)))
            lib.sgels(&trans, &m, &n, &nrhs, &work, &lda, &rhs, &ldb, &scratch, &lwork, &info, 1)
        }
        if info > 0 { throw LinalgError.rankDeficient(column: Int(info) - 1, ratio: 0) }
        if info < 0 { throw LinalgError.backend("sgels: argument \(-info) had an illegal value") }
        return Array(rhs[0..<columns])
    }
}
