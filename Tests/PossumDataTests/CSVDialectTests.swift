import Foundation
@testable import PossumData
import Testing

/// Other people's CSVs: the delimiter found from the first lines, and semicolon-separated tables
/// with decimal commas (R's `read.csv2` dialect).
@Suite struct CSVDialectTests {
    static func detect(_ text: String, complete: Bool = true) -> Character {
        let byte = Array(text.utf8).withUnsafeBufferPointer { CSVRecordReader.detectDelimiter($0, complete: complete) }
        return Character(Unicode.Scalar(byte))
    }

    @Test func delimiterIsTheOneThatSplitsEveryLineAlike() {
        #expect(Self.detect("a,b,y\n1,2,3\n") == ",")
        #expect(Self.detect("a\tb\ty\n1.5\t2\t3\n") == "\t")
        #expect(Self.detect("a;b;y\n1,5;2;3\n2;1,25;4\n7;8;9\n") == ";", "decimal commas vary per line; the semicolons do not")
        #expect(Self.detect("a|b|y\n1|2|3\n") == "|")
        #expect(Self.detect("name,note\n\"x; y; z\",1\n\"p; q; r\",2\n") == ",", "delimiters inside quotes do not count")
        #expect(Self.detect("y\n1.5\n2\n") == ",", "one column: nothing to find, a comma")
        #expect(Self.detect("") == ",")
        #expect(Self.detect("a;b;c\n1;2\n3;4;5;6\n") == ";", "a ragged file: the header's most frequent")
        #expect(Self.detect("a;b;c\n1;2;3\n4;5", complete: false) == ";", "a cut-off last line is not counted")
        #expect(Self.detect("a,b\n\n1,2\n   \n3,4\n") == ",", "blank lines are skipped")
    }

