import PossumLAPACKLoader
#if canImport(Glibc)
import Glibc
#endif

// The routines' signatures and the loader are PossumLAPACKLoader's (`LAPACKRoutine`, `DynamicLibrary`),
// shared with PossumOpenBLAS; these are the other libraries' queries a peer's label and threads need.
typealias SetThreadsWideFunction = @convention(c) (Int) -> Void
typealias InitFunction = @convention(c) () -> Void
typealias ArchQueryFunction = @convention(c) () -> Int32
typealias ArchNameFunction = @convention(c) (Int32) -> UnsafePointer<CChar>?
typealias MKLVersionFunction = @convention(c) (UnsafeMutablePointer<CChar>, Int32) -> Void

/// One LAPACK loaded by path: its Float64 QR routines resolved, its threads set, and what it is.
public final class LAPACKPeer {
    public let spec: LAPACKPeerSpec
    /// The symbol naming found: `prefix + "dgeqrf_" + suffix`.
    public let prefix: String, suffix: String
    public let integerWidth: LAPACKPeerSpec.IntegerWidth
    /// The label in tables: `name=` or the file name, then the version numbers the library reports
    /// (`libmkl_rt.so.3 2026.2`, `libflame.so.1 BLIS 0.9.0`).
    public let label: String
    /// Version strings the library reports (OpenBLAS config, MKL version, BLIS version, our Eigen shim's).
    public let versions: [String]
    /// How the thread count was set (setter functions called; environment variables set before loading).
    public let threadControl: [String]
    let library: DynamicLibrary
    let geqrf: LAPACKRoutine.Geqrf, ormqr: LAPACKRoutine.Ormqr, trtrs: LAPACKRoutine.Trtrs, gels: LAPACKRoutine.Gels

    /// The environment variables read by the common LAPACKs' thread pools when they load.
    static let threadVariables = ["OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS", "OMP_NUM_THREADS"]

    /// The known symbol namings, tried in turn when the spec gives neither prefix nor suffix: plain Fortran,
    /// numpy/scipy's OpenBLAS (ILP64), OpenBLAS built with INTERFACE64 and SYMBOLSUFFIX=64_, scipy's LP64 one.
    static let knownNamings: [(prefix: String, suffix: String)] = [("", ""), ("scipy_", "64_"), ("", "64_"), ("scipy_", "")]

