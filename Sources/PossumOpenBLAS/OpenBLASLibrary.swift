import PossumFiles
import PossumLAPACKLoader
import PossumLinalg
#if canImport(Glibc)
import Glibc
#endif

/// Debian's OpenBLAS (`libopenblas.so.0`, the one `-lopenblas` links), loaded with dlopen the first
/// time a command runs it, not when possum starts.
///
/// Why: OpenBLAS starts its thread pool when it is loaded, and each worker maps a 128 MiB buffer at
/// once. Under an address-space limit (`prlimit --as`, `ulimit -v`) a worker whose mmap fails retries
/// forever, and every later `fork` (the HDF5 probe's) and the exit wait on it: every command hung,
/// OpenBLAS or not. So possum loads it only for a command that calls it, with `OPENBLAS_NUM_THREADS=1`
/// for the load (no worker), and maps each buffer only after `MemoryHeadroom` says it fits
/// (`OpenBLASBudget`): the main thread's at once (by a small dgemm), the workers' as the pool grows to
/// the thread count asked for. A buffer that does not fit is a one-line error, never a spin.
/// Everything here runs under `openBLASLock` (`openBLAS(_:)`).
struct OpenBLASLibrary: @unchecked Sendable {
    static let soname = "libopenblas.so.0"

    // The signatures are PossumLAPACKLoader's (`LAPACKRoutine`); this library's integers are 32-bit (`Int32`).
    let dgeqrf: LAPACKRoutine.Geqrf, dorgqr: LAPACKRoutine.Orgqr, dormqr: LAPACKRoutine.Ormqr, dtrtrs: LAPACKRoutine.Trtrs
    let dgels: LAPACKRoutine.Gels, sgels: LAPACKRoutine.Gels, dgelsy: LAPACKRoutine.Gelsy, dgemm: LAPACKRoutine.Gemm
    let sgeqrf: LAPACKRoutine.Geqrf  // possum-bench's Float32 peer (`OpenBLASRoutines`)
    let setThreads: LAPACKRoutine.SetThreads, threads: LAPACKRoutine.IntQuery, processors: LAPACKRoutine.IntQuery
    let config: LAPACKRoutine.Text

    /// The loaded library; nil until `load()` has succeeded.
    nonisolated(unsafe) static var loaded: OpenBLASLibrary?
    /// Whether the main thread's buffer is mapped (`prepare()`).
    nonisolated(unsafe) static var mainBufferMapped = false
    /// Threads the pool has started, the calling one included (it never shrinks).
    nonisolated(unsafe) static var poolSize = 1
    /// What `setOpenBLASThreads` asked for; nil: OpenBLAS's own choice (`defaultThreads`).
    nonisolated(unsafe) static var requestedThreads: Int?
    /// OpenBLAS's choice had it been linked: OPENBLAS_NUM_THREADS, GOTO_NUM_THREADS or OMP_NUM_THREADS,
    /// else every processor.
    nonisolated(unsafe) static var defaultThreads = 1

    /// Loads the library without starting a worker (for its configuration, or before `prepare`).
    static func load() throws -> OpenBLASLibrary {
        if let loaded { return loaded }
        func variable(_ name: String) -> Int? { getenv(name).flatMap { Int(String(cString: $0), radix: 10) }.flatMap { $0 > 0 ? $0 : nil } }
        let fromEnvironment = variable("OPENBLAS_NUM_THREADS") ?? variable("GOTO_NUM_THREADS") ?? variable("OMP_NUM_THREADS")
        // The environment is set only when it must be (setenv is not safe beside threads reading it;
        // the test runs set OPENBLAS_NUM_THREADS=1 themselves) and restored at once.
        let previous = getenv("OPENBLAS_NUM_THREADS").map { String(cString: $0) }
        if previous != "1" { setenv("OPENBLAS_NUM_THREADS", "1", 1) }
        let opened = Result { () throws(DynamicLibraryError) in try DynamicLibrary(path: soname) }
        if previous != "1" {
            if let previous { setenv("OPENBLAS_NUM_THREADS", previous, 1) } else { unsetenv("OPENBLAS_NUM_THREADS") }
        }
        let handle: DynamicLibrary
        switch opened {
        case .success(let library): handle = library
        case .failure(let error): throw LinalgError.backend("cannot load OpenBLAS: \(error.message)")
        }
        func symbol<F>(_ name: String, _ type: F.Type) throws -> F {
            guard let function = handle.function(name, as: type) else { throw LinalgError.backend("OpenBLAS (\(soname)) has no \(name)") }
            return function
        }
        let library = OpenBLASLibrary(
            dgeqrf: try symbol("dgeqrf_", LAPACKRoutine.Geqrf.self), dorgqr: try symbol("dorgqr_", LAPACKRoutine.Orgqr.self),
            dormqr: try symbol("dormqr_", LAPACKRoutine.Ormqr.self), dtrtrs: try symbol("dtrtrs_", LAPACKRoutine.Trtrs.self),
            dgels: try symbol("dgels_", LAPACKRoutine.Gels.self), sgels: try symbol("sgels_", LAPACKRoutine.Gels.self),
            dgelsy: try symbol("dgelsy_", LAPACKRoutine.Gelsy.self), dgemm: try symbol("dgemm_", LAPACKRoutine.Gemm.self),
            sgeqrf: try symbol("sgeqrf_", LAPACKRoutine.Geqrf.self),
            setThreads: try symbol("openblas_set_num_threads", LAPACKRoutine.SetThreads.self),
            threads: try symbol("openblas_get_num_threads", LAPACKRoutine.IntQuery.self),
            processors: try symbol("openblas_get_num_procs", LAPACKRoutine.IntQuery.self),
            config: try symbol("openblas_get_config", LAPACKRoutine.Text.self))
        // Already loaded with its pool (by a program that links -lopenblas): that pool.
        poolSize = max(1, Int(truncatingIfNeeded: library.threads()))
        defaultThreads = fromEnvironment ?? max(1, Int(truncatingIfNeeded: library.processors()))
        loaded = library
        return library
    }

