@testable import PossumLinalg
import Testing

// What the kernel tests that run a kernel on random columns share: the random entries, four columns in one
// scratch buffer, the checks of repeated column arguments and of four columns against a twin, the inputs
// and run of `applyStructuredPair`, and bit patterns for comparing results bit for bit.

/// `count` entries uniform in [−1, 1) from `rng`.
func randomEntries<T: QRScalar>(_ count: Int, _ rng: inout SplitMix64) -> [T] {
    (0..<count).map { _ in T(Double.random(in: -1..<1, using: &rng)) }
}

/// The 4 × 4 upper-triangular T of a block of four reflectors (column-major),
/// entries uniform in [−1, 2) from `rng`.
func randomUpperTriangle4<T: QRScalar>(_ rng: inout SplitMix64) -> [T] {
    var t = [T](repeating: 0, count: 16)
    for r in 0..<4 { for q in 0...r { t[q + 4 * r] = T(Double.random(in: -1..<2, using: &rng)) } }
    return t
}

/// The bits of each entry (a Float widens exactly), so that a signed zero or a NaN cannot pass by accident.
func bitPatterns<T: QRScalar>(_ values: [T]) -> [UInt64] { values.map { Double($0).bitPattern } }

/// The four columns `c` (n entries each) copied into one scratch buffer, columns max(n, 1) apart (n = 0 reads
/// nothing, but needs pointers); `body` gets the four columns' pointers; the columns come back as arrays.
func onFourColumns<T, R>(_ c: [[T]], rows n: Int, _ body: ([UnsafeMutablePointer<T>]) -> R) -> (columns: [[T]], result: R) {
    let width = max(n, 1)
    let scratch = UnsafeMutablePointer<T>.allocate(capacity: 4 * width)
    defer { scratch.deallocate() }
    for j in 0..<4 { for i in 0..<n { (scratch + i + j * width).initialize(to: c[j][i]) } }
    let p = (0..<4).map { scratch + $0 * width }
    let result = body(p)
    return ((0..<4).map { j in (0..<n).map { p[j][$0] } }, result)
}

/// Columns passed more than once (the paired QR's and the blocks' last groups: (j, j+1, j, j+1), (j, j+1, j+2, j+1),
/// (j, j, j, j), a leftover column beside the panel's) get exactly the values a call with four distinct columns
/// gives them and are not updated twice; columns not passed are not touched. `run(slots)` runs the kernel on the
/// columns `c` with its four column arguments the columns `slots[0]`, …, `slots[3]`, and returns the four columns.
func expectRepeatedColumnsGetTheirDistinctValues<T: Equatable>(_ c: [[T]], _ label: String, run: ([Int]) -> [[T]]) {
    let distinct = run([0, 1, 2, 3])
    #expect(distinct[0] != c[0] && distinct[3] != c[3], "\(label): the kernel changed nothing")
    for slots in [[0, 1, 0, 1], [0, 1, 2, 1], [0, 0, 0, 0], [0, 1, 2, 2], [0, 1, 1, 0], [0, 0, 2, 3]] {
        let repeated = run(slots)
        for j in 0..<4 {
            #expect(repeated[j] == (slots.contains(j) ? distinct[j] : c[j]), "\(label) slots \(slots) column \(j)")
        }
    }
}

/// A kernel's four updated columns against its twin's: entry i of column j within `bound(j)(i)` (the bound of
/// column j, made once per column); with `repeated` (columns passed as c₀, c₁, c₀, c₁) columns 2 and 3 are
/// untouched by both. Returns the bounds of columns 0 and 1, which the carried sums' check takes.
func expectFourColumnsAgree<T: QRScalar>(
    _ fast: [[T]], _ slow: [[T]], original c: [[T]], rows n: Int, repeated: Bool, _ label: String,
    bound: (_ column: Int) -> (_ row: Int) -> Double
) -> [[Double]] {
    var bounds = [[Double]](repeating: [Double](repeating: 0, count: n), count: 2)
    for j in 0..<4 {
        if repeated && j >= 2 {
            #expect(fast[j] == c[j] && slow[j] == c[j], "\(label): columns passed twice are updated once; others untouched")
            continue
        }
        let columnBound = bound(j)
        for i in 0..<n {
            let b = columnBound(i)
            if j < 2 { bounds[j][i] = b }
            #expect(Double(abs(fast[j][i] - slow[j][i])) <= b, "\(label) c\(j)[\(i)]")
        }
    }
    return bounds
}

/// Random inputs of `applyStructuredPair` on an n × q block (leading dimension n + 3), drawn in the order
/// c, x₁, x₂, gains₁, gains₂, and fixed scalars.
struct StructuredPairInputs<T: QRScalar> {
    let rows: Int, columns: Int, ld: Int
    let c: [T], x1: [T], x2: [T], gains1: [T], gains2: [T]
    let crossGain: T = 0.625, scale1: T = 0.75, scale2: T = -1.25

    init(rows n: Int, columns q: Int, seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        (rows, columns, ld) = (n, q, n + 3)
        c = randomEntries(ld * q, &rng)
        x1 = randomEntries(n, &rng)
        x2 = randomEntries(n, &rng)
        gains1 = randomEntries(q, &rng)
        gains2 = randomEntries(q, &rng)
    }

    /// What a run leaves: the block, x₁, x₂, and the dots written over the gains (`first`, `second`: q + 1
    /// entries, the last a sentinel, 0 and 42, that nothing may write).
    struct Outputs { var c: [T], x1: [T], x2: [T], first: [T], second: [T] }

    /// `apply(block, x1, x2, gains1 / firstDots, gains2 / secondDots)` on copies of the inputs.
    func run(_ apply: (StridedMatrixView<T>, UnsafeMutablePointer<T>, UnsafeMutablePointer<T>,
                       UnsafeMutablePointer<T>, UnsafeMutablePointer<T>) -> Void) -> Outputs {
        var o = Outputs(c: c, x1: x1, x2: x2, first: gains1 + [0], second: gains2 + [42])
        let (n, q, ld) = (rows, columns, ld)
        o.c.withUnsafeMutableBufferPointer { cb in
            o.x1.withUnsafeMutableBufferPointer { ab in
                o.x2.withUnsafeMutableBufferPointer { bb in
                    o.first.withUnsafeMutableBufferPointer { fb in
                        o.second.withUnsafeMutableBufferPointer { sb in
                            guard let cp = cb.baseAddress, let ap = ab.baseAddress, let bp = bb.baseAddress,
                                  let fp = fb.baseAddress, let sp = sb.baseAddress else { return }
                            apply(StridedMatrixView(base: cp, rows: n, columns: q, leadingDimension: ld), ap, bp, fp, sp)
                        }
                    }
                }
            }
        }
        return o
    }
}
