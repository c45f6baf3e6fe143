/// Decimal text → `Double` straight from ASCII bytes, for the common case of CSV numbers, without
/// making a `String` per field.
///
/// Only Clinger's fast path is implemented (W. D. Clinger, "How to read floating point numbers
/// accurately", PLDI 1990): a decimal m·10^e whose significand m is an integer ≤ 2^53 and whose
/// |e| ≤ 22 is converted exactly, because Double(m) and 10^|e| are both exactly representable
/// (5^22 < 2^53) and IEEE 754 rounds the one multiplication or division correctly. The result is
/// therefore the correctly rounded double, bit-for-bit what `Double(String)` returns. Everything
/// else (more than 19 significant digits, m > 2^53, far exponents, hex, inf/nan, junk) is left to
/// the caller's slow path, which is `Double(String)` itself.
public enum DecimalParser {
    /// 10^0 … 10^22, each exactly representable in binary64.
    @usableFromInline
    static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// The correctly rounded value of `[+-]?D*[.D*][(e|E)[+-]?D+]` (at least one mantissa digit,
    /// no spaces) when the fast path applies; nil when it does not — which says nothing about
    /// whether the text is a number.
    @inlinable
    public static func fastPath(_ text: UnsafeBufferPointer<UInt8>) -> Double? {
        let count = text.count
        var i = 0
        var negative = false
        if i < count, text[i] == UInt8(ascii: "-") || text[i] == UInt8(ascii: "+") {
            negative = text[i] == UInt8(ascii: "-")
            i += 1
        }
        var mantissa: UInt64 = 0
        var significant = 0  // digits in `mantissa`, leading zeros not counted
        var digits = 0       // all mantissa digits seen
        var exponent = 0
        // Integer part.
        while i < count, text[i] &- UInt8(ascii: "0") < 10 {
            let d = UInt64(text[i] &- UInt8(ascii: "0"))
            digits += 1
            if mantissa != 0 || d != 0 {
                guard significant < 19 else { return nil }  // would not fit a UInt64 exactly
                mantissa = mantissa &* 10 &+ d
                significant += 1
            }
            i += 1
        }
        // Fraction: every digit shifts the decimal exponent, leading zeros included.
        if i < count, text[i] == UInt8(ascii: ".") {
            i += 1
            while i < count, text[i] &- UInt8(ascii: "0") < 10 {
                let d = UInt64(text[i] &- UInt8(ascii: "0"))
                digits += 1
                if mantissa != 0 || d != 0 {
                    guard significant < 19 else { return nil }
                    mantissa = mantissa &* 10 &+ d
                    significant += 1
                }
                exponent -= 1
                i += 1
            }
        }
        guard digits > 0 else { return nil }
        if i < count, text[i] == UInt8(ascii: "e") || text[i] == UInt8(ascii: "E") {
            i += 1
            var exponentNegative = false
            if i < count, text[i] == UInt8(ascii: "-") || text[i] == UInt8(ascii: "+") {
                exponentNegative = text[i] == UInt8(ascii: "-")
                i += 1
            }
            var e = 0
            var exponentDigits = 0
            while i < count, text[i] &- UInt8(ascii: "0") < 10 {
                guard exponentDigits < 6 else { return nil }  // huge exponents: leave to the slow path
                e = e * 10 + Int(text[i] &- UInt8(ascii: "0"))
                exponentDigits += 1
                i += 1
            }
            guard exponentDigits > 0 else { return nil }
            exponent += exponentNegative ? -e : e
        }
        guard i == count else { return nil }
        if mantissa == 0 { return negative ? -0.0 : 0.0 }  // ±0 whatever the exponent
        guard mantissa <= 1 << 53 else { return nil }
        var value: Double
        if exponent >= 0 && exponent <= 22 {
            value = Double(mantissa) * powersOfTen[exponent]
        } else if exponent < 0 && exponent >= -22 {
            value = Double(mantissa) / powersOfTen[-exponent]
        } else if exponent > 22 && exponent <= 22 + 15 {
            // m·10^(e−22) may still be an integer ≤ 2^53 (e.g. "1e30"): then one exact product.
            let (shifted, overflow) = mantissa.multipliedReportingOverflow(by: UInt64(powersOfTen[exponent - 22]))
            guard !overflow, shifted <= 1 << 53 else { return nil }
            value = Double(shifted) * 1e22
        } else {
            return nil
        }
        if negative { value = -value }
        return value
    }
}
