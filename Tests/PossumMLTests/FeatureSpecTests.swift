import PossumData
import PossumML
import Testing

@Suite struct FeatureSpecTests {
    let csv = """
        case,site,Pop,sex,age,taill
        1,2,other,m,3,36
        2,10,Vic,f,NA,35
        3,1,Vic,f,4,37
        4,2,other,f,5,34
        """

    @Test func dropsIncompleteRowsAndEncodesEveryLevelInPandasOrder() throws {
        let table = try CSVTable.parse(csv, source: "p.csv")
        let d = try FeatureSpec.possum.design(from: table)
        // Numeric levels sort as numbers (2 < 10), text by code point ("Vic" < "other").
        #expect(d.names == ["age", "site_1", "site_2", "Pop_Vic", "Pop_other", "sex_f", "sex_m"])
        #expect(d.droppedRows == 1)
        #expect(d.lines == [2, 4, 5])
        #expect(d.y == [36, 37, 34])
        #expect(d.x.rows == 3)
        // Row "1,2,other,m,3": age 3, site_2, Pop_other, sex_m.
        #expect((0..<7).map { d.x[0, $0] } == [3, 0, 1, 0, 1, 0, 1])
    }

    @Test func missingTargetColumnIsNamed() throws {
        let table = try CSVTable.parse("a,b\n1,2\n", source: "p.csv")
        #expect(throws: DataError(file: "p.csv", "no column 'taill' (columns: a, b)")) {
            try FeatureSpec.possum.design(from: table)
        }
    }

    @Test func nonNumericFeatureIsNamedWithItsLine() throws {
        let table = try CSVTable.parse(csv.replacingOccurrences(of: "4,37", with: "four,37"), source: "p.csv")
        #expect(throws: DataError(file: "p.csv", line: 4, column: "age", "'four' is not a number")) {
            try FeatureSpec.possum.design(from: table)
        }
    }
}
