import Foundation
import PossumData
import Testing
@testable import PossumPipeline
import PossumTestSupport
import PossumTracking

/// Running DAGs of small shell commands: order, parallelism, caching, retries, timeouts, failures.
@Suite struct RunnerTests {
    @Test func runsInDependencyOrderThenCaches() throws {
        let s = try Scratch()
        defer { s.cleanup() }
        try s.write("hello\n", to: "in.txt")
        try s.pipeline(diamondYAML)
        let (first, events) = try s.run(track: true)
        #expect(first.status == .succeeded)
        let log = s.read("runs.log")!.split(separator: "\n").map(String.init)
        #expect(log.first == "a" && log.last == "d" && Set(log) == ["a", "b", "c", "d"])
        #expect(s.read("d.txt") == "hello\nhello\n")
        #expect(events.contains(.taskSucceeded(task: "d", milliseconds: 0)) == false)  // ms vary; just shape:
        #expect(events.filter { if case .taskSucceeded = $0 { return true }; return false }.count == 4)
        for t in first.tasks.values {
            #expect(t.status == .succeeded && t.attempts == 1 && t.startedAt != nil && t.endedAt != nil)
        }
        #expect(first.tasks["d"]!.outputHashes["d.txt"] == SHA256.hex("hello\nhello\n"))

        // No change: everything cached, nothing ran.
        let (second, events2) = try s.run()
        #expect(second.status == .succeeded && second.tasks.values.allSatisfy { $0.status == .cached })
        #expect(events2.filter { $0 == .taskCached(task: "a") || $0 == .taskCached(task: "d") }.count == 2)
        #expect(s.read("runs.log")!.split(separator: "\n").count == 4)
        #expect(second.runID != first.runID)

        // Tracker: a parent run per DAG run, one child per task with parentRunId and metrics.
        let store = try FileTrackingStore(root: "\(s.dir)/mlruns")
        let exp = try #require(try store.experiment(named: "possum-dags"))
        let runs = try store.searchRuns(experimentIDs: [exp.experimentID], filter: nil, orderBy: [], maxResults: nil, include: .all)
        let parent = try #require(runs.first { $0.info.runID == first.trackerRunID })
        #expect(parent.info.runName == "diamond" && parent.info.status == .finished)
        let children = runs.filter { $0.parentRunID == parent.info.runID }
        #expect(Set(children.map(\.info.runName)) == ["a", "b", "c", "d"])
        for c in children {
            #expect(c.info.status == .finished && c.metrics["attempts"]?.value == 1 && c.metrics["duration_seconds"] != nil)
        }
    }

    /// A task writing into a folder that does not exist yet (a fresh checkout's `out/`) runs:
    /// the folders of declared outputs are made before the task starts.
    @Test func outputFoldersAreCreated() throws {
        let s = try Scratch()
        defer { s.cleanup() }
        try s.pipeline("""
            name: folders
            tasks:
              - name: a
                command: sh -c "echo x > out/deep/a.txt"
                outputs: [out/deep/a.txt]
            """)
        let (report, _) = try s.run()
        #expect(report.status == .succeeded)
        #expect(s.read("out/deep/a.txt") == "x\n")
        // `possum task run` (what the Airflow export calls) does the same.
        try FileManager.default.removeItem(atPath: "\(s.dir)/out")
        let status = try SingleTask.run(try s.graph(), task: "a", options: s.options()) { _ in }
        #expect(status == 0)
        #expect(s.read("out/deep/a.txt") == "x\n")
    }

    @Test func inputChangeRerunsDownstreamOnly() throws {
        let s = try Scratch()
        defer { s.cleanup() }
        try s.write("one\n", to: "in.txt")
        try s.write("side\n", to: "side.txt")
        try s.pipeline(diamondYAML.replacingOccurrences(of: "inputs: [a.txt]\n    outputs: [c.txt]", with: "inputs: [a.txt, side.txt]\n    outputs: [c.txt]"))
        _ = try s.run()
        try s.write("changed\n", to: "side.txt")
        let (state, _) = try s.run()
        #expect(state.status("a") == .cached && state.status("b") == .cached)
        #expect(state.status("c") == .succeeded)
        // c's output is byte-identical (it does not use side.txt), so d stays cached: the key
        // follows content, not timestamps.
        #expect(state.status("d") == .cached)
        try s.write("two\n", to: "in.txt")
        let (again, _) = try s.run()
        #expect(["a", "b", "c", "d"].allSatisfy { again.status($0) == .succeeded })
        #expect(s.read("d.txt") == "two\ntwo\n")
    }

