import Foundation
import Testing
@testable import PossumPipeline

/// Persisted state: resume after a crash, the per-DAG lock, corrupted files.
@Suite struct ResumeTests {
    func runner(_ s: Scratch, wait: Bool = false) throws -> PipelineRunner {
        var o = s.options()
        o.waitForLock = wait
        return PipelineRunner(graph: try s.graph(), options: o)
    }

    @Test func resumeAfterSimulatedCrashRerunsOnlyUnfinished() throws {
        let s = try Scratch()
        defer { s.cleanup() }
        try s.write("v\n", to: "in.txt")
        try s.pipeline(diamondYAML)
        let done = try runner(s).run()
        // Rewrite the state as a driver killed while b was running would have left it: b
        // "running" with a half-written output, d never started.
        var crashed = done
        crashed.status = .running
        crashed.endedAt = nil
        crashed.tasks["b"]!.status = .running
        crashed.tasks["b"]!.outputHashes = [:]
        crashed.tasks["d"] = TaskState()
        try s.write("v", to: "b.txt")   // truncated
        let store = StateStore(workdir: s.dir, durable: false)
        try store.save(crashed)
        try FileManager.default.removeItem(atPath: "\(s.dir)/runs.log")

        let events = EventLog()
        var o = s.options()
        o.trackingURI = nil
        let resumed = try PipelineRunner(graph: try s.graph(), options: o) { events.append($0) }.resume(runID: done.runID)
        #expect(resumed.runID == done.runID && resumed.status == .succeeded && resumed.resumes == 1)
        #expect(events.all.contains(.taskKept(task: "a", status: .succeeded)))
        #expect(events.all.contains(.taskKept(task: "c", status: .succeeded)))
        // b reran (its half-written output did not match the recorded hash); its new output is
        // byte-identical to the first run's, so d's cache key is unchanged and d is cached.
        #expect(resumed.status("b") == .succeeded && resumed.status("d") == .cached)
        #expect(s.read("runs.log") == "b\n", "a and c were not redone")
        #expect(s.read("b.txt") == "v\n")
        let reloaded = try store.load(runID: done.runID)
        #expect(reloaded.status == .succeeded && reloaded.order.allSatisfy { reloaded.tasks[$0]!.status == resumed.tasks[$0]!.status })
    }

    @Test func resumeOfFailedRunRerunsFailedAndSkipped() throws {
        let s = try Scratch()
        defer { s.cleanup() }
        try s.pipeline("""
            tasks:
              - {name: first, command: "echo 1 >> first.log; echo 1 > one.txt", outputs: [one.txt]}
              - {name: gate, depends_on: [first], command: "test -f open"}
              - {name: last, depends_on: [gate], command: "echo done > last.txt", outputs: [last.txt]}
            """)
        let failed = try runner(s).run()
        #expect(failed.status("gate") == .failed && failed.status("last") == .skipped)
        try s.write("", to: "open")
        let resumed = try runner(s).resume(runID: failed.runID)
        #expect(resumed.status == .succeeded && resumed.status("first") == .succeeded)
        #expect(s.read("first.log") == "1\n" && s.read("last.txt") == "done\n")
    }

    @Test func secondRunOfTheSameDagIsRefusedOrWaits() throws {
        let s = try Scratch()
        defer { s.cleanup() }
        // The task fails unless the holder has let go (the marker is written just before), so it
        // proves --wait waited, with no clock to stretch.
        try s.pipeline("tasks:\n  - {name: t, command: \"test -f released\"}\n", name: "p")
        let lockPath = StateStore(workdir: s.dir).lockPath(dag: "p")
        let holder = try DagLock(path: lockPath, dag: "p", wait: false)
        do {
            _ = try runner(s).run()
            Issue.record("expected the lock to be refused")
        } catch let e as PipelineError {
            guard case let .locked(dag, file, pid) = e else { Issue.record("\(e)"); return }
            #expect(dag == "p" && file == lockPath && pid == String(getpid()))
            #expect(e.description.contains("already running") && e.description.contains("--wait"))
        }
        // --wait: blocks until the holder lets go.
        let release = Thread {
            usleep(300_000)
            try? s.write("", to: "released")
            holder.release()
        }
        release.start()
        let state = try runner(s, wait: true).run()
        #expect(state.status == .succeeded, "\(state.tasks["t"]?.message ?? "")")
    }

