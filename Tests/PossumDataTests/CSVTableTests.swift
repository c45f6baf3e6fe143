import Foundation
@testable import PossumData
import Testing

@Suite struct CSVTableTests {
    @Test func parsesQuotesCRLFBlankLinesAndBOM() throws {
        let text = "\u{FEFF}name,value,note\r\n\"a, b\",1.5,\"say \"\"hi\"\"\"\r\n\r\nc,NA,\"two\nlines\"\nd,,x\n"
        let t = try CSVTable.parse(text, source: "t.csv")
        #expect(t.header == ["name", "value", "note"])
        #expect(t.rows == [["a, b", "1.5", "say \"hi\""], ["c", "NA", "two\nlines"], ["d", "", "x"]])
        #expect(t.lines == [2, 4, 6])  // line 3 is blank; the quoted newline spans lines 4–5
        #expect(try t.numericColumn("value") == [1.5, nil, nil])
        #expect(try t.textColumn("name") == ["a, b", "c", "d"])
    }

    /// Records must not depend on where the file's read blocks end (a run of plain bytes, a
    /// doubled quote, CRLF or the byte-order mark split across two blocks).
    @Test(arguments: [1, 2, 3, 5, 7, 64])
    func recordsDoNotDependOnTheReadBlockSize(blockSize: Int) throws {
        let text = "\u{FEFF}name,value,note\r\n\"a, b\",1.5,\"say \"\"hi\"\"\"\r\n\r\nc,NA,\"two\nlines\"\nd,,x\n-12.75e-3,0.000125,é ü\nlast,2,3"
        let p = FileManager.default.temporaryDirectory.appendingPathComponent("possum-blocks-\(UUID().uuidString).csv").path
        defer { try? FileManager.default.removeItem(atPath: p) }
        try text.write(toFile: p, atomically: true, encoding: .utf8)
        var fromFile = try CSVRecordReader(contentsOf: p, blockSize: blockSize)
        var fromText = CSVRecordReader(text: text, source: p)
        var records = 0
        while let expected = try fromText.next() {
            let got = try fromFile.next()
            #expect(got?.line == expected.line)
            #expect(got?.fields == expected.fields)
            records += 1
        }
        #expect(try fromFile.next() == nil)
        #expect(records == 6)
    }

    @Test func lastLineWithoutNewline() throws {
        let t = try CSVTable.parse("x,y\n1,2", source: "t.csv")
        #expect(t.rows == [["1", "2"]])
    }

    @Test(arguments: [
        ("x,y\n1,2\n3\n", "t.csv:3: expected 2 fields (as in the header), found 1"),
        ("x,y\n1,2,3\n", "t.csv:2: expected 2 fields (as in the header), found 3"),
        ("y\n1,000\n", "t.csv:2: expected 1 field (as in the header), found 2"),  // 1,5 is a decimal comma (CSVDialectTests)
        ("", "t.csv: empty file: no header line"),
        ("x,x\n1,2\n", "t.csv:1: column name 'x' appears twice"),
        ("x,\n1,2\n", "t.csv:1: header field 2 is empty, but line 2 has a value there"),
        ("x,,y\n1,2,3\n", "t.csv:1: header field 2 is empty"),
        ("x,y\n\"1,2\n", "t.csv:2: quoted field is never closed"),
        ("x,y\n1\"2,3\n", "t.csv:2: stray double quote inside an unquoted field"),
    ])
    func malformedFilesGiveOneLineErrorsWithTheLine(text: String, message: String) {
        #expect(throws: DataError.self) { try CSVTable.parse(text, source: "t.csv") }
        do {
            _ = try CSVTable.parse(text, source: "t.csv")
        } catch {
            #expect("\(error)" == message)
            #expect(!"\(error)".contains("\n"))
        }
    }

