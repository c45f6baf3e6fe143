import ArgumentParser
import Foundation
import PossumFiles
import PossumTracking
import PossumWorkflows

/// Where runs are logged: `--tracking-uri`, else `$POSSUM_TRACKING_URI`, else `$MLFLOW_TRACKING_URI`,
/// else `./mlruns`; a directory or file: URI is the file store, http(s):// an MLflow tracking server.
struct TrackingOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Tracking store: a directory or file: URI, or an MLflow tracking server http(s)://HOST:PORT, with credentials from MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME/PASSWORD (default: $POSSUM_TRACKING_URI, else $MLFLOW_TRACKING_URI, else ./mlruns).",
        valueName: "uri"))
    var trackingURI: String?

    /// `POSSUM_TRACKING_DURABLE=0` skips the fsyncs (writes stay atomic: a killed process leaves
    /// whole files). `possum dag run` sets it for its tasks, whose durable record is the DAG's
    /// state file: the 50-70 fsyncs of a features or train run were most of its wall time on a
    /// busy disk.
    ///
    /// Only commands that log a run pass `create: true`; every other command (listing, showing,
    /// gc, the registry, report) opens an existing store and creates nothing when it is missing
    /// ("no tracking store at …", exit 1), as `git log` outside a repository does.
    func openStore(create: Bool = false) throws -> any TrackingStore {
        let env = processEnvironment()
        return try TrackingLocation(uri: trackingURI, environment: env)
            .open(environment: env, durable: env["POSSUM_TRACKING_DURABLE"] != "0", create: create)
    }
}

/// Options of commands that log a run.
struct RunLoggingOptions: ParsableArguments {
    @OptionGroup var tracking: TrackingOptions

    @Option(name: .long, help: "Experiment to log the run in (created if missing).")
    var experiment = "Default"

    @Option(name: .long, help: "Name of the logged run (default: the command's, e.g. RidgeCV).")
    var runName: String?

    @Option(name: .long, help: ArgumentHelp("A tag for the logged run, KEY=VALUE (repeatable).", valueName: "key=value"))
    var tag: [RunTag] = []

    @Flag(name: .long, help: "Do not log a run.")
    var noTrack = false

    func validate() throws {
        if noTrack && (runName != nil || !tag.isEmpty) { throw ValidationError("--run-name and --tag need tracking (drop --no-track)") }
        let keys = tag.map(\.key)
        if let repeated = keys.first(where: { key in keys.filter { $0 == key }.count > 1 }) {
            throw ValidationError("--tag \(messageText(repeated, limit: 60)) is given twice")
        }
        for t in tag {
            do { try NameValidation.validateKey(t.key, kind: "tag") } catch { throw ValidationError("--tag: \(error)") }
        }
    }
}

/// `--tag KEY=VALUE`: the first '=' splits; the value may be empty or contain '='.
struct RunTag: ExpressibleByArgument {
    var key: String
    var value: String

    init?(argument: String) {
        guard let eq = argument.firstIndex(of: "="), eq != argument.startIndex else { return nil }
        (key, value) = (String(argument[..<eq]), String(argument[argument.index(after: eq)...]))
    }
}

/// A run logged as the command-line options say (PossumWorkflows' `LoggedRun` does the logging).
extension LoggedRun {
    /// Nil for `--no-track`; else a run in `--experiment`, named `--run-name` or `name`, tagged
    /// `--tag`s, ended FAILED with the one-line error if `body` throws.
    static func run<R>(_ options: RunLoggingOptions, name: String, _ body: (LoggedRun?) throws -> R) throws -> R {
        guard !options.noTrack else { return try body(nil) }
        let store = try options.tracking.openStore(create: true)
        var tags: [String: String] = [:]
        for t in options.tag { tags[t.key] = t.value }
        return try run(in: store, experiment: options.experiment, name: options.runName ?? name, tags: tags,
                       parentRunID: parentRunFromEnvironment(),
                       describe: { Possum.oneLineMessage(for: $0, arguments: []) }, body)
    }

    /// A DAG task's run nests under the DAG run that started it.
    private static func parentRunFromEnvironment() -> String? {
        ProcessInfo.processInfo.environment["POSSUM_PARENT_RUN_ID"].flatMap { $0.isEmpty ? nil : $0 }
    }
}
