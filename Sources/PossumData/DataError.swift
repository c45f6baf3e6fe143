import PossumFiles

/// Why a table could not be read or used. Every case names the file, and the line (1 = the
/// header line) and column where that makes sense, so the message points at the bad byte.
public struct DataError: Error, Equatable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var column: String?
    public var message: String

    public init(file: String, line: Int? = nil, column: String? = nil, _ message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    /// `file:line: column 'x': message`, the shape compilers use, so editors can jump to it;
    /// one line, whatever the file name, column name or message hold (`messageText`).
    public var description: String {
        var s = messageText(file)
        if let line { s += ":\(line)" }
        s += ": "
        if let column { s += "column '\(messageText(column, limit: 80))': " }
        return s + messageText(message, limit: 1000)
    }
}
