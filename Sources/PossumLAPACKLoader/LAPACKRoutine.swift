/// The Fortran LAPACK and BLAS routines possum calls, as the C function types dlsym gives: the one set of
/// signatures, for OpenBLAS's LAPACK (PossumOpenBLAS) and for any LAPACK loaded by path (possum-bench's
/// `--lapack` peers). Fortran passes every argument by reference, so each is a pointer: raw, because the
/// width of the integers (32 or 64 bits) belongs to the library loaded, not to the routine; `In` is read,
/// `Out` written. gfortran's hidden CHARACTER lengths trail as size_t (`Int`), one per CHARACTER argument.
/// (Debian's OpenBLAS ships no LAPACK prototypes, and nothing in possum links it: these are the only ones.)
public enum LAPACKRoutine {
    public typealias In = UnsafeRawPointer
    public typealias Out = UnsafeMutableRawPointer

    /// ?geqrf(m, n, a, lda, tau, work, lwork, info)
    public typealias Geqrf = @convention(c) (In, In, Out, In, Out, Out, In, Out) -> Void
    /// ?orgqr(m, n, k, a, lda, tau, work, lwork, info)
    public typealias Orgqr = @convention(c) (In, In, In, Out, In, In, Out, In, Out) -> Void
    /// ?ormqr(side, trans, m, n, k, a, lda, tau, c, ldc, work, lwork, info, len(side), len(trans))
    public typealias Ormqr = @convention(c) (In, In, In, In, In, In, In, In, Out, In, Out, In, Out, Int, Int) -> Void
    /// ?trtrs(uplo, trans, diag, n, nrhs, a, lda, b, ldb, info, len(uplo), len(trans), len(diag))
    public typealias Trtrs = @convention(c) (In, In, In, In, In, In, In, Out, In, Out, Int, Int, Int) -> Void
    /// ?gels(trans, m, n, nrhs, a, lda, b, ldb, work, lwork, info, len(trans))
    public typealias Gels = @convention(c) (In, In, In, In, Out, In, Out, In, Out, In, Out, Int) -> Void
    /// ?gelsy(m, n, nrhs, a, lda, b, ldb, jpvt, rcond, rank, work, lwork, info)
    public typealias Gelsy = @convention(c) (In, In, In, Out, In, Out, In, Out, In, Out, Out, In, Out) -> Void
    /// ?gemm(transa, transb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, len(transa), len(transb))
    public typealias Gemm = @convention(c) (In, In, In, In, In, In, In, In, In, In, In, Out, In, Int, Int) -> Void

    /// OpenBLAS's `openblas_set_num_threads` (MKL's `MKL_Set_Num_Threads` alike): a C int.
    public typealias SetThreads = @convention(c) (Int32) -> Void
    /// OpenBLAS's `openblas_get_num_threads`, `openblas_get_num_procs`.
    public typealias IntQuery = @convention(c) () -> Int32
    /// A version or configuration string (`openblas_get_config`, BLIS's `bli_info_get_version_str`).
    public typealias Text = @convention(c) () -> UnsafePointer<CChar>?

    /// The symbol of Fortran routine `name` under a library's naming: `prefix + name + "_" + suffix`
    /// (`dgeqrf_`; numpy's OpenBLAS: `scipy_dgeqrf_64_`).
    public static func symbol(_ name: String, prefix: String = "", suffix: String = "") -> String {
        "\(prefix)\(name)_\(suffix)"
    }
}
