import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Stops the task processes a killed driver left behind, before `dag resume` reruns their tasks.
///
/// Tasks run in process groups of their own (so a timeout can kill everything a `sh -c` started),
/// which also means nothing stops them when their driver dies by `kill -9`: they run on, adopted
/// by init, and may write the very outputs the resumed run is rewriting. So resume, holding the
/// DAG's lock (no live driver can own these processes), stops:
///
/// 1. the process group of each task the state records as running, if the recorded leader is
///    still the process we started: same pid, same start time, same boot (a pid alone could have
///    been recycled for an unrelated process since);
/// 2. any process whose environment carries this run's `POSSUM_DAG_RUN_ID`, which every task
///    process and its descendants inherit: this finds a child that left its task's group
///    (`setsid`), a group whose leader already exited, and a task spawned in the instant between
///    `posix_spawn` and the state write that records it.
///
/// The same environment sweep stops a timed-out task's whole tree (`ProcessLauncher`): every
/// attempt's processes carry a `POSSUM_TASK_ATTEMPT_ID` of their own, and what left the process
/// group is found by it.
///
/// Each is sent SIGTERM, then SIGKILL after the grace period. Signals go through a pidfd where the
/// kernel has them (Linux ≥ 5.3): the identity check and the signal then concern the same process,
/// with no window in which the pid could be reused.
///
/// Why not `PR_SET_PDEATHSIG` (a child that dies with its parent): `posix_spawn` cannot set it,
/// and fork + prctl in a multithreaded Swift process would need a C helper; it would only reach
/// the direct child (`sh`), not what that starts (`sleep`, `make -j` workers); and it fires when
/// the spawning *thread* ends, not the process. The sweep at resume covers all of these.
enum OrphanReaper {
    struct Orphan: Equatable {
        var pid: Int32
        var startTicks: UInt64
        var task: String?
    }

    /// The live (non-zombie) processes left by a dead driver of `runID`. `recorded` are the
    /// processes the state file lists for tasks that were running.
    static func find(runID: String, recorded: [(task: String, process: TaskProcess)]) -> [Orphan] {
        guard FileIO.exists("/proc/self/stat") else { return [] }
        // Recorded processes that are verifiably ours, and their groups (a zombie leader still pins
        // its pid, and so its group id, against reuse).
        var pids: [Int32: String] = [:], groups: [Int32: String] = [:]
        for (task, p) in recorded {
            guard let ticks = p.startTicks, p.bootID == ProcStat.bootID, let s = ProcStat.read(pid: p.pid),
                  s.startTicks == ticks else { continue }
            pids[p.pid] = task
            if s.pgid == p.pgid { groups[p.pgid] = task }
        }
        return find(marker: "POSSUM_DAG_RUN_ID=\(runID)", pids: pids, groups: groups)
    }

    /// The live processes whose initial environment holds `marker` ("NAME=value"), or whose pid or
    /// process group is one of `pids` / `groups` (each mapped to its task's name).
    static func find(marker: String, pids: [Int32: String] = [:], groups: [Int32: String] = [:]) -> [Orphan] {
        guard FileIO.exists("/proc/self/stat") else { return [] }
        let spared = ancestry()
        var orphans: [Orphan] = []
        for pid in ProcStat.allPids() where !spared.contains(pid) {
            guard let s = ProcStat.read(pid: pid), !s.isZombie else { continue }
            if let task = pids[pid] ?? groups[s.pgid] {
                orphans.append(Orphan(pid: pid, startTicks: s.startTicks, task: task))
            } else if let env = ProcStat.environment(of: pid), env.contains(marker) {
                let task = env.first { $0.hasPrefix("POSSUM_DAG_TASK=") }.map { String($0.dropFirst("POSSUM_DAG_TASK=".count)) }
                orphans.append(Orphan(pid: pid, startTicks: s.startTicks, task: task))
            }
        }
        return orphans
    }

    /// SIGTERM to each, SIGKILL after `grace` seconds to those still alive; waits (briefly) until
    /// they are gone, so the caller may rerun their tasks. Returns those that were still alive.
    @discardableResult
    static func terminate(_ orphans: [Orphan], grace: Double) -> [Orphan] {
        let alive = orphans.filter(isAlive)
        for o in alive { send(SIGTERM, to: o) }
        if !wait(for: alive, seconds: grace) {
            for o in alive where isAlive(o) { send(SIGKILL, to: o) }
            _ = wait(for: alive, seconds: 5)
        }
        return alive
    }

    /// Whether `o` is still the process we found, and not a zombie (which has exited already).
    static func isAlive(_ o: Orphan) -> Bool {
        guard let s = ProcStat.read(pid: o.pid) else { return false }
        return s.startTicks == o.startTicks && !s.isZombie
    }

    private static func wait(for orphans: [Orphan], seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while orphans.contains(where: isAlive) {
            if Date() >= deadline { return false }
            usleep(10_000)
        }
        return true
    }

    private static func send(_ signal: Int32, to o: Orphan) {
        if let pidfdOpen, let pidfdSendSignal {
            let fd = pidfdOpen(o.pid, 0)
            guard fd >= 0 else {
                // ESRCH: gone. ENOSYS (a kernel older than 5.3 under a new glibc): the plain way.
                if errno == ENOSYS, isAlive(o) { kill(o.pid, signal) }
                return
            }
            defer { close(fd) }
            // The pidfd pins this pid to one process: if it is still ours now, the signal reaches it.
            guard isAlive(o) else { return }
            _ = pidfdSendSignal(fd, signal, nil, 0)
        } else if isAlive(o) {
            kill(o.pid, signal)
        }
    }

    /// This process and its ancestors: never ours to stop, whatever their environment says.
    private static func ancestry() -> Set<Int32> {
        var out: Set<Int32> = []
        var pid = getpid()
        while pid > 1, out.insert(pid).inserted, let s = ProcStat.read(pid: pid) { pid = s.ppid }
        return out
    }

    /// glibc ≥ 2.36 wraps the pidfd system calls; older ones (or other kernels) fall back to kill(2).
    typealias PidfdOpen = @convention(c) (pid_t, UInt32) -> Int32
    typealias PidfdSendSignal = @convention(c) (Int32, Int32, UnsafeMutableRawPointer?, UInt32) -> Int32
    static let pidfdOpen: PidfdOpen? = symbol("pidfd_open").map { unsafeBitCast($0, to: PidfdOpen.self) }
    static let pidfdSendSignal: PidfdSendSignal? = symbol("pidfd_send_signal").map { unsafeBitCast($0, to: PidfdSendSignal.self) }

    private static func symbol(_ name: String) -> UnsafeMutableRawPointer? {
        guard let handle = dlopen(nil, RTLD_NOW) else { return nil }
        return dlsym(handle, name)
    }
}
