import PossumData
import PossumTestSupport
@testable import PossumWorkflows
import Testing

/// `data show` on a column of numbers with a few cells that are not: it says where they are,
/// since such a column would otherwise be one-hot encoded without a word.
@Suite struct TableSummaryTests {
    @Test func aTextColumnOfMostlyNumbersNamesItsFirstStrayCell() throws {
        let table = try CSVTable.parse("x,code,y\n\"1,000.5\",a,1\n2,b,2\n3,c,3\n<0.5,d,4\nNA,e,5\n", source: "us.csv")
        let text = try TableSummary(table: table).text()
        #expect(text.contains("4 levels: 1,000.5, 2, 3, <0.5; 2 of 4 values are not numbers, the first on line 2: '1,000.5'\n"), "\(text)")
        #expect(!text.contains("e; "), "a column of words is text, nothing to say: \(text)")
        let columns = try TableSummary(table: table).columns().columns
        #expect(columns[0].notNumbers?.count == 2 && columns[0].notNumbers?.firstLine == 2 && columns[0].notNumbers?.firstValue == "1,000.5")
        #expect(columns[1].notNumbers == nil)
        let one = try TableSummary(table: CSVTable.parse("x\n1\n2\nn/a\n", source: "o.csv")).text()
        #expect(one.contains("; 1 of 3 values is not a number, the first on line 4: 'n/a'\n"), "\(one)")
    }

    @Test func fewerNumbersThanWordsIsTextWithoutANote() throws {
        let table = try CSVTable.parse("x\nred\nblue\n3\n", source: "c.csv")
        #expect(try TableSummary(table: table).columns().columns[0].notNumbers == nil)
    }

    /// Each column's arrays are asked of the headroom (`MemoryHeadroom.Meter`) before they are made: a column
    /// that does not fit is one error naming the file and the column, not an abort; one that fits is summarized.
    @Test func aColumnThatDoesNotFitIsAnErrorNamingIt() throws {
        let rows = 70_000  // past the meter's unasked MiB
        let table = try CSVTable.parse("x,y\n" + String(repeating: "1,a\n", count: rows), source: "big.csv")
        let summary = TableSummary(table: table)
        let needed = rows * TableSummary.rowBytes
        let error = try #require(try thrownError(DataError.self) { _ = try summary.summarized(headroom: { needed }) })
        #expect(error.description.hasPrefix("big.csv: column 'x': summarizing its 70000 rows takes about "), "\(error)")
        #expect(error.description.hasSuffix("more (a memory or address-space limit)") && !error.description.contains("\n"))
        let text = try thrownError(DataError.self) { _ = try summary.summarized(headroom: { 64 * needed }) }
        #expect(text == nil, "\(String(describing: text))")
        let columns = try summary.summarized(headroom: { 64 * needed })
        #expect(columns.count == 2 && columns[0].missing == 0)
    }
}
