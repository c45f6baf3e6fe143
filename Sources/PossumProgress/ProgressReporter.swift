/// What long work tells its caller as it goes, so that the library layers (storage, pipeline,
/// workflows) report progress without drawing anything: the CLI passes a `TerminalProgress`,
/// everyone else gets `SilentProgress`, which does nothing.
///
/// Work is a sequence of phases ("reading", "writing", ...), each counting units up to a total
/// when it is known. Calls may come from any thread. Report at block granularity (every few
/// thousand rows), not per row: a reporter may read the clock on each call.
public protocol ProgressReporter: Sendable {
    /// Starts a phase named `label`, counting `unit`s up to `total` (nil when unknown).
    func begin(_ label: String, total: Int?, unit: ProgressUnit)
    /// `completed` units of the current phase are done; `detail` says what is under way (the
    /// running task's name), nil for nothing in particular.
    func update(completed: Int, detail: String?)
    /// The work is over (done or failed): the display, if any, is cleared.
    func finish()
    /// Runs `body`, which writes to the same terminal (a log line), with the display out of its way.
    func interleave(_ body: () -> Void)
}

extension ProgressReporter {
    public func update(completed: Int) { update(completed: completed, detail: nil) }
    public func interleave(_ body: () -> Void) { body() }
}

/// What a phase counts: items with a plural name ("rows", "tasks"), or bytes (shown in kB/MB/GB).
public enum ProgressUnit: Sendable, Equatable {
    case items(String)
    case bytes
}

/// The reporter that reports nothing: the default of every library entry point.
public struct SilentProgress: ProgressReporter {
    public init() {}
    public func begin(_ label: String, total: Int?, unit: ProgressUnit) {}
    public func update(completed: Int, detail: String?) {}
    public func finish() {}
}
