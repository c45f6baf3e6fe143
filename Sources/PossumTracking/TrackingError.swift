/// Everything that can go wrong in the tracking store, each case printable as one line.
///
/// The CLI prints `description` and exits 1; errors about files always name the file, so a
/// hand-edited or truncated `meta.yaml` is diagnosed without reading a stack trace.
public enum TrackingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A name (experiment, run, param, metric, tag, model, alias) that cannot be stored safely.
    case invalidName(kind: String, name: String, reason: String)
    /// A value that MLflow would refuse (too long, not finite where it must be, ...).
    case invalidValue(String)
    /// A file in the store that exists but cannot be understood.
    case corruptFile(path: String, reason: String)
    /// A system call on a file failed.
    case io(path: String, operation: String, code: Int32)
    /// An experiment, run, model, version or alias that does not exist.
    case notFound(String)
    /// Creating something that already exists.
    case alreadyExists(String)
    /// A soft-deleted run (lifecycle stage `deleted`) cannot be logged to, as in MLflow.
    case runDeleted(runID: String)
    /// A malformed `--filter` expression; `position` is a 0-based character offset.
    case filterSyntax(expression: String, position: Int, reason: String)
    /// A tracking URI naming a backend possum does not have.
    case unsupportedURI(String)
    /// A request that is well formed but not allowed (e.g. archiving into a non-active stage).
    case invalidRequest(String)
    /// A read-only command named a directory that does not exist: it is not created.
    case noStore(String)
    /// No id of this kind (`run`) starts with the prefix given.
    case noIDWithPrefix(kind: String, prefix: String)
    /// More than one id starts with the prefix given; `matches` are all of them, sorted.
    case ambiguousIDPrefix(kind: String, prefix: String, matches: [String])

    /// One line, at most ~400 characters: the parts come from files anyone can edit.
    public var description: String { oneLine(fullDescription) }

    private var fullDescription: String {
        switch self {
        case let .invalidName(kind, name, reason):
            return "invalid \(kind) name \(quoted(name)): \(reason)"
        case let .invalidValue(message):
            return message
        case let .corruptFile(path, reason):
            return "\(path): \(reason)"
        case let .io(path, operation, code):
            return "\(path): \(operation) failed: \(errnoDescription(code))"
        case let .notFound(what):
            return "\(what) not found"
        case let .alreadyExists(what):
            return "\(what) already exists"
        case let .runDeleted(runID):
            return "run \(runID) is deleted: it can no longer be logged to"
        case let .filterSyntax(expression, position, reason):
            return "filter \(quoted(expression)), at character \(position + 1): \(reason)"
        case let .unsupportedURI(uri):
            return "tracking URI \(quoted(uri)): supported are a directory or file: URI (the file store) and http(s)://HOST:PORT (an MLflow tracking server)"
        case let .invalidRequest(message):
            return message
        case let .noStore(path):
            return "no tracking store at \(path) (it is created by the first command that logs a run)"
        case let .noIDWithPrefix(kind, prefix):
            return "no \(kind) with id starting \(quoted(prefix))"
        case let .ambiguousIDPrefix(kind, prefix, matches):
            let shown = matches.prefix(8).joined(separator: ", ") + (matches.count > 8 ? ", … and \(matches.count - 8) more" : "")
            return "\(kind) id prefix \(quoted(prefix)) is ambiguous: \(matches.count) \(kind)s match (\(shown)); give more characters"
        }
    }
}

/// Quotes a user-supplied string for an error message, escaping control characters so the message
/// stays on one line whatever the name contains.
func quoted(_ s: String) -> String {
    var out = "'"
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\0": out += "\\0"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "'": out += "\\'"
        case _ where scalar.value < 0x20 || scalar.value == 0x7f:
            out += "\\x" + String(scalar.value, radix: 16)
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "'"
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

func errnoDescription(_ code: Int32) -> String {
    String(cString: strerror(code))
}