    @Test func corruptedStateAndCacheFilesAreNamed() throws {
        let s = try Scratch()
        defer { s.cleanup() }
        try s.pipeline("tasks:\n  - {name: t, command: \"echo > t.txt\", outputs: [t.txt]}\n")
        let state = try runner(s).run()
        let store = StateStore(workdir: s.dir)
        let path = store.statePath(dag: "p", runID: state.runID)
        try "{\"format\": 1, \"runID\": ".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: PipelineError.corruptState(file: path, reason: "not valid JSON")) { try store.load(runID: state.runID) }
        #expect(throws: PipelineError.self) { try runner(s).resume(runID: state.runID) }
        try "{\"format\": 1}".write(toFile: path, atomically: true, encoding: .utf8)
        do {
            _ = try store.load(runID: state.runID)
        } catch let e as PipelineError {
            #expect(e.description.hasPrefix("corrupted state file \(path): missing field"))
            #expect(!e.description.contains("\n"))
        }
        try "garbage".write(toFile: store.cachePath(dag: "p"), atomically: true, encoding: .utf8)
        #expect(throws: PipelineError.corruptState(file: store.cachePath(dag: "p"), reason: "not valid JSON")) { try runner(s).run() }
        #expect(throws: PipelineError.unknownRun(id: "nope", directory: store.root)) { try store.load(runID: "nope") }
    }

    /// A real crash: `possum dag run` killed with SIGKILL while a task runs. The task's processes
    /// outlive their driver (they are in a group of their own); resume must stop them — the
    /// shell, its child, and a grandchild that left the group with setsid — before it reruns the
    /// task, and must not take the half-written output as done. Needs the possum binary (built
    /// beside the tests by `swift build`/`swift test`); skipped without it.
    @Test func killNineMidTaskThenResumeStopsTheOrphansAndReruns() throws {
        guard let possum = possumBinary() else { return }
        let s = try Scratch()
        defer { s.cleanup() }
        try s.pipeline("""
            tasks:
              - {name: quick, command: "echo q >> ran.log; echo q > q.txt", outputs: [q.txt]}
              - name: slow
                depends_on: [quick]
                command: >-
                  echo s >> ran.log; printf half > s.txt; echo $$ > shell.pid;
                  sleep 30 & echo $! > child.pid; setsid sleep 30 & echo $! > escaped.pid;
                  wait; echo s > s.txt
                outputs: [s.txt]
              - {name: end, depends_on: [slow], command: "echo e >> ran.log; cat q.txt s.txt > e.txt", outputs: [e.txt]}
            """)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: possum)
        p.arguments = ["dag", "run", "\(s.dir)/p.yaml", "--no-track"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let store = StateStore(workdir: s.dir)
        var runID: String?
        for _ in 0..<200 {   // up to 10 s for `slow` to be running with all its processes started
            usleep(50_000)
            if let r = store.runPaths().last, let st = try? store.load(path: r.path), st.tasks["slow"]?.status == .running,
               let pids = s.read("escaped.pid"), !pids.isEmpty {
                runID = r.runID
                break
            }
        }
        let id = try #require(runID)
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        let pids = try ["shell.pid", "child.pid", "escaped.pid"].map { name in
            try #require(s.read(name).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }, "\(name)")
        }
        let crashed = try store.load(runID: id)
        #expect(crashed.status == .running && crashed.status("quick") == .succeeded && crashed.status("slow") == .running)
        #expect(crashed.tasks["slow"]!.process?.pid == pids[0], "the state records the task's process")
        #expect(pids.allSatisfy(isRunning), "the orphans outlive the killed driver")
        #expect(s.read("s.txt") == "half")

        // Shorten the task so the resumed run is quick (its cache key changes too: no stale record).
        try s.pipeline(try String(contentsOfFile: "\(s.dir)/p.yaml", encoding: .utf8).replacingOccurrences(of: "sleep 30", with: "sleep 0"))
        let events = EventLog()
        // The kernel dropped the dead driver's flock: no --wait needed.
        let resumed = try PipelineRunner(graph: try s.graph(), options: s.options()) { events.append($0) }.resume(runID: id)
        #expect(!pids.contains(where: isRunning), "resume stopped every orphan")
        let stopped = events.all.compactMap { e -> Int32? in if case let .orphanStopped(task, pid) = e, task == "slow" { return pid } else { return nil } }
        #expect(Set(stopped) == Set(pids))
        #expect(resumed.status == .succeeded && resumed.status("quick") == .succeeded && resumed.status("slow") == .succeeded)
        #expect(s.read("ran.log") == "q\ns\ns\ne\n", "quick not redone; slow rerun once")
        #expect(s.read("s.txt") == "s\n" && s.read("e.txt") == "q\ns\n")
    }
}

/// The `possum` executable beside the test bundle, if it was built.
func possumBinary() -> String? {
    let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for candidate in [dir, dir.deletingLastPathComponent()] {
        let path = candidate.appendingPathComponent("possum").path
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return nil
}

#if canImport(Glibc)
import Glibc
#endif
