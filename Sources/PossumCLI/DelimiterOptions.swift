import ArgumentParser
import PossumData

/// `--delimiter` for every command that reads a CSV: auto (found from the first lines, the
/// default) or one given. It reaches every reader the command makes through
/// `CSVRecordReader.givenDelimiter`, set around the command's `run()` (`ReadsCSV`, Possum.main).
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
}

/// A command that reads CSV files: its `--delimiter` applies to every one of them.
protocol ReadsCSV {
    var delimiterOptions: DelimiterOptions { get }
}

extension ParsableCommand {
    /// `run()`, with the command's `--delimiter` (if it reads CSV files) given to every CSV reader.
    mutating func runReadingCSV() throws {
        guard let reader = self as? any ReadsCSV, let byte = reader.delimiterOptions.delimiter.byte else { return try run() }
        try CSVRecordReader.$givenDelimiter.withValue(byte) { try run() }
    }
}
