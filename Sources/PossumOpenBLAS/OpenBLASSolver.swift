import PossumLinalg

/// QR least squares through OpenBLAS's LAPACK: `dgeqrf` to factor, `dormqr` to apply Qᵀ,
/// `dorgqr` to form Q, `dtrtrs` for the triangle, and `dgels` for the one-call solve.
public struct OpenBLASSolver: LeastSquaresSolver {
    public init() {}
    public var name: String { "openblas" }

    public func factorize(_ a: Matrix) throws -> any QRFactorization {
        try OpenBLASQR(factoring: a)
    }

    /// min‖A·x − b‖₂ in one `dgels` call (scales A, factors, solves); the baseline of the
    /// benchmark's `lstsq` operation.
    public func dgels(_ a: Matrix, _ b: [Double]) throws -> [Double] {
        guard b.count == a.rows else {
            throw LinalgError.shapeMismatch("b has \(b.count) entries, A has \(a.rows) rows")
        }
        guard a.rows >= a.columns, a.columns >= 1 else {
            throw LinalgError.underdetermined(rows: a.rows, columns: a.columns)
        }
        try checkLAPACKDimensions(a)
        var m = Int32(a.rows), n = Int32(a.columns), nrhs: Int32 = 1
        var lda = m, ldb = m, info: Int32 = 0
        var work = a.elements
        var rhs = b
        var trans = CChar(UInt8(ascii: "N"))
        var lwork = Int32(-1)
        var query = 0.0
        try openBLAS { lib in
            lib.dgels(&trans, &m, &n, &nrhs, &work, &lda, &rhs, &ldb, &query, &lwork, &info, 1)
            lwork = Int32(query)
            var scratch = [Double](repeating: 0, count: max(1, Int(lwork)))
            lib.dgels(&trans, &m, &n, &nrhs, &work, &lda, &rhs, &ldb, &scratch, &lwork, &info, 1)
        }
        if info > 0 {
            throw LinalgError.rankDeficient(column: Int(info) - 1, ratio: 0)
        }
        try check(info, "dgels")
        return Array(rhs[0..<a.columns])
    }
}

/// Sets OpenBLAS's thread count for everything that follows (process-wide). Each thread past the
/// first maps a 128 MiB buffer: when they do not fit in memory, the next OpenBLAS call says so.
public func setOpenBLASThreads(_ n: Int) {
    openBLASLock.lock()
    defer { openBLASLock.unlock() }
    OpenBLASLibrary.requestedThreads = max(1, n)
    // At once, for a program that also calls OpenBLAS directly (possum-bench, `OpenBLASRoutines`); an error
    // here comes back from the next call through possum.
    _ = try? OpenBLASLibrary.prepare()
}

/// LAPACK's integers are 32-bit: a larger dimension (or leading dimension) is refused here, so
/// the `Int32(rows)` conversions that follow cannot trap.
func checkLAPACKDimensions(_ a: Matrix) throws {
    guard a.rows <= Int(Int32.max), a.columns <= Int(Int32.max) else {
        throw LinalgError.shapeMismatch("A is \(a.rows)×\(a.columns): LAPACK takes at most \(Int32.max) rows and columns")
    }
}

/// OpenBLAS's build description, e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH … Cooperlake" (loading the
/// library, without starting its threads), or why it cannot be loaded.
public var openBLASConfiguration: String {
    openBLASLock.lock()
    defer { openBLASLock.unlock() }
    do {
        return try OpenBLASLibrary.load().config().map { String(cString: $0) } ?? "OpenBLAS (no configuration string)"
    } catch {
        return "\(error)"
    }
}

/// The result of `dgeqrf`: R and the reflectors in LAPACK's packed layout.
public struct OpenBLASQR: QRFactorization {
    public private(set) var packed: Matrix
    public private(set) var tau: [Double]
    public var rows: Int { packed.rows }
    public var columns: Int { packed.columns }

    /// A factorization someone else computed, in `dgeqrf` layout (e.g. a Float32 one widened to
    /// Double, exactly): `thinQ`/`applyQTranspose` then form its Q in double precision with
    /// `dorgqr`/`dormqr`, an oracle independent of the code that computed the reflectors.
    public init(packed: Matrix, tau: [Double]) {
        precondition(tau.count == packed.columns && packed.rows >= packed.columns, "dgeqrf layout: m ≥ n, n τ's")
        self.packed = packed
        self.tau = tau
    }

