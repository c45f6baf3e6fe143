import ArgumentParser
import PossumWorkflows

/// `--solver simd|openblas|naive`: the raw values are the spellings.
extension SolverChoice: ExpressibleByArgument {}
