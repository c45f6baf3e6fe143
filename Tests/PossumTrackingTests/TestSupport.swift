import Foundation
@testable import PossumTracking

/// A fresh store in its own temp directory. fsync is off: these tests check logic and layout, and
/// syncing thousands of small files would dominate their run time.
func makeStore(durable: Bool = false) throws -> (FileTrackingStore, String) {
    let dir = NSTemporaryDirectory() + "possum-tracking-\(UUID().uuidString)/mlruns"
    return (try FileTrackingStore(root: dir, durable: durable), dir)
}

func readFile(_ path: String) -> String? {
    try? String(contentsOfFile: path, encoding: .utf8)
}

func writeFile(_ path: String, _ text: String) throws {
    try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try text.write(toFile: path, atomically: false, encoding: .utf8)
}

/// The one-line message of a thrown error.
func message(_ body: () throws -> Void) -> String? {
    do { try body(); return nil } catch { return "\(error)" }
}

/// The reference pipeline of issue #7: experiment "Possum_tails", a "Scaler" run with the scaler
/// means as metrics, a "RidgeCV" child... run with params, metrics, an artifact and the model, and a
/// registered model "Reg_RidgeCV_possums" whose version 1 moves to Staging.
@discardableResult
func writeReferencePipeline(_ store: FileTrackingStore) throws -> (scaler: RunInfo, ridge: RunInfo, version: ModelVersion) {
    let exp = try store.getOrCreateExperiment(named: "Possum_tails")
    let scaler = try store.startRun(experimentID: exp.experimentID, name: "Scaler")
    for (k, v) in [("mean_hdlngth", 92.6), ("mean_skullw", 56.9), ("mean_totlngth", 87.1)] {
        try store.logMetric(runID: scaler.runID, key: k, value: v)
    }
    try store.endRun(runID: scaler.runID, status: .finished, endTime: nil)
    let ridge = try store.startRun(experimentID: exp.experimentID, name: "RidgeCV", parentRunID: scaler.runID, tags: ["model": "ridge"], startTime: nil)
    try store.logParam(runID: ridge.runID, key: "solver", value: "simd")
    try store.logParam(runID: ridge.runID, key: "alphas", value: "-3:1:30")
    for (step, rmse) in [1.40, 1.31, 1.25, 1.234].enumerated() {
        try store.logMetric(runID: ridge.runID, key: "loo_rmse", value: rmse, step: Int64(step), timestamp: nil)
    }
    try store.logMetric(runID: ridge.runID, key: "alpha", value: 3.85662, step: 0, timestamp: nil)
    try store.logMetric(runID: ridge.runID, key: "train_r2", value: 0.730828, step: 0, timestamp: nil)
    let modelFile = NSTemporaryDirectory() + "possum-model-\(UUID().uuidString).h5"
    try writeFile(modelFile, "not really HDF5")
    let stored = try store.logArtifact(runID: ridge.runID, file: modelFile, artifactPath: "model")
    try store.endRun(runID: ridge.runID, status: .finished, endTime: nil)
    _ = try store.createRegisteredModel(name: "Reg_RidgeCV_possums", tags: ["model_type": "regression", "data": "possum"], description: nil)
    let v = try store.createModelVersion(
        name: "Reg_RidgeCV_possums", source: "runs:/\(ridge.runID)/model", runID: ridge.runID, tags: ["solver": "simd"], description: nil)
    let staged = try store.transitionModelVersionStage(name: "Reg_RidgeCV_possums", version: v.version, stage: .staging, archiveExistingVersions: false)
    try store.setRegisteredModelAlias(name: "Reg_RidgeCV_possums", alias: "champion", version: v.version)
    _ = stored
    return (scaler, ridge, staged)
}

/// Collects the warnings a store reports (what the CLI prints to stderr).
final class Warnings: @unchecked Sendable {
    private let lock = NSLock()
    private var collected: [String] = []

    var lines: [String] { lock.withLock { collected } }

    var append: @Sendable (String) -> Void { { line in self.lock.withLock { self.collected.append(line) } } }
}
