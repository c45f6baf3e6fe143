import Foundation
import Testing

@Suite(.serialized) struct TrainCommandTests {
    static let csv = PossumProcess.repositoryRoot.appendingPathComponent("datasets/possum.csv").path

    struct Report: Decodable {
        var alpha: Double
        var intercept: Double
        var coefficients: [String: Double]
        var solver: String
        var rows: Int
    }

    @Test func simdAndOpenBLASPrintTheSameModel() throws {
        var reports: [Report] = []
        for solver in ["simd", "openblas", "naive"] {
            let p = try PossumProcess.run(["train", "--data", Self.csv, "--solver", solver, "--json"] + PossumProcess.possumColumns)
            #expect(p.status == 0, "\(solver): \(p.stderr)")
            let report = try JSONDecoder().decode(Report.self, from: Data(p.stdout.utf8))
            #expect(report.solver == solver)
            #expect(report.rows == 101)
            reports.append(report)
        }
        for r in reports.dropFirst() {
            #expect(r.alpha == reports[0].alpha)
            #expect(abs(r.intercept - reports[0].intercept) <= 1e-12 * abs(reports[0].intercept))
            for (name, c) in reports[0].coefficients {
                #expect(abs(r.coefficients[name]! - c) <= 1e-12, "\(name)")
            }
        }
    }

    @Test func tableNamesTheChosenAlphaAndEveryFeature() throws {
        let p = try PossumProcess.run(["train", "--data", Self.csv] + PossumProcess.possumColumns)
        #expect(p.status == 0)
        for expected in ["solver        simd", "alpha ", "LOO RMSE", "train R²", "(intercept)", "totlngth", "site_7", "sex_m"] {
            #expect(p.stdout.contains(expected), "missing \(expected)")
        }
    }

    static let header = "case,site,Pop,sex,age,hdlngth,skullw,totlngth,taill,footlgth,earconch,eye,chest,belly"
    static let goodRows = [
        "1,1,Vic,m,8.0,94.1,60.4,89.0,36.0,74.5,54.5,15.2,28.0,36.0",
        "2,1,Vic,f,6.0,92.5,57.6,91.5,36.5,72.5,51.2,16.0,28.5,33.0",
    ]

    /// Bad input: a one-line error naming what is wrong and where, a non-zero exit, no crash.
    static let badInputs: [(rows: [String], message: String)] = [
        (goodRows + ["3,1,Vic,f,6.0,94.0,60.0,95.5,39.0,75.4,51.9,15.5,30.0"], "bad.csv:4: expected 14 fields (as in the header), found 13"),
        (goodRows + ["3,1,Vic,f,six,94.0,60.0,95.5,39.0,75.4,51.9,15.5,30.0,34.0"], "bad.csv:4: column 'age': 'six' is not a number"),
        (goodRows + ["3,1,Vic,f,6.0,94.0,60.0,95.5,NaN,75.4,51.9,15.5,30.0,34.0"], "bad.csv:4: column 'taill': 'NaN' is not a finite number"),
        (goodRows + ["3,1,Vic,f,6.0,94.0,inf,95.5,39.0,75.4,51.9,15.5,30.0,34.0"], "bad.csv:4: column 'skullw': 'inf' is not a finite number"),
        (goodRows, "2 complete rows for 13 features: need more rows than features"),
    ]

    @Test(arguments: badInputs)
    func badInputGivesOneLineError(rows: [String], message: String) throws {
        let dir = try PossumProcess.scratch(file: "bad.csv", contents: ([Self.header] + rows).joined(separator: "\n") + "\n")
        defer { try? FileManager.default.removeItem(at: dir) }
        let p = try PossumProcess.run(["train", "--data", "bad.csv", "--numeric", "age,skullw"] + PossumProcess.possumColumns, in: dir)
        #expect(!p.crashed)
        #expect(p.status == 1)
        #expect(p.stdout.isEmpty)
        let lines = p.stderr.split(separator: "\n")
        #expect(lines.count == 1, "stderr: \(p.stderr)")
        #expect(p.stderr.contains(message), "stderr: \(p.stderr)")
    }

    @Test func constantFeatureIsNamed() throws {
        // 30 rows where `eye` never changes.
        var rng = 1
        let rows = (1...30).map { i -> String in
            rng = (rng * 48271) % 2147483647
            let v = Double(rng % 1000) / 10
            return "\(i),\(1 + i % 3),Vic,\(i % 2 == 0 ? "m" : "f"),\(i % 7),\(90 + v / 10),\(55 + Double(i % 5)),\(85 + Double(i % 9)),\(35 + v / 50),\(70 + Double(i % 4)),\(50 + Double(i % 6)),15.0,\(27 + Double(i % 3)),\(33 + Double(i % 8))"
        }
        let dir = try PossumProcess.scratch(file: "c.csv", contents: ([Self.header] + rows).joined(separator: "\n"))
        defer { try? FileManager.default.removeItem(at: dir) }
        let p = try PossumProcess.run(["train", "--data", "c.csv"] + PossumProcess.possumColumns, in: dir)
        #expect(p.status == 1)
        // Pop has one level (Vic) too: the first constant feature in column order is `eye`.
        #expect(p.stderr.contains("feature 'eye' is constant"), "stderr: \(p.stderr)")
    }

    /// No table is implied: run where datasets/possum.csv exists, a command without --data says
    /// what to pass, in one line, and trains nothing.
    @Test func withoutDataNothingIsTrainedOnADefaultTable() throws {
        for (arguments, expected) in [
            (["train", "--target", "taill", "--no-track"], "give the data to train on: --data TABLE"),
            (["features", "--target", "taill", "--out", "never.h5", "--no-track"], "Missing expected argument '--data <table>'"),
            (["model", "export", "--target", "taill", "--out", "never.h5"], "give the model's source: --data TABLE"),
        ] {
            let p = try PossumProcess.run(arguments)
            #expect(p.status == 64, "\(arguments): \(p.stderr)")
            #expect(p.stderr.hasPrefix("Error: ") && p.stderr.contains(expected), "\(arguments): \(p.stderr)")
            #expect(p.stderr.split(separator: "\n").count == 1 && p.stdout.isEmpty, "\(arguments): \(p.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: PossumProcess.repositoryRoot.appendingPathComponent("never.h5").path))
    }

    @Test func missingFileAndUnknownSolverAreRefused() throws {
        let missing = try PossumProcess.run(["train", "--data", "/nonexistent/possum.csv", "--target", "taill"])
        #expect(missing.status == 1)
        #expect(missing.stderr.hasPrefix("Error: /nonexistent/possum.csv: no such file"))
        let solver = try PossumProcess.run(["train", "--solver", "lapack"])
        #expect(solver.status == 64)  // EX_USAGE
        #expect(solver.stderr.contains("'lapack' is invalid for '--solver"))
        // A grid whose alphas are not positive finite doubles (10^1e308) is refused, not trapped on.
        let grid = try PossumProcess.run(["train", "--data", Self.csv, "--alphas=-1e308:1e308:3", "--no-track"] + PossumProcess.possumColumns)
        #expect(grid.status == 64 && !grid.crashed, "\(grid.stderr)")
        #expect(grid.stderr.contains("is invalid for '--alphas"), "\(grid.stderr)")
    }
}
