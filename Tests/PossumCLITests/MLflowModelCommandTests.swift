import Foundation
import Testing

/// `possum train --register --alias` logs an MLflow model folder and registers it as MLflow does;
/// `possum models alias` sets and deletes aliases in MLflow's file-store layout. (That MLflow
/// itself loads and predicts with the folder is `make test-mlflow`'s part.)
@Suite(.serialized) struct MLflowModelCommandTests {
    static let csv = PossumProcess.repositoryRoot.appendingPathComponent("datasets/possum.csv").path

    func possum(_ arguments: String..., store: URL) throws -> PossumProcess {
        let p = try PossumProcess.run(arguments + ["--tracking-uri", store.path])
        #expect(!p.crashed)
        return p
    }

    func read(_ url: URL) -> String? { try? String(contentsOf: url, encoding: .utf8) }

    /// The only run directory of a fresh store: <store>/<experiment id>/<run id>.
    func runDirectory(in store: URL) throws -> URL {
        let fm = FileManager.default
        for experiment in try fm.contentsOfDirectory(atPath: store.path) where Int(experiment) != nil {
            let dir = store.appendingPathComponent(experiment)
            if let run = try fm.contentsOfDirectory(atPath: dir.path).first(where: { $0.count == 32 }) {
                return dir.appendingPathComponent(run)
            }
        }
        throw CocoaError(.fileNoSuchFile)
    }

