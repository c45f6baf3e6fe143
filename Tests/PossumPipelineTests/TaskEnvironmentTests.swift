import Foundation
import Testing
@testable import PossumPipeline

/// What a task's process finds in its environment.
@Suite struct TaskEnvironmentTests {
    @Test func tasksGetTheRunAndTheDriversPolicies() throws {
        let s = try Scratch()
        defer { s.cleanup() }
        try s.pipeline("""
            tasks:
              - name: t
                command: 'echo "$POSSUM_DAG_RUN_ID|$POSSUM_DAG_TASK|$OPENBLAS_NUM_THREADS|$POSSUM_TRACKING_DURABLE" > env.txt'
                outputs: [env.txt]
            """)
        var o = s.options()
        o.environment = o.environment.filter { !["OPENBLAS_NUM_THREADS", "POSSUM_TRACKING_DURABLE"].contains($0.key) }
        let state = try PipelineRunner(graph: try s.graph(), options: o).run()
        // Tracker writes in tasks are not fsynced, like the driver's own (its state file is the record).
        #expect(s.read("env.txt") == "\(state.runID)|t|1|0\n")

        // What the caller set wins; a durable driver tracker makes the tasks' durable too.
        o.environment["OPENBLAS_NUM_THREADS"] = "2"
        o.trackerDurable = true
        o.force = ["t"]
        let again = try PipelineRunner(graph: try s.graph(), options: o).run()
        #expect(s.read("env.txt") == "\(again.runID)|t|2|\n")
        o.trackerDurable = false
        o.environment["POSSUM_TRACKING_DURABLE"] = "1"
        let third = try PipelineRunner(graph: try s.graph(), options: o).run()
        #expect(s.read("env.txt") == "\(third.runID)|t|2|1\n")

        // `possum task run` (under Airflow): no possum state file to rely on, so the tracker stays durable.
        o.environment.removeValue(forKey: "POSSUM_TRACKING_DURABLE")
        #expect(try SingleTask.run(try s.graph(), task: "t", options: o) { _ in } == 0)
        #expect(s.read("env.txt") == "|t|2|\n")
    }
}
