import ArgumentParser
import PossumTracking

/// `--stage` parses, case-insensitively as MLflow does, straight into a `ModelStage`: the
/// argument parser refuses anything else with the list of stages, so no command checks it again.
extension ModelStage: ExpressibleByArgument {
    public init?(argument: String) { self.init(parsing: argument) }
}
