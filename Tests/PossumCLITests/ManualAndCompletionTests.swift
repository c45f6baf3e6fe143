import Foundation
import Testing

/// What `make man` and the shell completion scripts are generated from. The man page itself comes
/// from swift-argument-parser's GenerateManual plugin, which builds the package in release first
/// (too slow for a unit test); it reads `possum --experimental-dump-help`, checked here.
@Suite struct ManualAndCompletionTests {
    @Test func helpDumpDescribesEveryCommandForTheManPage() throws {
        let p = try PossumProcess.run(["--experimental-dump-help"])
        #expect(p.status == 0, "\(p.stderr)")
        let dump = try JSONSerialization.jsonObject(with: Data(p.stdout.utf8)) as? [String: Any]
        // generate-manual refuses any other serialization version.
        #expect(dump?["serializationVersion"] as? Int == 0)
        var missing: [String] = []
        func walk(_ command: [String: Any], path: String) {
            let name = path.isEmpty ? "possum" : path
            if ((command["abstract"] as? String) ?? "").isEmpty { missing.append(name) }
            for sub in command["subcommands"] as? [[String: Any]] ?? [] where sub["commandName"] as? String != "help" {
                walk(sub, path: name + " " + ((sub["commandName"] as? String) ?? "?"))
            }
        }
        let root = dump?["command"] as? [String: Any] ?? [:]
        walk(root, path: "")
        #expect(missing.isEmpty, "commands without an abstract (the man page's one-line description): \(missing)")
        let names = (root["subcommands"] as? [[String: Any]] ?? []).compactMap { $0["commandName"] as? String }
        #expect(["train", "predict", "features", "data", "lstsq", "dag"].allSatisfy(names.contains), "\(names)")
    }

    @Test func completionScriptsForBashZshAndFish() throws {
        for shell in ["bash", "zsh", "fish"] {
            let p = try PossumProcess.run(["--generate-completion-script", shell])
            #expect(p.status == 0, "\(shell): \(p.stderr)")
            #expect(p.stdout.contains("train") && p.stdout.contains("openblas"), "\(shell) completion lacks commands or --solver values")
        }
    }

    /// The overview names completion and --version, as docs/commands.md does.
    @Test func overviewMentionsCompletionAndVersion() throws {
        let p = try PossumProcess.run(["--help"])
        #expect(p.stdout.contains("--generate-completion-script") && p.stdout.contains("--version"))
    }
}