    /// The library, ready for calls: loaded, the main thread's buffer mapped, the pool at the thread
    /// count asked for (OpenBLAS's own choice: as many of those as fit in memory).
    static func prepare() throws -> OpenBLASLibrary {
        let library = try load()
        if !mainBufferMapped {
            try OpenBLASBudget(headroom: MemoryHeadroom.available()).admitMainBuffer()
            library.mapMainBuffer()
            mainBufferMapped = true
        }
        let threads = try OpenBLASBudget(headroom: MemoryHeadroom.available())
            .threads(wanted: requestedThreads ?? defaultThreads, started: poolSize, strict: requestedThreads != nil)
        if threads != Int(truncatingIfNeeded: library.threads()) { library.setThreads(Int32(clamping: threads)) }
        poolSize = max(poolSize, threads)
        return library
    }

    /// A level-3 call maps the calling thread's buffer (`blas_memory_alloc`), which later calls reuse;
    /// 192³ is past the small-matrix path some kernels take without one.
    private func mapMainBuffer() {
        var (m, n, k, lda, ldb, ldc): (Int32, Int32, Int32, Int32, Int32, Int32) = (192, 192, 192, 192, 192, 192)
        var (one, zero) = (1.0, 0.0)
        let a = [Double](repeating: 0, count: 192 * 192)
        var c = a
        var (transA, transB) = (CChar(UInt8(ascii: "N")), CChar(UInt8(ascii: "N")))
        dgemm(&transA, &transB, &m, &n, &k, &one, a, &lda, a, &ldb, &zero, &c, &ldc, 1, 1)
    }
}

/// How much memory OpenBLAS's buffers take, and what fits: pure arithmetic over a headroom
/// (`MemoryHeadroom.available()`), so that it can be tested without a limit.
struct OpenBLASBudget {
    /// OpenBLAS's BUFFER_SIZE on x86-64 (32 << 22): one per thread that runs its kernels.
    static let bufferBytes = 128 << 20
    /// Left beside the buffers for everything else the command allocates meanwhile.
    static let reserve = 32 << 20

    var headroom: Int

    func admitMainBuffer() throws {
        guard headroom >= Self.bufferBytes + Self.reserve else {
            throw LinalgError.backend(
                "OpenBLAS needs \(Self.mebibytes(Self.bufferBytes + Self.reserve)) of memory for its buffer and this process may take "
                + "\(Self.mebibytes(headroom)) more (a memory or address-space limit); the simd solver needs no such buffer")
        }
    }

    /// The pool's thread count for `wanted` with `started` threads running: each new one maps a
    /// buffer. `strict` (a count asked for): all of them or an error; else as many as fit, at least
    /// those started.
    func threads(wanted: Int, started: Int, strict: Bool) throws -> Int {
        let wanted = max(1, wanted)
        guard wanted > started else { return wanted }
        let fitting = max(0, headroom - Self.reserve) / Self.bufferBytes
        if wanted - started <= fitting { return wanted }
        if strict {
            throw LinalgError.backend(
                "OpenBLAS on \(wanted) threads needs \(Self.mebibytes((wanted - started) * Self.bufferBytes + Self.reserve)) more memory "
                + "and this process may take \(Self.mebibytes(headroom)) (a memory or address-space limit)")
        }
        return started + fitting
    }

    static func mebibytes(_ bytes: Int) -> String { "\(max(0, bytes) >> 20) MiB" }
}

/// The library for a call that cannot throw (a factorization made from given reflectors, whose
/// library was never prepared by `OpenBLASQR(factoring:)`): it traps when OpenBLAS cannot run.
func openBLASOrTrap<R>(_ body: (OpenBLASLibrary) throws -> R) rethrows -> R {
    openBLASLock.lock()
    defer { openBLASLock.unlock() }
    let library: OpenBLASLibrary
    do { library = try OpenBLASLibrary.prepare() } catch { fatalError("\(error)") }
    return try body(library)
}
