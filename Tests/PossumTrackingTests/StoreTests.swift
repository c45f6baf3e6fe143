import Foundation
import Testing
@testable import PossumTracking

/// Round trips, registry semantics, queries, the HTML report.
@Suite struct StoreTests {
    @Test func runRoundTrip() throws {
        let (store, _) = try makeStore()
        let (scaler, ridge, _) = try writeReferencePipeline(store)
        let run = try store.run(id: ridge.runID)
        #expect(run.info.runName == "RidgeCV")
        #expect(run.info.status == .finished)
        #expect(run.info.endTime != nil)
        #expect(run.params == ["solver": "simd", "alphas": "-3:1:30"])
        #expect(run.metrics["loo_rmse"]?.value == 1.234)  // the latest step
        #expect(run.metrics["loo_rmse"]?.step == 3)
        #expect(run.parentRunID == scaler.runID)
        #expect(run.tags["model"] == "ridge")
        #expect(try store.metricHistory(runID: ridge.runID, key: "loo_rmse").map(\.value) == [1.40, 1.31, 1.25, 1.234])
        #expect(try store.artifacts(runID: ridge.runID).count == 1)
        // A reopened store sees the same thing.
        let reopened = try FileTrackingStore(root: store.root)
        #expect(try reopened.run(id: ridge.runID) == run)
    }

    @Test func specialValuesRoundTrip() throws {
        let (store, _) = try makeStore()
        let e = try store.createExperiment(name: "it's \"quoted\" — ünïcode: yes # no", tags: ["note": "line1\nline2"])
        #expect(try store.experiment(id: e.experimentID).name == e.name)
        #expect(try store.experiment(id: e.experimentID).tags["note"] == "line1\nline2")
        let r = try store.startRun(experimentID: e.experimentID, name: "a: b 'c'")
        for v in [Double.nan, .infinity, -.infinity, 1e-300, 0.1 + 0.2, -0.0] {
            try store.logMetric(runID: r.runID, key: "x", value: v)
        }
        let h = try store.metricHistory(runID: r.runID, key: "x").map(\.value)
        #expect(h[0].isNaN && h[1] == .infinity && h[2] == -.infinity && h[3] == 1e-300 && h[4] == 0.1 + 0.2)
        #expect(try store.runInfo(id: r.runID).runName == "a: b 'c'")
        try store.setTag(runID: r.runID, key: "mlflow.runName", value: "renamed")
        #expect(try store.runInfo(id: r.runID).runName == "renamed")
    }

    @Test func paramsAreImmutable() throws {
        let (store, _) = try makeStore()
        let r = try store.startRun(experimentID: "0")
        try store.logParam(runID: r.runID, key: "solver", value: "simd")
        try store.logParam(runID: r.runID, key: "solver", value: "simd")  // same value: fine
        #expect(message { try store.logParam(runID: r.runID, key: "solver", value: "naive") }?.contains("params cannot change") == true)
    }

    @Test func experimentsByName() throws {
        let (store, _) = try makeStore()
        let a = try store.getOrCreateExperiment(named: "A")
        #expect(try store.getOrCreateExperiment(named: "A") == a)
        #expect(message { _ = try store.createExperiment(name: "A", tags: [:]) } == "experiment 'A' already exists")
        let b = try store.createExperiment(name: "B", tags: [:])
        #expect(a.experimentID == "1" && b.experimentID == "2")
        #expect(try store.experiments().map(\.name) == ["Default", "A", "B"])
    }