    /// `setEnvironment`: set the thread variables before loading (what possum-bench does; setenv is not safe
    /// while other threads read the environment, so a multi-threaded caller such as a test runner passes false
    /// and relies on the setters alone).
    public init(_ spec: LAPACKPeerSpec, threads: Int, setEnvironment: Bool = true) throws(LAPACKPeerError) {
        self.spec = spec
        // Environment first: OpenBLAS, BLIS and OpenMP size their pools when loaded.
        let count = String(max(threads, 1))
        var control: [String] = []
        if setEnvironment {
            for variable in Self.threadVariables { setenv(variable, count, 1) }
            control = Self.threadVariables.map { "\($0)=\(count)" }
        }
        if setEnvironment, threads <= 1, getenv("MKL_THREADING_LAYER") == nil {
            // MKL's single-threaded layer: no OpenMP runtime needed beside it.
            setenv("MKL_THREADING_LAYER", "SEQUENTIAL", 0)
            control.append("MKL_THREADING_LAYER=SEQUENTIAL")
        }
        let lib: DynamicLibrary
        do {
            lib = try DynamicLibrary(path: spec.path, ownSymbolsFirst: true)
        } catch {
            throw .notALibrary(path: spec.path, reason: error.reason)
        }
        library = lib

        let namings = spec.prefix == nil && spec.suffix == nil
            ? Self.knownNamings : [(spec.prefix ?? "", spec.suffix ?? "")]
        let tried = namings.map { LAPACKRoutine.symbol("dgeqrf", prefix: $0.prefix, suffix: $0.suffix) }
        guard let naming = namings.first(where: { lib.symbol(LAPACKRoutine.symbol("dgeqrf", prefix: $0.prefix, suffix: $0.suffix)) != nil }) else {
            throw .missingSymbol(path: spec.path, symbol: tried[0], tried: tried)
        }
        (prefix, suffix) = naming
        func routine<F>(_ name: String, _: F.Type) throws(LAPACKPeerError) -> F {
            let symbol = LAPACKRoutine.symbol(name, prefix: naming.prefix, suffix: naming.suffix)
            guard let function = lib.function(symbol, as: F.self) else {
                throw .missingSymbol(path: spec.path, symbol: symbol, tried: [symbol])
            }
            return function
        }
        geqrf = try routine("dgeqrf", LAPACKRoutine.Geqrf.self)
        ormqr = try routine("dormqr", LAPACKRoutine.Ormqr.self)
        trtrs = try routine("dtrtrs", LAPACKRoutine.Trtrs.self)
        gels = try routine("dgels", LAPACKRoutine.Gels.self)

        // Versions: OpenBLAS's config (which also says USE64BITINT), MKL's version string, BLIS's.
        var versions: [String] = []
        var openBLASConfig = ""
        if let address = lib.symbol("\(naming.prefix)openblas_get_config\(naming.suffix)"),
           let text = unsafeBitCast(address, to: LAPACKRoutine.Text.self)() {
            openBLASConfig = String(cString: text)
            versions.append(openBLASConfig)
        }
        if let address = lib.symbol("MKL_Get_Version_String") {
            var buffer = [CChar](repeating: 0, count: 256)
            buffer.withUnsafeMutableBufferPointer { b in
                if let base = b.baseAddress { unsafeBitCast(address, to: MKLVersionFunction.self)(base, Int32(b.count - 1)) }
            }
            versions.append(String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
                .trimmingSpaces)
        }
        if let address = lib.symbol("bli_info_get_version_str"),
           let text = unsafeBitCast(address, to: LAPACKRoutine.Text.self)() {
            // BLIS picks its kernels (sub-configuration) by cpuid at run time: say which ('generic' is slow).
            var blis = "BLIS " + String(cString: text)
            // bli_init first: with BLIS_ARCH_TYPE set, the query checks the id against the kernel registry.
            if let initialize = lib.symbol("bli_init") { _ = unsafeBitCast(initialize, to: InitFunction.self)() }
            if let query = lib.symbol("bli_arch_query_id"), let name = lib.symbol("bli_arch_string"),
               let arch = unsafeBitCast(name, to: ArchNameFunction.self)(unsafeBitCast(query, to: ArchQueryFunction.self)()) {
                blis += " " + String(cString: arch)
            }
            versions.append(blis)
        }
        if let address = lib.symbol("eigen_lapack_version"),  // Benchmarks/peers/eigen's shim
           let text = unsafeBitCast(address, to: LAPACKRoutine.Text.self)() {
            versions.append(String(cString: text))
        }
        self.versions = versions

        // Integer width: as told; else 64 for a 64 suffix, OpenBLAS's USE64BITINT, or an "ilp64" file name.
        let fileName = String(spec.path.split(separator: "/").last ?? Substring(spec.path))
        if let width = spec.integerWidth {
            integerWidth = width
        } else if naming.suffix.contains("64") || openBLASConfig.contains("USE64BITINT")
                    || fileName.lowercased().contains("ilp64") {
            integerWidth = .ilp64
        } else {
            integerWidth = .lp64
        }
        label = ([spec.name ?? fileName] + Self.shortVersions(versions)).joined(separator: " ")

        // Threads through the library's own setters as well (the environment may have been read earlier).
        let setters = ["\(naming.prefix)openblas_set_num_threads\(naming.suffix)", "MKL_Set_Num_Threads"]
        for name in setters {
            if let address = lib.symbol(name) {
                unsafeBitCast(address, to: LAPACKRoutine.SetThreads.self)(Int32(clamping: threads))
                control.append("\(name)(\(threads))")
            }
        }
        if let address = lib.symbol("bli_thread_set_num_threads") {  // BLIS: dim_t, 64-bit
            unsafeBitCast(address, to: SetThreadsWideFunction.self)(threads)
            control.append("bli_thread_set_num_threads(\(threads))")
        }
        threadControl = control
    }

    /// "OpenBLAS 0.3.21 DYNAMIC_ARCH …" → "0.3.21"; "… Library Version 2026.2-Product Build …" → "2026.2";
    /// "BLIS 0.9.0 skx" stays.
    static func shortVersions(_ versions: [String]) -> [String] {
        versions.compactMap { text in
            let words = text.split(separator: " ")
            if words.first == "OpenBLAS", words.count > 1 { return String(words[1]) }
            if let index = words.firstIndex(of: "Version"), index + 1 < words.count {
                return String(words[index + 1].prefix(while: { $0 != "-" }))
            }
            return words.count <= 4 ? text : nil
        }
    }

    /// One line: label, path, versions, naming, integers, how threads were set.
    public var summary: String {
        let naming = "\(prefix)dgeqrf_\(suffix)"
        let lstsq = spec.leastSquares == .gels ? "lstsq = dgels" : "lstsq = dgeqrf+dormqr+dtrtrs"
        return "\(label): \(spec.path); \(versions.isEmpty ? "version not reported" : versions.joined(separator: "; ")); "
            + "\(naming), \(integerWidth == .ilp64 ? "ILP64" : "LP64"), \(lstsq); threads: "
            + threadControl.filter { $0.contains("(") }.joined(separator: ", ").ifEmpty("environment only")
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }

    func ifEmpty(_ replacement: String) -> String { isEmpty ? replacement : self }
}
