/// An unevaluated sum hi + lo of two doubles with |lo| ≤ ulp(hi)/2: about 106 significant bits
/// (unit roundoff u = 2⁻¹⁰⁴ ≈ 5e-32 for + − × ÷ √, up to small constants; Joldes, Muller &
/// Popescu 2017). The arithmetic of the extended-precision oracle, which must not share code with
/// the solvers it judges — hence its own error-free transformations here.
public struct DoubleDouble: Sendable, Equatable {
    public var hi: Double
    public var lo: Double

    public init(_ x: Double) { (hi, lo) = (x, 0) }
    init(hi: Double, lo: Double) { (self.hi, self.lo) = (hi, lo) }

    public static let zero = DoubleDouble(0)

    /// s + e = a + b exactly (Knuth).
    @inline(__always)
    static func exactSum(_ a: Double, _ b: Double) -> DoubleDouble {
        let s = a + b
        let bb = s - a
        return DoubleDouble(hi: s, lo: (a - (s - bb)) + (b - bb))
    }

    /// s + e = a + b exactly, given |a| ≥ |b| (Dekker).
    @inline(__always)
    static func exactSumOrdered(_ a: Double, _ b: Double) -> DoubleDouble {
        let s = a + b
        return DoubleDouble(hi: s, lo: b - (s - a))
    }

    /// p + e = a·b exactly, by one fused multiply-add.
    @inline(__always)
    static func exactProduct(_ a: Double, _ b: Double) -> DoubleDouble {
        let p = a * b
        return DoubleDouble(hi: p, lo: (-p).addingProduct(a, b))
    }

    public static func + (a: DoubleDouble, b: DoubleDouble) -> DoubleDouble {
        let s = exactSum(a.hi, b.hi)
        let t = exactSum(a.lo, b.lo)
        let u = exactSumOrdered(s.hi, s.lo + t.hi)
        return exactSumOrdered(u.hi, u.lo + t.lo)
    }

    public static prefix func - (a: DoubleDouble) -> DoubleDouble { DoubleDouble(hi: -a.hi, lo: -a.lo) }
    public static func - (a: DoubleDouble, b: DoubleDouble) -> DoubleDouble { a + (-b) }

    public static func * (a: DoubleDouble, b: DoubleDouble) -> DoubleDouble {
        let p = exactProduct(a.hi, b.hi)
        return exactSumOrdered(p.hi, p.lo + (a.hi * b.lo + a.lo * b.hi))
    }

    /// Long division: three quotient digits, each corrected against the exact remainder.
    public static func / (a: DoubleDouble, b: DoubleDouble) -> DoubleDouble {
        let q1 = a.hi / b.hi
        var r = a - b * DoubleDouble(q1)
        let q2 = r.hi / b.hi
        r = r - b * DoubleDouble(q2)
        let q3 = r.hi / b.hi
        return exactSumOrdered(q1, q2) + DoubleDouble(q3)
    }

    /// √a by one Newton step from the double square root (Karp & Markstein).
    public func squareRoot() -> DoubleDouble {
        guard hi > 0 else { return .zero }
        let s = DoubleDouble(hi.squareRoot())
        return s + DoubleDouble((self - s * s).hi / (2 * s.hi))
    }

    public var magnitude: DoubleDouble { hi < 0 ? -self : self }
}
