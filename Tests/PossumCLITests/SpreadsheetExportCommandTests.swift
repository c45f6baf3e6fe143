import Foundation
import Testing

/// A table as a spreadsheet in a decimal-comma locale exports it — BOM, CRLF, semicolons, dots
/// grouping thousands, a semicolon ending every line — trains the model the plain CSV trains,
/// read whole or imported; and the commands a user runs on their own table say what they do.
@Suite struct SpreadsheetExportCommandTests {
    @Test func aFormattedSpreadsheetExportTrainsAsThePlainTable() throws {
        let dir = try PossumProcess.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        var plain = ["name,revenue,price,y"], export = ["name;revenue;price;y;"]
        for i in 0..<40 {
            let revenue = 1000 + 137 * i, cents = (i * 37) % 100, price = Double(i % 7) + 0.5
            let y = Double(revenue) / 1000 - price + Double(i % 3)
            plain.append("n\(i),\(revenue).\(String(format: "%02d", cents)),\(price),\(y)")
            let grouped = "\(revenue / 1000).\(String(format: "%03d", revenue % 1000)),\(String(format: "%02d", cents))"
            export.append("n\(i);\(grouped);\("\(price)".replacingOccurrences(of: ".", with: ","));\("\(y)".replacingOccurrences(of: ".", with: ","));")
        }
        try (plain.joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent("plain.csv"), atomically: true, encoding: .utf8)
        try Data([0xEF, 0xBB, 0xBF] + Array((export.joined(separator: "\r\n") + "\r\n").utf8)).write(to: dir.appendingPathComponent("export.csv"))
        #expect(export[1] == "n0;1.000,00;0,5;0,5;")

        func report(_ data: String) throws -> String {
            let p = try PossumProcess.run(["train", "--data", data, "--target", "y", "--id", "name", "--json", "--no-track"], in: dir)
            #expect(p.status == 0 && !p.crashed, "\(data): \(p.stderr)")
            return p.stdout.split(separator: "\n").filter { !$0.contains("\"data\"") && !$0.contains("_seconds") }.joined(separator: "\n")
        }
        let expected = try report("plain.csv")
        #expect(try report("export.csv") == expected)
        let imported = try PossumProcess.run(["data", "import", "export.csv", "--out", "export.h5"], in: dir)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(try report("export.h5") == expected)
        let shown = try PossumProcess.run(["data", "show", "export.csv"], in: dir)
        #expect(shown.stdout.hasPrefix("export.csv: 40 rows × 4 columns (semicolon-separated, decimal commas, dots grouping thousands)\n"), "\(shown.stdout)")
    }

    @Test func aMistypedTargetIsAnsweredWithTheColumnMeant() throws {
        let dir = try PossumProcess.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        try "name,age,y\na,1,2\nb,2,3\nc,3,5\n".write(to: dir.appendingPathComponent("mine.csv"), atomically: true, encoding: .utf8)
        let p = try PossumProcess.run(["train", "--data", "mine.csv", "--target", "Y", "--no-track"], in: dir)
        #expect(p.status == 1 && p.stderr == "Error: mine.csv: no column 'Y'; did you mean 'y'? (columns: name, age, y)\n", "\(p.stderr)")
    }

    @Test func theOwnDataCommandsHaveAnExampleInTheirHelp() throws {
        for command in [["data", "show"], ["data", "import"], ["train"], ["predict"], ["features"]] {
            let help = try PossumProcess.run(command + ["--help"])
            #expect(help.status == 0 && help.stdout.contains("Example"), "\(command): \(help.stdout)")
        }
    }
}
