// Old engine (module OldLinalg, an earlier commit's PossumLinalg) against this tree's, in ONE
// process, on the thread's CPU clock (compare.sh builds it). A sample is a batch of calls, A (and
// b) copied into the same buffer before each call, minus a batch of the copies alone; each round
// times the kernel peak, then copy, old, new, copy, old, new (the faster of each pair).
//
//   bench M N qr|lstsq float64|float32 OFFSET ROUNDS [profile-old|profile-new]
//
// OFFSET: bytes past a 64-byte boundary where A starts (16 is what malloc gives possum-bench).
// GFLOP/s count 2mn² − 2n³/3 flops for both operations, as possum-bench does. Each line ends with
// whether the two engines left A (R, reflectors, Qᵀb) and τ bit-identical. ROOF_ENGINES_FLOPS
// (default 2e7): the flops of a batch; more steadies small shapes on a busy machine.
import Glibc
import OldLinalg
import PossumLinalg

func cpuSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

func median(_ x: [Double]) -> Double { x.sorted()[x.count / 2] }

/// The micro-kernel on L1-resident operands, as `possum-bench --kernel-peak`.
func kernelPeak<T: PossumLinalg.QRScalar>(_: T.Type) -> Double {
    let k = 256, calls = 20_000, mr = NativeTile<T>.mr, nr = NativeTile<T>.nr
    let a = [T](repeating: 1e-3, count: mr * k), b = [T](repeating: 1e-3, count: k * nr)
    var c = [T](repeating: 0, count: mr * nr)
    var times: [Double] = []
    for _ in 0..<3 {
        let t0 = cpuSeconds()
        for _ in 0..<calls { NativeTile<T>.accumulateTile(k: k, a, lda: mr, b, ldb: k, &c, ldc: mr) }
        times.append(cpuSeconds() - t0)
    }
    if c[0] == 42 { print("") }  // keeps the calls
    return Double(2 * mr * nr * k * calls) / median(times) / 1e9
}

/// One problem and the buffers both engines work in (the same A, at the same address).
final class Problem<T: PossumLinalg.QRScalar & OldLinalg.QRScalar> {
    let m: Int, n: Int, lstsq: Bool, count: Int
    let source: UnsafeMutablePointer<T>, a: UnsafeMutablePointer<T>, tau: UnsafeMutablePointer<T>, x: UnsafeMutablePointer<T>
    var newWorkspace = PossumLinalg.QRWorkspace(), oldWorkspace = OldLinalg.QRWorkspace()
    let newSolver = PossumLinalg.SIMDSolver(threads: 1), oldSolver = OldLinalg.SIMDSolver(threads: 1)

    init(m: Int, n: Int, lstsq: Bool, offset: Int) {
        (self.m, self.n, self.lstsq) = (m, n, lstsq)
        count = m * (lstsq ? n + 1 : n)
        source = .allocate(capacity: count)
        var rng = PossumLinalg.SplitMix64(seed: 7)
        for i in 0..<count { source[i] = T(Double.random(in: -1..<1, using: &rng)) }
        let raw = UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<T>.stride + 128, alignment: 64)
        a = (raw + offset).bindMemory(to: T.self, capacity: count)
        tau = .allocate(capacity: max(PossumLinalg.SIMDSolver.tauCount(rows: m, columns: n),
                                      OldLinalg.SIMDSolver.tauCount(rows: m, columns: n)))
        x = .allocate(capacity: n)
    }

    func copy() { a.update(from: source, count: count) }

    func runNew() {
        copy()
        let view = PossumLinalg.StridedMatrixView(base: a, rows: m, columns: lstsq ? n + 1 : n, leadingDimension: m)
        if lstsq {
            _ = try? newSolver.solve(inPlace: view, tau: tau, solution: x, workspace: &newWorkspace)
        } else {
            newSolver.factor(inPlace: view, tau: tau, workspace: &newWorkspace)
        }
    }

    func runOld() {
        copy()
        let view = OldLinalg.StridedMatrixView(base: a, rows: m, columns: lstsq ? n + 1 : n, leadingDimension: m)
        if lstsq {
            _ = try? oldSolver.solve(inPlace: view, tau: tau, solution: x, workspace: &oldWorkspace)
        } else {
            oldSolver.factor(inPlace: view, tau: tau, workspace: &oldWorkspace)
        }
    }

    /// x for lstsq, R's diagonal for qr: what the two engines are compared on.
    var result: [Double] { (0..<n).map { Double(lstsq ? x[$0] : a[$0 + $0 * m]) } }

    /// Every output's bit pattern: the packed factorization (and Qᵀb), τ, and x for lstsq.
    var bits: [UInt64] {
        let entries = (0..<count).map { a[$0] } + (0..<n).map { tau[$0] } + (lstsq ? (0..<n).map { x[$0] } : [])
        return entries.map { Double($0).bitPattern }  // exact for Float too
    }
}

