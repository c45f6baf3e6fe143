import Foundation

/// A request the server refuses, as MLflow's scoring server words it: an HTTP status and the
/// JSON body `{"error_code": "BAD_REQUEST", "message": "…"}`. The message is one line.
public struct ScoringError: Error, Equatable, Sendable, CustomStringConvertible {
    public var status: Int
    public var errorCode: String
    public var message: String

    public init(status: Int = 400, errorCode: String = "BAD_REQUEST", _ message: String) {
        (self.status, self.errorCode, self.message) = (status, errorCode, message)
    }

    public var description: String { "\(status) \(errorCode): \(message)" }

    public static func tooLarge(limit: Int) -> ScoringError {
        ScoringError(status: 413, "request body is larger than the server's limit of \(limit) bytes (possum serve --max-body)")
    }

    /// MLflow answers 415 to a content type it does not parse.
    public static func unsupportedContentType(_ given: String?) -> ScoringError {
        ScoringError(status: 415, "unsupported content type '\(given ?? "")': send application/json "
                     + "(dataframe_split, dataframe_records, instances or inputs) or text/csv")
    }

    /// The JSON body of the error response.
    public var json: String {
        struct Body: Encodable { var error_code: String; var message: String }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(Body(error_code: errorCode, message: message)) else {
            return #"{"error_code": "INTERNAL_ERROR", "message": "could not encode the error"}"#
        }
        return String(decoding: data, as: UTF8.self)
    }
}
