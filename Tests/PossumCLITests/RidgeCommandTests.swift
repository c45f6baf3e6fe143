import Foundation
import Testing

/// RidgeCV over row blocks (`qr partial` → `qr combine` → `ridge leverages` per block →
/// `train --r … --leverages …`) gives the model of `possum train` on the whole table.
@Suite struct RidgeCommandTests {
    static func json(_ p: PossumProcess) throws -> [String: Any] {
        try (JSONSerialization.jsonObject(with: Data(p.stdout.utf8)) as? [String: Any]) ?? [:]
    }

    @Test func aTableSplitInThreeFinishesToTheWholeTablesModel() throws {
        let dir = try PossumProcess.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        try QRCommandTests.makeTable(in: dir)
        let whole = try PossumProcess.run(["train", "--data", "t.h5", "--target", "y", "--no-track", "--json"], in: dir)
        #expect(whole.status == 0, "\(whole.stderr)")
        let blocks = ["0:150", "150:700", "700:1003"]
        for (k, rows) in blocks.enumerated() {
            let p = try PossumProcess.run(["qr", "partial", "--data", "t.h5", "--rows", rows, "--target", "y", "--out", "p\(k).h5"], in: dir)
            #expect(p.status == 0, "\(p.stderr)")
        }
        for step in [["p2.h5", "p0.h5", "--out", "p20.h5"], ["p20.h5", "p1.h5", "--out", "r.h5"]] {
            let c = try PossumProcess.run(["qr", "combine"] + step, in: dir)
            #expect(c.status == 0, "\(c.stderr)")
        }
        for (k, rows) in blocks.enumerated() {
            let l = try PossumProcess.run(["ridge", "leverages", "--data", "t.h5", "--rows", rows, "--r", "r.h5", "--out", "l\(k).h5"], in: dir)
            #expect(l.status == 0, "\(l.stderr)")
        }
        let finished = try PossumProcess.run(["train", "--r", "r.h5", "--leverages", "l1.h5", "l0.h5", "l2.h5", "--no-track", "--json",
                                              "--export", "m.h5"], in: dir)
        #expect(finished.status == 0, "\(finished.stderr)")
        let (a, b) = (try Self.json(whole), try Self.json(finished))
        #expect((a["alpha"] as? Double) == (b["alpha"] as? Double), "\(a["alpha"] ?? "") vs \(b["alpha"] ?? "")")
        let (wa, wb) = ((a["coefficients"] as? [String: Double]) ?? [:], (b["coefficients"] as? [String: Double]) ?? [:])
        #expect(wa.count == 3 && Set(wa.keys) == Set(wb.keys))
        let scale = wa.values.map(\.magnitude).max() ?? 1
        for (name, w) in wa { #expect(abs(w - (wb[name] ?? .nan)) <= 1e-10 * scale, "\(name): \(w) vs \(wb[name] ?? .nan)") }
        for key in ["loo_rmse", "intercept", "train_r2"] {
            let (x, y) = ((a[key] as? Double) ?? .nan, (b[key] as? Double) ?? .nan)
            #expect(abs(x - y) <= 1e-10 * abs(x), "\(key): \(x) vs \(y)")
        }
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("m.h5").path))