    @Test func forceRerunsTaskAndDownstreamAndTamperedOutputsRerun() throws {
        let s = try Scratch()
        defer { s.cleanup() }
        try s.write("x\n", to: "in.txt")
        try s.pipeline(diamondYAML)
        _ = try s.run()
        let (forced, _) = try s.run(force: ["b"])
        #expect(forced.status("a") == .cached && forced.status("c") == .cached)
        #expect(forced.status("b") == .succeeded && forced.status("d") == .succeeded)
        #expect(forced.forced == ["b"])
        // An output edited behind our back no longer matches its hash: the task reruns.
        try s.write("tampered\n", to: "c.txt")
        let (state, _) = try s.run()
        #expect(state.status("c") == .succeeded && state.status("a") == .cached && s.read("c.txt") == "x\n")
        #expect(throws: PipelineError.unknownTask(name: "nope")) { try s.run(force: ["nope"]) }
    }

    @Test func parallelismIsBounded() throws {
        let s = try Scratch()
        defer { s.cleanup() }
        // Each task logs its start, waits (at most 10 s) until `want` tasks have started, then
        // 0.15 s more, and logs its end: the log's peak is the overlap the runner allowed, and
        // a slow start on a loaded host only delays it (no clock is read).
        let command = #"echo s >> par.log; n=0; while [ $(grep -c s par.log) -lt $(cat want) ] && [ $n -lt 200 ]; do sleep 0.05; n=$((n+1)); done; sleep 0.15; echo e >> par.log"#
        let tasks = (1...6).map { "  - {name: t\($0), command: '\(command)'}" }
        try s.pipeline("tasks:\n" + tasks.joined(separator: "\n") + "\n")
        func maxConcurrency() -> Int {
            var running = 0, peak = 0
            for line in s.read("par.log")!.split(separator: "\n") {
                running += line == "s" ? 1 : -1
                peak = max(peak, running)
            }
            return peak
        }
        try s.write("2", to: "want")
        _ = try s.run(jobs: 2)
        #expect(maxConcurrency() == 2)
        try FileManager.default.removeItem(atPath: "\(s.dir)/par.log")
        try s.write("6", to: "want")
        _ = try s.run(jobs: 6, force: (1...6).map { "t\($0)" })
        #expect(maxConcurrency() == 6)  // they really overlap (on any machine, sleep does not need a core)
        try FileManager.default.removeItem(atPath: "\(s.dir)/par.log")
        try s.write("1", to: "want")
        _ = try s.run(jobs: 1, force: (1...6).map { "t\($0)" })
        #expect(maxConcurrency() == 1)
    }

    @Test func retriesWithExponentialBackoff() throws {
        let s = try Scratch()
        defer { s.cleanup() }
        // Fails on attempts 1 and 2, succeeds on 3.
        try s.pipeline("""
            tasks:
              - name: flaky
                command: 'date +%s.%N >> starts; n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count; echo "attempt $n failing" >&2; [ $n -ge 3 ] && echo ok > out.txt'
                outputs: [out.txt]
                retries: 3
                retry_delay_seconds: 0.1
            """)
        let (state, events) = try s.run()
        #expect(state.status == .succeeded && state.tasks["flaky"]!.attempts == 3)
        // The attempts' own start stamps: each wait is at least its delay (load only lengthens it).
        let starts = s.read("starts")!.split(separator: "\n").compactMap { Double($0) }
        #expect(starts.count == 3)
        if starts.count == 3 {
            #expect(starts[1] - starts[0] >= 0.1 && starts[2] - starts[1] >= 0.2, "backoff 0.1 s then 0.2 s: \(starts)")
        }
        let retries = events.compactMap { e -> Double? in if case let .taskRetrying(_, _, d, _) = e { return d }; return nil }
        #expect(retries == [0.1, 0.2])
        #expect(s.read("count") == "3\n")
    }

