/// Why a linear-algebra operation refused its input. Positions are 0-based in the API and
/// printed 1-based (row 1 is the first row), as a person counts.
public enum LinalgError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Least squares through QR needs at least as many rows as columns.
    case underdetermined(rows: Int, columns: Int)
    /// An operand's shape does not fit: `what` names it.
    case shapeMismatch(String)
    /// A NaN or ±∞ at (row, column) of the named operand (column is 0 for a vector).
    case nonFinite(operand: String, row: Int, column: Int)
    /// R has a (numerically) zero diagonal entry: column `column` is, to working precision, a
    /// combination of the columns before it. `ratio` is |r_kk| / max|r_ii|.
    case rankDeficient(column: Int, ratio: Double)
    /// The backend reported a failure it does not explain further.
    case backend(String)
    /// A result of finite data is not representable as a finite Double: `operand` is "x" or
    /// "residual", `message` says which entry and what to rescale.
    case outOfRange(operand: String, message: String)

    /// The error as one line for a user.
    public var description: String {
        switch self {
        case let .underdetermined(rows, columns):
            return "least squares needs at least as many rows as columns, got \(rows)×\(columns)"
        case let .shapeMismatch(what):
            return "shape mismatch: \(what)"
        case let .nonFinite(operand, row, column):
            return "\(operand) has a non-finite value at row \(row + 1), column \(column + 1)"
        case let .rankDeficient(column, ratio):
            let r = ratio == 0 ? "0" : String(ratio)
            return "matrix is rank-deficient: column \(column + 1) depends linearly on earlier columns (|r_kk|/max|r_ii| = \(r))"
        case let .backend(message), let .outOfRange(_, message):
            return message
        }
    }
}
