import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// UTC timestamps as `2026-01-02T03:04:05.678Z`, formatted and parsed by hand.
///
/// Why not ISO8601DateFormatter: its first use loads ICU, ~20 ms of CPU, which is a fifth of the
/// budget of a fully cached `possum dag run`.
enum ISOTime {
    static func format(_ date: Date) -> String {
        let t = clamped(date.timeIntervalSince1970)
        var seconds = time_t(exactly: floor(t)) ?? 0
        var ms = Int(exactly: ((t - floor(t)) * 1000).rounded()) ?? 0
        if ms >= 1000 { seconds += 1; ms = 0 }
        var tm = tm()
        gmtime_r(&seconds, &tm)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", Int(tm.tm_year) + 1900, Int(tm.tm_mon) + 1, Int(tm.tm_mday),
                      Int(tm.tm_hour), Int(tm.tm_min), Int(tm.tm_sec), ms)
    }

    /// `yyyyMMdd'T'HHmmss` in UTC, for run ids.
    static func compact(_ date: Date) -> String {
        var seconds = time_t(exactly: floor(clamped(date.timeIntervalSince1970))) ?? 0
        var tm = tm()
        gmtime_r(&seconds, &tm)
        return String(format: "%04d%02d%02dT%02d%02d%02d", Int(tm.tm_year) + 1900, Int(tm.tm_mon) + 1, Int(tm.tm_mday),
                      Int(tm.tm_hour), Int(tm.tm_min), Int(tm.tm_sec))
    }

    /// Seconds since 1970 limited to years 0000...9999 (what the format can write; NaN as 1970), so
    /// the conversions to `time_t` above cannot trap whatever Date they are given.
    static func clamped(_ t: Double) -> Double {
        guard t.isFinite else { return 0 }
        return min(max(t, -62_167_219_200), 253_402_300_799)
    }

    /// Parses what `format` writes (fraction optional, 1–9 digits); nil for anything else.
    static func parse(_ s: String) -> Date? {
        let u = Array(s.utf8)
        guard u.count >= 20, u.last == UInt8(ascii: "Z") else { return nil }
        func num(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= u.count else { return nil }
            var v = 0
            for b in u[from..<from + count] {
                guard b >= 48 && b <= 57 else { return nil }
                v = v * 10 + Int(b - 48)
            }
            return v
        }
        guard let y = num(0, 4), u[4] == 45, let mo = num(5, 2), u[7] == 45, let d = num(8, 2), u[10] == 84,
              let h = num(11, 2), u[13] == 58, let mi = num(14, 2), u[16] == 58, let sec = num(17, 2),
              (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, sec < 61 else { return nil }
        var fraction = 0.0
        if u[19] == 46 {
            let digits = u.count - 21
            guard digits >= 1, digits <= 9, let f = num(20, digits) else { return nil }
            fraction = Double(f) / pow(10, Double(digits))
        } else if u.count != 20 {
            return nil
        }
        var tm = tm()
        tm.tm_year = Int32(y - 1900)
        tm.tm_mon = Int32(mo - 1)
        tm.tm_mday = Int32(d)
        tm.tm_hour = Int32(h)
        tm.tm_min = Int32(mi)
        tm.tm_sec = Int32(sec)
        return Date(timeIntervalSince1970: Double(timegm(&tm)) + fraction)
    }
}
