import Foundation
import Testing

/// `train`, `features` and `predict` on tables that are not the possum table, through the binary:
/// `--target` alone, kinds inferred, `--id` carried into predictions, `row` the data row.
@Suite(.serialized) struct AnyTableCommandTests {
    static let fixtures = PossumProcess.repositoryRoot.appendingPathComponent("Tests/PossumMLTests/Fixtures")

    struct Reference: Decodable { var alpha: Double; var intercept: Double; var coefficients: [String: Double] }
    struct Report: Decodable { var alpha: Double; var intercept: Double; var coefficients: [String: Double] }

    /// The issue's first try: a plain numeric CSV and `--target y`, nothing else.
    @Test func numericTableTrainsWithTheTargetAlone() throws {
        let dir = try PossumProcess.scratch(file: "small.csv", contents: "x1,x2,x3,y\n1,2,3,4.5\n2,1,5,6\n3,4,1,7.5\n4,3,2,9\n5,5,5,11.2\n6,2,4,12.1\n7,1,1,13\n")
        defer { try? FileManager.default.removeItem(at: dir) }
        let p = try PossumProcess.run(["train", "--data", "small.csv", "--target", "y", "--no-track"], in: dir)
        #expect(p.status == 0, "\(p.stderr)")
        #expect(p.stdout.contains("7 complete rows, 3 features"), "\(p.stdout)")
        let features = try PossumProcess.run(["features", "--data", "small.csv", "--target", "y", "--out", "f.h5", "--no-track"], in: dir)
        #expect(features.status == 0, "\(features.stderr)")
    }

