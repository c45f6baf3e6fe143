import Foundation
import Testing

/// Issue 13 through the real binary: `train` into a store, `cp -a` it, `train` into the copy. The
/// copy's run lands in the copy, the original is byte-for-byte unchanged and stays listable, and
/// read-only commands on a missing store create nothing.
@Suite(.serialized) struct CopiedStoreTests {
    static let csv = PossumProcess.repositoryRoot.appendingPathComponent("datasets/possum.csv").path

    func files(under dir: URL) -> [String: Data] {
        var out: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(atPath: dir.path)
        while let relative = enumerator?.nextObject() as? String {
            let full = dir.appendingPathComponent(relative).path
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue {
                out[relative] = FileManager.default.contents(atPath: full) ?? Data()
            }
        }
        return out
    }

    @Test func trainIntoACopiedStoreWritesOnlyIntoTheCopy() throws {
        let dir = try PossumProcess.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let s1 = dir.appendingPathComponent("s1"), s3 = dir.appendingPathComponent("s3")
        func possum(_ args: String...) throws -> PossumProcess {
            let p = try PossumProcess.run(args, in: dir)
            #expect(p.status == 0 && !p.crashed, "possum \(args.joined(separator: " ")): \(p.stderr)")
            return p
        }
        _ = try possum("train", "--data", Self.csv, "--tracking-uri", s1.path, "--register", "M", "--target", "taill", "--drop", "case", "--categorical", "site,Pop,sex")
        let copy = Process()
        copy.executableURL = URL(fileURLWithPath: "/bin/cp")
        copy.arguments = ["-a", s1.path, s3.path]
        try copy.run()
        copy.waitUntilExit()
        let before = files(under: s1)

        _ = try possum("train", "--data", Self.csv, "--tracking-uri", s3.path, "--register", "M", "--target", "taill", "--drop", "case", "--categorical", "site,Pop,sex")

        #expect(files(under: s1) == before, "the original store changed")
        let original = try possum("runs", "list", "--tracking-uri", s1.path)
        #expect(original.stdout.split(separator: "\n").count == 3, "\(original.stdout)")
        #expect(original.stderr.isEmpty, "\(original.stderr)")
        let copied = try possum("runs", "list", "--tracking-uri", s3.path)
        #expect(copied.stdout.split(separator: "\n").count == 4, "\(copied.stdout)")
        #expect(try possum("runs", "gc", "--dry-run", "--tracking-uri", s1.path).stdout.contains("no RUNNING or damaged runs"))
        // Both versions' model files resolve inside the copy.
        for reference in ["M/1", "M/2"] {
            let path = try possum("models", "get", reference, "--tracking-uri", s3.path).stdout
                .trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(path.hasPrefix(s3.path + "/"), "\(reference): \(path)")
            #expect(FileManager.default.fileExists(atPath: path))
        }
        // The report of the copy is written, and the copy's own new run records its own URI.
        _ = try possum("report", "--tracking-uri", s3.path, "--out", dir.appendingPathComponent("r.html").path)
    }

    @Test func readOnlyCommandsOnAMissingStoreCreateNothing() throws {
        let dir = try PossumProcess.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let missing = dir.appendingPathComponent("no/such/dir").path
        let commands: [[String]] = [
            ["runs", "list"], ["runs", "show", "0123456789abcdef0123456789abcdef"],
            ["runs", "compare", "0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210"],
            ["runs", "gc", "--dry-run"], ["runs", "gc"], ["models", "list"], ["models", "show", "M"], ["models", "get", "M@latest"],
            ["models", "promote", "M", "1", "--stage", "Production"], ["report", "--out", dir.appendingPathComponent("r.html").path],
        ]
        for arguments in commands {
            let p = try PossumProcess.run(arguments + ["--tracking-uri", missing], in: dir)
            #expect(p.status == 1 && !p.crashed, "\(arguments): \(p.status) \(p.stderr)")
            #expect(p.stderr.contains("no tracking store at \(missing)"), "\(arguments): \(p.stderr)")
            #expect(p.stderr.split(separator: "\n").count == 1, "\(arguments): \(p.stderr)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    @Test func damagedRunIsSkippedWithAWarningAndListedByGC() throws {
        let dir = try PossumProcess.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = dir.appendingPathComponent("mlruns").path
        let first = try PossumProcess.run(["train", "--data", Self.csv, "--tracking-uri", store] + PossumProcess.possumColumns, in: dir)
        #expect(first.status == 0, "\(first.stderr)")
        // What an old possum left after ENOSPC, or an interrupted copy: a run without meta.yaml.
        let damaged = store + "/0/0123456789abcdef0123456789abcdef"  // experiment 0: Default
        try FileManager.default.createDirectory(atPath: damaged + "/artifacts", withIntermediateDirectories: true)
        let listed = try PossumProcess.run(["runs", "list", "--tracking-uri", store], in: dir)
        #expect(listed.status == 0 && listed.stdout.split(separator: "\n").count == 3, "\(listed.stdout)\(listed.stderr)")
        #expect(listed.stderr == "warning: skipped \(damaged)/meta.yaml: missing: the run directory has no meta.yaml\n")
        let gc = try PossumProcess.run(["runs", "gc", "--tracking-uri", store], in: dir)
        #expect(gc.status == 0 && gc.stdout.contains("0123456789abcdef0123456789abcdef") && gc.stdout.contains("damaged"), "\(gc.stdout)")
        let repaired = try PossumProcess.run(["runs", "gc", "--repair", "--tracking-uri", store], in: dir)
        #expect(repaired.status == 0 && repaired.stdout.contains("repaired"), "\(repaired.stdout)\(repaired.stderr)")
        let after = try PossumProcess.run(["runs", "list", "--tracking-uri", store], in: dir)
        #expect(after.stderr.isEmpty && after.stdout.split(separator: "\n").count == 4, "\(after.stdout)\(after.stderr)")
    }
}