    @Test func failureSummaryAndSkippedDownstream() throws {
        let s = try Scratch()
        defer { s.cleanup() }
        try s.pipeline("""
            tasks:
              - {name: ok, command: "echo fine > ok.txt", outputs: [ok.txt]}
              - name: broken
                depends_on: [ok]
                command: 'echo "line one" >&2; echo "the real reason" >&2; exit 3'
                retries: 1
                retry_delay_seconds: 0
              - {name: after, depends_on: [broken], command: [true]}
              - {name: independent, command: "echo y > y.txt", outputs: [y.txt]}
              - {name: liar, command: [true], outputs: [never.txt]}
            """)
        let (state, _) = try s.run(track: true)
        #expect(state.status == .failed)
        let broken = state.tasks["broken"]!
        #expect(broken.status == .failed && broken.exitCode == 3 && broken.attempts == 2)
        #expect(broken.stderrTail?.suffix(2) == ["line one", "the real reason"])
        #expect(state.status("after") == .skipped && state.status("independent") == .succeeded)
        #expect(state.tasks["liar"]!.message == "exited 0 but did not write 'never.txt'")
        let summary = RunReport.failureSummary(state)
        #expect(summary.contains("broken: exit code 3 [exit code 3, 2 attempts]"))
        #expect(summary.contains("| the real reason") && summary.contains("skipped: after"))
        #expect(summary.contains("possum dag resume \(state.runID)"))
        let store = try FileTrackingStore(root: "\(s.dir)/mlruns")
        let failedChild = try store.run(id: broken.trackerRunID!)
        #expect(failedChild.info.status == .failed && failedChild.metrics["attempts"]?.value == 2)
        #expect(try store.run(id: state.trackerRunID!).info.status == .failed)
    }

    /// What a task logs itself (a `possum train` run) nests under the task's child run: the child
    /// exists before the process starts, and its id is the task's POSSUM_PARENT_RUN_ID.
    @Test func eachTaskSeesItsChildRunAsParent() throws {
        let s = try Scratch()
        defer { s.cleanup() }
        try s.pipeline("""
            tasks:
              - {name: first, command: 'echo "$POSSUM_PARENT_RUN_ID" > first.txt', outputs: [first.txt]}
              - {name: second, depends_on: [first], command: 'echo "$POSSUM_PARENT_RUN_ID" > second.txt', outputs: [second.txt]}
            """)
        let (state, _) = try s.run(track: true)
        #expect(state.status == .succeeded)
        for task in ["first", "second"] {
            let seen = s.read("\(task).txt")?.trimmingCharacters(in: .whitespacesAndNewlines)
            let child = try #require(state.tasks[task]?.trackerRunID)
            #expect(seen == child, "\(task) saw '\(seen ?? "")', its run is \(child)")
        }
        let store = try FileTrackingStore(root: "\(s.dir)/mlruns")
        #expect(try store.run(id: #require(state.tasks["second"]?.trackerRunID)).parentRunID == state.trackerRunID)
    }

    @Test func timeoutKillsTheProcessGroup() throws {
        let s = try Scratch()
        defer { s.cleanup() }
        // The shell starts a background sleeper (same process group) and waits: both must die.
        try s.pipeline("""
            tasks:
              - name: hang
                command: 'sleep 30 & echo $! > sleeper.pid; wait'
                timeout_seconds: 0.3
            """)
        // A hang guard: a runner that waited for the sleeper would take its 30 s; load does not
        // stretch a 0.3 s timeout to 20 s.
        let t0 = ContinuousClock.now
        let (state, _) = try s.run()
        #expect(ContinuousClock.now - t0 < .seconds(20))
        let t = state.tasks["hang"]!
        #expect(t.status == .failed && t.timedOut == true && t.message?.contains("timed out") == true)
        let pid = try #require(Int32(s.read("sleeper.pid")!.trimmingCharacters(in: .whitespacesAndNewlines)))
        // Gone, or a zombie waiting for init to reap it: either way it no longer runs. A killed
        // process takes a moment to exit (longer under load); one left running stays for 30 s.
        #expect(waitUntilStopped(pid, seconds: 20), "background child of the timed-out task still runs")
    }

    @Test func missingInputAtRunTimeAndUnstartableCommand() throws {
        let s = try Scratch()
        defer { s.cleanup() }
        try s.pipeline("""
            tasks:
              - {name: gone, command: "rm -f data.txt"}
              - {name: reader, depends_on: [gone], command: [cat, data.txt], inputs: [data.txt]}
              - {name: nosuch, command: [/nonexistent/tool, x]}
            """)
        try s.write("d", to: "data.txt")
        let (state, _) = try s.run()
        #expect(state.tasks["reader"]!.message == "input 'data.txt' is missing")
        #expect(state.status("nosuch") == .failed && state.tasks["nosuch"]!.exitCode == 127)
    }
}

#if canImport(Glibc)
import Glibc
#endif