    @Test(arguments: [
        ("abc", "t.csv:3: column 'y': 'abc' is not a number"),
        ("nan", "t.csv:3: column 'y': 'nan' is not a finite number (write NA for a missing value)"),
        ("inf", "t.csv:3: column 'y': 'inf' is not a finite number (write NA for a missing value)"),
        ("-Infinity", "t.csv:3: column 'y': '-Infinity' is not a finite number (write NA for a missing value)"),
        ("1e400", "t.csv:3: column 'y': '1e400' is not a finite number (write NA for a missing value)"),
    ])
    func badNumbersNameLineAndColumn(field: String, message: String) throws {
        let t = try CSVTable.parse("x,y\n1,2\n3,\(field)\n", source: "t.csv")
        #expect(throws: DataError(file: "t.csv", line: 3, column: "y", String(message.split(separator: ": ", maxSplits: 2)[2]))) {
            try t.numericColumn("y")
        }
    }

    /// A table too large to hold as text is refused at the line where it outgrows the budget,
    /// with the way out, rather than read until the process is killed.
    @Test func tableBeyondTheMemoryBudgetIsRefusedWithTheWayOut() throws {
        let text = "x,y\n" + (1...100).map { "\($0),\($0 * 2)" }.joined(separator: "\n") + "\n"
        #expect(try CSVTable.parse(text, source: "t.csv", memoryBudget: 100 * 96).rowCount == 100)
        let message = "too large to hold in memory (more than 4 KiB as text fields by this line): "
            + "import it with `possum data import t.csv --out T.h5` and use T.h5, which is read in blocks"
        #expect(throws: DataError(file: "t.csv", line: 44, message)) {
            try CSVTable.parse(text, source: "t.csv", memoryBudget: 4096)
        }
    }

    /// The held-bytes count undercounts what the allocator takes (under `prlimit --as` a table of
    /// 29 MB counted took 200 MB of address space): the headroom measured as it falls refuses the
    /// table in one line before an allocation fails.
    @Test func tableWhoseMeasuredGrowthOutrunsTheHeadroomIsRefused() throws {
        let text = "x,y\n" + (1...40_000).map { "\($0),\($0 * 2)" }.joined(separator: "\n") + "\n"
        final class Falling { var asked = 0 }
        let falling = Falling()
        // 64 MiB left at the first ask, then 24 MiB less at each: the second ask finds 40 MiB left
        // after 24 MiB taken, the third 16 MiB after 48.
        let headroom = { () -> Int in
            defer { falling.asked += 1 }
            return (64 - 24 * falling.asked) << 20
        }
        var reader = CSVRecordReader(text: text, source: "t.csv")
        do {
            _ = try CSVTable.collect(&reader, source: "t.csv", headroom: headroom)
            Issue.record("read a table that took more than the memory left")
        } catch let error as DataError {
            #expect(falling.asked == 3)
            #expect(error.message.hasPrefix("too large to hold in memory (it took 50.3 MB by this line and this process may take 16.8 MB more): import it with `possum data import t.csv"), "\(error)")
        }
        var unlimited = CSVRecordReader(text: text, source: "t.csv")
        #expect(try CSVTable.collect(&unlimited, source: "t.csv", headroom: { 64 << 30 }).rowCount == 40_000)
    }

    @Test func unknownColumnListsTheColumns() throws {
        let t = try CSVTable.parse("x,y\n1,2\n", source: "t.csv")
        #expect(throws: DataError(file: "t.csv", "no column 'z' (columns: x, y)")) { try t.numericColumn("z") }
    }

    @Test func missingFileIsNamed() {
        #expect(throws: DataError(file: "/nonexistent/p.csv", "no such file")) {
            try CSVTable.read(contentsOf: "/nonexistent/p.csv")
        }
    }
}

/// The String field rules take an ASCII fast path (no Foundation trimming); every field must get
/// exactly the answer of the Unicode rules (Foundation's whitespace, `Double.init`), errors included.
@Test(arguments: [
    "1.5", " 2 ", "\t3\t", "-0", "1e-320", "1e308", "0.1", "NA", " NA", "", "  ", "\t",
    "0x1p3", "inf", "nan", "1e400", "abc", "1,5", "\u{00A0}5\u{00A0}", "\u{2003}NA", "１", "+7", ".5", "5.",
    "123456789012345678901234567890", "4.9e-324", "2.2250738585072011e-308",
    "red", " Vic ", "\tother\t", "Infinity", "NaN", "nA", "na", "Z9", "x y", "e5", "E", "[1]", "red\u{00A0}",
])
func stringFieldRulesAgreeWithUnicodeRules(_ field: String) {
    #expect(CSVTable.isMissing(field) == CSVTable.isMissingByUnicodeRules(field))
    #expect(CSVTable.text(field) == CSVTable.textByUnicodeRules(field), "\(field.debugDescription)")
    let fast = Result { try CSVTable.number(field, file: "f.csv", line: 2, column: "c") }
    let reference = Result { try CSVTable.numberByUnicodeRules(field, file: "f.csv", line: 2, column: "c") }
    switch (fast, reference) {
    case (.success(let a), .success(let b)):
        #expect(a?.bitPattern == b?.bitPattern, "\(field.debugDescription)")
    case (.failure(let a), .failure(let b)):
        #expect("\(a)" == "\(b)")
    default:
        Issue.record("\(field.debugDescription): \(fast) vs \(reference)")
    }
}
