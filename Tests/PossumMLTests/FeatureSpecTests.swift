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

    @Test func nonNumericCellInANumericColumnIsNamedWithItsLine() throws {
        let table = try CSVTable.parse(csv.replacingOccurrences(of: "4,37", with: "four,37"), source: "p.csv")
        var spec = FeatureSpec.possum
        spec.numeric = ["age"]
        #expect(throws: DataError(file: "p.csv", line: 4, column: "age", "'four' is not a number")) {
            try spec.design(from: table)
        }
    }

    /// With the target alone: a column of numbers is numeric, any other is one-hot encoded with
    /// every level; nothing is dropped. Without --numeric, a word among numbers makes the column text.
    @Test func kindsAreInferredFromTheValues() throws {
        let table = try CSVTable.parse(csv.replacingOccurrences(of: "4,37", with: "four,37"), source: "p.csv")
        let d = try FeatureSpec(target: "taill").design(from: table)
        #expect(d.columns == [
            ColumnDecision(column: "case", kind: .numeric, inferred: true),
            ColumnDecision(column: "site", kind: .numeric, inferred: true),
            ColumnDecision(column: "Pop", kind: .categorical, inferred: true),
            ColumnDecision(column: "sex", kind: .categorical, inferred: true),
            ColumnDecision(column: "age", kind: .categorical, inferred: true),
            ColumnDecision(column: "taill", kind: .target, inferred: false),
        ])
        #expect(d.names == ["case", "site", "Pop_Vic", "Pop_other", "sex_f", "sex_m", "age_3", "age_5", "age_four"])
        #expect(d.rows == [1, 3, 4])
    }

    @Test func optionsOverrideTheInference() throws {
        let table = try CSVTable.parse(csv, source: "p.csv")
        let d = try FeatureSpec(target: "taill", dropped: ["sex"], categorical: ["site"], id: "case").design(from: table)
        #expect(d.names == ["age", "site_1", "site_2", "Pop_Vic", "Pop_other"])
        #expect(d.columns.map(\.kind) == [.id, .categorical, .categorical, .dropped, .numeric, .target])
        #expect(d.columns.map(\.inferred) == [false, false, true, false, true, false])
        #expect(d.ids == ["1", "3", "4"])
        // The decided spec (the one a model file keeps) lists every column by kind.
        let spec = FeatureSpec(target: "taill", categorical: ["site"])
        let decided = spec.decided(by: try spec.resolve(table))
        #expect(decided.categorical == ["site", "Pop", "sex"] && decided.numeric == ["case", "age"])
    }

    @Test func contradictoryOptionsAndUnknownColumnsAreRefused() throws {
        let table = try CSVTable.parse(csv, source: "p.csv")
        #expect(throws: DataError(file: "p.csv", "column 'age' is both categorical and numeric")) {
            try FeatureSpec(target: "taill", categorical: ["age"], numeric: ["age"]).design(from: table)
        }
        #expect(throws: DataError(file: "p.csv", "column 'taill' is both the target and dropped")) {
            try FeatureSpec(target: "taill", dropped: ["taill"]).design(from: table)
        }
        #expect(throws: DataError(file: "p.csv", "no column 'name' (columns: case, site, Pop, sex, age, taill)")) {
            try FeatureSpec(target: "taill", id: "name").design(from: table)
        }
    }

    /// A column of names (a level per row) leaves more features than rows: the message names it.
    @Test func aTextColumnWithALevelPerRowIsNamed() throws {
        let rows = (1...8).map { "n\($0),\($0),\($0 * $0 % 7),\(2 * $0 + 1)" }
        let table = try CSVTable.parse((["name,a,b,y"] + rows).joined(separator: "\n"), source: "n.csv")
        let design = try FeatureSpec(target: "y").design(from: table)
        #expect(throws: FeatureError.tooManyLevels(column: "name", levels: 8, rows: 8)) {
            try FeatureTransform(fitting: design, spec: FeatureSpec(target: "y"))
        }
        let named = try FeatureSpec(target: "y", id: "name").design(from: table)
        #expect(named.names == ["a", "b"])
        _ = try FeatureTransform(fitting: named, spec: FeatureSpec(target: "y", id: "name"))
    }

    /// A column with no value at all leaves no complete row: the message names it.
    @Test func anEmptyColumnIsNamed() throws {
        let table = try CSVTable.parse("a,b,y\n1,NA,2\n2,,3\n", source: "e.csv")
        #expect(throws: DataError(file: "e.csv", "no complete rows: every row has a missing value in a used column (no value at all in 'b': --drop it)")) {
            try FeatureSpec(target: "y").design(from: table)
        }
    }
}
