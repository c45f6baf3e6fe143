/// How to call one LAPACK: `PATH[:OPTIONS]` on the command line, OPTIONS comma-separated `key=value`:
///
///     prefix=scipy_   text before every symbol (numpy's OpenBLAS: `scipy_dgeqrf_64_`)
///     suffix=64_      text after it (Fortran routines: after their trailing `_`)
///     int=32|64       LAPACK integer width (LP64 / ILP64); default: detected
///     name=LABEL      the name in the report (default: the file name; reported versions follow it)
///     lstsq=qr|gels   least squares as dgeqrf+dormqr+dtrtrs (default) or one dgels
///
/// Without prefix/suffix the known namings are tried in turn: `dgeqrf_`, `scipy_dgeqrf_64_`, `dgeqrf_64_`,
/// `scipy_dgeqrf_`. The path ends at the first `:` after its last `/`.
public struct LAPACKPeerSpec: Equatable, Sendable {
    public enum IntegerWidth: Int, Sendable { case lp64 = 32, ilp64 = 64 }
    public enum LeastSquares: String, Sendable { case qr, gels }

    public var path: String
    public var prefix: String?
    public var suffix: String?
    public var integerWidth: IntegerWidth?
    public var name: String?
    public var leastSquares: LeastSquares = .qr

    public init(path: String) { self.path = path }

    public init(parsing argument: String) throws(LAPACKPeerError) {
        let lastSlash = argument.lastIndex(of: "/") ?? argument.startIndex
        guard let colon = argument[lastSlash...].firstIndex(of: ":") else {
            self.init(path: argument)
            return
        }
        self.init(path: String(argument[..<colon]))
        for option in argument[argument.index(after: colon)...].split(separator: ",") {
            let pair = option.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let value = pair.count == 2 ? String(pair[1]) : ""
            switch pair[0] {
            case "prefix" where pair.count == 2: prefix = value
            case "suffix" where pair.count == 2: suffix = value
            case "name" where !value.isEmpty: name = value
            case "int":
                guard let width = Int(value).flatMap(IntegerWidth.init(rawValue:)) else {
                    throw .badOption(argument: argument, option: String(option), expected: "int=32 or int=64")
                }
                integerWidth = width
            case "lstsq":
                guard let method = LeastSquares(rawValue: value) else {
                    throw .badOption(argument: argument, option: String(option), expected: "lstsq=qr or lstsq=gels")
                }
                leastSquares = method
            default:
                throw .badOption(argument: argument, option: String(option),
                                 expected: "prefix=, suffix=, int=32|64, name=, lstsq=qr|gels")
            }
        }
    }
}

/// Every failure of a peer, as one line that names the path (and the symbol or option).
public enum LAPACKPeerError: Error, CustomStringConvertible, Equatable {
    case notALibrary(path: String, reason: String)
    case missingSymbol(path: String, symbol: String, tried: [String])
    case badOption(argument: String, option: String, expected: String)
    case tooLarge(path: String, value: Int)
    case info(path: String, routine: String, info: Int)

    public var description: String {
        switch self {
        case .notALibrary(let path, let reason):
            return "--lapack \(path): not a loadable shared library (\(reason))"
        case .missingSymbol(let path, let symbol, let tried):
            let others = tried.filter { $0 != symbol }
            return "--lapack \(path): no symbol \(symbol) in the library"
                + (others.isEmpty ? "" : " (also tried \(others.joined(separator: ", ")))")
        case .badOption(let argument, let option, let expected):
            return "--lapack \(argument): unknown option '\(option)' (expected \(expected))"
        case .tooLarge(let path, let value):
            return "--lapack \(path): \(value) does not fit the library's 32-bit LAPACK integers (int=64 for ILP64)"
        case .info(let path, let routine, let info):
            return "--lapack \(path): \(routine) returned info = \(info)"
        }
    }
}