func perCall(_ calls: Int, _ body: () -> Void) -> Double {
    let t0 = cpuSeconds()
    for _ in 0..<calls { body() }
    return (cpuSeconds() - t0) / Double(calls)
}

func compare<T: PossumLinalg.QRScalar & OldLinalg.QRScalar>(_: T.Type, m: Int, n: Int, lstsq: Bool, offset: Int, rounds: Int) {
    let p = Problem<T>(m: m, n: n, lstsq: lstsq, offset: offset)
    let flops = 2 * Double(m) * Double(n * n) - 2 * Double(n * n * n) / 3
    p.runOld()
    let old = p.result
    let oldBits = p.bits
    p.runNew()
    let difference = zip(old, p.result).map { abs($0 - $1) }.max() ?? 0
    let differing = zip(oldBits, p.bits).filter { $0 != $1 }.count
    let calls = max(1, Int((getenv("ROOF_ENGINES_FLOPS").flatMap { Double(String(cString: $0)) } ?? 2e7) / flops))
    var peaks: [Double] = [], oldTimes: [Double] = [], newTimes: [Double] = [], ratios: [Double] = []
    for _ in 0..<rounds {
        let peak = kernelPeak(T.self)
        let c0 = perCall(calls, p.copy)
        let o0 = perCall(calls, p.runOld) - c0, n0 = perCall(calls, p.runNew) - c0
        let c1 = perCall(calls, p.copy)
        let o1 = perCall(calls, p.runOld) - c1, n1 = perCall(calls, p.runNew) - c1
        let (o, nw) = (min(o0, o1), min(n0, n1))
        peaks.append(peak); oldTimes.append(o); newTimes.append(nw); ratios.append(o / nw)
    }
    let peak = median(peaks)
    func f(_ x: Double, _ digits: Double = 100) -> String { String(Double(Int((x * digits).rounded())) / digits) }
    func percent(_ t: Double) -> String { f(flops / t / 1e9 / peak * 100, 10) }
    print("\(T.dtypeName) \(m)x\(n) \(lstsq ? "lstsq" : "qr") (A \(offset) bytes past 64): roof \(f(peak, 10)) GFLOP/s; "
          + "old \(f(median(oldTimes) * 1e6, 1000)) µs = \(percent(median(oldTimes)))%, "
          + "new \(f(median(newTimes) * 1e6, 1000)) µs = \(percent(median(newTimes)))%; "
          + "old/new \(f(median(ratios), 1000)) (rounds: \(ratios.map { f($0) }.joined(separator: " "))); max |Δ| \(difference); "
          + (differing == 0 ? "bits identical (packed A, τ\(lstsq ? ", x" : ""))" : "bits differ in \(differing) of \(oldBits.count) outputs"))
}

let arguments = CommandLine.arguments
/// `bench … ROUNDS profile-old|profile-new`: that engine alone, ROUNDS million calls, for `perf`.
let profile = arguments.count == 8 ? arguments[7] : nil
guard arguments.count == 7 || profile == "profile-old" || profile == "profile-new", let m = Int(arguments[1]), let n = Int(arguments[2]), m >= n, n >= 1,
      ["qr", "lstsq"].contains(arguments[3]), ["float64", "float32"].contains(arguments[4]),
      let offset = Int(arguments[5]), (0..<64).contains(offset), offset % 8 == 0, let rounds = Int(arguments[6]), rounds >= 1
else {
    print("usage: bench M N qr|lstsq float64|float32 OFFSET ROUNDS   (e.g. bench 104 17 lstsq float64 0 7)")
    exit(2)
}
let lstsq = arguments[3] == "lstsq"
func profileOne<T: PossumLinalg.QRScalar & OldLinalg.QRScalar>(_: T.Type, old: Bool) {
    let p = Problem<T>(m: m, n: n, lstsq: lstsq, offset: offset)
    for _ in 0..<(rounds * 1_000_000) { if old { p.runOld() } else { p.runNew() } }
}
if let profile {
    if arguments[4] == "float32" { profileOne(Float.self, old: profile == "profile-old") } else { profileOne(Double.self, old: profile == "profile-old") }
} else if arguments[4] == "float32" {
    compare(Float.self, m: m, n: n, lstsq: lstsq, offset: offset, rounds: rounds)
} else {
    compare(Double.self, m: m, n: n, lstsq: lstsq, offset: offset, rounds: rounds)
}
