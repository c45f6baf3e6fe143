import Foundation
import Testing

/// `possum qr partial|combine` and `possum lstsq --r`: a table split into row blocks gives the
/// single-machine least-squares solution, and bad inputs are refused in one line.
@Suite struct QRCommandTests {
    static let rows = 1003

    /// A table with columns a, b, c, y (row 500 has b missing), imported to t.h5, and the same
    /// complete rows as A.csv / b.csv for plain `possum lstsq`.
    static func makeTable(in dir: URL, name: String = "t", seed: UInt64 = 9) throws {
        var state = seed
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53) - 0.5
        }
        var csv = "a,b,c,y\n", a = "", b = ""
        for i in 0..<rows {
            let (x1, x2, x3) = (100 + 10 * next(), next(), 1e3 * next())
            let y = 1.5 * x1 - 2 * x2 + 0.25 * x3 + 0.1 * next()
            let fields = [x1, x2, x3, y].map { String(format: "%.17g", $0) }
            if i == 500 {
                csv += "\(fields[0]),,\(fields[2]),\(fields[3])\n"
                continue
            }
            csv += fields.joined(separator: ",") + "\n"
            a += fields[0...2].joined(separator: ",") + "\n"
            b += fields[3] + "\n"
        }
        try csv.write(to: dir.appendingPathComponent("\(name).csv"), atomically: true, encoding: .utf8)
        try a.write(to: dir.appendingPathComponent("A.csv"), atomically: true, encoding: .utf8)
        try b.write(to: dir.appendingPathComponent("b.csv"), atomically: true, encoding: .utf8)
        let imported = try PossumProcess.run(["data", "import", "\(name).csv", "--out", "\(name).h5"], in: dir)
        #expect(imported.status == 0, "\(imported.stderr)")
    }

    static func solution(_ p: PossumProcess) -> [Double] {
        p.stdout.split(separator: "\n").compactMap { Double(String($0)) }
    }

    func expectRefused(_ p: PossumProcess, _ text: String, _ label: String) {
        #expect(p.status > 0 && p.status < 128 && !p.crashed, "\(label): status \(p.status)")
        #expect(p.stderr.contains(text), "\(label): \(p.stderr)")
        #expect(p.stderr.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").count == 1, "\(label): \(p.stderr)")
    }

    @Test func threeUnevenBlocksCombinedInAnyOrderGiveTheWholeTablesSolution() throws {
        let dir = try PossumProcess.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.makeTable(in: dir)
        let whole = try PossumProcess.run(["lstsq", "A.csv", "b.csv"], in: dir)
        #expect(whole.status == 0, "\(whole.stderr)")
        let reference = Self.solution(whole)
        #expect(reference.count == 3)

        for (k, rows) in ["0:150", "150:700", "700:1003"].enumerated() {
            let p = try PossumProcess.run(["qr", "partial", "--data", "t.h5", "--rows", rows, "--columns", "a,b,c",
                                           "--target", "y", "--out", "p\(k + 1).h5"], in: dir)
            #expect(p.status == 0, "\(rows): \(p.stderr)")
        }
        let forward = try PossumProcess.run(["qr", "combine", "p1.h5", "p2.h5", "p3.h5", "--out", "r1.h5"], in: dir)
        #expect(forward.status == 0 && forward.stderr.contains("1002 complete rows"), "\(forward.stderr)")
        // Another order, as a tree: (p3 + p1) + p2.
        let pair = try PossumProcess.run(["qr", "combine", "p3.h5", "p1.h5", "--out", "t31.h5"], in: dir)
        #expect(pair.status == 0, "\(pair.stderr)")
        let tree = try PossumProcess.run(["qr", "combine", "t31.h5", "p2.h5", "--out", "r2.h5"], in: dir)
        #expect(tree.status == 0, "\(tree.stderr)")
        // The whole table as one part (no --rows, default columns: all but the target).
        let one = try PossumProcess.run(["qr", "partial", "--data", "t.h5", "--target", "y", "--out", "all.h5"], in: dir)
        #expect(one.status == 0, "\(one.stderr)")

        // Edge blocks: 2 rows (fewer than the 4 columns of [X | y]) and the one incomplete row (no rows at all).
        for (k, rows) in ["0:2", "2:500", "500:501", "501:1003"].enumerated() {
            let p = try PossumProcess.run(["qr", "partial", "--data", "t.h5", "--rows", rows, "--columns", "a,b,c",
                                           "--target", "y", "--out", "e\(k + 1).h5"], in: dir)
            #expect(p.status == 0, "\(rows): \(p.stderr)")
        }
        let edges = try PossumProcess.run(["qr", "combine", "e3.h5", "e1.h5", "e4.h5", "e2.h5", "--out", "r3.h5"], in: dir)
        #expect(edges.status == 0 && edges.stderr.contains("1002 complete rows"), "\(edges.stderr)")

        let scale = reference.map(\.magnitude).max() ?? 1
        for file in ["r1.h5", "r2.h5", "all.h5", "r3.h5"] {
            let solved = try PossumProcess.run(["lstsq", "--r", file], in: dir)
            #expect(solved.status == 0, "\(file): \(solved.stderr)")
            let x = Self.solution(solved)
            #expect(x.count == 3, "\(file): \(solved.stdout)")
            for (xi, ri) in zip(x, reference) {
                #expect(abs(xi - ri) <= 1e-10 * scale, "\(file): \(x) vs \(reference)")
            }
        }
        // The reported residual norm is that of the whole problem: both print ‖b − Ax‖ = …
        let summary = { (p: PossumProcess) in p.stderr.components(separatedBy: "‖b − Ax‖ = ").last?.prefix(while: { $0 != "," }) ?? "" }
        let combined = try PossumProcess.run(["lstsq", "--r", "r1.h5"], in: dir)
        let residual = Double(String(summary(combined))) ?? .nan, expected = Double(String(summary(whole))) ?? .nan
        #expect(abs(residual - expected) <= 1e-5 * expected, "\(combined.stderr) vs \(whole.stderr)")
    }

    @Test func badInputsAreRefusedInOneLineAndWriteNothing() throws {
        let dir = try PossumProcess.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.makeTable(in: dir)
        func partial(_ extra: [String], out: String) throws -> PossumProcess {
            try PossumProcess.run(["qr", "partial", "--data", "t.h5", "--target", "y", "--out", out] + extra, in: dir)
        }
        #expect(try partial(["--rows", "0:400", "--columns", "a,b,c"], out: "p1.h5").status == 0)
        #expect(try partial(["--rows", "400:1003", "--columns", "a,b"], out: "ab.h5").status == 0)
        #expect(try partial(["--rows", "300:600", "--columns", "a,b,c"], out: "overlap.h5").status == 0)

        expectRefused(try partial(["--rows", "900:2000"], out: "x.h5"), "outside the table's 1003 rows", "rows out of range")
        expectRefused(try partial(["--rows", "5:3"], out: "x.h5"), "--rows", "empty range")
        expectRefused(try partial(["--columns", "a,nope"], out: "x.h5"), "no column 'nope'", "unknown column")
        expectRefused(try partial(["--columns", "a,y"], out: "x.h5"), "also among --columns", "target as column")
        expectRefused(try PossumProcess.run(["qr", "combine", "p1.h5", "ab.h5", "--out", "x.h5"], in: dir),
                      "same columns", "mismatched columns")
        expectRefused(try PossumProcess.run(["qr", "combine", "p1.h5", "overlap.h5", "--out", "x.h5"], in: dir),
                      "overlap rows 0:400", "overlapping rows")
        expectRefused(try PossumProcess.run(["lstsq", "--r", "t.h5"], in: dir), "not a qr_partial file", "a table as part")

        // A part of another table (same columns, other data).
        let other = dir.appendingPathComponent("other")
        try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
        try Self.makeTable(in: other, seed: 77)
        let foreign = try PossumProcess.run(["qr", "partial", "--data", "other/t.h5", "--rows", "400:1003", "--columns", "a,b,c",
                                             "--target", "y", "--out", "foreign.h5"], in: dir)
        #expect(foreign.status == 0, "\(foreign.stderr)")
        // A data set split over files: parts of different tables with the same columns and target combine,
        // each source recorded; rows of one table still may not overlap.
        let twoFiles = try PossumProcess.run(["qr", "combine", "p1.h5", "foreign.h5", "--out", "two.h5"], in: dir)
        #expect(twoFiles.status == 0 && twoFiles.stderr.contains("1002 complete rows"), "\(twoFiles.stderr)")
        let described = try PossumProcess.run(["qr", "combine", "two.h5", "--out", "two-again.h5"], in: dir)
        #expect(described.status == 0, "\(described.stderr)")
        expectRefused(try PossumProcess.run(["qr", "combine", "two.h5", "overlap.h5", "--out", "x.h5"], in: dir),
                      "overlap rows 0:400", "overlapping rows of one of several tables")
        expectRefused(try PossumProcess.run(["lstsq", "--r", "p1.h5", "A.csv", "b.csv"], in: dir), "not both", "both inputs")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("x.h5").path))
    }

    @Test func helpHasAnExample() throws {
        for command in [["qr"], ["qr", "partial"], ["qr", "combine"]] {
            let help = try PossumProcess.run(command + ["--help"])
            #expect(help.status == 0 && help.stdout.contains("Example"), "\(command): \(help.stdout)")
        }
    }
}
