import Foundation
import PossumData
import PossumML
import PossumProgress
import PossumStorage
import PossumTestSupport
import PossumWorkflows
import Testing

/// `possum train` over row blocks of an HDF5 table gives the in-memory model: the same alpha,
/// coefficients, intercept and LOO errors to 1e-10 relative (they differ only in rounding:
/// moments merged by Chan's update instead of two-pass sums, the TSQR over other block bounds).
@Suite struct StreamingTrainingTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func expectSame(_ a: RidgeModel, _ b: RidgeModel, _ label: String) {
        func close(_ x: Double, _ y: Double) -> Bool { abs(x - y) <= 1e-10 * max(abs(x), abs(y), 1e-300) }
        #expect(a.alpha == b.alpha, "\(label): alpha \(a.alpha) vs \(b.alpha)")
        #expect(a.transform.featureNames == b.transform.featureNames, "\(label)")
        #expect(a.trainingRows == b.trainingRows, "\(label)")
        #expect(a.trainingDataSHA256 == b.trainingDataSHA256, "\(label)")
        // Coefficients relative to the largest one: a coefficient near zero carries the rounding of the others.
        let scale = a.coefficients.map(\.magnitude).max() ?? 1
        for (k, (x, y)) in zip(a.coefficients, b.coefficients).enumerated() {
            #expect(abs(x - y) <= 1e-10 * scale, "\(label): coefficient \(k) \(x) vs \(y)")
        }
        // Each model's intercept goes with its own scaler means, which differ in rounding (two-pass sums against
        // Chan's merge): the models agree when the intercepts differ by what the means' difference predicts.
        let shift = (0..<a.coefficients.count).reduce(0.0) { s, j in
            let (ta, tb) = (a.transform.scaler, b.transform.scaler)
            return s + a.coefficients[j] * (tb.mean[j] - ta.mean[j]) / ta.scale[j]
        }
        #expect(abs((b.intercept - a.intercept) - shift) <= 1e-10 * max(abs(a.intercept), 1),
                "\(label): intercept \(a.intercept) vs \(b.intercept), expected shift \(shift)")
        #expect(close(a.looRMSE, b.looRMSE), "\(label): LOO RMSE \(a.looRMSE) vs \(b.looRMSE)")
        for (x, y) in zip(a.looMeanSquaredErrors, b.looMeanSquaredErrors) { #expect(close(x, y), "\(label): LOO MSE \(x) vs \(y)") }
        #expect(abs(a.trainR2 - b.trainR2) <= 1e-10, "\(label): R² \(a.trainR2) vs \(b.trainR2)")
        for (x, y) in zip(a.transform.scaler.mean + a.transform.scaler.scale, b.transform.scaler.mean + b.transform.scaler.scale) {
            #expect(abs(x - y) <= 1e-12 * max(abs(x), abs(y)), "\(label): scaler \(x) vs \(y)")
        }
    }

    static func train(_ path: String, _ spec: FeatureSpec, _ reading: RowBlockReading) throws -> TrainingJob.Result {
        var job = TrainingJob(source: .table(path, spec))
        job.reading = reading
        return try job.run()
    }

    @Test func thePossumDemoGivesItsNumbersStreamedInAnyBlockSize() throws {
        let dir = try TemporaryDirectory()
        let csv = Self.root.appendingPathComponent("datasets/possum.csv").path
        guard FileManager.default.fileExists(atPath: csv) else { throw DataError(file: csv, "missing: run `make data` first") }
        _ = try TableFile.importCSV(csv, to: dir.file("possum.h5"))
        let memory = try Self.train(dir.file("possum.h5"), .possum, .inMemory)
        #expect(String(format: "%.5f", memory.model.alpha) == "3.85662")
        #expect(String(format: "%.5f", memory.model.looRMSE) == "1.23428")
        // 104 rows: blocks of 7 leave a first block shorter than the 21 columns of [Z | y], and a short last one.
        for blockRows in [7, 50, 1 << 14] {
            let streamed = try Self.train(dir.file("possum.h5"), .possum, .blocks(rows: blockRows))
            Self.expectSame(memory.model, streamed.model, "possum, blocks of \(blockRows)")
            #expect(streamed.trainingFit.truth.count == memory.model.trainingRows)
        }
    }

    /// Missing values, a text column, a column with a large common offset (where a naive
    /// one-pass variance has no correct digit) and several thousand rows in uneven blocks.
    @Test func aGeneratedTableWithGapsAndOffsetsStreamsToTheInMemoryModel() throws {
        let dir = try TemporaryDirectory()
        var generator = SplitMix64(seed: 17)
        var lines = ["id,x1,offset,color,x3,y"]
        let colors = ["red", "green", "blue", "teal"]
        for i in 0..<3001 {
            let x1 = generator.uniform() * 10, offset = 1e8 + generator.uniform(), x3 = 1e-3 * generator.uniform()
            let color = colors[Int(generator.next() % 4)]
            let y = 2 * x1 - 3 * (offset - 1e8) + (color == "red" ? 1.5 : 0) + 400 * x3 + generator.uniform()
            let x1Text = i % 97 == 5 ? "" : String(format: "%.17g", x1)
            let colorText = i % 131 == 7 ? "" : color
            lines.append("r\(i),\(x1Text),\(String(format: "%.17g", offset)),\(colorText),\(String(format: "%.17g", x3)),\(String(format: "%.17g", y))")
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: dir.file("g.csv"), atomically: true, encoding: .utf8)
        _ = try TableFile.importCSV(dir.file("g.csv"), to: dir.file("g.h5"))
        let spec = FeatureSpec(target: "y", id: "id")
        let memory = try Self.train(dir.file("g.h5"), spec, .inMemory)
        #expect(memory.model.trainingRows < 3001)
        for blockRows in [333, 1000] {
            Self.expectSame(memory.model, try Self.train(dir.file("g.h5"), spec, .blocks(rows: blockRows)).model, "generated, blocks of \(blockRows)")
        }
        // The automatic choice reads this small table whole: bit for bit the in-memory model.
        let automatic = try Self.train(dir.file("g.h5"), spec, .automatic)
        #expect(automatic.model.coefficients == memory.model.coefficients)
    }

    /// Hears what the job tells a progress line.
    final class Recorder: ProgressReporter, @unchecked Sendable {
        private let lock = NSLock()
        private(set) var events: [(label: String, total: Int?, last: Int)] = []
        func begin(_ label: String, total: Int?, unit: ProgressUnit) { lock.withLock { events.append((label, total, 0)) } }
        func update(completed: Int, detail: String?) { lock.withLock { if !events.isEmpty { events[events.count - 1].last = completed } } }
        func finish() {}
    }

    @Test func eachPassReportsItsRowsToTheEnd() throws {
        let dir = try TemporaryDirectory()
        try "a,b,y\n" .appending((0..<500).map { "\($0 % 7),\(($0 * 13) % 11),\($0 % 5)\n" }.joined())
            .write(toFile: dir.file("t.csv"), atomically: true, encoding: .utf8)
        _ = try TableFile.importCSV(dir.file("t.csv"), to: dir.file("t.h5"))
        let recorder = Recorder()
        var job = TrainingJob(source: .table(dir.file("t.h5"), FeatureSpec(target: "y")))
        (job.reading, job.progress) = (.blocks(rows: 64), recorder)
        _ = try job.run()
        let passes = recorder.events.filter { $0.label.hasPrefix("pass ") }
        // Numeric features only: the moments and the triangle share the first pass.
        #expect(passes.map(\.label) == ["pass 1/2: moments and QR", "pass 2/2: leave-one-out"])
        #expect(passes.allSatisfy { $0.total == 500 && $0.last == 500 }, "\(passes)")

        // A text column's levels are needed before any row is encoded: three passes.
        try "a,c,y\n" .appending((0..<500).map { "\($0 % 7),\(["u", "v", "w"][$0 % 3]),\($0 % 5)\n" }.joined())
            .write(toFile: dir.file("c.csv"), atomically: true, encoding: .utf8)
        _ = try TableFile.importCSV(dir.file("c.csv"), to: dir.file("c.h5"))
        let withText = Recorder()
        job = TrainingJob(source: .table(dir.file("c.h5"), FeatureSpec(target: "y")))
        (job.reading, job.progress) = (.blocks(rows: 64), withText)
        _ = try job.run()
        let textPasses = withText.events.filter { $0.label.hasPrefix("pass ") }
        #expect(textPasses.map(\.label) == ["pass 1/3: moments", "pass 2/3: QR", "pass 3/3: leave-one-out"])
        #expect(textPasses.allSatisfy { $0.total == 500 && $0.last == 500 }, "\(textPasses)")
    }

    /// All-numeric features take two passes: the triangle of the rows shifted by the first
    /// block's means [1 | X − s | y − s_y], built while the moments are merged, gives the
    /// centered triangle. A large common offset (1e8 + noise), columns of very different scales,
    /// gaps, a first block with no complete row (so the shift comes from a later one) and blocks
    /// both shorter and longer than the width must still give the in-memory model.
    @Test func numericTablesTakeTwoPassesAndGiveTheInMemoryModel() throws {
        let dir = try TemporaryDirectory()
        var generator = SplitMix64(seed: 23)
        var lines = ["x1,offset,tiny,x4,y"]
        for i in 0..<2503 {
            let x1 = generator.uniform() * 10, offset = 1e8 + generator.uniform(), tiny = 1e-6 * generator.uniform()
            let x4 = 0.7 * x1 + generator.uniform()
            let y = 2 * x1 - 3 * (offset - 1e8) + 4e5 * tiny - x4 + 0.1 * generator.uniform()
            let x1Text = i < 9 || i % 89 == 5 ? "" : String(format: "%.17g", x1)
            lines.append("\(x1Text),\(String(format: "%.17g", offset)),\(String(format: "%.17g", tiny)),\(String(format: "%.17g", x4)),\(String(format: "%.17g", y))")
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: dir.file("n.csv"), atomically: true, encoding: .utf8)
        _ = try TableFile.importCSV(dir.file("n.csv"), to: dir.file("n.h5"))
        let spec = FeatureSpec(target: "y")
        let memory = try Self.train(dir.file("n.h5"), spec, .inMemory)
        for blockRows in [3, 8, 400, 1 << 14] {
            Self.expectSame(memory.model, try Self.train(dir.file("n.h5"), spec, .blocks(rows: blockRows)).model, "numeric, blocks of \(blockRows)")
        }
    }

    /// A table whose numbers are deflated (`data import --compress`, and every table imported
    /// before numbers were stored plain) trains to the model of the plain one, bit for bit.
    @Test func compressedAndUncompressedTablesTrainAlike() throws {
        let dir = try TemporaryDirectory()
        var generator = SplitMix64(seed: 5)
        let rows = (0..<6000).map { _ in (generator.uniform(), generator.uniform()) }
        try ("a,b,y\n" + rows.map { "\($0.0),\($0.1),\(3 * $0.0 - $0.1 + 0.01 * $0.0 * $0.1)\n" }.joined())
            .write(toFile: dir.file("t.csv"), atomically: true, encoding: .utf8)
        _ = try TableFile.importCSV(dir.file("t.csv"), to: dir.file("plain.h5"))
        _ = try TableFile.importCSV(dir.file("t.csv"), to: dir.file("deflated.h5"), compressNumbers: true)
        let a = try Self.train(dir.file("plain.h5"), FeatureSpec(target: "y"), .blocks(rows: 1000)).model
        let b = try Self.train(dir.file("deflated.h5"), FeatureSpec(target: "y"), .blocks(rows: 1000)).model
        #expect(a.coefficients == b.coefficients && a.intercept == b.intercept && a.looMeanSquaredErrors == b.looMeanSquaredErrors)
    }

    @Test func streamingACSVIsRefusedWithTheWayOut() throws {
        let dir = try TemporaryDirectory()
        try "a,y\n1,2\n2,3\n3,5\n".write(toFile: dir.file("t.csv"), atomically: true, encoding: .utf8)
        #expect {
            _ = try Self.train(dir.file("t.csv"), FeatureSpec(target: "y"), .blocks(rows: 2))
        } throws: { "\($0)".contains("possum data import") }
    }
}
