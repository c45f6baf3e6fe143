import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How one attempt of a command ended.
public struct ProcessOutcome: Sendable, Equatable {
    /// The exit status, or 128 + signal number when the process was killed by a signal (as a shell reports it).
    public var exitCode: Int32
    /// The signal that ended it, if any.
    public var signal: Int32?
    /// Whether we killed it for running past its timeout.
    public var timedOut: Bool
    public var durationSeconds: Double

    public var succeeded: Bool { exitCode == 0 && signal == nil && !timedOut }
}

/// Runs one command as a real subprocess with `posix_spawn`, in its own process group, stdin from
/// /dev/null and stdout/stderr appended to log files.
///
/// Why not Foundation.Process: we need a new process group (so a timeout kills the command's children
/// too: `sh -c` pipelines, `make -j`...), signals reset to default in the child, and no pipe that a
/// grandchild can hold open past the command's exit.
public struct ProcessLauncher: Sendable {
    /// SIGTERM first, then SIGKILL after this grace period if the group is still alive.
    public var killGraceSeconds: Double = 1

    public init(killGraceSeconds: Double = 1) { self.killGraceSeconds = killGraceSeconds }

    /// Runs `argv` in `directory` and waits. `argv[0]` is looked up in PATH unless it contains a `/`.
    /// `spawned` is called with the child's pid as soon as it exists (before it is waited for).
    public func run(argv: [String], directory: String, environment: [String: String], stdoutPath: String?,
                    stderrPath: String?, timeoutSeconds: Double?,
                    spawned: (pid_t) -> Void = { _ in }) throws -> ProcessOutcome {
        precondition(!argv.isEmpty)
        let started = DispatchTime.now()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        // nil: the command shares our stdout/stderr (`possum task run` under Airflow).
        if let stdoutPath { posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_APPEND, 0o644) }
        if let stderrPath { posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_APPEND, 0o644) }
        // Close every other inherited descriptor: a task must not keep our caller's pipes open
        // (whoever waits for EOF on them would wait for the task's orphans too).
        if let closeFrom = Self.addCloseFrom { _ = closeFrom(&actions, 3) }
        var command = argv
        if let addChdir = Self.addChdir {
            _ = addChdir(&actions, directory)
        } else {
            // Old C libraries: let a shell change directory, then exec the command in its place.
            command = ["/bin/sh", "-c", "cd -- \"$0\" && exec \"$@\"", directory] + argv
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // New process group (pgid = child pid); default signal dispositions and an empty mask, since
        // the runner's threads may have blocked or ignored signals the command relies on.
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        posix_spawnattr_setpgroup(&attributes, 0)
        var all = sigset_t(), none = sigset_t()
        sigfillset(&all)
        sigdelset(&all, SIGKILL)
        sigdelset(&all, SIGSTOP)
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setsigmask(&attributes, &none)

        // Names this attempt's processes wherever they go: a child that calls setsid() leaves the
        // process group, but not its inherited environment, where a timeout finds it.
        let attemptMarker = "POSSUM_TASK_ATTEMPT_ID=\(Self.newAttemptID())"
        let envStrings = environment.filter { $0.key != "POSSUM_TASK_ATTEMPT_ID" }.map { "\($0.key)=\($0.value)" } + [attemptMarker]
        var pid: pid_t = 0
        let rc = withCStrings(command) { argvPtr in
            withCStrings(envStrings) { envPtr in
                command[0].contains("/")
                    ? posix_spawn(&pid, command[0], &actions, &attributes, argvPtr, envPtr)
                    : posix_spawnp(&pid, command[0], &actions, &attributes, argvPtr, envPtr)
            }
        }
        guard rc == 0 else { throw PipelineError.system(operation: "cannot run", path: argv[0], errno: rc) }
        RunningGroups.shared.insert(pid, attemptMarker: attemptMarker)
        defer { RunningGroups.shared.remove(pid) }
        spawned(pid)

        let watch = ChildWatch(pid: pid)
        if let timeoutSeconds {
            let grace = killGraceSeconds
            DispatchQueue.global().asyncAfter(deadline: .now() + timeoutSeconds) {
                guard watch.killGroup(SIGTERM, markTimedOut: true) else { return }
                DispatchQueue.global().asyncAfter(deadline: .now() + grace) { _ = watch.killGroup(SIGKILL, markTimedOut: true) }
            }
        }
        // Wait without reaping, mark the child exited under the lock, then reap: so the timer can
        // never signal a pid (group) that was reaped and reused.
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) != 0 && errno == EINTR {}
        let timedOut = watch.markExited()
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        // Interrupted: the signal handler is stopping every task's processes and then exits the
        // process itself; this thread must not race it to an exit of its own.
        while RunningGroups.shared.isInterrupting { sleep(60) }
        if timedOut {
            // Stragglers in the group (background children of a shell) go too, and so does every
            // process that left the group but carries this attempt's id (`setsid`, daemons).
            // Twice: a shell being stopped may have started a child between the scan and the signal.
            killpg(pid, SIGKILL)
            for _ in 0..<2 {
                let escaped = OrphanReaper.find(marker: attemptMarker)
                if escaped.isEmpty { break }
                OrphanReaper.terminate(escaped, grace: killGraceSeconds)
            }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
        let signalled = status & 0x7f
        if signalled != 0 {
            return ProcessOutcome(exitCode: 128 + signalled, signal: signalled, timedOut: timedOut, durationSeconds: seconds)
        }
        return ProcessOutcome(exitCode: (status >> 8) & 0xff, signal: nil, timedOut: timedOut, durationSeconds: seconds)
    }

    /// Unique per attempt across processes and time: driver pid, a counter, and random bits.
    static func newAttemptID() -> String {
        let n = attemptCounter.next()
        return "\(getpid())-\(n)-\(String(UInt64.random(in: 0...UInt64.max), radix: 36))"
    }

    static let attemptCounter = Counter()

    /// glibc ≥ 2.34 has `posix_spawn_file_actions_addclosefrom_np`, hidden from Swift likewise.
    typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    static let addCloseFrom: AddCloseFrom? = {
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "posix_spawn_file_actions_addclosefrom_np") else {
            return nil
        }
        return unsafeBitCast(symbol, to: AddCloseFrom.self)
    }()

    /// glibc ≥ 2.29 has `posix_spawn_file_actions_addchdir_np`, but its header hides it from Swift.
    typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    static let addChdir: AddChdir? = {
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "posix_spawn_file_actions_addchdir_np") else {
            return nil
        }
        return unsafeBitCast(symbol, to: AddChdir.self)
    }()
}

