import ArgumentParser

/// The `possum` command tree. Commands parse and validate; the work lives in the library modules.
public struct Possum: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "possum",
        abstract: "Least squares with a hand-vectorized Swift QR, and the possum tail-length model built on it.",
        discussion: """
            Quick start (after `make demo` has fetched the data):
              possum train --solver simd      ridge on datasets/possum.csv, our SIMD QR
              possum train --solver openblas  the same through OpenBLAS's LAPACK
              possum lstsq A.csv b.csv        least squares, minimum-norm if needed
              possum accuracy                 correct digits of each solver
              possum dag run pipelines/possum.yaml
                                              the whole pipeline, CSV to plot
            """,
        version: possumVersion,
        subcommands: [
            TrainCommand.self, PredictCommand.self, FeaturesCommand.self, DataCommand.self, ModelCommand.self,
            RunsCommand.self, ModelsCommand.self, ReportCommand.self, LstsqCommand.self, AccuracyCommand.self,
            DagCommand.self, TaskCommand.self,
        ])

    public init() {}

    /// ArgumentParser's entry point, plus the policy for standard output's write errors (see
    /// StandardOutput.swift): a failed write ends the run with status 1, a closed pipe with 0.
    public static func main() {
        StandardOutput.catchBrokenPipe()
        do {
            var command = try parseAsRoot(nil)
            try command.run()
        } catch where exitCode(for: error) == .success {
            // --help, --version: ArgumentParser's text, through the same standard output.
            let text = fullMessage(for: error)
            if !text.isEmpty { print(text) }
        } catch {
            exit(withError: error)  // the command's own error is the news, whatever stdout did
        }
        StandardOutput.exitIfWriteFailed()
    }
}

public let possumVersion = "0.1.0"
