// `roof-square gemm ROUNDS LIBRARY...`: the bound behind the square target. Any BLAS loaded by
// path (dlopen, its Fortran `dgemm_`), timed on the two products of a 2000² QR's first trailing
// update and on a plain 2000³ product, beside this tree's own two products and the tile's
// L1-resident rate, interleaved in one process on the thread's CPU clock (Benchmarks/README.md,
// "Square and 104 × 17 against the roof").
import Glibc
import PossumLinalg

/// A loaded `dgemm`: C ← α·op(A)·B + β·C, op(A) = Aᵀ when `transposeA`.
typealias Gemm = (_ transposeA: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Double, _ a: UnsafePointer<Double>, _ lda: Int,
                  _ b: UnsafePointer<Double>, _ ldb: Int, _ beta: Double, _ c: UnsafeMutablePointer<Double>, _ ldc: Int) -> Void

/// `PATH[:prefix=P,suffix=S,int=64,name=N]`, parsed and opened as possum-bench's `--lapack` peers
/// are (`LAPACKPeerSpec`, `DynamicLibrary`, `LAPACKRoutine.Gemm`): the symbol is P + "dgemm_" + S (numpy's OpenBLAS:
/// `prefix=scipy_,suffix=64_,int=64`), 32-bit integers unless `int=64`.
func loadGemm(_ argument: String) -> (name: String, gemm: Gemm)? {
    let spec: LAPACKPeerSpec, library: DynamicLibrary
    do {
        spec = try LAPACKPeerSpec(parsing: argument)
        library = try DynamicLibrary(path: spec.path, ownSymbolsFirst: true)
    } catch {
        print("gemm: \(error)")
        return nil
    }
    let name = spec.name ?? String(spec.path.split(separator: "/").last ?? Substring(spec.path))
    let symbol = LAPACKRoutine.symbol("dgemm", prefix: spec.prefix ?? "", suffix: spec.suffix ?? "")
    guard let f = library.function(symbol, as: LAPACKRoutine.Gemm.self) else { print("gemm: \(spec.path) has no \(symbol)"); return nil }
    let wide = spec.integerWidth == .ilp64
    if wide {
        return (name, { t, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc in
            var (m, n, k, lda, ldb, ldc) = (Int64(m), Int64(n), Int64(k), Int64(lda), Int64(ldb), Int64(ldc))
            var (alpha, beta) = (alpha, beta)
            f(t ? "T" : "N", "N", &m, &n, &k, &alpha, a, &lda, b, &ldb, &beta, c, &ldc, 1, 1)
        })
    }
    return (name, { t, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc in
        var (m, n, k, lda, ldb, ldc) = (Int32(m), Int32(n), Int32(k), Int32(lda), Int32(ldb), Int32(ldc))
        var (alpha, beta) = (alpha, beta)
        f(t ? "T" : "N", "N", &m, &n, &k, &alpha, a, &lda, b, &ldb, &beta, c, &ldc, 1, 1)
    })
}

/// One contender: the two update products (W = VᵀC, then C −= V·W) and a plain n³ product.
struct GemmContender {
    let name: String
    let w: () -> Void, update: () -> Void, cube: () -> Void
}

