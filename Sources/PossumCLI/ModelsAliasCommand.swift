import ArgumentParser
import PossumTracking

extension ModelsCommand {
    /// `possum models alias NAME ALIAS VERSION` / `--delete`: MLflow's registry aliases (what it
    /// recommends instead of stages), stored as its file store stores them: `aliases/<ALIAS>`
    /// holding the version number, which `MlflowClient().get_model_version_by_alias` reads.
    struct AliasCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "alias", abstract: "Point an alias (e.g. champion) at a version, or delete it with --delete.",
            discussion: """
                The alias is then usable wherever a registered model is taken: NAME@ALIAS, models:/NAME@ALIAS.
                Setting an alias that exists moves it to the new version.

                Examples:
                  possum models alias Reg_RidgeCV_possums champion 3
                  possum models alias Reg_RidgeCV_possums champion --delete
                """)
        @OptionGroup var tracking: TrackingOptions
        @Argument(help: "Registered model name.") var name: String
        @Argument(help: "Alias: letters, digits, '_' and '-' (not 'latest' or v<number>).") var alias: String
        @Argument(help: "Version number (omitted with --delete).") var version: Int?
        @Flag(name: .long, help: "Remove the alias instead of setting it.") var delete = false

        func validate() throws {
            if delete && version != nil { throw ValidationError("--delete takes no VERSION") }
            if !delete && version == nil { throw ValidationError("give the VERSION the alias points at (or --delete)") }
        }

        func run() throws {
            let store = try tracking.openStore()
            if let version {
                try store.setRegisteredModelAlias(name: name, alias: alias, version: version)
                print("\(name)@\(alias) → version \(version)")
            } else {
                try store.deleteRegisteredModelAlias(name: name, alias: alias)
                print("deleted \(name)@\(alias)")
            }
        }
    }
}
