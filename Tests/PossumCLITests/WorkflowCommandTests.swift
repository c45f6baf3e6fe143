import Foundation
import PossumHDF5
import Testing

/// The reference pipeline through the real binary: import → features → train → register → predict.
@Suite(.serialized) struct WorkflowCommandTests {
    static let csv = PossumProcess.repositoryRoot.appendingPathComponent("datasets/possum.csv").path

    struct TrainReport: Decodable { var alpha: Double; var train_r2: Double; var intercept: Double }

    @Test func pipelineFromCSVToPictureWithRegistry() throws {
        let dir = try PossumProcess.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let env = ["POSSUM_TRACKING_URI": dir.appendingPathComponent("mlruns").path]
        func possum(_ args: String...) throws -> PossumProcess {
            let p = try PossumProcess.run(args, in: dir, environment: env)
            #expect(p.status == 0, "possum \(args.joined(separator: " ")): \(p.stderr)")
            return p
        }
        _ = try possum("data", "import", Self.csv, "--out", "possum.h5")
        let shown = try possum("data", "show", "possum.h5")
        #expect(shown.stdout.contains("104 rows × 14 columns"))
        _ = try possum("features", "--data", "possum.h5", "--out", "features.h5", "--target", "taill", "--drop", "case", "--categorical", "site,Pop,sex")
        let trained = try possum("train", "--features", "features.h5", "--export", "model.h5", "--json",
                                 "--register", "Reg_RidgeCV_possums", "--stage", "Staging")
        let report = try JSONDecoder().decode(TrainReport.self, from: Data(trained.stdout.utf8))
        _ = try possum("predict", "--model", "model.h5", "--data", "possum.h5", "--out", "pred.csv", "--plot", "pred.svg")
        for file in ["pred.csv", "pred.svg", "pred.png"] {
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent(file).path), "\(file) missing")
        }
        // R² recomputed here from the written predictions equals the training R² (same rows, same
        // model): an end-to-end check that export, reload and prediction lose nothing.
        let lines = try String(contentsOf: dir.appendingPathComponent("pred.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
        let pairs = lines.map { $0.split(separator: ",").map { Double($0)! } }.map { ($0[1], $0[2]) }
        let mean = pairs.reduce(0) { $0 + $1.0 } / Double(pairs.count)
        let r2 = 1 - pairs.reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / pairs.reduce(0) { $0 + ($1.0 - mean) * ($1.0 - mean) }
        #expect(pairs.count == 101)
        #expect(abs(r2 - report.train_r2) <= 1e-12)
        // The registry knows the model, and its Staging version is the file we trained.
        let path = try possum("models", "get", "Reg_RidgeCV_possums@Staging").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let shownModel = try possum("model", "show", path)
        #expect(shownModel.stdout.contains("ridge regression of taill"))
        let svg = try String(contentsOf: dir.appendingPathComponent("pred.svg"), encoding: .utf8)
        #expect(svg.contains("R² = ") && svg.contains("RMSE = ") && svg.contains("y = x"))
        let runs = try possum("runs", "list", "--filter", "params.solver = 'simd'", "--json")
        #expect(runs.stdout.contains("RidgeCV"))
        // --columns picks the table's columns; a key without params./metrics. is refused.
        let table = try possum("runs", "list", "--columns", "params.solver,metrics.loo_rmse").stdout
        let header = table.split(separator: "\n").first.map(String.init) ?? ""
        #expect(header.contains("params.solver") && header.contains("metrics.loo_rmse") && !header.contains("metrics.intercept"), "\(header)")
        #expect(table.contains("simd"))
        let badColumns = try PossumProcess.run(["runs", "list", "--columns", "loo_rmse"], in: dir, environment: env)
        #expect(badColumns.status != 0 && badColumns.stderr.contains("--columns"), "\(badColumns.stderr)")
        // Stages parse case-insensitively (as MLflow's); anything else is refused before any work,
        // naming the option and the stages, and the registry is left as it was.
        let promoted = try possum("models", "promote", "Reg_RidgeCV_possums", "1", "--stage", "production")
        #expect(promoted.stdout.contains("Reg_RidgeCV_possums version 1 → Production"))
        for args in [["train", "--features", "features.h5", "--register", "Reg_RidgeCV_possums", "--stage", "Prod"],
                     ["models", "promote", "Reg_RidgeCV_possums", "1", "--stage", "Prod"]] {
            let bad = try PossumProcess.run(args, in: dir, environment: env)
            #expect(bad.status != 0 && !bad.crashed)
            #expect(bad.stderr.contains("'Prod'") && bad.stderr.contains("--stage") && bad.stderr.contains("'Staging'"), "\(bad.stderr)")
        }
        #expect(try possum("models", "get", "Reg_RidgeCV_possums@Production").stdout == path + "\n")
    }

    /// Predicting from the CSV and from its HDF5 import gives the same bits.
    @Test func csvAndHDF5PredictionsAreIdentical() throws {
        let dir = try PossumProcess.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        func possum(_ args: String...) throws -> PossumProcess {
            let p = try PossumProcess.run(args, in: dir)
            #expect(p.status == 0, "\(p.stderr)")
            return p
        }
        _ = try possum("data", "import", Self.csv, "--out", "possum.h5")
        _ = try possum("model", "export", "--data", Self.csv, "--out", "m.h5", "--target", "taill", "--drop", "case", "--categorical", "site,Pop,sex")
        let fromCSV = try possum("predict", "--model", "m.h5", "--data", Self.csv).stdout
        let fromHDF5 = try possum("predict", "--model", "m.h5", "--data", "possum.h5").stdout
        // `row` is the data row number for both inputs: the whole output is the same.
        #expect(fromCSV == fromHDF5)
        #expect(fromCSV.split(separator: "\n").count == 102)
        // Row 1 is complete (the first data row, on file line 2), so it is the first prediction.
        #expect(fromCSV.split(separator: "\n").dropFirst().first?.hasPrefix("1,") == true, "\(fromCSV.prefix(200))")
    }

    @Test func badModelFilesGiveOneLineErrors() throws {
        let dir = try PossumProcess.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        try "not hdf5 at all\n".write(to: dir.appendingPathComponent("junk.h5"), atomically: true, encoding: .utf8)
        _ = try PossumProcess.run(["data", "import", Self.csv, "--out", "table.h5"], in: dir)
        for (model, fragment) in [("junk.h5", "junk.h5"), ("table.h5", "not a model file"), ("missing.h5", "missing.h5")] {
            let p = try PossumProcess.run(["predict", "--model", model, "--data", Self.csv], in: dir)
            #expect(p.status == 1 && !p.crashed, "\(model)")
            #expect(p.stderr.split(separator: "\n").count == 1 && p.stderr.contains(fragment), "\(model): \(p.stderr)")
        }
    }

    @Test func lstsqWritesSolutionAndWarnsOnRankDeficiency() throws {
        let dir = try PossumProcess.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        try "1,0\n0,1\n1,1\n".write(to: dir.appendingPathComponent("A.csv"), atomically: true, encoding: .utf8)
        try "1\n2\n4\n".write(to: dir.appendingPathComponent("b.csv"), atomically: true, encoding: .utf8)
        let p = try PossumProcess.run(["lstsq", "A.csv", "b.csv", "--refine", "--out", "x.csv"], in: dir)
        #expect(p.status == 0, "\(p.stderr)")
        // Normal equations [[2,1],[1,2]]x = (5,6): x = (4/3, 7/3), correctly rounded after refinement.
        let x = try String(contentsOf: dir.appendingPathComponent("x.csv"), encoding: .utf8).split(separator: "\n").map { Double($0)! }
        #expect(x == [4.0 / 3.0, 7.0 / 3.0])
        try "1,2\n2,4\n3,6\n".write(to: dir.appendingPathComponent("R.csv"), atomically: true, encoding: .utf8)
        let r = try PossumProcess.run(["lstsq", "R.csv", "b.csv"], in: dir)
        #expect(r.status == 0)
        #expect(r.stderr.contains("rank-deficient (numerical rank 1 of 2 columns)"))
        try "1\n2\n".write(to: dir.appendingPathComponent("short.csv"), atomically: true, encoding: .utf8)
        let bad = try PossumProcess.run(["lstsq", "A.csv", "short.csv"], in: dir)
        #expect(bad.status == 1 && bad.stderr.contains("short.csv: b has 2 rows but A (A.csv) has 3"))
        try "1,nan\n0,1\n1,1\n".write(to: dir.appendingPathComponent("N.csv"), atomically: true, encoding: .utf8)
        let nan = try PossumProcess.run(["lstsq", "N.csv", "b.csv"], in: dir)
        #expect(nan.status == 1 && nan.stderr.contains("N.csv:1: field 2: 'nan' is not a finite number"))
        // A zero matrix has rank 0: every x minimizes the residual, the minimum-norm one is 0,
        // for every backend, with the rank-deficiency warning (and no crash on κ = ∞).
        try "0,0\n0,0\n0,0\n".write(to: dir.appendingPathComponent("Z.csv"), atomically: true, encoding: .utf8)
        for solver in ["simd", "openblas", "naive"] {
            let z = try PossumProcess.run(["lstsq", "Z.csv", "b.csv", "--solver", solver], in: dir)
            #expect(z.status == 0 && !z.crashed, "\(solver): \(z.stderr)")
            #expect(z.stdout.split(separator: "\n").compactMap { Double($0) } == [0, 0], "\(solver): \(z.stdout)")
            #expect(z.stderr.contains("numerical rank 0 of 2 columns"), "\(solver): \(z.stderr)")
        }
        // m < n: underdetermined, the minimum-norm solution of the consistent system.
        try "1,1\n".write(to: dir.appendingPathComponent("W.csv"), atomically: true, encoding: .utf8)
        try "2\n".write(to: dir.appendingPathComponent("w.csv"), atomically: true, encoding: .utf8)
        let wide = try PossumProcess.run(["lstsq", "W.csv", "w.csv"], in: dir)
        #expect(wide.status == 0, "\(wide.stderr)")
        // Backward-stable bound for the minimum-norm solution: |x − x*| ≤ c·n·ε·‖x*‖ with c = 10.
        let xw = wide.stdout.split(separator: "\n").compactMap { Double($0) }
        #expect(xw.count == 2 && xw.allSatisfy { abs($0 - 1) <= 10 * 2 * .ulpOfOne * 2.0.squareRoot() }, "\(wide.stdout)")
    }
}

