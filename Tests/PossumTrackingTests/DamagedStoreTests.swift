import Foundation
import Testing
@testable import PossumTracking
#if canImport(Glibc)
import Glibc
#endif

/// Issue 13, the tracking store: a copied store stays inside its root, damaged entries are skipped
/// with a warning (and listed or repaired by gc), read-only opens create nothing, run creation
/// leaves nothing half-made, and hostile contents (links, FIFOs, huge files) are reported, never
/// followed, read whole or hung on.
@Suite(.timeLimit(.minutes(2))) struct DamagedStoreTests {
    /// Every regular file under `dir` with its contents: a before/after picture.
    func snapshot(_ dir: String) throws -> [String: Data] {
        var out: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(atPath: dir)
        while let relative = enumerator?.nextObject() as? String {
            let full = dir + "/" + relative
            var st = stat()
            guard lstat(full, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { continue }
            out[relative] = FileManager.default.contents(atPath: full) ?? Data()
        }
        return out
    }

    func copyTree(_ from: String, _ to: String) throws {
        let cp = Process()
        cp.executableURL = URL(fileURLWithPath: "/bin/cp")
        cp.arguments = ["-a", from, to]
        try cp.run()
        cp.waitUntilExit()
        #expect(cp.terminationStatus == 0)
    }

    /// A store with one good run in experiment "e", its root, and a warning collector.
    func storeWithOneRun() throws -> (FileTrackingStore, String, RunInfo, Warnings) {
        let (plain, root) = try makeStore()
        let exp = try plain.getOrCreateExperiment(named: "e")
        let good = try plain.startRun(experimentID: exp.experimentID, name: "good")
        try plain.logParam(runID: good.runID, key: "solver", value: "simd")
        try plain.logMetric(runID: good.runID, key: "rmse", value: 1.25)
        try plain.endRun(runID: good.runID, status: .finished, endTime: nil)
        let warnings = Warnings()
        return (try FileTrackingStore(root: root, durable: false, create: false, warn: warnings.append), root, good, warnings)
    }

    // MARK: - A copied store

    @Test func copiedStoreReadsAndWritesOnlyInsideItsOwnRoot() throws {
        let (original, s1) = try makeStore()
        let (_, ridge, _) = try writeReferencePipeline(original)
        let s3 = parentDirectory(s1) + "/copy"
        try copyTree(s1, s3)
        let before = try snapshot(s1)

        let copy = try FileTrackingStore(root: s3, durable: false)
        let exp = try #require(try copy.experiment(named: "Possum_tails"))
        let run = try copy.startRun(experimentID: exp.experimentID, name: "in the copy")
        let model = NSTemporaryDirectory() + "possum-model-\(UUID().uuidString).h5"
        try writeFile(model, "model bytes")
        let stored = try copy.logArtifact(runID: run.runID, file: model, artifactPath: "model")
        try copy.logParam(runID: run.runID, key: "p", value: "v")
        try copy.endRun(runID: run.runID, status: .finished, endTime: nil)
        _ = try copy.createModelVersion(name: "Reg_RidgeCV_possums", source: "runs:/\(run.runID)/model", runID: run.runID, tags: [:], description: nil)

        #expect(stored.hasPrefix(s3 + "/"), "\(stored)")
        #expect(try copy.runInfo(id: run.runID).artifactURI == "file://" + s3 + "/\(exp.experimentID)/\(run.runID)/artifacts")
        // The run copied from s1 still records s1's URI (for MLflow), but possum reads it in s3.
        #expect(try copy.runInfo(id: ridge.runID).artifactURI.contains("/mlruns/"))
        #expect(try copy.artifactDirectory(runID: ridge.runID) == s3 + "/\(exp.experimentID)/\(ridge.runID)/artifacts")
        #expect(try copy.resolveModel("Reg_RidgeCV_possums@champion").artifactPath.hasPrefix(s3 + "/"))
        #expect(try copy.resolveModel("Reg_RidgeCV_possums/2").artifactPath.hasPrefix(s3 + "/"))
        // An absolute source recorded in the old store's layout maps into this one; others are refused.
        let oldSource = "file://" + s1 + "/\(exp.experimentID)/\(ridge.runID)/artifacts/model/x.h5"
        #expect(try copy.localPath(forModelSource: oldSource) == s3 + "/\(exp.experimentID)/\(ridge.runID)/artifacts/model/x.h5")
        #expect(message { _ = try copy.localPath(forModelSource: "/etc/passwd") }?.contains("outside the tracking store") == true)

        #expect(try snapshot(s1) == before, "the original store changed")
        #expect(try original.listRuns().count == 2)
        #expect(try copy.listRuns().count == 3)
    }

    // MARK: - Damaged runs

    /// Each way a run directory can be damaged; the store lists the good run and warns once.
    @Test(arguments: ["no meta.yaml", "garbled", "meta is a directory", "meta is a FIFO", "meta is a link", "huge meta",
                      "deep meta", "run is a link", "wrong run id", "empty meta"])
    func damagedRunIsSkippedWithOneWarning(damage: String) throws {
        let (store, root, good, warnings) = try storeWithOneRun()
        let expDir = root + "/" + good.experimentID
        let bad = expDir + "/0123456789abcdef0123456789abcdef"
        let outside = NSTemporaryDirectory() + "possum-outside-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: outside + "/params", withIntermediateDirectories: true)
        try writeFile(outside + "/meta.yaml", "run_id: '0123456789abcdef0123456789abcdef'\nexperiment_id: '\(good.experimentID)'\nartifact_uri: 'x'\n")
        if damage != "run is a link" { try FileManager.default.createDirectory(atPath: bad + "/artifacts", withIntermediateDirectories: true) }
        switch damage {
        case "garbled": try writeFile(bad + "/meta.yaml", "run_id: [[[[\n\u{1B}[31m")
        case "meta is a directory": try FileManager.default.createDirectory(atPath: bad + "/meta.yaml", withIntermediateDirectories: true)
        case "meta is a FIFO": #expect(mkfifo(bad + "/meta.yaml", 0o644) == 0)
        case "meta is a link": try FileManager.default.createSymbolicLink(atPath: bad + "/meta.yaml", withDestinationPath: outside + "/meta.yaml")
        case "huge meta": try writeFile(bad + "/meta.yaml", String(repeating: "a", count: 3 << 20))
        case "deep meta": try writeFile(bad + "/meta.yaml", "a:\n" + String(repeating: "  - [[[[[[[[\n", count: 20_000))
        case "run is a link": try FileManager.default.createSymbolicLink(atPath: bad, withDestinationPath: outside)
        case "wrong run id": try writeFile(bad + "/meta.yaml", "run_id: '" + String(repeating: "x", count: 5000) + "'\nexperiment_id: '1'\n")
        case "empty meta": try writeFile(bad + "/meta.yaml", "")
        default: break
        }
        let runs = try store.listRuns()
        #expect(runs.map(\.info.runID) == [good.runID])
        #expect(try store.listRuns(filter: "params.solver = 'simd'", sort: "metrics.rmse").count == 1)
        _ = try renderReport(store)
        #expect(warnings.lines.count == 1, "\(warnings.lines)")
        let line = try #require(warnings.lines.first)
        #expect(line.hasPrefix("skipped " + bad), "\(line)")
        #expect(!line.contains("\n") && !line.contains("\u{1B}") && line.count < 500, "\(line)")
        // gc lists it; it is named, left alone, and the store stays listable.
        let listed = try store.collectGarbage(markAs: .killed, dryRun: false, repair: false)
        #expect(listed.map(\.action) == [.damaged])
        #expect(listed.first?.runID == "0123456789abcdef0123456789abcdef")
        // Direct lookups say what is wrong with it, in one line.
        if damage != "run is a link" {
            let m = message { _ = try store.run(id: "0123456789abcdef0123456789abcdef") }
            #expect(m?.hasPrefix(bad) == true && m?.contains("\n") == false, "\(m ?? "no error")")
        }
        // Nothing outside the store was touched or followed.
        #expect(try snapshot(outside).keys.sorted() == ["meta.yaml"])
    }

    @Test func gcRepairGivesDamagedRunsANewMetaAndKeepsTheOld() throws {
        let (store, root, good, _) = try storeWithOneRun()
        let expDir = root + "/" + good.experimentID
        let missing = expDir + "/0123456789abcdef0123456789abcdef"
        let garbled = expDir + "/fedcba9876543210fedcba9876543210"
        try writeFile(missing + "/tags/mlflow.runName", "lost run")
        try writeFile(missing + "/params/alpha", "0.5")
        try writeFile(garbled + "/meta.yaml", "status: [\n")
        // A leftover of a creation killed midway: hidden, its process (a reaped child) gone.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/true")
        try child.run()
        child.waitUntilExit()
        let leftover = expDir + "/.abcdefabcdefabcdefabcdefabcdefab.tmp-\(child.processIdentifier)-1f"
        try writeFile(leftover + "/tags/x", "y")
        let leftoverFile = expDir + "/.meta.yaml.tmp-\(child.processIdentifier)-2e"
        try writeFile(leftoverFile, "half a meta.yaml")

        let preview = try store.collectGarbage(markAs: .killed, dryRun: true, repair: true)
        #expect(Set(preview.map(\.action)) == [.damaged, .leftover])
        #expect(FileManager.default.fileExists(atPath: leftover))
        let repaired = try store.collectGarbage(markAs: .killed, dryRun: false, repair: true)
        #expect(repaired.filter { $0.action == .repaired }.count == 2)
        #expect(repaired.filter { $0.action == .removed }.count == 2)
        #expect(!FileManager.default.fileExists(atPath: leftover) && !FileManager.default.fileExists(atPath: leftoverFile))
        let lost = try store.run(id: "0123456789abcdef0123456789abcdef")
        #expect(lost.info.runName == "lost run" && lost.info.status == .failed && lost.params["alpha"] == "0.5")
        #expect(try FileManager.default.contentsOfDirectory(atPath: garbled).contains { $0.hasPrefix("meta.yaml.damaged-") })
        #expect(try store.listRuns().count == 3)
        #expect(try store.collectGarbage(markAs: .killed, dryRun: false, repair: true).isEmpty)
    }

    @Test func damagedModelsAndVersionsAreSkippedInListingsAndLookups() throws {
        let (store, root) = try makeStore()
        try writeReferencePipeline(store)
        let warnings = Warnings()
        let watched = try FileTrackingStore(root: root, durable: false, create: false, warn: warnings.append)
        try FileManager.default.createDirectory(atPath: root + "/models/NoMeta", withIntermediateDirectories: true)
        try writeFile(root + "/models/Reg_RidgeCV_possums/version-7/meta.yaml", "current_stage: [\n")
        try FileManager.default.createSymbolicLink(atPath: root + "/models/Linked", withDestinationPath: NSTemporaryDirectory())
        #expect(try watched.registeredModels().map(\.name) == ["Reg_RidgeCV_possums"])
        #expect(try watched.modelVersions(name: "Reg_RidgeCV_possums").map(\.version) == [1])
        #expect(try watched.resolveModel("Reg_RidgeCV_possums@latest").version.version == 1)
        #expect(try watched.resolveModel("Reg_RidgeCV_possums@Staging").version.version == 1)
        _ = try renderReport(watched)
        // Promoting archives the other versions in the stage; the damaged one is skipped, not fatal.
        #expect(try watched.promote(name: "Reg_RidgeCV_possums", version: 1, to: .production).currentStage == .production)
        #expect(warnings.lines.count == 3, "\(warnings.lines)")
        #expect(warnings.lines.allSatisfy { $0.hasPrefix("skipped " + root + "/models/") })
    }

    // MARK: - Creating nothing, half-making nothing

    @Test func readOnlyOpenOfAMissingStoreCreatesNothing() throws {
        let parent = NSTemporaryDirectory() + "possum-none-\(UUID().uuidString)"
        let root = parent + "/deeper/mlruns"
        #expect(message { _ = try FileTrackingStore(root: root, create: false) } == "no tracking store at \(root) (it is created by the first command that logs a run)")
        #expect(!FileManager.default.fileExists(atPath: parent))
        // An existing but empty directory is an empty store, and stays empty.
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let store = try FileTrackingStore(root: root, create: false)
        #expect(try store.listRuns().isEmpty && store.registeredModels().isEmpty)
        _ = try renderReport(store)
        _ = try store.collectGarbage(markAs: .killed, dryRun: true, repair: false)
        #expect(try FileManager.default.contentsOfDirectory(atPath: root).isEmpty)
    }

    /// The one mechanism under startRun, experiment, model and version creation: a failure while
    /// populating leaves nothing behind, not even the temporary directory.
    @Test func failedCreationLeavesNothingBehind() throws {
        let (store, root) = try makeStore()
        struct Injected: Error {}
        let target = root + "/0/0123456789abcdef0123456789abcdef"
        #expect(throws: Injected.self) {
            try store.createDirectoryAtomically(target, what: "run") { temp in
                try store.files.makeDirectories(temp + "/tags")
                try store.writeText("x", to: temp + "/tags/a", tempDirectory: temp)
                throw Injected()
            }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/0") == ["meta.yaml"])
        // Creating over an existing entry is refused, and the existing one is untouched.
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        #expect(throws: TrackingError.alreadyExists("run")) {
            try store.createDirectoryAtomically(target, what: "run") { _ in }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: target).isEmpty)
    }

    /// A real disk-full: a 64 KiB tmpfs (needs root; skipped otherwise). Every failed startRun
    /// leaves the store exactly as it was, and listable.
    @Test func diskFullDuringRunCreationLeavesTheStoreListable() throws {
        guard geteuid() == 0 else { return }
        let mountPoint = NSTemporaryDirectory() + "possum-tmpfs-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: mountPoint) }
        guard mount("tmpfs", mountPoint, "tmpfs", 0, "size=64k") == 0 else { return }
        defer { umount(mountPoint) }
        let store = try FileTrackingStore(root: mountPoint + "/mlruns", durable: false)
        let filler = mountPoint + "/filler"
        let fd = open(filler, O_WRONLY | O_CREAT, 0o644)
        var chunk = [UInt8](repeating: 0, count: 1024)
        while chunk.withUnsafeMutableBytes({ write(fd, $0.baseAddress, 1024) }) == 1024 {}
        close(fd)
        var failures = 0
        // Free a little space at a time, so creation fails at different points, then succeeds.
        for _ in 0..<12 {
            let before = try snapshot(mountPoint + "/mlruns")
            let entries = try FileManager.default.contentsOfDirectory(atPath: mountPoint + "/mlruns/0").sorted()
            do {
                _ = try store.startRun(experimentID: "0", name: "r", parentRunID: nil, tags: ["k": String(repeating: "v", count: 3000)], startTime: nil)
            } catch {
                failures += 1
                #expect("\(error)".contains("No space left on device"), "\(error)")
                #expect(try snapshot(mountPoint + "/mlruns") == before)
                #expect(try FileManager.default.contentsOfDirectory(atPath: mountPoint + "/mlruns/0").sorted() == entries)
            }
            let size = (try? FileManager.default.attributesOfItem(atPath: filler)[.size] as? Int) ?? 0
            _ = truncate(filler, off_t(max(0, size - 6144)))
        }
        #expect(failures > 0 && failures < 12, "\(failures) of 12 failed")
        #expect(try store.listRuns().count == 12 - failures)
    }

    // MARK: - Hostile contents

    @Test func linksFIFOsAndHugeFilesInARunAreNeverFollowedOrReadWhole() throws {
        let (store, root, good, warnings) = try storeWithOneRun()
        let runDir = root + "/\(good.experimentID)/\(good.runID)"
        let outside = NSTemporaryDirectory() + "possum-outside-\(UUID().uuidString)"
        try writeFile(outside + "/secret", "do not read me")
        try FileManager.default.createDirectory(atPath: outside + "/dir", withIntermediateDirectories: true)
        let outsideBefore = try snapshot(outside)
        try FileManager.default.createSymbolicLink(atPath: runDir + "/params/link", withDestinationPath: outside + "/secret")
        #expect(mkfifo(runDir + "/params/fifo", 0o644) == 0)
        #expect(mkfifo(runDir + "/metrics/fifo", 0o644) == 0)
        try writeFile(runDir + "/params/huge", String(repeating: "h", count: 2 << 20))
        try writeFile(runDir + "/params/controls", "nul\u{0}esc\u{1B}[31mnew\nline")
        try FileManager.default.createSymbolicLink(atPath: runDir + "/metrics/linked", withDestinationPath: outside + "/secret")

        let runs = try store.listRuns()
        #expect(runs.count == 1)
        #expect(runs[0].params["solver"] == "simd" && runs[0].metrics["rmse"]?.value == 1.25)
        #expect(runs[0].params["link"] == nil && runs[0].params["huge"] == nil && runs[0].params["fifo"] == nil)
        #expect(warnings.lines.count == 5, "\(warnings.lines)")
        #expect(!warnings.lines.joined().contains("do not read me"))
        // Tables escape control characters: each run stays one line.
        let table = TrackingFormat.runsTable(runs, paramColumns: ["controls"])
        #expect(table.split(separator: "\n").count == 3 && table.contains("nul\\x00esc\\x1b[31mnew\\x0aline"), "\(table)")
        #expect(!TrackingFormat.runDetail(runs[0]).contains("\u{1B}"))
        // runs show names the first bad file, in one line.
        let m = try #require(message { _ = try store.run(id: good.runID) })
        #expect(m.hasPrefix(runDir + "/") && !m.contains("\n"), "\(m)")

        // Writes never go through a link: not into params/, metrics/, tags/ or artifacts/.
        for folder in ["params", "tags", "artifacts"] {
            try FileManager.default.removeItem(atPath: runDir + "/" + folder)
            try FileManager.default.createSymbolicLink(atPath: runDir + "/" + folder, withDestinationPath: outside + "/dir")
        }
        let artifact = NSTemporaryDirectory() + "possum-artifact-\(UUID().uuidString)"
        try writeFile(artifact, "bytes")
        #expect(throws: TrackingError.self) { try store.logParam(runID: good.runID, key: "new", value: "v") }
        #expect(throws: TrackingError.self) { try store.setTag(runID: good.runID, key: "new", value: "v") }
        #expect(throws: TrackingError.self) { try store.logArtifact(runID: good.runID, file: artifact, artifactPath: nil) }
        #expect(throws: TrackingError.self) { try store.logMetric(runID: good.runID, key: "linked", value: 1) }
        #expect(throws: TrackingError.self) { try store.logMetric(runID: good.runID, key: "fifo", value: 1) }
        #expect(try snapshot(outside) == outsideBefore)
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside + "/dir").isEmpty)
    }

    @Test func hugeMetricHistoryIsRefusedNotReadWhole() throws {
        let (store, root, good, warnings) = try storeWithOneRun()
        let file = root + "/\(good.experimentID)/\(good.runID)/metrics/big"
        let fd = open(file, O_WRONLY | O_CREAT, 0o644)
        #expect(ftruncate(fd, off_t(StoreFiles.metricFileLimit + 1)) == 0)  // sparse: no disk used
        close(fd)
        #expect(try store.listRuns(sort: "metrics.big").count == 1)
        #expect(warnings.lines.first?.contains("larger than the 256 MiB") == true, "\(warnings.lines)")
        #expect(message { _ = try store.metricHistory(runID: good.runID, key: "big") }?.hasPrefix(file + ": larger than") == true)
    }

    @Test func modelsFolderThatIsALinkIsSkippedNotFollowed() throws {
        let (store, root, _, warnings) = try storeWithOneRun()
        let outside = NSTemporaryDirectory() + "possum-outside-\(UUID().uuidString)"
        try writeFile(outside + "/Evil/meta.yaml", "name: 'Evil'\n")
        try FileManager.default.createSymbolicLink(atPath: root + "/models", withDestinationPath: outside)
        #expect(try store.registeredModels().isEmpty)
        #expect(warnings.lines == ["skipped \(root)/models: a symbolic link where the store expects a directory (links are not followed)"])
        #expect(throws: TrackingError.self) { _ = try store.createRegisteredModel(name: "New") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside) == ["Evil"])
    }

    @Test func storeRootThatIsALinkIsUsedAsTheUsersChoice() throws {
        let (store, root, good, _) = try storeWithOneRun()
        _ = store
        let link = NSTemporaryDirectory() + "possum-link-\(UUID().uuidString)"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: root)
        let viaLink = try FileTrackingStore(root: link, durable: false, create: false)
        #expect(try viaLink.listRuns().map(\.info.runID) == [good.runID])
    }

    // MARK: - The YAML reader's bounds

    @Test func yamlReaderBoundsItsInputAndNeverTraps() throws {
        let big = [UInt8](repeating: UInt8(ascii: "a"), count: FlatYAML.maxDocumentBytes + 1)
        #expect(message { _ = try FlatYAML.decode(bytes: big, path: "m.yaml") } == "m.yaml: larger than the 256 KiB accepted for a meta.yaml")
        // Random documents from YAML's punctuation: each parses or fails with one line.
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("ab: '\"[]{}-#&*!|>\n\n  \t\r\\x0\u{0}\u{FFFD}".utf8)
        for _ in 0..<3000 {
            let count = Int.random(in: 0..<200, using: &generator)
            let bytes = (0..<count).map { _ in alphabet.randomElement(using: &generator) ?? 0 }
            if let m = message({ _ = try FlatYAML.decode(bytes: bytes, path: "f.yaml") }) {
                #expect(!m.contains("\n") && m.hasPrefix("f.yaml"), "\(m)")
            }
        }
    }
}

private func parentDirectory(_ path: String) -> String { (path as NSString).deletingLastPathComponent }
