@testable import PossumData
import Testing

/// A mistyped column name is answered with the column it most likely meant.
@Suite struct ColumnSuggestionTests {
    @Test func aTypoGetsTheNearestColumn() throws {
        let table = try CSVTable.parse("name,age,colour,y\na,1,red,2\n", source: "mine.csv")
        #expect(throws: DataError(file: "mine.csv", "no column 'agee'; did you mean 'age'? (columns: name, age, colour, y)")) {
            try table.requireColumn("agee")
        }
        #expect(throws: DataError(file: "mine.csv", "no column 'Color'; did you mean 'colour'? (columns: name, age, colour, y)")) {
            _ = try table.numericColumn("Color")
        }
        #expect(closestColumnName(to: "Y", among: table.header) == "y", "case alone")
        #expect(closestColumnName(to: "weight", among: table.header) == nil, "nothing near: no guess")
        #expect(closestColumnName(to: "x3", among: ["x1", "x2"]) == nil, "two equally near: no guess")
        #expect(closestColumnName(to: "x", among: ["ab"]) == nil, "a short name is not two edits from anything")
    }

    @Test func editDistanceStopsAtItsLimit() {
        func d(_ a: String, _ b: String, _ limit: Int) -> Int? { editDistance(Array(a.unicodeScalars), Array(b.unicodeScalars), atMost: limit) }
        #expect(d("kitten", "sitting", 3) == 3)
        #expect(d("kitten", "sitting", 2) == nil)
        #expect(d("", "ab", 2) == 2)
        #expect(d("same", "same", 0) == 0)
    }
}