@Suite(.serialized) struct ConcurrencyAndHDF5InputTests {
    static let csv = PossumProcess.repositoryRoot.appendingPathComponent("datasets/possum.csv").path

    /// Two real `possum train` processes log and register into one store at the same time:
    /// both runs finish intact and the registry gets versions 1 and 2, neither lost.
    @Test func concurrentTrainingProcessesLoseNothing() throws {
        let dir = try PossumProcess.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = dir.appendingPathComponent("mlruns").path
        let group = DispatchGroup()
        let results = ResultBox()
        for solver in ["simd", "openblas", "naive"] {
            group.enter()
            DispatchQueue.global().async {
                let p = try? PossumProcess.run(["train", "--data", Self.csv, "--solver", solver, "--register", "Shared", "--json"] + PossumProcess.possumColumns,
                                               in: dir, environment: ["POSSUM_TRACKING_URI": store])
                results.append(p)
                group.leave()
            }
        }
        group.wait()
        #expect(results.all.count == 3)
        for p in results.all { #expect(p?.status == 0, "\(p?.stderr ?? "did not start")") }
        let runs = try PossumProcess.run(["runs", "list", "--json"], in: dir, environment: ["POSSUM_TRACKING_URI": store])
        let parsed = try JSONSerialization.jsonObject(with: Data(runs.stdout.utf8)) as! [[String: Any]]
        #expect(parsed.count == 3)
        for run in parsed {
            let info = run["info"] as! [String: Any]
            #expect(info["status"] as? String == "FINISHED")
            #expect((run["params"] as? [String: Any])?["solver"] != nil)
        }
        let model = try PossumProcess.run(["models", "show", "Shared", "--json"], in: dir, environment: ["POSSUM_TRACKING_URI": store])
        let versions = try JSONSerialization.jsonObject(with: Data(model.stdout.utf8)) as! [[String: Any]]
        #expect(Set(versions.compactMap { $0["version"] as? Int }) == [1, 2, 3])
    }

    /// `possum lstsq` reads A and b from HDF5 (FILE.h5 or FILE.h5:NAME) as it reads CSV.
    @Test func lstsqReadsHDF5() throws {
        let dir = try PossumProcess.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        try HDF5File.writeAtomically(to: dir.appendingPathComponent("p.h5").path) { f in
            try f.createDataset("A", values: [1.0, 0, 0, 1, 1, 1], shape: [3, 2])
            try f.createDataset("b", values: [1.0, 2, 4])
        }
        let p = try PossumProcess.run(["lstsq", "p.h5:A", "p.h5:b", "--refine"], in: dir)
        #expect(p.status == 0, "\(p.stderr)")
        #expect(p.stdout.split(separator: "\n").map { Double($0)! } == [4.0 / 3.0, 7.0 / 3.0])
        let ambiguous = try PossumProcess.run(["lstsq", "p.h5", "p.h5:b"], in: dir)
        #expect(ambiguous.status == 1 && ambiguous.stderr.contains("holds several datasets (A, b): name one as p.h5:NAME"))
    }
}

/// Collects results from concurrent closures.
final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [PossumProcess?] = []
    func append(_ p: PossumProcess?) { lock.lock(); items.append(p); lock.unlock() }
    var all: [PossumProcess?] { lock.lock(); defer { lock.unlock() }; return items }
}