    public init(factoring a: Matrix) throws {
        guard a.columns >= 1 else { throw LinalgError.shapeMismatch("A has no columns") }
        guard a.rows >= a.columns else { throw LinalgError.underdetermined(rows: a.rows, columns: a.columns) }
        if let (i, j) = a.firstNonFinite() { throw LinalgError.nonFinite(operand: "A", row: i, column: j) }
        try checkLAPACKDimensions(a)
        packed = a
        tau = [Double](repeating: 0, count: a.columns)
        var m = Int32(a.rows), n = Int32(a.columns), lda = Int32(a.rows), info: Int32 = 0
        var lwork = Int32(-1)
        var query = 0.0
        try openBLAS { lib in
            lib.dgeqrf(&m, &n, &packed.elements, &lda, &tau, &query, &lwork, &info)
            lwork = Int32(query)
            var work = [Double](repeating: 0, count: max(1, Int(lwork)))
            lib.dgeqrf(&m, &n, &packed.elements, &lda, &tau, &work, &lwork, &info)
        }
        try check(info, "dgeqrf")
    }

    public var r: Matrix {
        var r = Matrix(rows: columns, columns: columns)
        for j in 0..<columns { for i in 0...j { r[i, j] = packed[i, j] } }
        return r
    }

    public func applyQTranspose(_ b: [Double]) -> [Double] {
        var c = b
        var side = CChar(UInt8(ascii: "L")), trans = CChar(UInt8(ascii: "T"))
        var m = Int32(rows), nrhs: Int32 = 1, k = Int32(columns), lda = Int32(rows), ldc = Int32(rows)
        var info: Int32 = 0
        var lwork = Int32(-1)
        var query = 0.0
        var a = packed.elements
        var t = tau
        openBLASOrTrap { lib in
            lib.dormqr(&side, &trans, &m, &nrhs, &k, &a, &lda, &t, &c, &ldc, &query, &lwork, &info, 1, 1)
            lwork = Int32(query)
            var work = [Double](repeating: 0, count: max(1, Int(lwork)))
            lib.dormqr(&side, &trans, &m, &nrhs, &k, &a, &lda, &t, &c, &ldc, &work, &lwork, &info, 1, 1)
        }
        precondition(info == 0, "dormqr rejected argument \(-info)")  // arguments are ours, not the user's
        return c
    }

    public func thinQ() -> Matrix {
        var q = packed
        var m = Int32(rows), n = Int32(columns), k = Int32(columns), lda = Int32(rows), info: Int32 = 0
        var lwork = Int32(-1)
        var query = 0.0
        var t = tau
        openBLASOrTrap { lib in
            lib.dorgqr(&m, &n, &k, &q.elements, &lda, &t, &query, &lwork, &info)
            lwork = Int32(query)
            var work = [Double](repeating: 0, count: max(1, Int(lwork)))
            lib.dorgqr(&m, &n, &k, &q.elements, &lda, &t, &work, &lwork, &info)
        }
        precondition(info == 0, "dorgqr rejected argument \(-info)")
        return q
    }

    public func solveUpper(_ c: [Double]) -> [Double] {
        var x = Array(c[0..<columns])
        var uplo = CChar(UInt8(ascii: "U")), trans = CChar(UInt8(ascii: "N")), diag = CChar(UInt8(ascii: "N"))
        var n = Int32(columns), nrhs: Int32 = 1, lda = Int32(rows), ldb = Int32(columns), info: Int32 = 0
        var a = packed.elements
        openBLASOrTrap { lib in lib.dtrtrs(&uplo, &trans, &diag, &n, &nrhs, &a, &lda, &x, &ldb, &info, 1, 1, 1) }
        precondition(info >= 0, "dtrtrs rejected argument \(-info)")
        // info > 0: R has an exact zero on its diagonal and dtrtrs solved nothing. Callers check
        // the rank first; should one not, NaN says "no answer" rather than a stale c.
        return info == 0 ? x : [Double](repeating: .nan, count: columns)
    }
}

private func check(_ info: Int32, _ routine: String) throws {
    if info < 0 { throw LinalgError.backend("\(routine): argument \(-info) had an illegal value") }
    if info > 0 { throw LinalgError.backend("\(routine) failed with info = \(info)") }
}
