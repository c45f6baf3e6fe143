import ArgumentParser
import PossumLinalg

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
        version: possumVersionLine,
        subcommands: [
            TrainCommand.self, PredictCommand.self, FeaturesCommand.self, DataCommand.self, ModelCommand.self,
            RunsCommand.self, ModelsCommand.self, ReportCommand.self, LstsqCommand.self, AccuracyCommand.self,
            DagCommand.self, TaskCommand.self,
        ])

    public init() {}
}

public let possumVersion = "0.1.0"

/// What `possum --version` prints: the version, the kernels compiled in, and what this CPU offers them.
public let possumVersionLine =
    "possum \(possumVersion) (kernels: \(KernelBuild.description); this CPU: \(CPUFeatures.current))"
