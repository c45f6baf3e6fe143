import Foundation
import Testing
@testable import PossumPipeline

/// `dag status` / `list-runs` order runs by creation time, not by run-id string (issue 14).
@Suite struct RunOrderTests {
    @Test func runsOfTheSameSecondOrderByCreationTime() throws {
        let s = try Scratch()
        defer { s.cleanup() }
        let store = StateStore(workdir: s.dir, durable: false)
        let second = Date(timeIntervalSince1970: 1_800_000_000)
        // Same second; the later run's random suffix sorts first.
        let early = RunState(runID: "20270115T080000-ffffff", dag: "d", dagFile: "/p.yaml", workdir: s.dir, jobs: 1,
                             order: ["a"], now: second.addingTimeInterval(0.100))
        let late = RunState(runID: "20270115T080000-000000", dag: "d", dagFile: "/p.yaml", workdir: s.dir, jobs: 1,
                            order: ["a"], now: second.addingTimeInterval(0.700))
        let older = RunState(runID: "20270115T075959-888888", dag: "e", dagFile: "/p.yaml", workdir: s.dir, jobs: 1,
                             order: ["a"], now: second.addingTimeInterval(-0.5))
        for state in [late, early, older] { try store.save(state) }
        #expect(store.runPaths().map(\.runID) == [older.runID, early.runID, late.runID])
        #expect(store.runPaths(dag: "d").last?.runID == late.runID)
        // Prefixes name runs as full ids do; an ambiguous one lists the candidates.
        #expect(try store.load(runID: "20270115T075959").runID == older.runID)
        #expect(try store.load(runID: "20270115T080000-f").runID == early.runID)
        do { _ = try store.load(runID: "20270115T080000"); Issue.record("ambiguous prefix accepted") } catch {
            #expect("\(error)".contains("ambiguous") && "\(error)".contains(early.runID) && "\(error)".contains(late.runID), "\(error)")
        }
        #expect(throws: PipelineError.self) { _ = try store.load(runID: "1999") }
    }
}