    @Test func trainLogsAnMLflowModelFolderAndRegistersItWithTheAlias() throws {
        let store = try PossumProcess.scratch()
        defer { try? FileManager.default.removeItem(at: store) }
        let train = try possum("train", "--data", Self.csv, "--target", "taill", "--drop", "case", "--categorical", "site,Pop,sex", "--register", "M", "--stage", "Production", "--alias", "champion", store: store)
        #expect(train.status == 0, "\(train.stderr)")
        #expect(train.stderr.contains("registered M version 1 (stage Production, alias champion)"))

        let run = try runDirectory(in: store)
        let runID = run.lastPathComponent
        let model = run.appendingPathComponent("artifacts/model")
        for file in ["MLmodel", "possum-ridge.h5", "code/possum_pyfunc.py", "input_example.json",
                     "serving_input_example.json", "python_env.yaml", "conda.yaml", "requirements.txt"] {
            #expect(FileManager.default.fileExists(atPath: model.appendingPathComponent(file).path), "model/\(file)")
        }
        let mlmodel = try #require(read(model.appendingPathComponent("MLmodel")))
        for line in ["artifact_path: model", "  python_function:", "    code: code", "    data: possum-ridge.h5",
                     "    loader_module: possum_pyfunc", "      virtualenv: python_env.yaml",
                     "saved_input_example_info:", "  artifact_path: input_example.json", "  pandas_orient: split",
                     "  type: dataframe", "signature:", "  outputs: '[{\"type\": \"double\", \"required\": true}]'"] {
            #expect(mlmodel.split(separator: "\n").contains(Substring(line)), "MLmodel line \(line)")
        }
        // A run id starting with a digit is quoted, so YAML cannot read it as a number.
        #expect(mlmodel.contains("\nrun_id: \(runID)\n") || mlmodel.contains("\nrun_id: '\(runID)'\n"))
        // The signature: the raw table's columns (not the target, not the dropped id), typed.
        for column in ["{\"type\": \"double\", \"name\": \"age\", \"required\": true}",
                       "{\"type\": \"long\", \"name\": \"site\", \"required\": true}",
                       "{\"type\": \"string\", \"name\": \"Pop\", \"required\": true}"] {
            #expect(mlmodel.contains(column), "signature \(column)")
        }
        #expect(!mlmodel.contains("\"taill\"") && !mlmodel.contains("\"case\""))
        #expect(read(model.appendingPathComponent("requirements.txt")) == "numpy\nh5py\npandas\n")
        let loader = try #require(read(model.appendingPathComponent("code/possum_pyfunc.py")))
        #expect(loader.contains("def _load_pyfunc(data_path):") && loader.contains("import h5py"))
        let example = try #require(read(model.appendingPathComponent("input_example.json")))
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(example.utf8)) as? [String: Any])
        #expect((parsed["columns"] as? [String])?.count == 12)
        #expect(((parsed["data"] as? [[Any]])?.count ?? 0) >= 1)

        // The version points at the folder, as mlflow.register_model("runs:/RUN/model") records it.
        let versionMeta = try #require(read(store.appendingPathComponent("models/M/version-1/meta.yaml")))
        #expect(versionMeta.contains("source: 'runs:/\(runID)/model'\n"))
        #expect(versionMeta.contains("storage_location: 'runs:/\(runID)/model'\n"))
        #expect(read(store.appendingPathComponent("models/M/aliases/champion")) == "1")

        // NAME@ALIAS and models:/ URIs resolve to the model file inside the folder.
        for reference in ["M@champion", "models:/M@champion", "M@Production", "M/1"] {
            let get = try possum("models", "get", reference, store: store)
            #expect(get.status == 0, "\(reference): \(get.stderr)")
            #expect(get.stdout == model.appendingPathComponent("possum-ridge.h5").path + "\n", "\(reference)")
        }
        let scratch = try PossumProcess.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let exported = scratch.appendingPathComponent("copy.h5").path
        #expect(try possum("model", "export", "--registered", "M@champion", "--out", exported, store: store).status == 0)
        #expect(FileManager.default.fileExists(atPath: exported))
    }

    @Test func modelsAliasSetsMovesAndDeletesAliasFiles() throws {
        let store = try PossumProcess.scratch()
        defer { try? FileManager.default.removeItem(at: store) }
        #expect(try possum("train", "--data", Self.csv, "--target", "taill", "--drop", "case", "--categorical", "site,Pop,sex", "--register", "M", store: store).status == 0)
        #expect(try possum("train", "--data", Self.csv, "--target", "taill", "--drop", "case", "--categorical", "site,Pop,sex", "--register", "M", store: store).status == 0)
        let aliasFile = store.appendingPathComponent("models/M/aliases/champion")

        let set = try possum("models", "alias", "M", "champion", "1", store: store)
        #expect(set.status == 0, "\(set.stderr)")
        #expect(read(aliasFile) == "1")
        #expect(try possum("models", "alias", "M", "champion", "2", store: store).status == 0)
        #expect(read(aliasFile) == "2")
        #expect(try possum("models", "get", "M@champion", store: store).stdout.contains("/artifacts/model/possum-ridge.h5"))

        let missingVersion = try possum("models", "alias", "M", "champion", "9", store: store)
        #expect(missingVersion.status != 0 && missingVersion.stderr.contains("version 9"))
        #expect(read(aliasFile) == "2")
        let reserved = try possum("models", "alias", "M", "v3", "1", store: store)
        #expect(reserved.status != 0 && reserved.stderr.contains("reserved"))

        let delete = try possum("models", "alias", "M", "champion", "--delete", store: store)
        #expect(delete.status == 0, "\(delete.stderr)")
        #expect(!FileManager.default.fileExists(atPath: aliasFile.path))
        #expect(try possum("models", "get", "M@champion", store: store).status != 0)
        #expect(try possum("models", "alias", "M", "champion", "--delete", store: store).status != 0)
        #expect(try possum("models", "alias", "M", "champion", store: store).status != 0)  // no VERSION
    }

    @Test func aliasIsCheckedBeforeAnythingIsTrained() throws {
        let store = try PossumProcess.scratch()
        defer { try? FileManager.default.removeItem(at: store) }
        let noRegister = try possum("train", "--data", Self.csv, "--target", "taill", "--drop", "case", "--categorical", "site,Pop,sex", "--alias", "champion", store: store)
        #expect(noRegister.status != 0 && noRegister.stderr.contains("--alias needs --register"))
        let bad = try possum("train", "--data", Self.csv, "--target", "taill", "--drop", "case", "--categorical", "site,Pop,sex", "--register", "M", "--alias", "latest", store: store)
        #expect(bad.status != 0 && bad.stderr.contains("reserved"))
        #expect(!FileManager.default.fileExists(atPath: store.appendingPathComponent("models/M").path))
    }
}
