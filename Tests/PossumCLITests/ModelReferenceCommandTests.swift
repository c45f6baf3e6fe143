import Foundation
import Testing

/// `NAME@STAGE`, `NAME@ALIAS` and `NAME/VERSION` are accepted wherever a model file is: predict,
/// model show (serve is covered by ServeCommandTests), resolved through --tracking-uri.
@Suite(.serialized) struct ModelReferenceCommandTests {
    static let csv = PossumProcess.repositoryRoot.appendingPathComponent("datasets/possum.csv").path

    @Test func predictAndModelShowTakeRegistryReferences() throws {
        let dir = try PossumProcess.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = ["--tracking-uri", dir.appendingPathComponent("mlruns").path]
        let train = try PossumProcess.run(["train", "--data", Self.csv, "--export", "m.h5", "--register", "Tails",
                                           "--stage", "Production", "--alias", "champion"] + PossumProcess.possumColumns + store, in: dir)
        #expect(train.status == 0, "\(train.stderr)")
        let fromFile = try PossumProcess.run(["predict", "--model", "m.h5", "--data", Self.csv], in: dir)
        #expect(fromFile.status == 0, "\(fromFile.stderr)")
        #expect(fromFile.stdout.split(separator: "\n").count == 102, "\(fromFile.stdout.prefix(200))")  // header + 101 complete rows
        for reference in ["Tails@Production", "Tails@champion", "Tails/1", "models:/Tails@champion"] {
            let p = try PossumProcess.run(["predict", "--model", reference, "--data", Self.csv] + store, in: dir)
            #expect(p.status == 0, "\(reference): \(p.stderr)")
            #expect(p.stdout == fromFile.stdout, "\(reference) predicts differently from the exported file")
            let show = try PossumProcess.run(["model", "show", reference, "--json"] + store, in: dir)
            #expect(show.status == 0, "\(reference): \(show.stderr)")
            #expect(show.stdout.contains("taill"), "\(show.stdout.prefix(200))")
        }
        let missing = try PossumProcess.run(["predict", "--model", "Tails@Staging", "--data", Self.csv] + store, in: dir)
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("stage Staging"), "\(missing.stderr)")
        #expect(missing.stderr.split(separator: "\n").count == 1, "\(missing.stderr)")
    }
}
