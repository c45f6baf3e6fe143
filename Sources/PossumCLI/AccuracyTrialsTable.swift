import ArgumentParser
import Foundation
import PossumAccuracy
import PossumLinalg

/// Formats a statistical accuracy study (`possum accuracy --trials N`): per family, the
/// distribution of LRE(ours) − LRE(LAPACK) for each comparison, and each solver's median LRE.
enum AccuracyTrialsTable {
    /// The comparisons printed: each of our solvers against dgels (the issue's target), and simd
    /// against what `possum lstsq --solver openblas` runs (dgelsy).
    static func comparisons(_ solvers: [TrialSolver]) -> [(TrialSolver, TrialSolver)] {
        solvers.filter { $0 != .dgels && $0 != .dgelsy }.map { ($0, .dgels) }
            + (solvers.contains(.simd) && solvers.contains(.dgelsy) ? [(.simd, .dgelsy)] : [])
    }

    static func text(_ results: [AccuracyTrials.FamilyResult], solvers: [TrialSolver], trials: Int, seed: UInt64) -> String {
        let width = max(20, results.map(\.family.name.count).max() ?? 0)
        func name(_ s: String) -> String { s.padding(toLength: width, withPad: " ", startingAt: 0) }
        func f(_ x: Double, _ digits: Int = 2) -> String { String(format: "%+.\(digits)f", x) }
        var out = "\(trials) instances per family, seed \(seed); LRE = min over coefficients vs the exact rational solution\n"
        out += "\nmedian LRE" + String(repeating: " ", count: width - 10)
        let column = max(10, (solvers.map(\.rawValue.count).max() ?? 0) + 1)  // a space between names
        out += solvers.map { $0.rawValue.leftPadded(column) }.joined() + "   simd-fast path / refused, oracle\n"
        for r in results {
            out += name(r.family.name)
            for s in solvers {
                out += (LREDifference((r.lre[s] ?? []).compactMap { $0 }).map { String(format: "%.2f", $0.median) } ?? "-").leftPadded(column)
            }
            out += "   \(pathName(r.family)) / \(r.refusals(.simdFast)), \(r.family.usesExactOracle ? "exact" : "double-double")\n"
        }
        for (ours, theirs) in comparisons(solvers) {
            out += "\nLRE(\(ours.rawValue)) − LRE(\(theirs.rawValue))" + String(repeating: " ", count: max(1, width - 16 - ours.rawValue.count - theirs.rawValue.count))
            out += ["N", "mean", "±s.e.", "median", "p5", "p95", "< −0.5", "> +0.5"].map { $0.leftPadded(8) }.joined() + "\n"
            for r in results {
                guard let d = r.difference(ours, theirs) else { out += name(r.family.name) + "   (no instance solved by both)\n"; continue }
                out += name(r.family.name) + String(d.count).leftPadded(8)
                out += [f(d.mean), String(format: "%.2f", d.standardError), f(d.median), f(d.p5), f(d.p95)].map { $0.leftPadded(8) }.joined()
                out += [d.fractionWorse, d.fractionBetter].map { String(format: "%.0f%%", 100 * $0).leftPadded(8) }.joined() + "\n"
            }
        }
        return out
    }

    static func pathName(_ family: AccuracyFamily) -> String {
        switch SIMDSolver.path(rows: family.rows, columns: family.columns) {
        case .unblocked: "unblocked"
        case .blocked(let nb): "blocked nb=\(nb)"
        case .tallSkinny: "TSQR"
        }
    }
}

extension TrialSolver: ExpressibleByArgument {}
