@testable import PossumLinalg
import Synchronization

enum KernelOperation {
    case dot4, updateColumns, innerProducts, rankUpdate, applyReflectorPair4, updateCarrying, applyReflectorPairCarrying, applyStructuredPair, applyReflectorBlock4
}

/// Which operation `InstrumentedKernels` breaks, and whether it counts its work (only the
/// serialized door tests read the counter, so only their kernels count).
protocol KernelFault {
    static var broken: KernelOperation? { get }
    static var counted: Bool { get }
}
extension KernelFault { static var counted: Bool { false } }
enum Intact: KernelFault { static var broken: KernelOperation? { nil } }
enum Counted: KernelFault { static var broken: KernelOperation? { nil }; static var counted: Bool { true } }
enum BreaksDot4: KernelFault { static var broken: KernelOperation? { .dot4 } }
enum BreaksUpdateColumns: KernelFault { static var broken: KernelOperation? { .updateColumns } }
enum BreaksInnerProducts: KernelFault { static var broken: KernelOperation? { .innerProducts } }
enum BreaksRankUpdate: KernelFault { static var broken: KernelOperation? { .rankUpdate } }
enum BreaksPair4: KernelFault { static var broken: KernelOperation? { .applyReflectorPair4 } }
enum BreaksUpdateCarrying: KernelFault { static var broken: KernelOperation? { .updateCarrying } }
enum BreaksPairCarrying: KernelFault { static var broken: KernelOperation? { .applyReflectorPairCarrying } }
enum BreaksStructuredPair: KernelFault { static var broken: KernelOperation? { .applyStructuredPair } }
enum BreaksBlock4: KernelFault { static var broken: KernelOperation? { .applyReflectorBlock4 } }

/// The largest entrywise distance between two results of the same factorization; a NaN counts as far.
func farthest(_ a: [Double], _ b: [Double]) -> Double {
    zip(a, b).map { abs($0 - $1) }.reduce(0) { $1.isNaN ? .infinity : max($0, $1) }
}

/// Multiply-adds over long vectors done through `InstrumentedKernels<Counted>` (KernelDoorTests is serialized).
let kernelMultiplyAdds = Atomic<Int>(0)

/// `ReferenceKernels<Double>` with every multiply-add over a vector counted (for `Counted`), and the
/// operation `Fault.broken` (if any) made wrong by O(1): a fast path that reaches an operation
/// outside the kernel protocol passes with the broken kernel where it should fail.
enum InstrumentedKernels<Fault: KernelFault>: HouseholderKernels {
    typealias Scalar = Double
    typealias Tile = ReferenceTile<Double>
    typealias Reference = ReferenceKernels<Double>

    static func count(_ n: Int) { if Fault.counted { kernelMultiplyAdds.add(n, ordering: .relaxed) } }

    static func dot(_ n: Int, _ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>) -> Double {
        count(n)
        return Reference.dot(n, x, y)
    }

    static func sumOfSquares(_ n: Int, _ x: UnsafePointer<Double>) -> Double {
        count(n)
        return Reference.sumOfSquares(n, x)
    }

    static func scale(_ n: Int, _ alpha: Double, _ x: UnsafeMutablePointer<Double>) { Reference.scale(n, alpha, x) }

    static func axpy(_ n: Int, _ alpha: Double, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>) {
        count(n)
        Reference.axpy(n, alpha, x, y)
    }

    static func dot4(
        _ n: Int, _ v: UnsafePointer<Double>, _ c0: UnsafePointer<Double>, _ c1: UnsafePointer<Double>,
        _ c2: UnsafePointer<Double>, _ c3: UnsafePointer<Double>
    ) -> (Double, Double, Double, Double) {
        count(4 * n)
        let d = Reference.dot4(n, v, c0, c1, c2, c3)
        return Fault.broken == .dot4 ? (d.0 + 1, d.1 + 1, d.2 + 1, d.3 + 1) : d
    }

    static func axpy4(
        _ n: Int, _ v: UnsafePointer<Double>,
        _ a0: Double, _ c0: UnsafeMutablePointer<Double>, _ a1: Double, _ c1: UnsafeMutablePointer<Double>,
        _ a2: Double, _ c2: UnsafeMutablePointer<Double>, _ a3: Double, _ c3: UnsafeMutablePointer<Double>
    ) {
        count(4 * n)
        Reference.axpy4(n, v, a0, c0, a1, c1, a2, c2, a3, c3)
    }

    static func updateColumns(
        _ c: StridedMatrixView<Double>, adding x: UnsafeMutablePointer<Double>, gains: UnsafePointer<Double>,
        scaleX: Double?, dotsWith next: UnsafePointer<Double>?, into dots: UnsafeMutablePointer<Double>
    ) {
        count(c.rows * c.columns * (next == nil ? 1 : 2))
        if Fault.broken == .updateColumns {
            // The columns are left as they were; x and the dots are done.
            if let scaleX { Reference.scale(c.rows, scaleX, x) }
            if let next { for j in 0..<c.columns { dots[j] = Reference.dot(c.rows, next, c.column(j)) } }
            return
        }
        Reference.updateColumns(c, adding: x, gains: gains, scaleX: scaleX, dotsWith: next, into: dots)
    }

