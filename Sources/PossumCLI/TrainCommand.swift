import ArgumentParser
import Foundation
import PossumML

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Fit ridge regression of tail length, alpha chosen by leave-one-out error.",
        discussion: """
            Drops `case` and rows with missing values, one-hot encodes site, Pop and sex (every level),
            z-scores every feature, then for each alpha in logspace(-3, 1, 30) factors [X; sqrt(alpha) I]
            by QR with the chosen solver and scores it by exact leave-one-out error.
            """)

    @Option(name: .long, help: "CSV file with the possum table.")
    var data = "datasets/possum.csv"

    @Option(name: .long, help: "Least-squares backend: \(SolverChoice.allCases.map(\.rawValue).joined(separator: ", ")).")
    var solver: SolverChoice = .simd

    @Option(name: .long, help: "Column to predict.")
    var target = FeatureSpec.possum.target

    @Option(name: .long, help: "Alpha grid as LOWER:UPPER:COUNT in log10 (numpy.logspace).")
    var alphas = AlphaGrid(lower: -3, upper: 1, count: 30)

    @Flag(name: .long, help: "Print the result as JSON.")
    var json = false

    func run() throws {
        var spec = FeatureSpec.possum
        spec.target = target
        let report = try TrainingJob(dataPath: data, spec: spec, alphas: alphas.values, solver: solver).run()
        print(json ? try report.json() : report.table())
    }
}

/// A log-spaced alpha grid given on the command line as `LOWER:UPPER:COUNT`.
struct AlphaGrid: ExpressibleByArgument, Sendable {
    var lower: Double, upper: Double, count: Int

    init(lower: Double, upper: Double, count: Int) {
        (self.lower, self.upper, self.count) = (lower, upper, count)
    }

    init?(argument: String) {
        let parts = argument.split(separator: ":").map(String.init)
        guard parts.count == 3, let lo = Double(parts[0]), let hi = Double(parts[1]), let n = Int(parts[2]),
              lo.isFinite, hi.isFinite, lo <= hi, n >= 1, n <= 10_000 else { return nil }
        self.init(lower: lo, upper: hi, count: n)
    }

    var defaultValueDescription: String { "\(Int(lower)):\(Int(upper)):\(count)" }
    var values: [Double] { logspace(lower, upper, count: count) }
}
