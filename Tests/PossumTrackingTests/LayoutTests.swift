import Foundation
import Testing
import PossumFiles
@testable import PossumTracking

/// The files on disk are MLflow's FileStore layout, field for field.
@Suite struct LayoutTests {
    @Test func defaultExperimentAndTrashExist() throws {
        let (_, root) = try makeStore()
        let meta = try #require(readFile(root + "/0/meta.yaml"))
        #expect(meta.contains("experiment_id: '0'\n"))
        #expect(meta.contains("name: 'Default'\n"))
        #expect(meta.contains("lifecycle_stage: 'active'\n"))
        #expect(meta.contains("artifact_location: 'file://\(root)/0'\n"))
        #expect(FileManager.default.fileExists(atPath: root + "/.trash"))
    }

    @Test func experimentAndRunFilesAreMLflows() throws {
        let (store, root) = try makeStore()
        let (_, ridge, _) = try writeReferencePipeline(store)
        let exp = try #require(try store.experiment(named: "Possum_tails"))
        let expMeta = try #require(readFile(root + "/\(exp.experimentID)/meta.yaml"))
        let expKeys = expMeta.split(separator: "\n").map { String($0.split(separator: ":")[0]) }
        #expect(expKeys == ["artifact_location", "creation_time", "experiment_id", "last_update_time", "lifecycle_stage", "name"])

        let runDir = root + "/\(exp.experimentID)/\(ridge.runID)"
        let runMeta = try #require(readFile(runDir + "/meta.yaml"))
        let runKeys = runMeta.split(separator: "\n").map { String($0.split(separator: ":")[0]) }
        #expect(runKeys == ["artifact_uri", "end_time", "entry_point_name", "experiment_id", "lifecycle_stage", "run_id", "run_name",
                            "run_uuid", "source_name", "source_type", "source_version", "start_time", "status", "tags", "user_id"])
        #expect(runMeta.contains("status: 3\n"))  // FINISHED
        #expect(runMeta.contains("tags: []\n"))
        #expect(runMeta.contains("artifact_uri: 'file://\(runDir)/artifacts'\n"))
        #expect(ridge.runID.count == 32 && ridge.runID.allSatisfy(\.isHexDigit))

        #expect(readFile(runDir + "/params/solver") == "simd")  // no newline
        let lines = try #require(readFile(runDir + "/metrics/loo_rmse")).split(separator: "\n")
        #expect(lines.count == 4)
        let fields = lines[3].split(separator: " ")
        #expect(fields.count == 3 && Int64(fields[0]) != nil && fields[1] == "1.234" && fields[2] == "3")
        #expect(readFile(runDir + "/tags/mlflow.runName") == "RidgeCV")
        #expect(readFile(runDir + "/tags/mlflow.parentRunId") != nil)
        #expect(readFile(runDir + "/tags/possum.pid") == String(getpid()))
        #expect(readFile(runDir + "/artifacts/model/" + (try store.artifacts(runID: ridge.runID)[0].split(separator: "/").last.map(String.init) ?? "")) == "not really HDF5")
        // No temp files left anywhere.
        let leftovers = FileManager.default.enumerator(atPath: root)!.compactMap { $0 as? String }
            .filter { isTemporaryName(lastPathComponent($0)) }
        #expect(leftovers.isEmpty)
    }

    @Test func registryFilesAreMLflows() throws {
        let (store, root) = try makeStore()
        try writeReferencePipeline(store)
        let modelDir = root + "/models/Reg_RidgeCV_possums"
        let meta = try #require(readFile(modelDir + "/meta.yaml"))
        #expect(meta == """
            aliases:
              champion: '1'
            creation_timestamp: \(try store.registeredModel(named: "Reg_RidgeCV_possums").creationTimestamp)
            description: null
            last_updated_timestamp: \(try store.registeredModel(named: "Reg_RidgeCV_possums").lastUpdatedTimestamp)
            name: 'Reg_RidgeCV_possums'

            """)
        #expect(readFile(modelDir + "/tags/model_type") == "regression")
        #expect(readFile(modelDir + "/aliases/champion") == "1")
        let vmeta = try #require(readFile(modelDir + "/version-1/meta.yaml"))
        let keys = vmeta.split(separator: "\n").map { String($0.split(separator: ":")[0]) }
        #expect(keys == ["creation_timestamp", "current_stage", "description", "last_updated_timestamp", "name", "run_id", "run_link",
                         "source", "status", "status_message", "storage_location", "user_id", "version"])
        #expect(vmeta.contains("current_stage: 'Staging'\n"))
        #expect(vmeta.contains("version: 1\n"))
        #expect(readFile(modelDir + "/version-1/tags/solver") == "simd")
    }

    @Test func trackingURIResolution() throws {
        func directory(_ uri: String?, _ environment: [String: String] = [:]) throws -> String? {
            if case let .directory(path) = try TrackingLocation(uri: uri, environment: environment) { return path }
            return nil
        }
        #expect(try directory(nil)?.hasSuffix("/mlruns") == true)
        #expect(try directory(nil, ["POSSUM_TRACKING_URI": "/tmp/x"]) == "/tmp/x")
        #expect(try directory("file:///tmp/a%20b/", ["POSSUM_TRACKING_URI": "/tmp/x"]) == "/tmp/a b")
        #expect(try directory("file://localhost/srv/m") == "/srv/m")
        #expect(try directory("./runs/../m")?.hasSuffix("/m") == true)
        #expect(message { _ = try TrackingLocation(uri: "sqlite:///mlflow.db", environment: [:]) }
                == "tracking URI 'sqlite:///mlflow.db': supported are a directory or file: URI (the file store) and http(s)://HOST:PORT (an MLflow tracking server)")
        #expect(fileURI(forPath: "/a b/ü") == "file:///a%20b/%C3%BC")
    }
}