    @Test func semicolonTableReadsDecimalCommasAsNumbers() throws {
        let comma = try CSVTable.parse("id,x,y\nA,1.5,-2e3\nB,2.25,NA\nC,3,4.5\n", source: "c.csv")
        let semicolon = try CSVTable.parse("id;x;y\r\nA;1,5;-2e3\r\nB; 2,25 ;NA\r\nC;3;4,5\r\n", source: "s.csv")
        #expect(semicolon.header == comma.header)
        for name in ["x", "y"] { #expect(try semicolon.numericColumn(name) == comma.numericColumn(name)) }
        #expect(try semicolon.textColumn("id") == ["A", "B", "C"])
        let tabs = try CSVTable.parse("id\tx\ty\nA\t1.5\t-2e3\nB\t2.25\tNA\nC\t3\t4.5\n", source: "t.tsv")
        #expect(tabs.rows == comma.rows)
    }

    @Test func onlySemicolonTablesTakeDecimalCommasAndOnlyInDataFields() throws {
        // A quoted "1,5" of a comma-separated file is text, as it always was.
        #expect(try CSVTable.parse("x,y\n\"1,5\",2\n", source: "c.csv").rows == [["1,5", "2"]])
        // The header is a name, not a number.
        #expect(try CSVTable.parse("1,5;y\n2;3\n", source: "s.csv").header == ["1,5", "y"])
        // Not plain decimal numbers: left as they are.
        let t = try CSVTable.parse("a;b;c;d;e;f\n1,2,3;,;e,5;01.02.2024;1.000,;12.34,5\n", source: "s.csv")
        #expect(t.rows == [["1,2,3", ",", "e,5", "01.02.2024", "1.000,", "12.34,5"]])
    }

    /// A spreadsheet exports a formatted cell as it shows it: `1.000,5` is one thousand and a half,
    /// as pandas reads it with `decimal=",", thousands="."`, not a text level beside `2.5`.
    @Test func dotsGroupingThousandsAreReadInASemicolonTable() throws {
        let t = try CSVTable.parse("x;y;z\n1.000,5;-12.345,00;1.234.567\n2,5;+3;7\n", source: "s.csv")
        #expect(try t.numericColumn("x") == [1000.5, 2.5])
        #expect(try t.numericColumn("y") == [-12345, 3])
        #expect(try t.numericColumn("z") == [1_234_567, 7])
        #expect(t.dialect == "semicolon-separated, decimal commas, dots grouping thousands")
        // A lone 1.000 could still mean 1 or 1000: beside a grouped number it is an error.
        do {
            _ = try CSVTable.parse("x;y\n1.000,5;1\n1.000;2\n", source: "s.csv")
            Issue.record("a column with 1.000,5 and 1.000 was read")
        } catch {
            #expect("\(error)".hasPrefix("s.csv:3: column 'x': a number with a decimal point where line 2 has one with a decimal comma"))
        }
        // Only in semicolon-separated tables: a tab-separated 1.000,5 is text, as before.
        #expect(try CSVTable.parse("x\ty\n1.000,5\t1\n", source: "t.tsv").rows == [["1.000,5", "1"]])
    }

    @Test func aColumnWithBothDecimalMarksIsAnErrorNamingBothLines() {
        let text = "x;y\n2,5;1\n1.000;2\n"
        #expect(throws: DataError.self) { try CSVTable.parse(text, source: "s.csv") }
        do { _ = try CSVTable.parse(text, source: "s.csv") } catch {
            #expect("\(error)".hasPrefix("s.csv:3: column 'x': a number with a decimal point where line 2 has one with a decimal comma"))
            #expect(!"\(error)".contains("\n"))
        }
        // Different columns may differ.
        #expect(throws: Never.self) { try CSVTable.parse("x;y\n2,5;1.5\n3;2.5\n", source: "s.csv") }
    }

    /// A German export formats whole numbers with a grouping dot (`1.500` for fifteen hundred)
    /// beside decimal commas in other columns: read as 1.5 that would be silently wrong, so a
    /// `d{1,3}.ddd` number in a file that writes decimal commas is an error naming both places,
    /// whichever comes first.
    @Test func aThousandsLikeNumberBesideDecimalCommasIsAnError() {
        let message = "'1.500' could mean 1500 or 1.5: line 2 (column 'share') writes a decimal comma, beside which a dot groups thousands; write it without the dot, or with a comma"
        #expect(throws: DataError(file: "s.csv", line: 3, column: "people", message)) {
            try CSVTable.parse("people;share\n250;2,5\n1.500;3\n", source: "s.csv")
        }
        let earlier = "'1.500' could mean 1500 or 1.5: line 3 (column 'share') writes a decimal comma, beside which a dot groups thousands; write it without the dot, or with a comma"
        #expect(throws: DataError(file: "s.csv", line: 2, column: "people", earlier)) {
            try CSVTable.parse("people;share\n1.500;3\n250;2,5\n", source: "s.csv")
        }
        // Not thousands-like, or no decimal comma anywhere: read as written.
        #expect(throws: Never.self) { try CSVTable.parse("a;b\n0.125;2,5\n1.25;3\n-12.5e3;1\n", source: "s.csv") }
        #expect(throws: Never.self) { try CSVTable.parse("a;b\n1.500;2.5\n", source: "s.csv") }
    }

    /// Classic Mac OS line ends (a lone CR) used to vanish, gluing each line's last field to the
    /// next line's first ("3\r4" read as 34): refused in one line instead.
    @Test func aLoneCarriageReturnIsRefusedNamingTheLine() throws {
        let error = try #require(throws: DataError.self) { try CSVTable.parse("a,b,y\r1,2,3\r4,5,6\r", source: "mac.csv") }
        #expect("\(error)".hasPrefix("mac.csv") && "\(error)".contains("carriage return without a line feed"), "\(error)")
        #expect(try CSVTable.parse("a,b,y\r\n1,2,3\r\n", source: "w.csv").rows.count == 1)
        #expect(try CSVTable.parse("a,b,y\n1,2,3\r", source: "e.csv").rows.count == 1)
        #expect(try CSVTable.parse("a,b,y\n1,\"x\ry\",3\n", source: "q.csv").rows.count == 1)
    }

    /// Spreadsheets and some exporters end every line with the delimiter (`a;b;y;`): an empty
    /// field past the last column, not a column of its own nor a ragged row.
    @Test func aTrailingDelimiterIsNotAColumn() throws {
        let expected = try CSVTable.parse("a,b,y\n1,2,3\n4,5,6\n", source: "c.csv")
        for text in ["a\tb\ty\t\n1\t2\t3\t\n4\t5\t6\t\n", "a\tb\ty\n1\t2\t3\t\n4\t5\t6\n", "a;b;y;\r\n1;2;3;\r\n4;5;6\r\n"] {
            let t = try CSVTable.parse(text, source: "t.csv")
            #expect(t.header == expected.header && t.rows == expected.rows, "\(text.debugDescription)")
        }
        // Not a trailing delimiter: an empty name inside, two empty at the end, a quoted empty value.
        #expect(throws: DataError(file: "t.csv", line: 1, "header field 2 is empty")) { try CSVTable.parse("a;;\n1;2;3\n", source: "t.csv") }
        #expect(throws: DataError(file: "t.csv", line: 2, "expected 2 fields (as in the header), found 3")) {
            try CSVTable.parse("a;b\n1;2;\"\"\n", source: "t.csv")
        }
        #expect(throws: DataError(file: "t.csv", line: 2, "expected 2 fields (as in the header), found 4")) {
            try CSVTable.parse("a;b\n1;2;;\n", source: "t.csv")
        }
    }

    @Test func utf16TextIsNamedAsSuch() throws {
        let p = FileManager.default.temporaryDirectory.appendingPathComponent("possum-utf16-\(UUID().uuidString).csv").path
        defer { try? FileManager.default.removeItem(atPath: p) }
        for bom: [UInt8] in [[0xFF, 0xFE], [0xFE, 0xFF]] {
            let units = Array("x\ty\n1\t2\n".utf16)
            let bytes = bom + units.flatMap { bom[0] == 0xFF ? [UInt8($0 & 0xFF), UInt8($0 >> 8)] : [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
            try Data(bytes).write(to: URL(fileURLWithPath: p))
            #expect(throws: DataError(file: p, line: 1, "UTF-16 text (it starts with a UTF-16 byte-order mark): possum reads UTF-8; save the file as UTF-8")) {
                try CSVTable.read(contentsOf: p)
            }
        }
    }

    @Test func aSecondPassReadsTheSameRecords() throws {
        let p = FileManager.default.temporaryDirectory.appendingPathComponent("possum-dialect-\(UUID().uuidString).csv").path
        defer { try? FileManager.default.removeItem(atPath: p) }
        try "a;b;c\n2,5;3;1\n4;5,5;2\n".write(toFile: p, atomically: true, encoding: .utf8)
        var reader = try CSVRecordReader(contentsOf: p, rereadable: true)
        var passes: [[[String]]] = []
        for _ in 0..<2 {
            _ = try CSVTable.readHeader(&reader, source: p)
            var records: [[String]] = []
            while let r = try reader.next() { records.append(r.fields) }
            passes.append(records)
            try reader.restart()
        }
        #expect(passes[0] == [["2.5", "3", "1"], ["4", "5.5", "2"]])
        #expect(passes[1] == passes[0])
        #expect(reader.delimiter == UInt8(ascii: ";"))
    }

    /// One column of decimal commas (`y`, `1,5`, `2,25`) is one column of numbers, not two fields
    /// a line under a header of one.
    @Test func oneColumnOfDecimalCommasIsOneColumnOfNumbers() throws {
        #expect(Self.detect("y\n1,5\n2,25\n") == ";")
        #expect(Self.detect("y\r\n1,5\r\n3\r\n-0,25\r\n") == ";", "whole numbers beside them")
        #expect(Self.detect("y\n1,000\n2,500\n") == ",", "every comma before three digits may group thousands")
        #expect(Self.detect("y\n1,5\nab,c\n") == ",", "not numbers")
        #expect(Self.detect("y\n1,5,5\n") == ",")
        let t = try CSVTable.parse("y\n1,5\n2,25\n", source: "y.csv")
        #expect(t.header == ["y"])
        #expect(try t.numericColumn("y") == [1.5, 2.25])
        #expect(t.dialect == "one column, decimal commas")
        #expect(throws: DataError(file: "e.csv", line: 2, "expected 1 field (as in the header), found 2")) { try CSVTable.parse("y\n1,000\n2,500\n", source: "e.csv") }
    }

    /// A given delimiter (`--delimiter`) is used as given; one that leaves the first line one
    /// field where the detected one splits it is an error naming the file.
    @Test func givenDelimiter() throws {
        let t = try CSVTable.parse("a|b\n1;2|3\n", source: "g.csv", delimiter: UInt8(ascii: "|"))
        #expect(t.header == ["a", "b"])
        #expect(try t.textColumn("a") == ["1;2"])
        #expect(throws: DataError(file: "g.csv", line: 1, "--delimiter ';' leaves one column, but the first line has 3 fields separated by ',': give --delimiter ',' or leave it out")) {
            try CSVTable.parse("a,b,y\n1,2,3\n", source: "g.csv", delimiter: UInt8(ascii: ";"))
        }
        let tab = try CSVTable.parse("y\n1.5\n", source: "g.csv", delimiter: 0x09)
        #expect(tab.header == ["y"], "one column either way: nothing to say")
    }
}