func gemmBound(rounds: Int, specs: [String], m: Int = 2000, jb: Int = 32) {
    // One thread everywhere, set before any library is loaded (each reads these when it starts).
    for variable in ["OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS", "OMP_NUM_THREADS"] { setenv(variable, "1", 1) }
    setenv("MKL_THREADING_LAYER", "SEQUENTIAL", 1)
    let n = m - jb, mr = NativeTile<Double>.mr, block = NativeTile<Double>.columnBlock
    var state: UInt64 = 11
    func fill(_ p: UnsafeMutablePointer<Double>, _ count: Int, _ scale: Double) {
        for i in 0..<count {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            p[i] = (Double(state >> 11) / Double(1 << 53) - 0.5) * scale
        }
    }
    // The update's operands as the QR has them (C 16 bytes past a line, like malloc's large
    // buffers; V a column-major panel; ours packs V as Vᵀ and in micro-panels, as the QR does).
    let c = buffer(m * n, offset: 16), v = buffer(m * jb, offset: 16), w = buffer(jb * n, offset: 0)
    let vt = buffer(jb * m, offset: 0), vp = buffer((m + mr) * jb, offset: 0)
    let a3 = buffer(m * m, offset: 16), b3 = buffer(m * m, offset: 16), c3 = buffer(m * m, offset: 16)
    fill(c, m * n, 1); fill(v, m * jb, 0.01); fill(a3, m * m, 1); fill(b3, m * m, 1)
    for r in 0..<m { for i in 0..<jb { vt[i + r * jb] = v[r + i * m] } }
    for r0 in stride(from: 0, to: m + mr, by: mr) where r0 < m {
        for i in 0..<jb { for q in 0..<mr { vp[r0 * jb + i * mr + q] = r0 + q < m ? v[r0 + q + i * m] : 0 } }
    }
    var contenders: [GemmContender] = []
    for spec in specs {
        guard let (name, gemm) = loadGemm(spec) else { exit(1) }
        contenders.append(GemmContender(
            name: name,
            w: { gemm(true, jb, n, m, 1, v, m, c, m, 0, w, jb) },
            update: { gemm(false, m, n, jb, -1, v, m, w, jb, 1, c, m) },
            cube: { gemm(false, m, m, m, 1, a3, m, b3, m, 0, c3, m) }))
    }
    // Ours: each product over the whole of C in the QR's column blocks (the QR interleaves the
    // two per block: the "QR order" line), and the plain product through `accumulateProduct`.
    func eachBlock(_ body: (Int, Int) -> Void) {
        var j0 = 0
        while j0 < n { body(j0, min(block, n - j0)); j0 += block }
    }
    let oursW = {
        w.update(repeating: 0, count: jb * n)
        eachBlock { j0, count in
            accumulateProduct(m: jb, n: count, k: m, vt, lda: jb, c + j0 * m, ldb: m, w + j0 * jb, ldc: jb, kc: reflectorProductChunk)
        }
    }
    let oursUpdate = {
        eachBlock { j0, count in accumulatePackedProduct(m: m, n: count, k: jb, vp, w + j0 * jb, ldb: jb, c + j0 * m, ldc: m) }
    }
    contenders.insert(GemmContender(name: "possum", w: oursW, update: oursUpdate, cube: {
        c3.update(repeating: 0, count: m * m)
        accumulateProduct(m: m, n: m, k: m, a3, lda: m, b3, ldb: m, c3, ldc: m)
    }), at: 0)
    let flopsProduct = 2 * Double(jb) * Double(m) * Double(n), flopsCube = 2 * Double(m) * Double(m) * Double(m)
    // Ours in the QR's order, per block W then the update while the block is in cache.
    func qrOrderSeconds() -> Double {
        let s = cpuSeconds()
        w.update(repeating: 0, count: jb * n)
        eachBlock { j0, count in
            accumulateProduct(m: jb, n: count, k: m, vt, lda: jb, c + j0 * m, ldb: m, w + j0 * jb, ldc: jb, kc: reflectorProductChunk)
            accumulatePackedProduct(m: m, n: count, k: jb, vp, w + j0 * jb, ldb: jb, c + j0 * m, ldc: m)
        }
        return cpuSeconds() - s
    }
    var rates: [String: [[Double]]] = [:], roofs: [Double] = [], leaked: [String] = [], qrOrder: [Double] = []
    for round in 0..<rounds {
        roofs.append(peak(offset: 0))
        qrOrder.append(2 * flopsProduct / median((0..<3).map { _ in qrOrderSeconds() }) / 1e9)
        for e in 0..<contenders.count {
            let x = contenders[(e + round) % contenders.count]
            var tw: [Double] = [], tu: [Double] = [], tc: [Double] = []
            let p0 = processCPUSeconds(), t0 = cpuSeconds()
            for _ in 0..<3 {
                var s = cpuSeconds(); x.w(); tw.append(cpuSeconds() - s)
                s = cpuSeconds(); x.update(); tu.append(cpuSeconds() - s)
            }
            let s = cpuSeconds(); x.cube(); tc.append(cpuSeconds() - s)
            // A library that ran threads of its own would be timed short by the thread clock.
            if processCPUSeconds() - p0 > 1.2 * (cpuSeconds() - t0) && !leaked.contains(x.name) { leaked.append(x.name) }
            var r = rates[x.name] ?? [[], [], [], []]
            r[0].append(flopsProduct / median(tw) / 1e9)
            r[1].append(flopsProduct / median(tu) / 1e9)
            r[2].append(2 * flopsProduct / (median(tw) + median(tu)) / 1e9)
            r[3].append(flopsCube / median(tc) / 1e9)
            rates[x.name] = r
        }
    }
    let roof = median(roofs)
    print("gemm bound: one trailing update of a \(m)² QR (C \(m)×\(n), V \(m)×\(jb)) and a \(m)³ product, Float64, 1 thread, "
          + "thread CPU clock, medians of \(rounds) rounds; tile roof \(f(roof, 1)) GFLOP/s")
    print("| BLAS | W = VᵀC | C −= V·W | both | \(m)³ dgemm |")
    print("|---|---:|---:|---:|---:|")
    func cell(_ r: Double) -> String { "\(f(r, 1)) (\(f(100 * r / roof, 1)) %)" }
    for x in contenders {
        let r = rates[x.name] ?? [[0], [0], [0], [0]]
        print("| \(x.name)\(leaked.contains(x.name) ? " (ran threads: not comparable)" : "") | \(cell(median(r[0]))) | \(cell(median(r[1]))) | "
              + "\(cell(median(r[2]))) | \(cell(median(r[3]))) |")
    }
    print("possum in the QR's order (per \(block)-column block: W, then the update): \(cell(median(qrOrder)))")
}
