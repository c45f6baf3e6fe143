import Foundation
import PossumData
import Testing

/// The byte route for CSV numbers against `Double(String)` (the standard library's correctly
/// rounded conversion) and the `String` route's messages, on edge cases and random decimals.
@Suite struct DecimalParserTests {
    /// The byte route's answer for `text`: the value's bits, or the error's message.
    func byBytes(_ text: String) -> Result<UInt64?, DataError> {
        Array(text.utf8).withUnsafeBufferPointer { bytes in
            Result { try CSVTable.number(bytes, file: "t.csv", line: 7, column: "x").map(\.bitPattern) }
                .mapError { $0 as! DataError }
        }
    }

    /// The oracle: trim as the reader does, then `Double(String)`; missing, value or message.
    func byOracle(_ text: String) -> Result<UInt64?, DataError> {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.isEmpty || t == "NA" { return .success(nil) }
        guard let v = Double(t) else { return .failure(DataError(file: "t.csv", line: 7, column: "x", "'\(t)' is not a number")) }
        guard v.isFinite else {
            return .failure(DataError(file: "t.csv", line: 7, column: "x", "'\(t)' is not a finite number (write NA for a missing value)"))
        }
        return .success(v.bitPattern)
    }

    func fast(_ text: String) -> Double? {
        Array(text.utf8).withUnsafeBufferPointer { DecimalParser.fastPath($0) }
    }

    static let edgeCases = [
        "0", "-0", "+0", "0.0", "-0.0", "00", "007", "-007.50", ".5", "-.5", "5.", "-5.", ".", "-", "+", "",
        "1e5", "1E5", "1e+5", "1e-5", "1e", "1e+", "e5", ".e5", "1.e5", ".5e-3", "5.e2",
        "1e22", "1e23", "1e30", "1e37", "1e38", "9007199254740992", "9007199254740993", "9007199254740991e5",
        "123456789012345678", "1234567890123456789", "12345678901234567890", "0.12345678901234567",
        "3.141592653589793238462643383279", "0.1", "0.2", "0.3", "2.5e-22", "2.5e-23", "1e-22", "1e-300",
        "4.9406564584124654e-324", "2.2250738585072014e-308", "2.2250738585072011e-308", "1e-400", "-1e-400",
        "1.7976931348623157e308", "1.7976931348623159e308", "1e308", "1e309", "1e400", "-1e400", "1e0000005",
        "0e999999999", "0.000000000000000000000000000001", "100000000000000000000000", "NA", " NA ", "na",
        " 1.5", "1.5 ", "\t-2\t", "1 5", "1,5", "1..5", "1.5.", "--1", "+-1", "1e5e5", "0x1p3", "0x10",
        "inf", "-inf", "Infinity", "nan", "NaN", "1_000", "١", "\u{00A0}1.5", "1.5\u{2003}", "½",
    ]

    @Test(arguments: edgeCases)
    func edgeCasesAgreeWithTheOracle(text: String) {
        #expect(byBytes(text) == byOracle(text), "\(text.debugDescription)")
        if let v = fast(text) { #expect(v.bitPattern == Double(text)?.bitPattern, "\(text.debugDescription)") }
    }

    /// Random decimals from the grammar sign? digits* (. digits*)? (e sign? digits)?, with runs
    /// of leading zeros and up to 25 digits, plus doubles printed in every common format.
    @Test func randomDecimalsAgreeWithTheOracle() {
        var rng = SystemRandomNumberGenerator()
        var fastHits = 0
        func digits(_ n: Int) -> String { String((0..<n).map { _ in "0123456789".randomElement(using: &rng)! }) }
        var texts: [String] = []
        for _ in 0..<60_000 {
            var s = ["", "-", "+"].randomElement(using: &rng)!
            if Bool.random(using: &rng) { s += String(repeating: "0", count: Int.random(in: 0...3, using: &rng)) }
            s += digits(Int.random(in: 0...12, using: &rng))
            if Int.random(in: 0..<4, using: &rng) > 0 { s += "." + digits(Int.random(in: 0...14, using: &rng)) }
            if Bool.random(using: &rng) {
                s += ["e", "E"].randomElement(using: &rng)! + ["", "-", "+"].randomElement(using: &rng)!
                s += String(Int.random(in: 0...40, using: &rng))
            }
            texts.append(s)
            let d = Double(bitPattern: UInt64.random(in: 0...UInt64.max, using: &rng))
            if d.isFinite {
                texts.append("\(d)")
                texts.append(String(format: "%.\(Int.random(in: 0...20, using: &rng))g", d))
                texts.append(String(format: "%.\(Int.random(in: 0...20, using: &rng))e", d))
            }
            let g = Double.random(in: -1000...1000, using: &rng)
            texts.append(String(format: "%.\(Int.random(in: 0...17, using: &rng))f", g))
            texts.append("\(g)")
        }
        var failures = 0
        for text in texts {
            if byBytes(text) != byOracle(text) {
                failures += 1
                if failures < 10 { Issue.record("\(text.debugDescription): \(byBytes(text)) vs \(byOracle(text))") }
            }
            if let v = fast(text) {
                fastHits += 1
                if v.bitPattern != Double(text)?.bitPattern {
                    failures += 1
                    if failures < 10 { Issue.record("fast path \(text.debugDescription): \(v) vs \(String(describing: Double(text)))") }
                }
            }
        }
        #expect(failures == 0)
        // The fast path must actually be taken for a good share of the inputs, or this test
        // would only be checking the slow route against itself.
        #expect(fastHits > texts.count / 3)
    }

    @Test func shortDecimalsTakeTheFastPath() {
        for text in ["0.235170", "-3.093873", "36.5", "1e5", "-0", "007", ".5", "5.", "123456789012345", "2.5e-21"] {
            #expect(fast(text) != nil, "\(text)")
        }
    }

    @Test func invalidUTF8IsAnErrorNamingTheLine() throws {
        let p = FileManager.default.temporaryDirectory.appendingPathComponent("possum-utf8-\(UUID().uuidString).csv").path
        defer { try? FileManager.default.removeItem(atPath: p) }
        try Data([0x78, 0x2C, 0x79, 0x0A, 0x31, 0x2C, 0x32, 0x0A, 0x33, 0x2C, 0xFF, 0x0A]).write(to: URL(fileURLWithPath: p))
        #expect(throws: DataError(file: p, line: 3, column: "y", "not UTF-8 text (save the file as UTF-8)")) { try CSVTable.read(contentsOf: p) }
    }

    @Test func recordFieldsAsBytesMatchTheStrings() throws {
        var reader = CSVRecordReader(text: "a,\"b,\"\"c\"\"\",,d é\n\n1,2,3,4", source: "t.csv")
        #expect(try reader.nextRecord() == 1)
        #expect(reader.fieldCount == 4)
        #expect((0..<4).map { reader.field($0) } == ["a", "b,\"c\"", "", "d é"])
        #expect(reader.withField(3) { Array($0) } == Array("d é".utf8))
        #expect(reader.withFields { fields in (0..<fields.count).map { String(decoding: fields[$0], as: UTF8.self) } }
                == ["a", "b,\"c\"", "", "d é"])
        #expect(try reader.nextRecord() == 3)
        #expect(try reader.nextRecord() == nil)
    }
}
