import ArgumentParser
import Foundation
import PossumML

/// Which columns make the model. Only the target is needed: the kind of every other column is
/// inferred from its values; the other options override the inference.
struct FeatureOptions: ParsableArguments {
    /// The inference rule, said once for every command's --help.
    static let kindRule = """
        Column kinds: every column but the target is a feature. A column is numeric (standardized) when \
        every non-missing cell is a finite number, otherwise text (one-hot encoded, every level kept). \
        Missing cells are empty or NA; rows with a missing feature or target are left out of training. \
        --drop, --id, --categorical and --numeric override the inference; the model file records the \
        kind decided for each column (`possum model show`).
        """

    /// Said when a command that trains is given no data: there is no default table.
    static let noDataMessage = "give the data to train on: --data TABLE (a CSV or HDF5 file) with --target COLUMN, or --features FILE (from `possum features`)"

    @Option(name: .long, help: ArgumentHelp("Column to predict (required when training from a table).", valueName: "column"))
    var target: String?

    @Option(name: .long, help: ArgumentHelp("Columns to ignore, comma-separated.", valueName: "a,b"))
    var drop: String = ""

    @Option(name: .long, help: ArgumentHelp("Row identifier column: carried into predictions, not a feature.", valueName: "column"))
    var id: String?

    @Option(name: .long, help: ArgumentHelp("Columns to one-hot encode even if they hold numbers (e.g. codes), comma-separated.", valueName: "a,b"))
    var categorical: String = ""

    @Option(name: .long, help: ArgumentHelp("Columns to read as numbers; a cell that is not one is an error.", valueName: "a,b"))
    var numeric: String = ""

    func validate() throws {
        if let target, let conflict = FeatureSpec(target: target, dropped: list(drop), categorical: list(categorical),
                                                  numeric: list(numeric), id: id).conflict {
            throw ValidationError(conflict)
        }
    }

    /// The spec for a table; nil target is refused here, so a feature-set source (whose spec is
    /// recorded) does not need one.
    func spec() throws -> FeatureSpec {
        guard let target else {
            throw ValidationError("--target COLUMN is required when training from a table (--data): the column to predict")
        }
        return FeatureSpec(target: target, dropped: list(drop), categorical: list(categorical), numeric: list(numeric), id: id)
    }

    /// Whether any column option was given (they mean nothing with --features).
    var anyGiven: Bool { target != nil || id != nil || ![drop, categorical, numeric].allSatisfy(\.isEmpty) }

    private func list(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}

/// `--data`'s value once `validate()` has required it (an error, never a default table, if missing).
func tableArgument(_ data: String?) throws -> String {
    guard let data else { throw ValidationError(FeatureOptions.noDataMessage) }
    return data
}
