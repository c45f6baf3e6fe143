import ArgumentParser
import PossumML

/// Which columns make the model: defaults are the possum pipeline's.
struct FeatureOptions: ParsableArguments {
    @Option(name: .long, help: "Column to predict.")
    var target = FeatureSpec.possum.target

    @Option(name: .long, help: "Columns to ignore, comma-separated; \"\" for none.")
    var drop: String = FeatureSpec.possum.dropped.joined(separator: ",")

    @Option(name: .long, help: "Categorical columns to one-hot encode (every level), comma-separated; \"\" for none.")
    var categorical: String = FeatureSpec.possum.categorical.joined(separator: ",")

    var spec: FeatureSpec {
        FeatureSpec(target: target, dropped: list(drop), categorical: list(categorical))
    }

    private func list(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