    static func innerProducts(
        rows n: Int, _ x: UnsafePointer<Double>, ldx: Int, count p: Int, _ y: UnsafePointer<Double>, ldy: Int,
        count q: Int, into out: UnsafeMutablePointer<Double>, ldo: Int, skipBelowDiagonal: Bool
    ) {
        for j in 0..<q { for i in 0..<p where !(skipBelowDiagonal && j < i) { count(n) } }
        Reference.innerProducts(rows: n, x, ldx: ldx, count: p, y, ldy: ldy, count: q, into: out, ldo: ldo,
                                skipBelowDiagonal: skipBelowDiagonal)
        if Fault.broken == .innerProducts { for j in 0..<q { for i in 0..<p { out[i + j * ldo] += 1 } } }
    }

    static func rankUpdate(
        rows n: Int, _ v: UnsafePointer<Double>, ldv: Int, count k: Int, _ w: UnsafePointer<Double>, ldw: Int,
        into c: UnsafeMutablePointer<Double>, ldc: Int, columns q: Int
    ) {
        count(n * k * q)
        guard Fault.broken != .rankUpdate else { return }
        Reference.rankUpdate(rows: n, v, ldv: ldv, count: k, w, ldw: ldw, into: c, ldc: ldc, columns: q)
    }

    static func applyReflector(_ v: UnsafePointer<Double>, tau: Double, to c: StridedMatrixView<Double>) {
        count(2 * max(0, c.rows - 1) * c.columns)
        Reference.applyReflector(v, tau: tau, to: c)
    }

    static func applyReflectorPair(
        _ n: Int, _ v1: UnsafePointer<Double>, tau1: Double, _ v2: UnsafePointer<Double>, tau2: Double, v21: Double,
        _ c0: UnsafeMutablePointer<Double>, _ c1: UnsafeMutablePointer<Double>
    ) {
        count(8 * n)
        Reference.applyReflectorPair(n, v1, tau1: tau1, v2, tau2: tau2, v21: v21, c0, c1)
    }

    static func applyReflectorPair4(
        _ n: Int, _ v1: UnsafePointer<Double>, tau1: Double, _ v2: UnsafePointer<Double>, tau2: Double, v21: Double,
        _ c0: UnsafeMutablePointer<Double>, _ c1: UnsafeMutablePointer<Double>,
        _ c2: UnsafeMutablePointer<Double>, _ c3: UnsafeMutablePointer<Double>
    ) {
        count(16 * n)
        Reference.applyReflectorPair4(n, v1, tau1: tau1, v2, tau2: tau2, v21: v21, c0, c1, c2, c3)
        if Fault.broken == .applyReflectorPair4 && n > 0 { c0[n - 1] += 1 }
    }

    static func updateCarrying(
        _ n: Int, _ x: UnsafeMutablePointer<Double>, adding g: Double, times v: UnsafePointer<Double>, carryFrom f: Int
    ) -> (squares: Double, cross: Double) {
        count(3 * n)
        let sums = Reference.updateCarrying(n, x, adding: g, times: v, carryFrom: f)
        if Fault.broken == .updateCarrying && n > 0 { x[n - 1] += 1 }
        return sums
    }

    static func applyReflectorPairCarrying(
        _ n: Int, _ v1: UnsafePointer<Double>, tau1: Double, _ v2: UnsafePointer<Double>, tau2: Double, v21: Double,
        _ c0: UnsafeMutablePointer<Double>, _ c1: UnsafeMutablePointer<Double>,
        _ c2: UnsafeMutablePointer<Double>, _ c3: UnsafeMutablePointer<Double>, carryFrom f: Int
    ) -> CarriedSums<Double> {
        count(19 * n)
        let sums = Reference.applyReflectorPairCarrying(n, v1, tau1: tau1, v2, tau2: tau2, v21: v21, c0, c1, c2, c3, carryFrom: f)
        if Fault.broken == .applyReflectorPairCarrying && n > 0 { c0[n - 1] += 1 }
        return sums
    }

    static func applyStructuredPair(
        _ c: StridedMatrixView<Double>, first x1: UnsafeMutablePointer<Double>, second x2: UnsafeMutablePointer<Double>,
        crossGain g: Double, gains1: UnsafePointer<Double>, gains2: UnsafePointer<Double>, scale1: Double, scale2: Double,
        carry: Bool, firstDots: UnsafeMutablePointer<Double>, secondDots: UnsafeMutablePointer<Double>
    ) {
        count(c.rows * (1 + c.columns * (carry ? 4 : 2)))
        Reference.applyStructuredPair(c, first: x1, second: x2, crossGain: g, gains1: gains1, gains2: gains2,
                                      scale1: scale1, scale2: scale2, carry: carry, firstDots: firstDots, secondDots: secondDots)
        if Fault.broken == .applyStructuredPair && c.rows > 0 && c.columns > 0 { c.column(0)[c.rows - 1] += 1 }
    }

    static func applyReflectorBlock4(
        _ n: Int, _ v: UnsafePointer<Double>, ldv: Int, t: UnsafePointer<Double>,
        _ c0: UnsafeMutablePointer<Double>, _ c1: UnsafeMutablePointer<Double>,
        _ c2: UnsafeMutablePointer<Double>, _ c3: UnsafeMutablePointer<Double>, carryFrom f: Int
    ) -> CarriedSums<Double> {
        count(32 * n + 3 * max(0, n - f))
        let sums = Reference.applyReflectorBlock4(n, v, ldv: ldv, t: t, c0, c1, c2, c3, carryFrom: f)
        if Fault.broken == .applyReflectorBlock4 && n > 0 { c0[n - 1] += 1 }
        return sums
    }
}