    /// The mixed fixture through the binary, with nothing but --target and --id: scikit-learn's
    /// alpha and coefficients (datasets/reference/sklearn_mixed_ridgecv.py).
    @Test func mixedTableMatchesScikitLearnThroughTheBinary() throws {
        let ref = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: Self.fixtures.appendingPathComponent("mixed-ridgecv-sklearn.json")))
        let p = try PossumProcess.run(["train", "--data", Self.fixtures.appendingPathComponent("mixed.csv").path,
                                       "--target", "y", "--id", "id", "--json", "--no-track"])
        #expect(p.status == 0, "\(p.stderr)")
        let report = try JSONDecoder().decode(Report.self, from: Data(p.stdout.utf8))
        #expect(report.alpha == ref.alpha)
        #expect(abs(report.intercept - ref.intercept) <= 1e-8 * abs(ref.intercept))
        #expect(Set(report.coefficients.keys) == Set(ref.coefficients.keys))
        let largest = ref.coefficients.values.map(abs).max() ?? 0
        for (name, expected) in ref.coefficients {
            let c = try #require(report.coefficients[name], "possum has no feature \(name)")
            #expect(abs(c - expected) <= 1e-8 * max(abs(expected), largest * 1e-3), "\(name): \(c) vs \(expected)")
        }
    }

    /// The mixed fixture as a spreadsheet in a decimal-comma locale writes it (semicolons between
    /// fields, decimal commas) and as tab-separated text: the same report, bit for bit, through
    /// `train` and through `data import`.
    @Test func semicolonAndTabTablesTrainAsTheCommaOne() throws {
        let dir = try PossumProcess.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let comma = try String(contentsOf: Self.fixtures.appendingPathComponent("mixed.csv"), encoding: .utf8)
        try comma.write(to: dir.appendingPathComponent("comma.csv"), atomically: true, encoding: .utf8)
        try comma.replacingOccurrences(of: ",", with: "\t").write(to: dir.appendingPathComponent("tabs.tsv"), atomically: true, encoding: .utf8)
        let semicolons = comma.split(separator: "\n", omittingEmptySubsequences: false).enumerated().map { k, line in
            k == 0 ? line.replacingOccurrences(of: ",", with: ";")
                   : line.split(separator: ",", omittingEmptySubsequences: false).map { $0.replacingOccurrences(of: ".", with: ",") }.joined(separator: ";")
        }.joined(separator: "\r\n")
        #expect(semicolons.contains("s001;5,188;red;-4,4531;"))
        try semicolons.write(to: dir.appendingPathComponent("semicolons.csv"), atomically: true, encoding: .utf8)
        func report(_ data: String) throws -> String {
            let p = try PossumProcess.run(["train", "--data", data, "--target", "y", "--id", "id", "--json", "--no-track"], in: dir)
            #expect(p.status == 0 && !p.crashed, "\(data): \(p.stderr)")
            // The data file's name and the time taken differ; the model must not.
            return p.stdout.split(separator: "\n").filter { !$0.contains("\"data\"") && !$0.contains("_seconds") }.joined(separator: "\n")
        }
        let expected = try report("comma.csv")
        #expect(expected.contains("\"alpha\""))
        #expect(try report("tabs.tsv") == expected)
        #expect(try report("semicolons.csv") == expected)
        let shown = try PossumProcess.run(["data", "show", "semicolons.csv"], in: dir)
        #expect(shown.stdout.hasPrefix("semicolons.csv: 60 rows × 7 columns (semicolon-separated, decimal commas)\n"), "\(shown.stdout)")
        #expect(try PossumProcess.run(["data", "show", "tabs.tsv"], in: dir).stdout.hasPrefix("tabs.tsv: 60 rows × 7 columns (tab-separated)\n"))
        #expect(try PossumProcess.run(["data", "show", "semicolons.csv", "--json"], in: dir).stdout.contains(#""dialect" : "semicolon-separated, decimal commas""#))
        #expect(try PossumProcess.run(["data", "show", "comma.csv"], in: dir).stdout.hasPrefix("comma.csv: 60 rows × 7 columns\n"))
        let imported = try PossumProcess.run(["data", "import", "semicolons.csv", "--out", "s.h5"], in: dir)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(try report("s.h5") == expected)
    }

    /// `row` is the 1-based data row for CSV and HDF5 alike; the id column comes verbatim; the
    /// model records the kinds it decided.
    @Test func predictionsCarryRowAndIdForEveryInput() throws {
        let dir = try PossumProcess.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.copyItem(at: Self.fixtures.appendingPathComponent("mixed.csv"), to: dir.appendingPathComponent("mixed.csv"))
        func possum(_ args: String...) throws -> PossumProcess {
            let p = try PossumProcess.run(args, in: dir)
            #expect(p.status == 0 && !p.crashed, "possum \(args.joined(separator: " ")): \(p.stderr)")
            return p
        }
        _ = try possum("train", "--data", "mixed.csv", "--target", "y", "--id", "id", "--export", "m.h5", "--no-track")
        _ = try possum("data", "import", "mixed.csv", "--out", "mixed.h5")
        let fromCSV = try possum("predict", "--model", "m.h5", "--data", "mixed.csv").stdout
        let fromHDF5 = try possum("predict", "--model", "m.h5", "--data", "mixed.h5").stdout
        #expect(fromCSV == fromHDF5)
        let lines = fromCSV.split(separator: "\n")
        #expect(lines.first == "row,id,predicted")
        // Data rows 1–4 are complete; row 5 has no x2 (skipped); the ids keep their zeros.
        #expect(lines.dropFirst().prefix(5).map { $0.split(separator: ",").prefix(2).joined(separator: ",") }
                == ["1,s001", "2,s002", "3,s003", "4,s004", "6,s006"])
        let show = try possum("model", "show", "m.h5", "--json").stdout
        let json = try #require(try JSONSerialization.jsonObject(with: Data(show.utf8)) as? [String: Any])
        #expect(json["id"] as? String == "id")
        let columns = try #require(json["columns"] as? [[String: String]])
        #expect(columns.map { $0["kind"] ?? "" } == ["id", "numeric", "categorical", "numeric", "categorical", "numeric", "target"])
        #expect(columns.map { $0["decided_by"] ?? "" } == ["option", "inferred", "inferred", "inferred", "inferred", "inferred", "option"])
        // --numeric on a column stored as text in HDF5: the first non-number, by data row.
        let forced = try PossumProcess.run(["train", "--data", "mixed.h5", "--target", "y", "--numeric", "colour", "--no-track"], in: dir)
        #expect(forced.status == 1 && forced.stderr.contains("mixed.h5:1: column 'colour': 'red' is not a number"), "\(forced.stderr)")
        // A table without the model's id column: predictions by row, and a note saying so.
        let lines0 = try String(contentsOf: dir.appendingPathComponent("mixed.csv"), encoding: .utf8).split(separator: "\n")
        let withoutID = lines0.map { $0.split(separator: ",", omittingEmptySubsequences: false).dropFirst().joined(separator: ",") }
        try (withoutID.joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent("noid.csv"), atomically: true, encoding: .utf8)
        let noID = try possum("predict", "--model", "m.h5", "--data", "noid.csv")
        #expect(noID.stdout.hasPrefix("row,predicted\n1,") && noID.stderr.contains("no column 'id' (the model's id column)"), "\(noID.stderr)")
        // predict --id picks another column to carry (here a feature).
        let byColour = try possum("predict", "--model", "m.h5", "--data", "mixed.csv", "--id", "colour").stdout
        #expect(byColour.split(separator: "\n").dropFirst().first?.hasPrefix("1,red,") == true, "\(byColour.prefix(120))")
    }

    @Test func forcedKindsAndTheirErrors() throws {
        let csv = "code,word,v,y\n1,a,1.5,2\n2,b,2.5,3.1\n3,a,0.5,4.2\n1,b,3.5,5.0\n2,a,1.0,6.1\n3,b,2.0,7.3\n1,a,4.0,8.2\n2,b,0.2,9.9\n"
        let dir = try PossumProcess.scratch(file: "t.csv", contents: csv)
        defer { try? FileManager.default.removeItem(at: dir) }
        // --categorical on a column of digits: one feature per code.
        let coded = try PossumProcess.run(["train", "--data", "t.csv", "--target", "y", "--categorical", "code", "--json", "--no-track"], in: dir)
        #expect(coded.status == 0, "\(coded.stderr)")
        for name in ["code_1", "code_2", "code_3", "word_a", "word_b", "\"v\""] { #expect(coded.stdout.contains(name), "\(name)") }
        // --numeric on a text column: one line naming the file line and the column.
        let forced = try PossumProcess.run(["train", "--data", "t.csv", "--target", "y", "--numeric", "word", "--no-track"], in: dir)
        #expect(forced.status == 1 && !forced.crashed)
        #expect(forced.stderr == "Error: t.csv:2: column 'word': 'a' is not a number\n", "\(forced.stderr)")
        // Contradictions and a missing --target are usage errors, before any work.
        let both = try PossumProcess.run(["train", "--data", "t.csv", "--target", "y", "--numeric", "v", "--categorical", "v"], in: dir)
        #expect(both.status == 64 && both.stderr.contains("column 'v' is both categorical and numeric"), "\(both.stderr)")
        let noTarget = try PossumProcess.run(["train", "--data", "t.csv"], in: dir)
        #expect(noTarget.status == 64 && noTarget.stderr.contains("--target COLUMN is required"), "\(noTarget.stderr)")
        let unknown = try PossumProcess.run(["train", "--data", "t.csv", "--target", "nope", "--no-track"], in: dir)
        #expect(unknown.status == 1 && unknown.stderr.contains("no column 'nope'"), "\(unknown.stderr)")
        let help = try PossumProcess.run(["train", "--help"])
        let words = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(words.contains("required when training from a table") && words.contains("every non-missing cell is a finite number"), "\(help.stdout)")
    }

    /// A model file written by possum before kinds and ids were recorded (schema 1): read,
    /// shown and used as before; its columns are reconstructed from the options it recorded.
    @Test func modelFilesFromBeforeStillWork() throws {
        let model = Self.fixtures.appendingPathComponent("old-model-schema1.h5").path
        let data = Self.fixtures.appendingPathComponent("old-model-data.csv").path
        let p = try PossumProcess.run(["predict", "--model", model, "--data", data])
        #expect(p.status == 0, "\(p.stderr)")
        let lines = p.stdout.split(separator: "\n")
        #expect(lines.first == "row,y,predicted")
        // The same doubles the old possum printed (it labelled rows by file line, 2…9, with 17 digits).
        func numbers(_ line: Substring) -> [Double?] { line.split(separator: ",").map { Double($0) } }
        #expect(numbers(lines[1]) == [1, 3.1000000000000001, 2.5832100165677798], "\(lines[1])")
        #expect(numbers(lines[8]) == [8, 16.100000000000001, 15.710300850181886], "\(lines[8])")
        let show = try PossumProcess.run(["model", "show", model])
        #expect(show.status == 0 && show.stdout.contains("colour categorical (option)"), "\(show.stdout)")
    }
}
