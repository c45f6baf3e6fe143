import Foundation
import Testing
@testable import PossumPipeline
#if canImport(Glibc)
import Glibc
#endif

/// What `dag resume` does about processes a killed driver left running (see `OrphanReaper`).
@Suite struct OrphanTests {
    @Test func procStatFieldsAreCountedFromTheLastParenthesis() throws {
        // A command name may hold spaces and ')' (it is whatever the program set).
        let line = "4242 (a) b (c)) S 1 4240 4240 0 -1 4194560 100 0 0 0 3 1 0 0 20 0 1 0 987654 1000 50"
        let s = try #require(ProcStat.parse(line, pid: 4242))
        #expect(s == ProcStat(pid: 4242, state: "S", ppid: 1, pgid: 4240, startTicks: 987654))
        #expect(ProcStat.parse("4242 (truncated", pid: 4242) == nil)
        let me = try #require(ProcStat.read(pid: getpid()))
        #expect(me.pid == getpid() && me.ppid == getppid() && me.pgid == getpgrp() && !me.isZombie)
    }

    /// A recorded pid is only ours while its start time matches: the same number given to another
    /// process later (pid reuse) must survive the resume; the process itself is stopped.
    @Test func onlyTheRecordedProcessIsStoppedNotARecycledPid() throws {
        let s = try Scratch()
        defer { s.cleanup() }
        let (done, sleeper) = try finishedRunAndAStrayProcess(in: s)
        defer { if sleeper.isRunning { sleeper.terminate() } }
        let pid = sleeper.processIdentifier
        let ticks = try #require(ProcStat.read(pid: pid)?.startTicks)
        let store = StateStore(workdir: s.dir, durable: false)

        func resumeAsIfKilled(recording startTicks: UInt64) throws -> [ProgressEvent] {
            var crashed = try store.load(runID: done.runID)
            crashed.status = .running
            crashed.tasks["t"]!.status = .running
            crashed.tasks["t"]!.process = TaskProcess(pid: pid, pgid: pid, startTicks: startTicks, bootID: ProcStat.bootID)
            try store.save(crashed)
            let events = EventLog()
            let resumed = try PipelineRunner(graph: try s.graph(), options: s.options()) { events.append($0) }.resume(runID: done.runID)
            #expect(resumed.status == .succeeded && resumed.tasks["t"]!.process == nil)
            return events.all
        }
        // Same pid, another start time: someone else's process now. Left alone.
        let spared = try resumeAsIfKilled(recording: ticks + 1)
        #expect(!spared.contains { if case .orphanStopped = $0 { return true } else { return false } })
        #expect(ProcStat.read(pid: pid).map { !$0.isZombie } == true, "an unrelated process was killed")
        // The very process we recorded: stopped.
        let stopped = try resumeAsIfKilled(recording: ticks)
        #expect(stopped.contains(.orphanStopped(task: "t", pid: pid)))
        sleeper.waitUntilExit()
        // SIGTERM, or SIGKILL after the grace period: a child of the test runner may inherit an
        // ignored SIGTERM (task processes start with default dispositions).
        #expect(sleeper.terminationReason == .uncaughtSignal && [SIGTERM, SIGKILL].contains(sleeper.terminationStatus))
    }
}

/// A one-task DAG run to completion, and a `sleep 30` process to play a task its driver left behind.
func finishedRunAndAStrayProcess(in s: Scratch) throws -> (RunState, Process) {
    try s.pipeline("tasks:\n  - {name: t, command: \"echo t > t.txt\", outputs: [t.txt]}\n")
    let done = try s.run().0
    let sleeper = Process()
    sleeper.executableURL = URL(fileURLWithPath: "/bin/sleep")
    sleeper.arguments = ["30"]
    try sleeper.run()
    return (done, sleeper)
}

/// Whether `pid` is a live process (a zombie has already exited; it only waits to be reaped).
func isRunning(_ pid: Int32) -> Bool {
    ProcStat.read(pid: pid).map { !$0.isZombie } ?? false
}

extension OrphanTests {
    /// A new `dag run` of the DAG stops what the previous, killed driver left running too: those
    /// processes would otherwise race the new run for the same outputs.
    @Test func aNewRunStopsTheOrphansOfAKilledPreviousRun() throws {
        let s = try Scratch()
        defer { s.cleanup() }
        let (done, sleeper) = try finishedRunAndAStrayProcess(in: s)
        defer { if sleeper.isRunning { sleeper.terminate() } }
        let store = StateStore(workdir: s.dir, durable: false)
        var crashed = try store.load(runID: done.runID)
        crashed.status = .running
        crashed.tasks["t"]!.status = .running
        crashed.tasks["t"]!.process = .spawned(pid: sleeper.processIdentifier)
        try store.save(crashed)
        let (state, events) = try s.run()
        #expect(state.status == .succeeded && state.runID != done.runID)
        let stopped = try #require(events.firstIndex(of: .orphanStopped(task: "t", pid: sleeper.processIdentifier)))
        #expect(events.firstIndex { if case .runStarted = $0 { return true } else { return false } } == stopped - 1,
                "reported right under the run's first line")
        sleeper.waitUntilExit()
        #expect(sleeper.terminationReason == .uncaughtSignal)
    }
}
