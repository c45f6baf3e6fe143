import Foundation
import Testing
@testable import PossumTracking

/// The MLflow model folder's text files, as `mlflow.pyfunc.save_model` writes them.
@Suite struct MLflowModelTests {
    static let model = MLflowPyfuncModel(
        runID: "0123456789abcdef0123456789abcdef", artifactPath: "model", dataFile: "possum-ridge.h5",
        loaderModule: "possum_pyfunc", loaderSource: "def _load_pyfunc(path):\n    return None\n",
        inputs: [.init(name: "age", type: .double), .init(name: "site", type: .long), .init(name: "it's \"x\"", type: .string)],
        exampleRows: [[.number(8.5), .number(3), .text("Vic")], [.number(-1), .number(7), .text("o'ther")]],
        flavor: .init(name: "possum", fields: [("model_file", "possum-ridge.h5"), ("possum_version", "0.1.0")]),
        requirements: ["numpy", "h5py", "pandas"], modelUUID: "ab" + String(repeating: "0", count: 30),
        created: Date(timeIntervalSince1970: 1_700_000_000.25))

    @Test func mlmodelHasThePyfuncFlavorSignatureAndExampleInfo() {
        let lines = Self.model.mlmodel().split(separator: "\n").map(String.init)
        #expect(lines == [
            "artifact_path: model",
            "flavors:",
            "  possum:",
            "    model_file: possum-ridge.h5",
            "    possum_version: '0.1.0'",
            "  python_function:",
            "    code: code",
            "    data: possum-ridge.h5",
            "    env:",
            "      conda: conda.yaml",
            "      virtualenv: python_env.yaml",
            "    loader_module: possum_pyfunc",
            "    python_version: '3.11'",
            "model_uuid: ab000000000000000000000000000000",
            "run_id: '0123456789abcdef0123456789abcdef'",
            "saved_input_example_info:",
            "  artifact_path: input_example.json",
            "  pandas_orient: split",
            "  serving_input_path: serving_input_example.json",
            "  type: dataframe",
            "signature:",
            #"  inputs: '[{"type": "double", "name": "age", "required": true}, {"type": "long", "name": "site", "required": true}, {"type": "string", "name": "it''s \"x\"", "required": true}]'"#,
            #"  outputs: '[{"type": "double", "required": true}]'"#,
            "  params: null",
            "utc_time_created: '2023-11-14 22:13:20.250000'",
        ])
    }

    @Test func filesShipTheLoaderEnvironmentAndExample() throws {
        let files = Dictionary(uniqueKeysWithValues: Self.model.files().map { ($0.path, $0.contents) })
        #expect(Set(files.keys) == ["MLmodel", "code/possum_pyfunc.py", "python_env.yaml", "conda.yaml", "requirements.txt",
                                    "input_example.json", "serving_input_example.json"])
        #expect(files["code/possum_pyfunc.py"] == Self.model.loaderSource)
        #expect(files["requirements.txt"] == "numpy\nh5py\npandas\n")
        #expect(files["python_env.yaml"] == "python: 3.11\nbuild_dependencies:\n- pip\ndependencies:\n- -r requirements.txt\n")
        // pandas "split" orient: long columns hold integers, doubles keep their digits, text is escaped.
        #expect(files["input_example.json"] == #"{"columns": ["age", "site", "it's \"x\""], "data": [[8.5, 3, "Vic"], [-1.0, 7, "o'ther"]]}"#)
        let serving = try #require(files["serving_input_example.json"])
        let parsed = try JSONSerialization.jsonObject(with: Data(serving.utf8)) as? [String: Any]
        #expect((parsed?["dataframe_split"] as? [String: Any])?["columns"] as? [String] == ["age", "site", "it's \"x\""])
    }

    @Test func withoutAnExampleNoExampleIsRecorded() {
        var model = Self.model
        model.exampleRows = []
        #expect(!model.mlmodel().contains("saved_input_example_info"))
        #expect(!model.files().contains { $0.path.hasSuffix(".json") })
    }

    @Test func yamlScalarsThatCouldBeMisreadAreQuoted() {
        #expect(yamlQuoted("model") == "model")
        #expect(yamlQuoted("possum-ridge.h5") == "possum-ridge.h5")
        for (text, quoted) in [("null", "'null'"), ("True", "'True'"), ("3.11", "'3.11'"), ("", "''"), ("a: b", "'a: b'"),
                               ("it's", "'it''s'"), ("-x", "'-x'"), ("line\nbreak", #""line\nbreak""#)] {
            #expect(yamlQuoted(text) == quoted, "\(text)")
        }
    }
}

/// A version registered as an MLflow model folder resolves to the model file inside it; one
/// registered as a file (older stores) to the file itself.
@Suite struct ModelFileResolutionTests {
    @Test func folderResolvesToItsOnlyModelFile() throws {
        let (store, _) = try makeStore()
        let (_, ridge, _) = try writeReferencePipeline(store)
        let name = "Reg_RidgeCV_possums"
        let folder = try store.artifactDirectory(runID: ridge.runID) + "/model"
        let file = try #require(try FileManager.default.contentsOfDirectory(atPath: folder).first { $0.hasSuffix(".h5") })
        for ref in ["\(name)@champion", "models:/\(name)@champion", "\(name)@Staging", "\(name)/1"] {
            #expect(try store.resolveModelFile(ref) == folder + "/" + file, "\(ref)")
        }
        try writeFile(folder + "/other.h5", "a second model")
        #expect(message { _ = try store.resolveModelFile("\(name)@champion") }?.contains("a single model file in \(folder)") == true)
        // A version whose source is the file itself (what possum registered before) still resolves.
        let v2 = try store.createModelVersion(name: name, source: "runs:/\(ridge.runID)/model/other.h5", runID: ridge.runID, tags: [:], description: nil)
        #expect(try store.resolveModelFile("\(name)/\(v2.version)") == folder + "/other.h5")
    }
}
