import Foundation
import Testing
@testable import PossumTracking

/// Run ids by unique prefix, git-style (issue 14, "Runs you can find").
@Suite struct RunIDPrefixTests {
    @Test func uniquePrefixResolvesExactWinsNoneAndAmbiguousAreRefused() throws {
        let ids = ["abc123", "abd456", "ff00", "ff"]
        #expect(try IDPrefix.resolve("abc", among: ids, kind: "run") == "abc123")
        #expect(try IDPrefix.resolve("ff", among: ids, kind: "run") == "ff")  // exact, though a prefix of ff00
        #expect(message { _ = try IDPrefix.resolve("zz", among: ids, kind: "run") } == "no run with id starting 'zz'")
        #expect(message { _ = try IDPrefix.resolve("", among: ids, kind: "run") } == "no run with id starting ''")
        let ambiguous = message { _ = try IDPrefix.resolve("ab", among: ids, kind: "run") } ?? ""
        #expect(ambiguous.contains("'ab' is ambiguous") && ambiguous.contains("abc123, abd456"), "\(ambiguous)")
    }

    @Test func ambiguousListsAtMostEightCandidates() {
        let ids = (0..<20).map { String(format: "a%02d", $0) }
        let text = message { _ = try IDPrefix.resolve("a", among: ids, kind: "run") } ?? ""
        #expect(text.contains("20 runs match") && text.contains("a07") && !text.contains("a08") && text.contains("and 12 more"), "\(text)")
    }

    @Test func shortestPrefixesStayUnique() {
        let ids = ["0123456789ab", "0123456789cd", "fedcba987654"]
        #expect(IDPrefix.shortest(ids, among: ids) == ["0123456789a", "0123456789c", "fedcba98"])
    }

    @Test func storeResolvesPrefixesOfItsRuns() throws {
        let (store, _) = try makeStore()
        let exp = try store.getOrCreateExperiment(named: "E")
        // 17 runs: two of them share a first hex digit (pigeonhole), whose prefix is ambiguous.
        let runs = try (0..<17).map { _ in try store.startRun(experimentID: exp.experimentID).runID }
        for id in runs { #expect(try store.resolveRunID(String(id.prefix(12))) == id) }
        #expect(try store.resolveRunID(runs[3]) == runs[3])
        let first = Dictionary(grouping: runs, by: { $0.prefix(1) }).first { $0.value.count > 1 }
        let shared = try #require(first)
        let text = message { _ = try store.resolveRunID(String(shared.key)) } ?? ""
        #expect(text.contains("is ambiguous") && shared.value.allSatisfy { text.contains($0) }, "\(text)")
        #expect(message { _ = try store.resolveRunID("tags") } == "no run with id starting 'tags'")
        // compare takes prefixes and shows ids that resolve back.
        let comparison = try store.compareRuns(ids: [String(runs[0].prefix(10)), String(runs[1].prefix(10))])
        #expect(comparison.runIDs == [runs[0], runs[1]])
        for (short, full) in zip(comparison.shortIDs, comparison.runIDs) { #expect(try store.resolveRunID(short) == full) }
    }
}
