import PossumFiles
import Yams

/// A Yams error as one line of a message: the line it points at and the problem, never Yams' own
/// description (which quotes the offending line raw, control characters and all).
public enum YAMLDiagnostics {
    /// The 1-based line the error points at, when it points at one.
    public static func line(_ error: YamlError) -> Int? {
        switch error {
        case let .scanner(_, _, mark, _), let .parser(_, _, mark, _), let .composer(_, _, mark, _): return mark.line
        default: return nil
        }
    }

    /// "invalid YAML: PROBLEM", escaped and cut.
    public static func problem(_ error: YamlError) -> String {
        switch error {
        case let .scanner(_, problem, _, _), let .parser(_, problem, _, _), let .composer(_, problem, _, _),
             let .reader(problem, _, _, _):
            return "invalid YAML: " + messageText(problem, limit: 200)
        default:
            return "invalid YAML: " + messageText(String(describing: error).split(separator: "\n").joined(separator: " "), limit: 200)
        }
    }
}