/// Shared between the waiting thread and the timeout timer: whether the child has exited, and
/// whether the timer fired first.
final class ChildWatch: @unchecked Sendable {
    private let lock = NSLock()
    private let pid: pid_t
    private var exited = false
    private var timedOut = false

    init(pid: pid_t) { self.pid = pid }

    /// Signals the child's process group unless it already exited; false if it had.
    func killGroup(_ signal: Int32, markTimedOut: Bool) -> Bool {
        lock.lock(); defer { lock.unlock() }
        guard !exited else { return false }
        if markTimedOut { timedOut = true }
        killpg(pid, signal)
        return true
    }

    /// Records the exit; returns whether the timeout had fired.
    func markExited() -> Bool {
        lock.lock(); defer { lock.unlock() }
        exited = true
        return timedOut
    }
}

/// A thread-safe counter.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    func next() -> Int {
        lock.lock(); defer { lock.unlock() }
        value &+= 1
        return value
    }
}

/// A NULL-terminated `char *[]` for the duration of `body`.
func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    let pointers = strings.map { strdup($0) } + [nil]
    defer { for p in pointers { free(p) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}

/// Process groups of the commands running now, so that an interrupted runner takes them down
/// with it (they are in their own groups, so the terminal's Ctrl-C does not reach them).
public final class RunningGroups: @unchecked Sendable {
    public static let shared = RunningGroups()
    private let lock = NSLock()
    /// Process group → the `POSSUM_TASK_ATTEMPT_ID=…` entry its processes carry.
    private var groups: [pid_t: String] = [:]

    func insert(_ pid: pid_t, attemptMarker: String) { lock.lock(); groups[pid] = attemptMarker; lock.unlock() }
    func remove(_ pid: pid_t) { lock.lock(); groups[pid] = nil; lock.unlock() }

    /// Sends `signal` to every running command's process group.
    public func signalAll(_ signal: Int32) {
        lock.lock(); defer { lock.unlock() }
        for g in groups.keys { killpg(g, signal) }
    }

    private var interrupting = false

    /// Whether an interrupt is being handled (see `installInterruptHandler`).
    var isInterrupting: Bool {
        lock.lock(); defer { lock.unlock() }
        return interrupting
    }

    /// Marks an interrupt in progress and returns the attempt ids of the commands running now.
    func beginInterrupt() -> [String] {
        lock.lock(); defer { lock.unlock() }
        interrupting = true
        return Array(groups.values)
    }

    /// On SIGINT or SIGTERM: terminate every running command's group and what left it, then exit
    /// 128 + signal. The run's state keeps those tasks as `running`, which `dag resume` reruns.
    /// Under Airflow this is how a task's `execution_timeout` reaches `possum task run`.
    public static func installInterruptHandler() {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                // Taken first: a command reaped while we wait below leaves the table, but what it
                // started with `setsid` still carries its id and must be found by it.
                let markers = RunningGroups.shared.beginInterrupt()
                RunningGroups.shared.signalAll(SIGTERM)
                usleep(200_000)
                RunningGroups.shared.signalAll(SIGKILL)
                for marker in markers { OrphanReaper.terminate(OrphanReaper.find(marker: marker), grace: 0.2) }
                let message = "\ninterrupted; resume with `possum dag resume RUN_ID`\n"
                _ = message.withCString { write(2, $0, strlen($0)) }
                exit(128 + sig)
            }
            source.resume()
            sources.append(source)
        }
    }

    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []
}
