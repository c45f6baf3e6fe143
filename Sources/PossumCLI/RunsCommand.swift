import ArgumentParser
import Foundation
import PossumData
import PossumFiles
import PossumTracking

struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs", abstract: "List, show, compare and clean up tracked runs.",
        subcommands: [ListCommand.self, ShowCommand.self, CompareCommand.self, GCCommand.self])

    struct ListCommand: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "Runs as a table, newest first.")
        @OptionGroup var tracking: TrackingOptions
        @Option(name: .long, help: "Only runs of this experiment.") var experiment: String?
        @Option(name: .long, help: "Sort key, e.g. metrics.loo_rmse or 'metrics.loo_rmse DESC'.") var sort: String?
        @Option(name: .long, help: "MLflow filter, e.g. \"metrics.loo_rmse < 1.3 AND params.solver = 'simd'\".") var filter: String?
        @Option(name: .long, help: "Show at most this many runs.") var limit: Int?
        @Option(name: .long, help: "Columns after id, name, status, start and duration: comma-separated params.KEY and metrics.KEY, e.g. params.solver,metrics.loo_rmse (default: the first six metrics, alphabetically).")
        var columns: RunColumns?
        @Flag(name: .long, help: "Print as JSON (every param and metric; --columns applies to the table).") var json = false

        func run() throws {
            let runs = try tracking.openStore().listRuns(experiment: experiment, filter: filter, sort: sort, maxResults: limit)
            print(json ? try TrackingJSON.encode(runs)
                       : TrackingFormat.runsTable(runs, paramColumns: columns?.params ?? [], metricColumns: columns?.metrics))
        }
    }

    struct ShowCommand: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "One run's params, metrics, tags and artifacts.")
        @OptionGroup var tracking: TrackingOptions
        @Argument(help: "Run id, or a unique prefix of it.") var runID: String
        @Flag(name: .long, help: "Print as JSON.") var json = false

        func run() throws {
            let store = try tracking.openStore()
            let runID = try store.resolveRunID(self.runID)
            let run = try store.run(id: runID)
            if json { print(try TrackingJSON.encode(run)); return }
            let experiment = try? store.experiment(id: run.info.experimentID).name
            print(TrackingFormat.runDetail(run, experimentName: experiment, artifacts: try store.artifacts(runID: runID),
                                           artifactDirectory: try store.artifactDirectory(runID: runID)))
        }
    }

    struct CompareCommand: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "compare", abstract: "Runs side by side; differences highlighted.")
        @OptionGroup var tracking: TrackingOptions
        @Argument(help: "Two or more run ids (or unique prefixes).") var runIDs: [String]
        @Flag(name: .long, help: "Print as JSON.") var json = false

        func validate() throws { if runIDs.count < 2 { throw ValidationError("compare needs at least two run ids") } }

        func run() throws {
            let comparison = try tracking.openStore().compareRuns(ids: runIDs)
            print(json ? try TrackingJSON.encode(comparison)
                       : TrackingFormat.comparisonTable(comparison, ansi: isatty(STDOUT_FILENO) != 0))
        }
    }

    struct GCCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "gc", abstract: "Mark RUNNING runs whose process is gone as KILLED (or --status FAILED); list damaged runs.",
            discussion: """
                Also lists run directories that cannot be read (no meta.yaml, a garbled one, a link) and hidden
                leftovers of a run creation that was interrupted (a killed process); other commands skip these
                with a warning. They are left as they are unless --repair is given.
                """)
        @OptionGroup var tracking: TrackingOptions
        @Option(name: .long, help: "Status for dead runs: KILLED or FAILED.") var status = "KILLED"
        @Flag(name: .long, help: "Only say what would change.") var dryRun = false
        @Flag(name: .long, help: ArgumentHelp(
            "Give each damaged run a new meta.yaml (status FAILED) and remove leftovers of interrupted creations.",
            discussion: "The old meta.yaml is kept as meta.yaml.damaged-<millis>; params, metrics, tags and artifacts are not touched; links are only listed."))
        var repair = false

        func run() throws {
            guard let s = RunStatus(name: status.uppercased()), s == .killed || s == .failed else {
                throw ValidationError("--status must be KILLED or FAILED")
            }
            let outcomes = try tracking.openStore().collectGarbage(markAs: s, dryRun: dryRun, repair: repair)
            print(TrackingFormat.gcTable(outcomes, dryRun: dryRun))
        }
    }
}

struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models", abstract: "The model registry: list, show, promote, alias, get.",
        subcommands: [ListCommand.self, ShowCommand.self, PromoteCommand.self, AliasCommand.self, GetCommand.self])

    struct ListCommand: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "Registered models and their latest versions.")
        @OptionGroup var tracking: TrackingOptions
        @Flag(name: .long, help: "Print as JSON.") var json = false

        func run() throws {
            let store = try tracking.openStore()
            let models = try store.registeredModels().map { (model: $0, versions: try store.modelVersions(name: $0.name)) }
            print(json ? try TrackingJSON.encode(models.map(\.model)) : TrackingFormat.modelsTable(models))
        }
    }

    struct ShowCommand: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "A registered model with every version and stage.")
        @OptionGroup var tracking: TrackingOptions
        @Argument(help: "Registered model name.") var name: String
        @Flag(name: .long, help: "Print as JSON.") var json = false

        func run() throws {
            let store = try tracking.openStore()
            let model = try store.registeredModel(named: name)
            let versions = try store.modelVersions(name: name)
            print(json ? try TrackingJSON.encode(versions) : TrackingFormat.modelDetail(model, versions: versions))
        }
    }

    struct PromoteCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "promote", abstract: "Move a version to a stage; the version there before is archived.")
        @OptionGroup var tracking: TrackingOptions
        @Argument(help: "Registered model name.") var name: String
        @Argument(help: "Version number.") var version: Int
        @Option(name: .long, help: "Stage to move the version to (case-insensitive).") var stage: ModelStage

        func run() throws {
            let v = try tracking.openStore().promote(name: name, version: version, to: stage)
            print("\(name) version \(v.version) → \(v.currentStage.rawValue)")
        }
    }

    struct GetCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "get", abstract: "Print the model file path of NAME@STAGE, NAME@ALIAS, NAME@latest or NAME/VERSION.")
        @OptionGroup var tracking: TrackingOptions
        @Argument(help: "Model reference, e.g. Reg_RidgeCV_possums@Production.") var reference: String
        @Flag(name: .long, help: "Print the version and its path as JSON.") var json = false

        func run() throws {
            let store = try tracking.openStore()
            print(json ? try TrackingJSON.encode(store.resolveModel(reference)) : try store.resolveModelFile(reference))
        }
    }
}

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Write a self-contained HTML report of experiments, runs, metric histories and models.",
        discussion: """
            One HTML file, nothing fetched from the network: per experiment the leave-one-out RMSE against \
            alpha of every training run (log axis, the chosen alpha marked, runs named in the legend), the \
            other metric histories, a runs table with every param and metric side by side (click a header to \
            sort), and each run's predicted-vs-true picture; then the model registry. See docs/report.md.

            Example:
              possum report --out report.html
              possum report --tracking-uri file:///srv/mlruns --out /tmp/runs.html
            """)
    @OptionGroup var tracking: TrackingOptions
    @Option(name: .long, help: "HTML file to write.") var out = "report.html"
    @Flag(name: .long, help: "Print the path written as JSON.") var json = false

    func run() throws {
        try checkCommandFiles(inputs: [], outputs: [out])
        try writeAtomically(try renderReport(tracking.openStore()).utf8, to: out)
        print(json ? try TrackingJSON.encode(["out": out]) : "wrote \(out)")
    }
}

/// `runs list --columns`: which params and metrics to show, in the order given.
struct RunColumns: ExpressibleByArgument {
    var params: [String] = []
    var metrics: [String] = []

    init?(argument: String) {
        for key in argument.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if key.hasPrefix("params."), key.count > 7 { params.append(String(key.dropFirst(7))) }
            else if key.hasPrefix("metrics."), key.count > 8 { metrics.append(String(key.dropFirst(8))) }
            else { return nil }
        }
        if params.isEmpty && metrics.isEmpty { return nil }
    }

    static var defaultCompletionKind: CompletionKind { .default }
}
