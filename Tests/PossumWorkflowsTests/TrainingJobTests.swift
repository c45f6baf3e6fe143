import Foundation
import PossumML
import PossumStorage
import PossumTracking
import PossumData
import PossumTestSupport
import PossumWorkflows
import Testing

/// The library API gives what the `possum` command gives: the command is a thin shell over it.
@Suite struct TrainingJobTests {
    /// A small mixed table: two numeric features, a text one, a target that depends on all three
    /// with noise, and an id column the model must not use.
    static func writeTable(to path: String) throws {
        var generator = SplitMix64(seed: 14)
        var lines = ["name,x1,x2,color,y"]
        let colors = ["red", "green", "blue"]
        for i in 0..<60 {
            let x1 = generator.uniform() * 10, x2 = generator.uniform() - 0.5
            let color = colors[i % 3]
            let y = 2 * x1 - 3 * x2 + (color == "red" ? 1.5 : color == "green" ? -0.5 : 0) + generator.uniform()
            lines.append("n\(i),\(x1),\(x2),\(color),\(y)")
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }

    @Test func libraryTrainingMatchesTheCommand() throws {
        let dir = try TemporaryDirectory()
        let csv = dir.file("small.csv")
        try Self.writeTable(to: csv)
        let result = try TrainingJob(source: .table(csv, FeatureSpec(target: "y", id: "name"))).run()
        #expect(result.model.transform.featureNames.count == 5)  // x1, x2, three colors

        let cli = try runPossum(["train", "--data", csv, "--target", "y", "--id", "name", "--no-track", "--out", dir.file("cli.h5")])
        #expect(cli.status == 0, "\(cli.stderr)")
        // The same code on the same bytes gives the same doubles; the model file carries them exactly
        // (JSON text would not: Foundation's parser is not always correctly rounded).
        let model = try ModelFile.read(dir.file("cli.h5"))
        #expect(model.alpha == result.model.alpha)
        #expect(model.intercept == result.model.intercept)
        #expect(model.coefficients == result.model.coefficients)
        #expect(model.transform.featureNames == result.model.transform.featureNames)
        #expect(model.looRMSE == result.model.looRMSE)
        // And the same report, but for the solver's timing line.
        let untimed = { (text: String) in text.split(separator: "\n").filter { !$0.contains("QR factorizations in") } }
        #expect(untimed(cli.stdout) == untimed(result.report.table()))
    }

    /// A table with its header and no row under it: said as such, not as "every row has a
    /// missing value"; a mistyped target is still named first.
    @Test func aHeaderOnlyTableIsNamedAsHavingNoRows() throws {
        let dir = try TemporaryDirectory()
        let csv = dir.file("h.csv")
        try "a;b;y\r\n".write(toFile: csv, atomically: true, encoding: .utf8)
        #expect(throws: DataError(file: csv, "no data rows: the header line has nothing under it")) {
            try TrainingJob(source: .table(csv, FeatureSpec(target: "y"))).run()
        }
        #expect(throws: DataError(file: csv, "no column 'Y'; did you mean 'y'? (columns: a, b, y)")) {
            try FeatureJob(dataPath: csv, spec: FeatureSpec(target: "Y")).run()
        }
    }

    /// A column of numbers with one stray cell is one-hot encoded, as decided; train says so,
    /// and where the cell is. A column of words is not mentioned.
    @Test func aTextColumnOfMostlyNumbersIsNotedWhenTraining() throws {
        let dir = try TemporaryDirectory()
        let csv = dir.file("stray.csv")
        let rows = (0..<12).map { i in "\(i % 4 == 3 && i == 7 ? "n/a" : String(i % 4)),\(["red", "blue"][i % 2]),\(Double(i) * 0.5 + Double(i % 3))" }
        try (["x,colour,y"] + rows).joined(separator: "\n").appending("\n").write(toFile: csv, atomically: true, encoding: .utf8)
        let result = try TrainingJob(source: .table(csv, FeatureSpec(target: "y"))).run()
        #expect(result.notes == ["note: \(csv): column 'x' is text, one-hot encoded as 5 levels, though 11 of its 12 values are numbers; "
                                 + "the first that is not is on line 9: 'n/a' (NA marks a missing value; --numeric x names such cells as errors)"])
        let plain = dir.file("small.csv")
        try Self.writeTable(to: plain)
        #expect(try TrainingJob(source: .table(plain, FeatureSpec(target: "y", id: "name"))).run().notes.isEmpty)
    }

    @Test func predictionJobScoresTheTrainingTable() throws {
        let dir = try TemporaryDirectory()
        let csv = dir.file("small.csv"), model = dir.file("model.h5")
        try Self.writeTable(to: csv)
        try TrainingJob(source: .table(csv, FeatureSpec(target: "y", id: "name"))).run().exportModel(to: model)
        let predicted = try PredictionJob(modelPath: model, dataPath: csv).run()
        #expect(predicted.predictions.count == 60 && predicted.skipped == 0)
        #expect(predicted.ids?.first == "n0")
        // Noise uniform on [0, 1): the residual spread is about 1/√12 ≈ 0.29.
        #expect((predicted.rmse ?? .infinity) < 0.4)
    }

    /// docs/workflows.md's logging example: a run with params, metrics and the model, registered.
    @Test func loggedRunRecordsTheTrainingAndRegistersIt() throws {
        let dir = try TemporaryDirectory()
        let csv = dir.file("mine.csv")
        try Self.writeTable(to: csv)
        let store = try FileTrackingStore(root: dir.file("mlruns"))
        let runID = try LoggedRun.run(in: store, experiment: "Mine", name: "RidgeCV") { run in
            let result = try TrainingJob(source: .table(csv, FeatureSpec(target: "y", id: "name"))).run()
            let artifact = try result.log(to: run, exportedModel: nil)
            _ = try result.register(in: run, artifact: artifact, name: "Mine", stage: .staging)
            return run.runID
        }
        let run = try store.run(id: runID)
        #expect(run.info.status == .finished)
        #expect(run.params["target"] == "y" && run.params["n_rows"] == "60")
        #expect(try store.modelVersion(name: "Mine", version: 1).currentStage == .staging)
        // A failure ends the run FAILED, with the reason as a tag.
        var failedRun: String?
        let failure = try thrownError(DataError.self) {
            try LoggedRun.run(in: store, experiment: "Mine", name: "RidgeCV") { run in
                failedRun = run.runID
                _ = try TrainingJob(source: .table(csv, FeatureSpec(target: "nope"))).run()
            }
        }
        let failed = try store.run(id: failedRun ?? "")
        #expect(failure != nil && failed.info.status == .failed)
        #expect(failed.tags[runErrorTag]?.contains("no column 'nope'") == true, "\(failed.tags)")
    }

    @Test func alphaGridParsesTheCommandLineSpelling() {
        #expect(AlphaGrid(argument: "-3:1:30")?.values.count == 30)
        #expect(AlphaGrid(argument: "1:0:3") == nil)
        #expect(AlphaGrid.standard.description == "-3:1:30")
        // Every alpha must be a positive finite double: 10^±309 is not one.
        #expect(AlphaGrid(argument: "-1e308:1e308:3") == nil && AlphaGrid(argument: "0:309:2") == nil)
        #expect(AlphaGrid(argument: "-300:300:3")?.values.allSatisfy { $0 > 0 && $0.isFinite } == true)
    }

    /// A grid given as numbers is checked before any data is read (RidgeCV would trap on it).
    @Test func alphasThatAreNotPositiveAreAnError() throws {
        for alphas in [[], [1, 0], [.infinity], [.nan]] as [[Double]] {
            let error = try thrownError(TrainingJobError.self) {
                _ = try TrainingJob(source: .table("/nonexistent.csv", FeatureSpec(target: "y")), alphas: alphas, alphaGrid: "given").run()
            }
            #expect(error != nil, "\(alphas)")
        }
    }
}

/// A deterministic generator, so the table is the same on every run.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform on [0, 1), 53 random bits.
    mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-53 }
}

/// The built `possum` binary (beside the test bundle), run without touching any tracking store.
func runPossum(_ arguments: [String]) throws -> ProcessResult {
    try ProductProcess.run(ProductProcess.executable("possum") ?? URL(fileURLWithPath: "possum-not-built"), arguments)
}
