import Foundation
import PossumFiles
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process a task attempt runs as, recorded in the run's state file while the task runs, so
/// that `dag resume` can find and stop it if the driver that started it was killed.
///
/// A pid alone is not an identity: once the orphan exits, the kernel may hand its number to an
/// unrelated process. So the record also holds the process's start time (field 22 of
/// `/proc/PID/stat`, clock ticks since boot) and the boot id: a pid names our process only while
/// both still match. The process group is the pid (each task starts a group of its own).
public struct TaskProcess: Codable, Sendable, Equatable {
    public var pid: Int32
    public var pgid: Int32
    /// Start time in clock ticks since boot; nil where /proc is missing (then nothing is ever killed by pid).
    public var startTicks: UInt64?
    /// `/proc/sys/kernel/random/boot_id`: start ticks from another boot mean nothing.
    public var bootID: String?

    public init(pid: Int32, pgid: Int32, startTicks: UInt64?, bootID: String?) {
        self.pid = pid
        self.pgid = pgid
        self.startTicks = startTicks
        self.bootID = bootID
    }

    /// The record for a process we just spawned (still ours: not yet reaped, so its pid cannot be reused).
    static func spawned(pid: Int32) -> TaskProcess {
        TaskProcess(pid: pid, pgid: pid, startTicks: ProcStat.read(pid: pid)?.startTicks, bootID: ProcStat.bootID)
    }
}

/// What `/proc/PID/stat` says about a process (Linux only; nil elsewhere or once it is gone).
struct ProcStat: Equatable {
    var pid: Int32
    var state: Character
    var ppid: Int32
    var pgid: Int32
    var startTicks: UInt64

    /// A zombie has exited: it only waits to be reaped (by init, for orphans — or never, where
    /// pid 1 does not reap, as in some containers) and no signal can reach it.
    var isZombie: Bool { state == "Z" || state == "X" }

    static func read(pid: Int32) -> ProcStat? {
        guard let text = readSmallFile("/proc/\(pid)/stat") else { return nil }
        return parse(text, pid: pid)
    }

    /// The command name (field 2) is in parentheses and may itself contain spaces and ')', so
    /// fields are counted from the *last* ')'. After it: state (3), ppid (4), pgrp (5), …, starttime (22).
    static func parse(_ text: String, pid: Int32) -> ProcStat? {
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count > 19, let state = fields[0].first, let ppid = Int32(fields[1]), let pgid = Int32(fields[2]),
              let start = UInt64(fields[19]) else { return nil }
        return ProcStat(pid: pid, state: state, ppid: ppid, pgid: pgid, startTicks: start)
    }

    static let bootID: String? = readSmallFile("/proc/sys/kernel/random/boot_id")?
        .trimmingCharacters(in: .whitespacesAndNewlines)

    /// Pids of every process visible in /proc.
    static func allPids() -> [Int32] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return names.compactMap { Int32($0) }
    }

    /// The process's initial environment ("NAME=value" entries), nil if unreadable. Only our own
    /// user's processes are readable, which are the only ones a task could have started.
    static func environment(of pid: Int32) -> [String]? {
        guard let text = readSmallFile("/proc/\(pid)/environ", limit: 4 << 20) else { return nil }
        return text.split(separator: "\0", omittingEmptySubsequences: true).map(String.init)
    }
}

/// Reads a /proc file as text (their size is reported as 0; `readFile` reads until end of file).
/// nil if it cannot be read.
func readSmallFile(_ path: String, limit: Int = 1 << 20) -> String? {
    guard let bytes = try? readFile(path, limit: limit) else { return nil }
    return String(decoding: bytes, as: UTF8.self)
}
