#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Who and where we are: recorded on every run so `gc` can later tell whether its process lives.
enum ProcessIdentity {
    /// The tags every new run carries, as MLflow's client sets them (user, source) plus what `gc`
    /// needs to tell whether this process still lives (pid, host, its start time); `tags` given by
    /// the caller win for user and source.
    static func newRunTags(_ tags: [String: String], runName: String?, parentRunID: String?) -> [String: String] {
        var all = tags
        if let runName { all[SystemTag.runName] = runName }
        if let parentRunID { all[SystemTag.parentRunID] = parentRunID }
        all[SystemTag.user] = all[SystemTag.user] ?? user
        all[SystemTag.sourceName] = all[SystemTag.sourceName] ?? sourceName
        all[SystemTag.sourceType] = all[SystemTag.sourceType] ?? "LOCAL"
        all[SystemTag.pid] = String(pid)
        all[SystemTag.host] = hostname
        if let start = startTime(of: pid) { all[SystemTag.processStart] = start }
        return all
    }

    /// Milliseconds since the Unix epoch (MLflow's `get_current_time_millis`).
    static func nowMillis() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    static var pid: Int32 { getpid() }

    static var hostname: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown" }
        return stringFromCBuffer(buffer)
    }

    /// The login name, as MLflow's `_get_user` finds it.
    static var user: String {
        for key in ["USER", "LOGNAME"] {
            if let v = getenv(key), let s = String(validatingCString: v), !s.isEmpty { return s }
        }
        if let pw = getpwuid(getuid()), let name = pw.pointee.pw_name { return String(cString: name) }
        return "unknown"
    }

    /// The executable, for `mlflow.source.name`.
    static var sourceName: String {
        CommandLine.arguments.first ?? "possum"
    }

    /// Field 22 of `/proc/<pid>/stat`: when the process started, in clock ticks since boot.
    /// Together with the pid it names one process for good: a recycled pid has another start time.
    /// nil where `/proc` does not exist (macOS) or the process is gone.
    static func startTime(of pid: Int32) -> String? {
        guard let bytes = try? FileIO.readBytes("/proc/\(pid)/stat"), let text = String(validating: bytes, as: UTF8.self) else {
            return nil
        }
        // The command name (field 2) is in parentheses and may contain spaces: split after the last ')'.
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // After ')', fields start at 3 (state); field 22 is index 19.
        return fields.count > 19 ? String(fields[19]) : nil
    }

    static func isZombie(_ pid: Int32) -> Bool {
        guard let bytes = try? FileIO.readBytes("/proc/\(pid)/stat"), let text = String(validating: bytes, as: UTF8.self),
              let close = text.lastIndex(of: ")") else { return false }
        return text[text.index(after: close)...].split(separator: " ").first == "Z"
    }

    enum Liveness: Equatable { case alive, dead, unknown }

    /// Whether `pid` (started at `start`, if known) still runs on this host.
    static func liveness(pid: Int32, start: String?) -> Liveness {
        guard pid > 0 else { return .unknown }
        if kill(pid, 0) != 0 {
            // EPERM: it exists but belongs to someone else.
            return errno == ESRCH ? .dead : .alive
        }
        if let start, let current = startTime(of: pid), current != start { return .dead }  // pid reused
        if isZombie(pid) { return .dead }  // exited, not yet reaped by its parent
        return .alive
    }
}

/// A NUL-terminated C buffer as a String (the non-deprecated spelling of `String(cString:)`).
func stringFromCBuffer(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