    @Test func stageTransitionsArchiveExistingVersions() throws {
        let (store, _) = try makeStore()
        let (_, ridge, _) = try writeReferencePipeline(store)
        let name = "Reg_RidgeCV_possums"
        let v2 = try store.createModelVersion(name: name, source: "runs:/\(ridge.runID)/model", runID: ridge.runID, tags: [:], description: nil)
        let v3 = try store.createModelVersion(name: name, source: "runs:/\(ridge.runID)/model", runID: ridge.runID, tags: [:], description: nil)
        #expect(v2.version == 2 && v3.version == 3 && v3.currentStage == .none)
        try store.promote(name: name, version: 1, to: .production)
        try store.promote(name: name, version: 2, to: .production)  // archives v1
        #expect(try store.modelVersion(name: name, version: 1).currentStage == .archived)
        #expect(try store.modelVersion(name: name, version: 2).currentStage == .production)
        // Without archiving, two versions can share a stage; the latest wins in lookups.
        _ = try store.transitionModelVersionStage(name: name, version: 3, stage: .production, archiveExistingVersions: false)
        #expect(try store.latestVersion(name: name, stage: .production)?.version == 3)
        #expect(try store.modelVersion(name: name, version: 2).currentStage == .production)
        #expect(message { _ = try store.transitionModelVersionStage(name: name, version: 3, stage: .archived, archiveExistingVersions: true) }?
            .contains("only Staging and Production") == true)
        #expect(message { _ = try store.modelVersion(name: name, version: 9) } == "version 9 of registered model 'Reg_RidgeCV_possums' not found")
    }

    @Test func modelReferencesResolveToArtifactPaths() throws {
        let (store, _) = try makeStore()
        let (_, ridge, _) = try writeReferencePipeline(store)
        let name = "Reg_RidgeCV_possums"
        let artifacts = try store.artifactDirectory(runID: ridge.runID)
        for ref in ["\(name)@Staging", "\(name)@staging", "\(name)@champion", "\(name)/1", "models:/\(name)/1", "models:/\(name)@champion", "\(name)@latest"] {
            let resolved = try store.resolveModel(ref)
            #expect(resolved.version.version == 1, "\(ref)")
            #expect(resolved.artifactPath == artifacts + "/model", "\(ref)")
        }
        #expect(message { _ = try store.resolveModel("\(name)@Production") }
                == "a version of registered model 'Reg_RidgeCV_possums' in stage Production not found")
        #expect(message { _ = try store.resolveModel("nope@Production") } == "registered model 'nope' not found")
        try store.deleteRegisteredModelAlias(name: name, alias: "champion")
        #expect(try store.registeredModel(named: name).aliases.isEmpty)
        #expect(message { try store.setRegisteredModelAlias(name: name, alias: "v2", version: 1) }?.contains("reserved") == true)
    }

    @Test func filtersAndSorting() throws {
        let (store, _) = try makeStore()
        let e = try store.getOrCreateExperiment(named: "grid")
        for (k, (solver, rmse)) in [("simd", 1.2), ("openblas", 1.05), ("naive", 0.9), ("simd", 1.5)].enumerated() {
            let r = try store.startRun(experimentID: e.experimentID, name: "run\(k)")
            try store.logParam(runID: r.runID, key: "solver", value: solver)
            try store.logParam(runID: r.runID, key: "max_iter", value: "10")
            try store.logMetric(runID: r.runID, key: "rmse", value: rmse)
            try store.endRun(runID: r.runID, status: k == 3 ? .failed : .finished, endTime: nil)
        }
        let noMetric = try store.startRun(experimentID: e.experimentID, name: "no-metric")
        _ = noMetric
        func names(_ filter: String?, _ sort: String? = "rmse") throws -> [String] {
            try store.listRuns(experiment: "grid", filter: filter, sort: sort).map(\.info.runName)
        }
        #expect(try names(nil) == ["run2", "run1", "run0", "run3", "no-metric"])  // missing metric last
        #expect(try names(nil, "metrics.rmse DESC") == ["run3", "run0", "run1", "run2", "no-metric"])
        #expect(try names("metrics.rmse < 1.1") == ["run2", "run1"])
        #expect(try names("params.solver = 'simd'") == ["run0", "run3"])
        #expect(try names("metrics.rmse < 1.3 and params.solver = 'simd'") == ["run0"])
        #expect(try names("params.solver IN ('naive', 'openblas')") == ["run2", "run1"])
        #expect(try names("params.solver LIKE 'open%'") == ["run1"])
        #expect(try names("params.solver ILIKE 'SIM_'") == ["run0", "run3"])
        #expect(try names("params.max_iter = 10") == ["run2", "run1", "run0", "run3"])
        #expect(try names("status = 'FAILED'") == ["run3"])
        #expect(try names("attributes.status != 'FINISHED'") == ["run3", "no-metric"])
        #expect(try names("tags.`mlflow.runName` = 'run1'") == ["run1"])
        #expect(try names("tags.mlflow.runName = 'run1'") == ["run1"])
        #expect(try store.listRuns(experiment: "grid", sort: "rmse", maxResults: 2).count == 2)
        // Only the requested keys are loaded.
        let slim = try store.listRuns(experiment: "grid", filter: "params.solver = 'simd'", sort: "rmse", include: .infoOnly)
        #expect(slim[0].params == ["solver": "simd"] && slim[0].metrics.keys.sorted() == ["rmse"] && slim[0].tags.isEmpty)
    }

    @Test func filterErrorsAreOneLine() {
        func err(_ f: String) -> String? { message { _ = try RunFilter(parsing: f) } }
        #expect(err("metrics.rmse < 'a'") == "filter 'metrics.rmse < \\'a\\'', at character 16: metrics.rmse compares numbers: write the value without quotes")
        #expect(err("rmse < 1")?.contains("write metrics.rmse") == true)
        #expect(err("metrics.rmse < 1 or params.a = 'b'")?.contains("OR is not supported") == true)
        #expect(err("params.solver < 'a'")?.contains("is a string") == true)
        #expect(err("params.solver = 'simd")?.contains("unterminated") == true)
        #expect(err("metrics.rmse ~ 1")?.contains("expected a comparison") == true)
        #expect(err("attributes.colour = 'x'")?.contains("unknown attribute") == true)
        #expect(err("") == nil)
    }

    @Test func comparison() throws {
        let (store, _) = try makeStore()
        let a = try store.startRun(experimentID: "0", name: "a")
        let b = try store.startRun(experimentID: "0", name: "b")
        try store.logParam(runID: a.runID, key: "solver", value: "simd")
        try store.logParam(runID: b.runID, key: "solver", value: "simd")
        try store.logParam(runID: a.runID, key: "alpha", value: "1")
        try store.logMetric(runID: a.runID, key: "rmse", value: 1.0)
        try store.logMetric(runID: b.runID, key: "rmse", value: 2.0)
        let c = try store.compareRuns(ids: [a.runID, b.runID])
        #expect(c.rows.map { "\($0.kind).\($0.key):\($0.differs)" } == ["param.alpha:true", "param.solver:false", "metric.rmse:true"])
        let table = TrackingFormat.comparisonTable(c)
        #expect(table.contains("≠  metrics.rmse"))
        #expect(try TrackingJSON.encode(c).contains("\"run_ids\""))
    }

    @Test func htmlReportIsSelfContained() throws {
        let (store, _) = try makeStore()
        try writeReferencePipeline(store)
        let r = try store.startRun(experimentID: "0", name: "<script>alert(1)</script>")
        _ = r
        let page = try renderReport(store)
        #expect(page.hasPrefix("<!DOCTYPE html>"))
        #expect(page.contains("Possum_tails") && page.contains("Reg_RidgeCV_possums") && page.contains("Staging"))
        #expect(page.contains("<svg") && page.contains("<polyline"))  // loo_rmse has 4 steps
        // The page's own sorting script is its one <script>; the hostile run name is text.
        #expect(!page.contains("<script>alert") && page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(page.components(separatedBy: "<script").count == 2)
        #expect(!page.contains("<link") && !page.contains("src=\"http") && !page.contains("href=\"http"))
    }
}
