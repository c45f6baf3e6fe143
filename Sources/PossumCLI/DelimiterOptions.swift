import ArgumentParser
import PossumData

/// `--delimiter` for every command that reads a CSV: auto (found from the first lines, the
/// default) or one given. The command passes `byte` to the job or reader it makes (each takes a
/// `delimiter`), so a caller of `run()` in the same process gets it too: no global state.
struct DelimiterOptions: ParsableArguments {
    enum Delimiter: String, ExpressibleByArgument, CaseIterable {
        case auto, comma = ",", semicolon = ";", tab, pipe = "|"

        var byte: UInt8? {
            switch self {
            case .auto: nil
            case .comma: UInt8(ascii: ",")
            case .semicolon: UInt8(ascii: ";")
            case .tab: 0x09
            case .pipe: UInt8(ascii: "|")
            }
        }
    }

    @Option(name: .long, help: "The character between a CSV's fields; auto finds it from the first lines.")
    var delimiter: Delimiter = .auto

    /// The byte to give the readers; nil: detected.
    var byte: UInt8? { delimiter.byte }
}
