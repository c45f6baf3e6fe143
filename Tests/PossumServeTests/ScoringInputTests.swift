import Foundation
import PossumData
import PossumLinalg
import PossumML
import PossumServe
import Testing

/// Every payload form MLflow's scoring server takes gives the predictions `possum predict`'s code
/// path gives on the same table (RidgeModel.predict on the CSV), and every bad payload its 4xx
/// with a message naming what is wrong.
@Suite struct ScoringInputTests {
    // The training table, as JSON cells: numbers as numbers, text quoted, row g's missing x2 null.
    static let columns = ["name", "x1", "x2", "colour", "code", "y"]
    static let rows: [[String]] = [
        [#""a""#, "1", "2.5", #""red""#, "1", "3.1"], [#""b""#, "2", "0.5", #""blue""#, "2", "4.0"],
        [#""c""#, "3", "1.5", #""red""#, "1", "6.2"], [#""d""#, "4", "3.0", #""green""#, "3", "7.9"],
        [#""e""#, "5", "2.0", #""blue""#, "2", "10.1"], [#""f""#, "6", "0.1", #""green""#, "3", "12.2"],
        [#""g""#, "7", "null", #""red""#, "1", "13.0"], [#""h""#, "8", "1.25", #""blue""#, "1", "15.5"],
        [#""i""#, "9", "2.75", #""green""#, "2", "17.0"], [#""j""#, "10", "0.75", #""red""#, "3", "19.4"],
        [#""k""#, "11", "1.75", #""blue""#, "3", "21.2"], [#""l""#, "12", "2.25", #""green""#, "1", "23.9"],
        [#""m""#, "13", "0.25", #""red""#, "2", "25.1"], [#""n""#, "14", "3.5", #""blue""#, "1", "28.3"],
    ]
    /// The same table as CSV (null → NA).
    static var csv: String {
        ([columns.joined(separator: ",")] + rows.map { row in
            row.map { $0 == "null" ? "NA" : $0.replacingOccurrences(of: "\"", with: "") }.joined(separator: ",")
        }).joined(separator: "\n") + "\n"
    }

    static func model() throws -> ScoringModel {
        let table = try CSVTable.parse(csv, source: "train.csv")
        let spec = FeatureSpec(target: "y", categorical: ["code"], id: "name")
        let design = try spec.design(from: table)
        let transform = try FeatureTransform(fitting: design, spec: spec)
        let alphas = [0.01, 0.1, 1.0]
        let fit = try RidgeCV(alphas: alphas).fit(transform.scaler.transform(design.x), design.y, solver: SIMDSolver())
        let model = RidgeModel(transform: transform, fit: fit, alphas: alphas, solver: "simd", trainingDataSHA256: "0",
                               trainingRows: design.x.rows, created: "2026-12-07T00:00:00Z", possumVersion: "test")
        return ScoringModel(model: model, name: "test")
    }

    /// What `possum predict` computes for the table: one per complete row, by data row.
    static func reference() throws -> [Int: Double] {
        let (predictions, design) = try model().model.predict(try CSVTable.parse(csv, source: "t.csv"))
        return Dictionary(uniqueKeysWithValues: zip(design.rows, predictions))
    }

    static func score(_ body: String, _ contentType: String = "application/json") throws(ScoringError) -> [Double?] {
        try (try? model())?.score(body: Array(body.utf8), contentType: contentType) ?? []
    }

    static func expectMatchesReference(_ got: [Double?]) throws {
        let reference = try Self.reference()
        #expect(got.count == Self.rows.count)
        for (r, value) in got.enumerated() {
            if let expected = reference[r + 1] {
                let value = try #require(value, "row \(r + 1)")
                #expect(abs(value - expected) <= 1e-12 * max(1, abs(expected)), "row \(r + 1)")
            } else {
                #expect(value == nil, "row \(r + 1) misses x2: null, as predict skips it")
            }
        }
    }

    static var records: String {
        "[" + rows.map { row in "{" + zip(columns, row).map { "\"\($0)\": \($1)" }.joined(separator: ", ") + "}" }.joined(separator: ", ") + "]"
    }

    @Test func csvBodyMatchesPredict() throws {
        try Self.expectMatchesReference(try Self.score(Self.csv, "text/csv; charset=utf-8"))
    }

    @Test func dataframeSplitMatchesPredict() throws {
        let data = "[" + Self.rows.map { "[" + $0.joined(separator: ", ") + "]" }.joined(separator: ", ") + "]"
        let index = "[" + Self.rows.indices.map(String.init).joined(separator: ", ") + "]"
        let body = #"{"dataframe_split": {"columns": ["name", "x1", "x2", "colour", "code", "y"], "index": "# + index + #", "data": "# + data + "}}"
        try Self.expectMatchesReference(try Self.score(body))
    }

    @Test func dataframeRecordsAndInstancesMatchPredict() throws {
        try Self.expectMatchesReference(try Self.score(#"{"dataframe_records": "# + Self.records + "}"))
        try Self.expectMatchesReference(try Self.score(#"{"instances": "# + Self.records + "}"))
    }

    @Test func columnarInputsMatchPredict() throws {
        let body = "{\"inputs\": {" + Self.columns.indices.map { k in
            "\"\(Self.columns[k])\": [" + Self.rows.map { $0[k] }.joined(separator: ", ") + "]"
        }.joined(separator: ", ") + "}}"
        try Self.expectMatchesReference(try Self.score(body))
    }

    @Test func categoryCodesMatchWhetherSentAsNumberOrText() throws {
        let asNumber = try Self.score(#"{"dataframe_records": [{"x1": 2, "x2": 0.5, "colour": "blue", "code": 2}]}"#)
        let asText = try Self.score(#"{"dataframe_records": [{"x1": 2, "x2": 0.5, "colour": "blue", "code": "2.0"}]}"#)
        #expect(asNumber == asText)
        #expect(asNumber.count == 1 && asNumber[0] != nil)
    }

    @Test func emptyInputGivesNoPredictions() throws {
        #expect(try Self.score(#"{"dataframe_records": []}"#) == [])
    }

    @Test func responseIsMLflowsShapeAndRoundTrips() throws {
        let values: [Double?] = [0.1, nil, -3.25e-300, 12345678.901234567]
        let json = ScoringModel.responseJSON(values)
        #expect(json.hasPrefix(#"{"predictions": ["#))
        struct Answer: Decodable { var predictions: [Double?] }
        #expect(try JSONDecoder().decode(Answer.self, from: Data(json.utf8)).predictions == values)  // bit for bit
    }

    static func refusal(_ body: String, _ contentType: String? = "application/json") -> ScoringError? {
        guard let model = try? model() else { return ScoringError("no model") }
        do {
            _ = try model.score(body: Array(body.utf8), contentType: contentType)
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: [
        (#"{"dataframe_split": {"columns": ["x1"], "data": [[1]"#, "malformed JSON: "),
        ("[1, 2]", "must be an object with one of the keys"),
        (#"{"data": []}"#, "exactly one of the keys dataframe_split, dataframe_records, instances, inputs; it has 'data'"),
        (#"{"dataframe_records": [], "instances": []}"#, "exactly one of the keys"),
        (#"{"dataframe_records": [{"x1": 1, "colour": "red", "code": 1}]}"#, "no column 'x2'"),
        (#"{"dataframe_records": [{"x1": 1, "x2": 2, "colour": "purple", "code": 1}]}"#, "row 1, column 'colour': level 'purple' was not seen in training (levels: blue, green, red)"),
        (#"{"dataframe_records": [{"x1": 1, "x2": 2, "colour": "red", "code": 7}]}"#, "column 'code': level '7' was not seen in training"),
        (#"{"dataframe_records": [{"x1": 1, "x2": 2, "colour": "red", "code": 1}, {"x1": "abc", "x2": 2, "colour": "red", "code": 1}]}"#, "row 2, column 'x1': 'abc' is not a number"),
        (#"{"dataframe_records": [{"x1": true, "x2": 2, "colour": "red", "code": 1}]}"#, "row 1, column 'x1': true is not a number or text"),
        (#"{"dataframe_records": [{"x1": [1], "x2": 2, "colour": "red", "code": 1}]}"#, "a list is not a number or text"),
        (#"{"dataframe_records": [[1, 2, "red", 1]]}"#, "possum needs column names"),
        (#"{"instances": [[1, 2, "red", 1]]}"#, "possum needs column names"),
        (#"{"dataframe_split": {"data": [[1]]}}"#, "dataframe_split needs 'columns'"),
        (#"{"dataframe_split": {"columns": ["x1", "x2"], "data": [[1]]}}"#, "row 1 has 1 values; 'columns' names 2"),
        (#"{"dataframe_split": {"columns": ["x1", "x1"], "data": [[1, 2]]}}"#, "column 'x1' appears twice"),
        (#"{"inputs": {"x1": [1, 2], "x2": [1]}}"#, "every column needs one per row"),
        (#"{"dataframe_records": [{"x1": 1e999, "x2": 2, "colour": "red", "code": 1}]}"#, "malformed JSON: Number 1e999 is not representable"),
    ] as [(String, String)])
    func badJSONIsRefusedWith400(body: String, message: String) {
        let error = Self.refusal(body)
        #expect(error?.status == 400)
        #expect(error?.errorCode == "BAD_REQUEST")
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "accepted")")
        #expect(error.map { !$0.message.contains("\n") } ?? false)
    }

    @Test func badCSVIsRefusedWithItsLine() {
        let error = Self.refusal("x1,x2,colour,code\n1,2,red,1\n3,4,mauve,2\n", "text/csv")
        #expect(error?.status == 400)
        #expect(error?.message == "line 3, column 'colour': level 'mauve' was not seen in training (levels: blue, green, red)")
        #expect(Self.refusal("x1,x2\n1,2\n", "text/csv")?.message.contains("no column 'colour'") == true)
        #expect(Self.refusal("x1,x2,colour,code\n1,\"2,red,1\n", "text/csv")?.status == 400)
        #expect(Self.refusal("", "text/csv")?.message.contains("no header line") == true)
    }

    @Test func invalidUTF8IsRefused() throws {
        let model = try Self.model()
        #expect(throws: ScoringError("request body is not valid UTF-8")) {
            try model.score(body: [0x78, 0x31, 0x0a, 0xff, 0xfe, 0x0a], contentType: "text/csv")
        }
    }

    @Test func otherContentTypesAre415() {
        for type in [nil, "text/plain", "application/x-www-form-urlencoded", ""] as [String?] {
            let error = Self.refusal(#"{"dataframe_records": []}"#, type)
            #expect(error?.status == 415)
            #expect(error?.message.contains("send application/json") == true)
        }
        #expect(Self.refusal(#"{"dataframe_records": []}"#, "Application/JSON; format=pandas-split") == nil)
    }

    @Test func errorBodyIsMLflows() throws {
        let json = ScoringError("no column 'x' \"quoted\"").json
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: String])
        #expect(object == ["error_code": "BAD_REQUEST", "message": "no column 'x' \"quoted\""])
    }

    @Test func deeplyNestedOrHugeJSONIsRefusedNotACrash() {
        let deep = #"{"inputs": "# + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}"
        #expect(Self.refusal(deep)?.status == 400)
    }

    @Test func loopbackAndByteCounts() {
        for host in ["127.0.0.1", "127.255.0.9", "localhost", "::1", "LOCALHOST"] { #expect(ServeConfiguration.isLoopback(host), "\(host)") }
        for host in ["0.0.0.0", "::", "192.168.1.2", "127.0.0.256", "127.0.0", "example.com", "127.0.0.1.nip.io"] {
            #expect(!ServeConfiguration.isLoopback(host), "\(host)")
        }
        #expect(ServeConfiguration.byteCount("16M") == 16 << 20)
        #expect(ServeConfiguration.byteCount("1k") == 1024)
        #expect(ServeConfiguration.byteCount("2GiB") == 2 << 30)
        #expect(ServeConfiguration.byteCount("100") == 100)
        for bad in ["", "M", "-1", "1.5M", "99999999999999999999", "9999999999999G"] { #expect(ServeConfiguration.byteCount(bad) == nil, "\(bad)") }
    }
}
