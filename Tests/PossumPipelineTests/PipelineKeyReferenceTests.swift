import Foundation
import Testing
@testable import PossumPipeline

/// docs/pipelines.md's key reference lists exactly the keys the parser accepts, and its example parses.
@Suite struct PipelineKeyReferenceTests {
    static let doc = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/pipelines.md")

    /// The reference table's keys by level (`top`, `defaults`, `task`): rows `| level | `key` | …`.
    static func documentedKeys() throws -> [String: Set<String>] {
        var keys: [String: Set<String>] = [:]
        for line in try String(contentsOf: doc, encoding: .utf8).split(separator: "\n") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count > 3, ["top", "defaults", "task"].contains(cells[1]),
                  cells[2].hasPrefix("`"), cells[2].hasSuffix("`"), cells[2].count > 2 else { continue }
            keys[cells[1], default: []].insert(String(cells[2].dropFirst().dropLast()))
        }
        return keys
    }

    /// The keys the parser accepts at a level, from its own refusal of an unknown key there
    /// ("unknown … key 'x' (expected one of: a, b)"): its behaviour, not a copy of its lists.
    static func acceptedKeys(_ level: String) throws -> Set<String> {
        let probe = "zz_not_a_key: 1"
        let yaml: String
        switch level {
        case "top": yaml = "\(probe)\ntasks: [{name: a, command: [true]}]\n"
        case "defaults": yaml = "defaults: {\(probe)}\ntasks: [{name: a, command: [true]}]\n"
        default: yaml = "tasks: [{name: a, command: [true], \(probe)}]\n"
        }
        do {
            _ = try PipelineParser.parse(yaml: yaml, file: "/tmp/probe.yaml")
        } catch let error as PipelineError {
            let text = error.description
            guard let open = text.range(of: "expected one of: "), let close = text[open.upperBound...].firstIndex(of: ")") else {
                Issue.record("unexpected refusal: \(text)")
                return []
            }
            return Set(text[open.upperBound..<close].components(separatedBy: ", "))
        }
        Issue.record("the parser accepted the \(level) key zz_not_a_key")
        return []
    }

    @Test func theReferenceListsEveryKeyTheParserAccepts() throws {
        let documented = try Self.documentedKeys()
        for level in ["top", "defaults", "task"] {
            let accepted = try Self.acceptedKeys(level)
            #expect(!accepted.isEmpty)
            let missing = accepted.subtracting(documented[level] ?? [])
            let stale = (documented[level] ?? []).subtracting(accepted)
            #expect(missing.isEmpty, "docs/pipelines.md does not list these \(level) keys: \(missing.sorted())")
            #expect(stale.isEmpty, "docs/pipelines.md lists \(level) keys the parser refuses: \(stale.sorted())")
        }
    }

    /// The ```yaml example under the table parses, and uses every documented key.
    @Test func theExampleParsesAndUsesEveryKey() throws {
        let text = try String(contentsOf: Self.doc, encoding: .utf8)
        guard let start = text.range(of: "```yaml\n"), let end = text[start.upperBound...].range(of: "```") else {
            Issue.record("no ```yaml block in docs/pipelines.md")
            return
        }
        let yaml = String(text[start.upperBound..<end.lowerBound])
        let pipeline = try PipelineParser.parse(yaml: yaml, file: "/tmp/every-key.yaml")
        #expect(pipeline.name == "every-key" && pipeline.tasks.map(\.name) == ["import", "summary"])
        #expect(pipeline.tasks[0].retries == 1 && pipeline.tasks[0].timeoutSeconds == 600)
        #expect(pipeline.tasks[1].timeoutSeconds == nil && pipeline.tasks[1].retryDelaySeconds == 0.5)
        #expect(pipeline.tasks[1].command == ["/bin/sh", "-c", "possum data show out/possum.h5 > out/summary.txt"])
        let used = Set(yaml.split(separator: "\n").compactMap { line -> String? in
            let trimmed = line.trimmingCharacters(in: .whitespaces).drop { $0 == "-" || $0 == " " }
            return trimmed.firstIndex(of: ":").map { String(trimmed[..<$0]) }
        })
        let documented = try Self.documentedKeys().values.reduce(Set<String>()) { $0.union($1) }
        #expect(documented.subtracting(used).isEmpty, "keys the example does not use: \(documented.subtracting(used).sorted())")
    }
}