        // Refused in one line: a block missing, a block twice, sums against another triangle, another grid.
        func refused(_ args: [String], _ text: String) throws {
            let p = try PossumProcess.run(args, in: dir)
            #expect(p.status > 0 && p.status < 128 && !p.crashed, "\(args): \(p.status)")
            #expect(p.stderr.contains(text) && p.stderr.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").count == 1,
                    "\(args): \(p.stderr)")
        }
        try refused(["train", "--r", "r.h5", "--leverages", "l0.h5", "l1.h5", "--no-track"], "must cover the same rows")
        try refused(["train", "--r", "r.h5", "--leverages", "l0.h5", "l1.h5", "l2.h5", "l1.h5", "--no-track"], "overlap")
        try refused(["train", "--r", "p20.h5", "--leverages", "l0.h5", "l2.h5", "--no-track"], "another combined part")
        try refused(["train", "--r", "r.h5", "--leverages", "l0.h5", "l1.h5", "l2.h5", "--alphas", "-2:1:5", "--no-track"], "another alpha grid")
        try refused(["ridge", "leverages", "--data", "t.h5", "--rows", "0:200", "--r", "p0.h5", "--out", "x.h5"], "not among the rows")
        try refused(["train", "--r", "r.h5", "--no-track"], "--leverages")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("x.h5").path))
    }

    /// A data set split over two table files (imported separately: other names, other SHA-256s) gives the
    /// model of the table holding all its rows.
    @Test func partsOfTwoFilesFinishToTheModelOfTheirUnion() throws {
        let dir = try PossumProcess.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        try QRCommandTests.makeTable(in: dir)
        let lines = try String(contentsOf: dir.appendingPathComponent("t.csv"), encoding: .utf8).split(separator: "\n").map(String.init)
        let header = lines[0], rows = Array(lines.dropFirst())
        for (name, part) in [("first", rows[..<400]), ("second", rows[400...])] {
            try ([header] + part).joined(separator: "\n").appending("\n").write(to: dir.appendingPathComponent("\(name).csv"), atomically: true, encoding: .utf8)
            #expect(try PossumProcess.run(["data", "import", "\(name).csv", "--out", "\(name).h5"], in: dir).status == 0)
        }
        let steps: [[String]] = [
            ["qr", "partial", "--data", "first.h5", "--target", "y", "--out", "a.h5"],
            ["qr", "partial", "--data", "second.h5", "--rows", "0:300", "--target", "y", "--out", "b.h5"],
            ["qr", "partial", "--data", "second.h5", "--rows", "300:603", "--target", "y", "--out", "c.h5"],
            ["qr", "combine", "c.h5", "a.h5", "b.h5", "--out", "r.h5"],
            ["ridge", "leverages", "--data", "first.h5", "--r", "r.h5", "--out", "la.h5"],
            ["ridge", "leverages", "--data", "second.h5", "--rows", "0:603", "--r", "r.h5", "--out", "lb.h5"],
        ]
        for step in steps {
            let p = try PossumProcess.run(step, in: dir)
            #expect(p.status == 0, "\(step): \(p.stderr)")
        }
        let whole = try PossumProcess.run(["train", "--data", "t.h5", "--target", "y", "--no-track", "--json"], in: dir)
        let finished = try PossumProcess.run(["train", "--r", "r.h5", "--leverages", "la.h5", "lb.h5", "--no-track", "--json"], in: dir)
        #expect(whole.status == 0 && finished.status == 0, "\(whole.stderr) \(finished.stderr)")
        let (a, b) = (try Self.json(whole), try Self.json(finished))
        #expect((a["alpha"] as? Double) == (b["alpha"] as? Double))
        let (wa, wb) = ((a["coefficients"] as? [String: Double]) ?? [:], (b["coefficients"] as? [String: Double]) ?? [:])
        let scale = wa.values.map(\.magnitude).max() ?? 1
        #expect(wa.count == 3)
        for (name, w) in wa { #expect(abs(w - (wb[name] ?? .nan)) <= 1e-10 * scale, "\(name): \(w) vs \(wb[name] ?? .nan)") }
        let (ra, rb) = ((a["loo_rmse"] as? Double) ?? .nan, (b["loo_rmse"] as? Double) ?? .nan)
        #expect(abs(ra - rb) <= 1e-10 * ra, "\(ra) vs \(rb)")
    }

    @Test func helpHasAnExample() throws {
        for command in [["ridge"], ["ridge", "leverages"]] {
            let help = try PossumProcess.run(command + ["--help"])
            #expect(help.status == 0 && help.stdout.contains("Example"), "\(command): \(help.stdout)")
        }
    }
}
