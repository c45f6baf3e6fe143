import Foundation
import PossumHDF5
import Testing

/// Out of core (issue 17): commands that read an HDF5 input a block of rows at a time give the
/// in-memory answers.
@Suite struct OutOfCoreCommandTests {
    /// A deterministic tall A (m × n, row-major) with columns of different scales and offsets, and
    /// b = A·x + noise.
    static func problem(rows m: Int, columns n: Int, seed: UInt64 = 17) -> (a: [Double], b: [Double]) {
        var state = seed
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53) - 0.5
        }
        var a = [Double](), b = [Double]()
        for _ in 0..<m {
            var y = 0.1 * next()
            for j in 0..<n {
                let v = Double(j + 1) * 10 * next() + (j == 0 ? 100 : 0)
                a.append(v)
                y += Double(j) - 1.5 * v / Double(j + 1)
            }
            b.append(y)
        }
        return (a, b)
    }

    static func report(_ p: PossumProcess) throws -> (x: [Double], rank: Int, residual: Double, blockRows: Int?) {
        let object = try #require((try? JSONSerialization.jsonObject(with: Data(p.stdout.utf8))) as? [String: Any], "\(p.stdout) \(p.stderr)")
        return (try #require(object["x"] as? [Double]), try #require(object["rank"] as? Int),
                try #require(object["residual_norm"] as? Double), object["block_rows"] as? Int)
    }

    static func relativeDifference(_ x: [Double], _ y: [Double]) -> Double {
        let difference = zip(x, y).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
        return difference / max(x.map { $0 * $0 }.reduce(0, +).squareRoot(), .leastNormalMagnitude)
    }

    /// The same HDF5 A and b solved whole and in blocks of 7, 64 and all rows (a last block
    /// shorter than the others, blocks narrower than n + 1): the same rank, and x and the
    /// residual norm within 1e-10 relative (both are backward stable; κ(A) here is about 1e2, so
    /// they differ by a small multiple of κ·ε).
    @Test func lstsqInBlocksAgreesWithInMemory() throws {
        let dir = try PossumProcess.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (m, n) = (1001, 6)
        let (a, b) = Self.problem(rows: m, columns: n)
        // A second problem, rank-deficient: column 4 is twice column 2.
        var deficient = a
        for i in 0..<m { deficient[i * n + 3] = 2 * deficient[i * n + 1] }
        try HDF5File.writeAtomically(to: dir.appendingPathComponent("p.h5").path) { f in
            try f.createDataset("A", values: a, shape: [m, n])
            try f.createDataset("D", values: deficient, shape: [m, n])
            try f.createDataset("b", values: b)
        }
        try b.map { String(format: "%.17g", $0) }.joined(separator: "\n").appending("\n")
            .write(to: dir.appendingPathComponent("b.csv"), atomically: true, encoding: .utf8)
        for matrix in ["A", "D"] {
            let whole = try Self.report(try PossumProcess.run(["lstsq", "p.h5:\(matrix)", "p.h5:b", "--json", "--in-memory"], in: dir))
            #expect(whole.blockRows == nil)
            #expect(whole.rank == (matrix == "A" ? n : n - 1))
            for (blockRows, rhs) in [(7, "p.h5:b"), (64, "p.h5:b"), (5000, "p.h5:b"), (64, "b.csv")] {
                let p = try PossumProcess.run(["lstsq", "p.h5:\(matrix)", rhs, "--json", "--block-rows", String(blockRows)], in: dir)
                #expect(p.status == 0, "\(matrix) \(blockRows): \(p.stderr)")
                let blocks = try Self.report(p)
                #expect(blocks.blockRows == min(blockRows, m))
                #expect(blocks.rank == whole.rank, "\(matrix) \(blockRows)")
                #expect(Self.relativeDifference(whole.x, blocks.x) < 1e-10, "\(matrix) \(blockRows): \(whole.x) vs \(blocks.x)")
                #expect(abs(whole.residual - blocks.residual) < 1e-10 * whole.residual, "\(matrix) \(blockRows): \(whole.residual) vs \(blocks.residual)")
            }
        }
        // Small A: the automatic choice reads it whole; the text report says when blocks were used.
        let automatic = try PossumProcess.run(["lstsq", "p.h5:A", "p.h5:b", "--json"], in: dir)
        #expect(try Self.report(automatic).blockRows == nil)
        let text = try PossumProcess.run(["lstsq", "p.h5:A", "p.h5:b", "--block-rows", "100"], in: dir)
        #expect(text.status == 0 && text.stderr.contains("read in blocks of 100 rows"), "\(text.stderr)")
    }

    /// In blocks, a bad value or shape is refused in one line naming the file, row and column.
    @Test func lstsqInBlocksRefusesBadInputsInOneLine() throws {
        let dir = try PossumProcess.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (m, n) = (300, 3)
        var (a, b) = Self.problem(rows: m, columns: n)
        a[(250 - 1) * n + 1] = .nan
        b.removeLast()
        try HDF5File.writeAtomically(to: dir.appendingPathComponent("bad.h5").path) { f in
            try f.createDataset("A", values: a, shape: [m, n])
            try f.createDataset("short", values: b)
            try f.createDataset("b", values: b + [1])
        }
        try "1,2\n3,4\n5,7\n".write(to: dir.appendingPathComponent("A.csv"), atomically: true, encoding: .utf8)
        try "1\n2\n4\n".write(to: dir.appendingPathComponent("b.csv"), atomically: true, encoding: .utf8)
        let cases: [([String], String)] = [
            (["bad.h5:A", "bad.h5:b", "--block-rows", "64"], "bad.h5: /A: non-finite value nan at row 250, column 2"),
            (["bad.h5:A", "bad.h5:short", "--block-rows", "64"], "b has 299 rows but A (bad.h5:A) has 300"),
            (["A.csv", "b.csv", "--block-rows", "64"], "reading in blocks needs A in HDF5"),
            (["A.csv", "b.csv", "--block-rows", "0"], "--block-rows must be at least 1"),
            (["A.csv", "b.csv", "--block-rows", "5", "--in-memory"], "not both"),
        ]
        for (arguments, message) in cases {
            let p = try PossumProcess.run(["lstsq"] + arguments, in: dir)
            #expect(p.status > 0 && p.status < 128 && !p.crashed, "\(arguments)")
            #expect(p.stderr.contains(message), "\(arguments): \(p.stderr)")
            #expect(p.stderr.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").count == 1, "\(arguments): \(p.stderr)")
        }
    }

    /// A table with a column near 1e8 (the case where a naive one-pass variance has no correct
    /// digit), a small-scale column, a text column, an id, and missing values; imported to t.h5.
    static func mixedTable(in dir: URL, rows: Int = 523) throws {
        var state: UInt64 = 5
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53) - 0.5
        }
        var csv = "name,big,small,colour,y\n"
        let colours = ["red", "green", "blue", "7"]
        for i in 0..<rows {
            let big = 1e8 + next(), small = 1e-3 * next()
            let colour = colours[Int(state >> 60) % colours.count]
            let y = 2 * (big - 1e8) + 300 * small + (colour == "red" ? 1 : 0) + 0.1 * next()
            let fields = ["n\(i)", i % 97 == 5 ? "" : String(format: "%.17g", big), String(format: "%.17g", small),
                          i % 101 == 7 ? "NA" : colour, i % 89 == 3 ? "" : String(format: "%.17g", y)]
            csv += fields.joined(separator: ",") + "\n"
        }
        try csv.write(to: dir.appendingPathComponent("t.csv"), atomically: true, encoding: .utf8)
        let imported = try PossumProcess.run(["data", "import", "t.csv", "--out", "t.h5"], in: dir)
        #expect(imported.status == 0, "\(imported.stderr)")
    }

    static func dataset(_ file: URL, _ name: String) throws -> [Double] {
        let f = try HDF5File.open(at: file.path)
        defer { try? f.close() }
        return try f.openDataset(name).read(as: Double.self)
    }

    /// `features` on an HDF5 table in blocks (two passes: moments merged block by block, then
    /// each block standardized and written) gives the in-memory feature set: the same rows,
    /// levels and targets; means and scales within 1e-12 relative; z within what those allow
    /// (|δz| ≤ (|δmean| + |z|·|δscale|)/scale).
    @Test func featuresInBlocksAgreeWithInMemory() throws {
        let dir = try PossumProcess.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.mixedTable(in: dir)
        let common = ["features", "--data", "t.h5", "--target", "y", "--id", "name", "--no-track"]
        let whole = try PossumProcess.run(common + ["--out", "whole.h5", "--in-memory"], in: dir)
        #expect(whole.status == 0 && !whole.stdout.contains("blocks"), "\(whole.stderr)")
        for blockRows in [1, 50, 100_000] {
            let out = "blocks\(blockRows).h5"
            let p = try PossumProcess.run(common + ["--out", out, "--block-rows", String(blockRows)], in: dir)
            #expect(p.status == 0 && p.stdout.contains("read in blocks of \(blockRows) rows"), "\(blockRows): \(p.stdout) \(p.stderr)")
            let (a, b) = (dir.appendingPathComponent("whole.h5"), dir.appendingPathComponent(out))
            let (meanA, meanB) = (try Self.dataset(a, "/features/transform/scaler_mean"), try Self.dataset(b, "/features/transform/scaler_mean"))
            let (scaleA, scaleB) = (try Self.dataset(a, "/features/transform/scaler_scale"), try Self.dataset(b, "/features/transform/scaler_scale"))
            #expect(meanA.count == 6 && meanB.count == meanA.count, "\(meanA) \(meanB)")
            for j in meanA.indices {
                #expect(abs(meanA[j] - meanB[j]) <= 1e-12 * abs(meanA[j]), "\(blockRows) mean \(j): \(meanA[j]) \(meanB[j])")
                #expect(abs(scaleA[j] - scaleB[j]) <= 1e-12 * scaleA[j], "\(blockRows) scale \(j): \(scaleA[j]) \(scaleB[j])")
            }
            #expect(try Self.dataset(a, "/features/y") == Self.dataset(b, "/features/y"))
            let labels = { (f: URL) in try HDF5File.open(at: f.path).openDataset("/features/row_labels").read(as: Int64.self) }
            #expect(try labels(a) == labels(b))
            let (zA, zB) = (try Self.dataset(a, "/features/z"), try Self.dataset(b, "/features/z"))
            #expect(zA.count == zB.count)
            for (k, (x, y)) in zip(zA, zB).enumerated() {
                let j = k % meanA.count
                let bound = (abs(meanA[j] - meanB[j]) + abs(x) * abs(scaleA[j] - scaleB[j])) / scaleA[j] + 4 * Double.ulpOfOne * (abs(meanA[j]) / scaleA[j] + abs(x))
                #expect(abs(x - y) <= bound, "\(blockRows) z[\(k)]: \(x) \(y)")
            }
        }
        // A model trained on the streamed set predicts as one trained on the in-memory set.
        let train = try PossumProcess.run(["train", "--features", "blocks50.h5", "--no-track", "--export", "m.h5"], in: dir)
        #expect(train.status == 0, "\(train.stderr)")
        let csv = try PossumProcess.run(["features", "--data", "t.csv", "--target", "y", "--out", "c.h5", "--block-rows", "5", "--no-track"], in: dir)
        #expect(csv.status == 1 && csv.stderr.contains("reading in blocks needs an HDF5 table"), "\(csv.stderr)")
    }

    static func figures(_ p: PossumProcess) throws -> (count: Int, r2: Double?, rmse: Double?) {
        let object = try #require((try? JSONSerialization.jsonObject(with: Data(p.stdout.utf8))) as? [String: Any], "\(p.stdout) \(p.stderr)")
        return (try #require(object["predictions"] as? Int), object["r2"] as? Double, object["rmse"] as? Double)
    }

    /// `predict` on an HDF5 table in blocks writes the in-memory CSV byte for byte (blocks of 1,
    /// 13 and all rows; with and without an id column and a complete target), and R² and RMSE
    /// merged over the blocks within 1e-12 relative of the in-memory sums.
    @Test func predictInBlocksWritesTheInMemoryPredictions() throws {
        let dir = try PossumProcess.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.mixedTable(in: dir)
        let possum = PossumProcess.repositoryRoot.appendingPathComponent("datasets/possum.csv").path
        let imported = try PossumProcess.run(["data", "import", possum, "--out", "possum.h5"], in: dir)
        #expect(imported.status == 0, "\(imported.stderr)")
        let trained = [
            try PossumProcess.run(["train", "--data", "t.h5", "--target", "y", "--id", "name", "--export", "t-model.h5", "--no-track"], in: dir),
            try PossumProcess.run(["train", "--data", "possum.h5", "--target", "taill", "--drop", "case", "--categorical", "site,Pop,sex",
                                   "--export", "possum-model.h5", "--no-track"], in: dir),
        ]
        for t in trained { #expect(t.status == 0, "\(t.stderr)") }
        for (model, data) in [("t-model.h5", "t.h5"), ("possum-model.h5", "possum.h5")] {
            let whole = try PossumProcess.run(["predict", "--model", model, "--data", data, "--out", "whole.csv", "--json", "--in-memory"], in: dir)
            let reference = try Self.figures(whole)
            let wholeCSV = try String(contentsOf: dir.appendingPathComponent("whole.csv"), encoding: .utf8)
            #expect((reference.r2 != nil) == (data == "possum.h5"), "the truth is complete only in possum.h5")
            for blockRows in [1, 13, 1_000_000] {
                let p = try PossumProcess.run(["predict", "--model", model, "--data", data, "--out", "blocks.csv", "--json", "--block-rows", String(blockRows)], in: dir)
                let figures = try Self.figures(p)
                #expect(figures.count == reference.count)
                #expect(try String(contentsOf: dir.appendingPathComponent("blocks.csv"), encoding: .utf8) == wholeCSV, "\(data) \(blockRows)")
                if let r2 = reference.r2, let rmse = reference.rmse, let r2b = figures.r2, let rmseb = figures.rmse {
                    #expect(abs(r2 - r2b) <= 1e-12 * abs(r2) && abs(rmse - rmseb) <= 1e-12 * rmse, "\(data) \(blockRows): \(r2) \(r2b) \(rmse) \(rmseb)")
                } else {
                    #expect(figures.r2 == nil && figures.rmse == nil)
                }
                // Standard output too, and the summary says how the table was read.
                let printed = try PossumProcess.run(["predict", "--model", model, "--data", data, "--block-rows", String(blockRows)], in: dir)
                #expect(printed.stdout == wholeCSV && printed.stderr.contains("read in blocks of \(blockRows) rows"), "\(printed.stderr)")
            }
        }
    }

    /// A failure in a late block (a level the model never saw) leaves --out as it was: the blocks
    /// already predicted went to a temporary file, never to the output.
    @Test func predictInBlocksFailingLateLeavesTheOutputUntouched() throws {
        let dir = try PossumProcess.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.mixedTable(in: dir)
        let t = try PossumProcess.run(["train", "--data", "t.h5", "--target", "y", "--id", "name", "--export", "m.h5", "--no-track"], in: dir)
        #expect(t.status == 0, "\(t.stderr)")
        var csv = try String(contentsOf: dir.appendingPathComponent("t.csv"), encoding: .utf8)
        csv += "late,100000000.25,0.0001,purple,3\n"
        try csv.write(to: dir.appendingPathComponent("u.csv"), atomically: true, encoding: .utf8)
        let imported = try PossumProcess.run(["data", "import", "u.csv", "--out", "u.h5"], in: dir)
        #expect(imported.status == 0, "\(imported.stderr)")
        try "old\n".write(to: dir.appendingPathComponent("p.csv"), atomically: true, encoding: .utf8)
        let p = try PossumProcess.run(["predict", "--model", "m.h5", "--data", "u.h5", "--out", "p.csv", "--block-rows", "10"], in: dir)
        #expect(p.status == 1 && p.stderr.contains("u.h5:524") && p.stderr.contains("level 'purple' was not seen in training"), "\(p.stderr)")
        #expect(p.stderr.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").count == 1, "\(p.stderr)")
        #expect(try String(contentsOf: dir.appendingPathComponent("p.csv"), encoding: .utf8) == "old\n")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".p.csv") || $0.contains("tmp") }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }

    /// `--block-rows` of Int.max is a block of every row (no overflow trap, no huge allocation).
    @Test func hugeBlockRowsReadEveryRowInOneBlock() throws {
        let dir = try PossumProcess.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.mixedTable(in: dir, rows: 120)
        let (a, b) = Self.problem(rows: 50, columns: 3)
        try HDF5File.writeAtomically(to: dir.appendingPathComponent("p.h5").path) { f in
            try f.createDataset("A", values: a, shape: [50, 3])
            try f.createDataset("b", values: b)
        }
        let most = String(Int.max)
        let runs = [
            try PossumProcess.run(["lstsq", "p.h5:A", "p.h5:b", "--block-rows", most], in: dir),
            try PossumProcess.run(["features", "--data", "t.h5", "--target", "y", "--id", "name", "--out", "f.h5", "--no-track", "--block-rows", most], in: dir),
            try PossumProcess.run(["train", "--data", "t.h5", "--target", "y", "--id", "name", "--export", "m.h5", "--no-track"], in: dir),
            try PossumProcess.run(["predict", "--model", "m.h5", "--data", "t.h5", "--out", "p.csv", "--block-rows", most], in: dir),
        ]
        for p in runs { #expect(p.status == 0 && !p.crashed, "\(p.stderr)") }
    }

    /// Each pass over the blocks draws its progress line (rows done of the total) on a terminal.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: ProgressCommandTests.script)))
    func passesOverBlocksShowProgressOnATerminal() throws {
        let dir = try PossumProcess.scratch(file: "big.csv", contents: ProgressCommandTests.bigCSV(rows: 20_000))
        defer { try? FileManager.default.removeItem(at: dir) }
        let (a, b) = Self.problem(rows: 20_000, columns: 3)
        try HDF5File.writeAtomically(to: dir.appendingPathComponent("p.h5").path) { f in
            try f.createDataset("A", values: a, shape: [20_000, 3])
            try f.createDataset("b", values: b)
        }
        #expect(try PossumProcess.run(["data", "import", "big.csv", "--out", "t.h5"], in: dir).status == 0)
        #expect(try PossumProcess.run(["train", "--data", "t.h5", "--target", "y", "--export", "m.h5", "--no-track"], in: dir).status == 0)
        let runs: [([String], [String])] = [
            (["lstsq", "p.h5:A", "p.h5:b", "--block-rows", "500", "--out", "x.txt"], ["reading A"]),
            (["features", "--data", "t.h5", "--target", "y", "--out", "f.h5", "--no-track", "--block-rows", "500"], ["statistics", "writing"]),
            (["predict", "--model", "m.h5", "--data", "t.h5", "--out", "p.csv", "--block-rows", "500"], ["predicting"]),
        ]
        for (arguments, phases) in runs {
            let shown = try ProgressCommandTests.onTerminal(arguments, in: dir)
            #expect(shown.status == 0, "\(arguments): \(shown.screen.prefix(300))")
            let frames = shown.screen.components(separatedBy: "\r")
            for phase in phases {
                #expect(frames.contains { $0.contains(phase) && $0.contains("/20000 rows") }, "\(phase): \(shown.screen.prefix(400))")
            }
        }
    }
}
