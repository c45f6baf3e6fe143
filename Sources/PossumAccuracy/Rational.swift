import BigInt

/// An exact rational number p/q in lowest terms, q > 0. Every finite Double is one (m·2^e), so
/// arithmetic on Rationals built from Doubles is the exact arithmetic the doubles stand for.
public struct Rational: Equatable, Sendable, CustomStringConvertible {
    public let numerator: BigInt
    public let denominator: BigInt

    public init(_ numerator: BigInt, _ denominator: BigInt = BigInt(1)) {
        precondition(denominator != 0, "zero denominator")
        let g = numerator.greatestCommonDivisor(with: denominator)
        let sign: BigInt = denominator < 0 ? -1 : 1
        if g == 0 || g == 1 {
            self.numerator = sign * numerator
            self.denominator = sign * denominator
        } else {
            self.numerator = sign * numerator / g
            self.denominator = sign * denominator / g
        }
    }

    /// The exact value of a finite double.
    public init(_ x: Double) {
        precondition(x.isFinite, "only finite doubles are rationals")
        if x == 0 { self.init(BigInt(0), BigInt(1)); return }
        // x = significandBits-with-implicit-one · 2^(exponent − 52)
        let significand = BigInt(x.significandBitPattern | (x.isNormal ? (1 << 52) : 0))
        let exponent = x.isNormal ? Int(x.exponent) - 52 : -1074
        let signed = x < 0 ? -significand : significand
        if exponent >= 0 {
            self.init(signed << exponent)
        } else {
            self.init(signed, BigInt(1) << -exponent)
        }
    }

    public static let zero = Rational(BigInt(0), BigInt(1))
    public static let one = Rational(BigInt(1), BigInt(1))

    public var isZero: Bool { numerator == 0 }

    public static func + (a: Rational, b: Rational) -> Rational {
        if a.denominator == b.denominator { return Rational(a.numerator + b.numerator, a.denominator) }
        return Rational(a.numerator * b.denominator + b.numerator * a.denominator, a.denominator * b.denominator)
    }
    public static func - (a: Rational, b: Rational) -> Rational { a + (-b) }
    public static prefix func - (a: Rational) -> Rational { Rational(-a.numerator, a.denominator) }
    public static func * (a: Rational, b: Rational) -> Rational {
        Rational(a.numerator * b.numerator, a.denominator * b.denominator)
    }
    public static func / (a: Rational, b: Rational) -> Rational {
        precondition(!b.isZero, "division by zero")
        return Rational(a.numerator * b.denominator, a.denominator * b.numerator)
    }

    /// A double within about 2 ulps of the value (each 64-bit truncation and the quotient round
    /// once) — ample for measuring errors of 1e-15 relative and up.
    public var doubleValue: Double {
        if numerator == 0 { return 0 }
        // Shift both to ~64 significant bits so the Double conversion of each is exact-ish.
        let shiftN = max(0, numerator.magnitude.bitWidth - 64)
        let shiftD = max(0, denominator.magnitude.bitWidth - 64)
        let n = Double(numerator >> shiftN)
        let d = Double(denominator >> shiftD)
        let sign: FloatingPointSign = (n / d) < 0 ? .minus : .plus
        return Double(sign: sign, exponent: shiftN - shiftD, significand: abs(n / d))
    }

    public var description: String { denominator == 1 ? "\(numerator)" : "\(numerator)/\(denominator)" }
}
