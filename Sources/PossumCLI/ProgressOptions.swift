import ArgumentParser
import PossumProgress

/// `--quiet` for the commands that show progress on long work (a table's rows read, the fit's
/// phases): the line is drawn on stderr only when it is a terminal (not TERM=dumb), and never with this.
struct ProgressOptions: ParsableArguments {
    @Flag(name: .shortAndLong, help: "No progress line (shown on stderr when it is a terminal).")
    var quiet = false

    /// The reporter to hand the job; call `finish()` on it before printing the result.
    func reporter() -> any ProgressReporter { TerminalProgress.standardError(quiet: quiet) }
}
