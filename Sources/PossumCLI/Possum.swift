import ArgumentParser
import Foundation
import PossumFiles
import PossumLinalg
import PossumWorkflows

/// The `possum` command tree. Commands parse and validate; the work lives in the library modules.
public struct Possum: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "possum",
        abstract: "Least squares with a hand-vectorized Swift QR, and ridge regression on any table built on it.",
        discussion: """
            Quick start, on any CSV or HDF5 table:
              possum train --data mine.csv --target y --out model.h5
                                              ridge regression of y on the other columns
              possum predict --model model.h5 --data new.csv --out predictions.csv
              possum lstsq A.csv b.csv        least squares, minimum-norm if needed
              possum accuracy                 correct digits of each solver
              possum dag run pipelines/possum.yaml
                                              the example pipeline (data: make demo)

            Shell completion: possum --generate-completion-script bash|zsh|fish. Version: possum --version.
            """,
        version: possumVersionLine,
        subcommands: [
            TrainCommand.self, PredictCommand.self, FeaturesCommand.self, DataCommand.self, ModelCommand.self,
            RunsCommand.self, ModelsCommand.self, ReportCommand.self, LstsqCommand.self, QRCommand.self, RidgeCommand.self, AccuracyCommand.self,
            DagCommand.self, TaskCommand.self, ServeCommand.self,
        ])

    public init() {}

    /// ArgumentParser's entry point, plus the policy for standard output's write errors (see
    /// StandardOutput.swift): a failed write ends the run with status 1, a closed pipe with 0; a
    /// standard descriptor closed at start is reopened first, so no output file can take its number.
    public static func main() {
        StandardOutput.reopenClosedStandardDescriptors()
        StandardOutput.catchBrokenPipe()
        do {
            var command = try parseAsRoot(nil)
            try command.run()
        } catch where exitCode(for: error) == .success {
            // --help, --version: ArgumentParser's text, through the same standard output.
            let text = fullMessage(for: error)
            if !text.isEmpty { print(text) }
        } catch let status as ExitCode {
            // The command has said what went wrong (dag run's failure summary, task run's log):
            // only its status is left, not an empty "Error: " line.
            Foundation.exit(status.rawValue)
        } catch {
            // The command's own error is the news, whatever stdout did: one line, whatever it says.
            printError("Error: \(oneLineMessage(for: error))\n")
            Foundation.exit(exitCode(for: error).rawValue)
        }
        StandardOutput.exitIfWriteFailed()
    }

    /// An error as one line: the message's lines joined, control characters escaped, cut when long;
    /// a bad command line points at the command's --help instead of printing its usage.
    static func oneLineMessage(for error: Error, arguments: [String] = Array(CommandLine.arguments.dropFirst())) -> String {
        let lines = message(for: error).split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        var text = messageText(lines.joined(separator: "; "), limit: 1000)
        if exitCode(for: error) == .validationFailure { text += " (see '\(commandPath(arguments)) --help')" }
        return text
    }

    /// `possum data import` for arguments starting `data import …`: the subcommands named before the
    /// first argument that is not one.
    static func commandPath(_ arguments: [String]) -> String {
        var command: ParsableCommand.Type = Possum.self
        var path = ["possum"]
        for argument in arguments {
            guard let next = command.configuration.subcommands.first(where: { $0._commandName == argument }) else { break }
            path.append(argument)
            command = next
        }
        return path.joined(separator: " ")
    }
}

/// What `possum --version` prints: the version, the kernels compiled in, what this CPU offers them, and the
/// vector instructions they run as (e.g. "AVX2+FMA ymm", "portable (…)").
public let possumVersionLine =
    "possum \(possumVersion) (kernels: \(KernelBuild.description); this CPU: \(CPUFeatures.current); vector code: \(KernelBuild.vectorInstructions(cpuFeatures: CPUFeatures.current)); tile: \(KernelBuild.tile))"
