import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// HTTP to an MLflow tracking server: JSON calls to its REST API (`/api/2.0/mlflow/...`) and file
/// transfers through its artifact proxy (`/api/2.0/mlflow-artifacts/artifacts/...`), synchronous
/// (the `TrackingStore` protocol is), with retries and credentials from the environment.
///
/// Retries: a 5xx or 429 answer, a refused or lost connection, or a timeout is tried again after
/// 0.5 s, 1 s, 2 s, 4 s (`RetryPolicy.standard`: at most 5 attempts, and no new attempt once 60 s
/// have passed); each attempt times out after 30 s. Any other answer (4xx) is final.
///
/// Credentials: `MLFLOW_TRACKING_TOKEN` (sent as `Authorization: Bearer`), else
/// `MLFLOW_TRACKING_USERNAME` and `MLFLOW_TRACKING_PASSWORD` (basic auth), as MLflow's client reads
/// them. They go into the request header only: messages name the server without its user info, the
/// method and the URL path, never a header or the query.
public struct TrackingServerClient: Sendable {
    /// The server's base URL without a trailing `/` and without user info (`http://127.0.0.1:5000`).
    public let baseURL: String
    let authorization: String?
    let retry: RetryPolicy
    let session: URLSession
    let answers: AnswerCollector

    public struct RetryPolicy: Sendable {
        public var attempts: Int
        public var initialDelay: Double
        public var maxTotalSeconds: Double
        public var requestTimeout: Double
        /// The largest answer kept: one whose Content-Length says more is cancelled before its body,
        /// one that streams past it is cut off and refused in one line (without a length, Foundation
        /// may still read the rest before the task ends).
        public var maxAnswerBytes = 256 << 20

        public static let standard = RetryPolicy(attempts: 5, initialDelay: 0.5, maxTotalSeconds: 60, requestTimeout: 30)

        public init(attempts: Int, initialDelay: Double, maxTotalSeconds: Double, requestTimeout: Double) {
            (self.attempts, self.initialDelay, self.maxTotalSeconds, self.requestTimeout) = (attempts, initialDelay, maxTotalSeconds, requestTimeout)
        }
    }

    /// `uri` is `http(s)://HOST[:PORT][/PREFIX]`; user info in it (`http://user:pass@host`) is used
    /// for basic auth when the environment names no credentials, and never shown.
    public init(uri: String, environment: [String: String], retry: RetryPolicy = .standard) throws {
        guard var components = URLComponents(string: uri), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty else {
            throw TrackingError.unsupportedURI(redactingUserInfo(uri))
        }
        let user = components.user.flatMap { $0.removingPercentEncoding }
        let password = components.password.flatMap { $0.removingPercentEncoding }
        components.user = nil
        components.password = nil
        components.query = nil
        components.fragment = nil
        var base = components.string ?? uri
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        func nonEmpty(_ key: String) -> String? { environment[key].flatMap { $0.isEmpty ? nil : $0 } }
        if let token = nonEmpty("MLFLOW_TRACKING_TOKEN") {
            authorization = "Bearer " + token
        } else if let name = nonEmpty("MLFLOW_TRACKING_USERNAME") ?? user {
            let secret = nonEmpty("MLFLOW_TRACKING_USERNAME") != nil ? (environment["MLFLOW_TRACKING_PASSWORD"] ?? "") : (password ?? "")
            authorization = "Basic " + Data((name + ":" + secret).utf8).base64EncodedString()
        } else {
            authorization = nil
        }
        self.retry = retry
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = retry.requestTimeout
        configuration.timeoutIntervalForResource = retry.maxTotalSeconds + retry.requestTimeout
        answers = AnswerCollector(limit: retry.maxAnswerBytes)
        session = URLSession(configuration: configuration, delegate: answers, delegateQueue: nil)
    }

    // MARK: - JSON API

    /// `GET /api/2.0/mlflow/<endpoint>?query`; the answer's JSON object.
    func get(_ endpoint: String, _ query: [(String, String)] = []) throws -> JSONObject {
        try json(method: "GET", path: "/api/2.0/mlflow/" + endpoint, query: query, body: nil)
    }

    /// `POST /api/2.0/mlflow/<endpoint>` with a JSON body; the answer's JSON object.
    @discardableResult
    func post(_ endpoint: String, _ body: JSONObject) throws -> JSONObject {
        try json(method: "POST", path: "/api/2.0/mlflow/" + endpoint, query: [], body: body)
    }

    /// `PATCH` / `DELETE` with a JSON body, as MLflow's handlers read them.
    @discardableResult
    func send(_ method: String, _ endpoint: String, _ body: JSONObject) throws -> JSONObject {
        try json(method: method, path: "/api/2.0/mlflow/" + endpoint, query: [], body: body)
    }

    func json(method: String, path: String, query: [(String, String)], body: JSONObject?) throws -> JSONObject {
        let payload = try body.map { try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]) }
        let data = try call(method: method, path: path, query: query, body: payload, contentType: "application/json")
        if data.isEmpty { return [:] }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? JSONObject else {
            throw TrackingServerError(server: baseURL, method: method, path: path,
                                      problem: .badAnswer("the answer is not a JSON object"))
        }
        return object
    }

    // MARK: - Artifact proxy

    /// Uploads a file's bytes to `PUT /api/2.0/mlflow-artifacts/artifacts/<path>`.
    func upload(_ contents: Data, to artifactPath: String) throws {
        _ = try call(method: "PUT", path: "/api/2.0/mlflow-artifacts/artifacts/" + percentEncodedPath(artifactPath),
                     query: [], body: contents, contentType: "application/octet-stream")
    }

    /// Downloads `GET /api/2.0/mlflow-artifacts/artifacts/<path>`.
    func download(_ artifactPath: String) throws -> Data {
        try call(method: "GET", path: "/api/2.0/mlflow-artifacts/artifacts/" + percentEncodedPath(artifactPath),
                 query: [], body: nil, contentType: nil)
    }

    /// The entries of an artifact folder: name, whether a folder.
    func listArtifacts(_ artifactPath: String) throws -> [(name: String, isDirectory: Bool)] {
        let answer = try json(method: "GET", path: "/api/2.0/mlflow-artifacts/artifacts",
                              query: [("path", artifactPath)], body: nil)
        return (answer["files"] as? [JSONObject] ?? []).compactMap { file in
            guard let name = file["path"] as? String else { return nil }
            return (name, file["is_dir"] as? Bool ?? false)
        }
    }

    // MARK: - Requests with retries

    func call(method: String, path: String, query: [(String, String)], body: Data?, contentType: String?) throws -> Data {
        guard var components = URLComponents(string: baseURL + path) else {
            throw TrackingServerError(server: baseURL, method: method, path: path, problem: .badAnswer("not a valid URL"))
        }
        if !query.isEmpty { components.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) } }
        // '+' is a space to the server's form decoder: send it escaped.
        components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        guard let url = components.url else {
            throw TrackingServerError(server: baseURL, method: method, path: path, problem: .badAnswer("not a valid URL"))
        }
        var request = URLRequest(url: url, timeoutInterval: retry.requestTimeout)
        request.httpMethod = method
        request.httpBody = body
        if let contentType { request.setValue(contentType, forHTTPHeaderField: "Content-Type") }
        if let authorization { request.setValue(authorization, forHTTPHeaderField: "Authorization") }
        request.setValue("possum", forHTTPHeaderField: "User-Agent")

        let started = Date()
        var delay = retry.initialDelay
        var attempt = 1
        while true {
            let outcome = perform(request)
            let problem: TrackingServerError.Problem
            switch outcome {
            case let .answer(status, data, _) where (200..<300).contains(status):
                return data
            case let .answer(status, data, location):
                problem = Self.problem(status: status, body: data, location: location)
            case let .failure(error):
                problem = .connection(error)
            case .tooLarge:
                problem = .badAnswer("the answer is larger than \(retry.maxAnswerBytes) bytes; not read")
            }
            let elapsed = Date().timeIntervalSince(started)
            guard problem.isTransient, attempt < retry.attempts, elapsed + delay < retry.maxTotalSeconds else {
                throw TrackingServerError(server: baseURL, method: method, path: path, problem: problem,
                                          attempts: attempt, seconds: elapsed)
            }
            Thread.sleep(forTimeInterval: delay)
            delay *= 2
            attempt += 1
        }
    }

    enum Outcome { case answer(Int, Data, location: String?), failure(URLError), tooLarge }

    private func perform(_ request: URLRequest) -> Outcome {
        let task = session.dataTask(with: request)
        let answer = answers.expect(task)
        task.resume()
        answer.done.wait()
        if answer.tooLarge { return .tooLarge }
        if answer.error == nil, let http = answer.response {
            return .answer(http.statusCode, answer.data, location: http.value(forHTTPHeaderField: "Location"))
        }
        return .failure((answer.error as? URLError) ?? URLError(.unknown))
    }

    static func problem(status: Int, body: Data, location: String? = nil) -> TrackingServerError.Problem {
        if (300..<400).contains(status) {
            let target = location.map { " to " + redactingUserInfo(String($0.prefix { $0 != "?" && $0 != "#" })) } ?? ""
            return .status(status, errorCode: nil, message: "redirected\(target), not followed (give that URI as the tracking URI)")
        }
        if let object = try? JSONSerialization.jsonObject(with: body) as? JSONObject {
            let code = object["error_code"] as? String
            let message = object["message"] as? String
            if code != nil || message != nil { return .status(status, errorCode: code, message: message ?? "") }
        }
        // Not MLflow's JSON error (a proxy's page, an auth prompt): its first line, short.
        let text = String(decoding: body.prefix(300), as: UTF8.self)
        let firstLine = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        return .status(status, errorCode: nil, message: firstLine)
    }
}

typealias JSONObject = [String: Any]

/// The session's delegate: collects each task's answer, cancelling one that grows past `limit`
/// bytes (`RetryPolicy.maxAnswerBytes`), and refuses redirects: the credentials in the request
/// would go along to wherever the `Location` points. A redirect is reported as its status, with
/// where it pointed.
final class AnswerCollector: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    final class Answer: @unchecked Sendable {
        var data = Data()
        var response: HTTPURLResponse?
        var error: Error?
        var tooLarge = false
        let done = DispatchSemaphore(value: 0)
    }

    let limit: Int
    private let lock = NSLock()
    private var answers: [Int: Answer] = [:]  // by taskIdentifier; guarded by `lock`

    init(limit: Int) { self.limit = limit }

    /// The answer `task` will fill; call before `resume()`.
    func expect(_ task: URLSessionTask) -> Answer {
        let answer = Answer()
        lock.withLock { answers[task.taskIdentifier] = answer }
        return answer
    }

    private func answer(_ task: URLSessionTask) -> Answer? { lock.withLock { answers[task.taskIdentifier] } }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping @Sendable (URLSession.ResponseDisposition) -> Void) {
        guard let answer = answer(dataTask) else { return completionHandler(.cancel) }
        answer.response = response as? HTTPURLResponse
        if response.expectedContentLength > Int64(clamping: limit) {
            answer.tooLarge = true
            return completionHandler(.cancel)
        }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        guard let answer = answer(dataTask), !answer.tooLarge else { return }
        if answer.data.count + data.count > limit {
            answer.tooLarge = true
            answer.data = Data()
            dataTask.cancel()
            return
        }
        answer.data.append(data)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        guard let answer = lock.withLock({ answers.removeValue(forKey: task.taskIdentifier) }) else { return }
        if answer.response == nil { answer.response = task.response as? HTTPURLResponse }
        answer.error = error
        answer.done.signal()
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void) {
        completionHandler(nil)
    }
}

/// `a/b c/d` → `a/b%20c/d`: each segment percent-encoded, the slashes kept.
func percentEncodedPath(_ path: String) -> String {
    var allowed = CharacterSet.urlPathAllowed
    allowed.remove(charactersIn: "/?#;%")
    return path.split(separator: "/", omittingEmptySubsequences: false)
        .map { $0.addingPercentEncoding(withAllowedCharacters: allowed) ?? String($0) }.joined(separator: "/")
}

/// `http://user:secret@host/x` → `http://host/x`, for messages.
func redactingUserInfo(_ uri: String) -> String {
    guard let schemeEnd = uri.range(of: "://") else { return uri }
    let rest = uri[schemeEnd.upperBound...]
    let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
    guard let at = rest[..<authorityEnd].lastIndex(of: "@") else { return uri }
    return String(uri[..<schemeEnd.upperBound]) + String(rest[rest.index(after: at)...])
}

/// A request to the tracking server that failed, as one line: the server, the method and URL path,
/// the HTTP status with MLflow's `error_code` and message (or the connection problem), and how many
/// attempts were made. Never a header (credentials) or the query string.
public struct TrackingServerError: Error, Sendable, CustomStringConvertible {
    public enum Problem: Sendable {
        case status(Int, errorCode: String?, message: String)
        case connection(URLError)
        case badAnswer(String)

        /// Worth another attempt: the server or the network may recover.
        var isTransient: Bool {
            switch self {
            case let .status(code, _, _): return code >= 500 || code == 429
            case let .connection(error):
                return [.cannotConnectToHost, .timedOut, .networkConnectionLost, .cannotFindHost, .dnsLookupFailed,
                        .notConnectedToInternet].contains(error.code)
            case .badAnswer: return false
            }
        }
    }

    public let server: String
    public let method: String
    public let path: String
    public let problem: Problem
    public var attempts = 1
    public var seconds = 0.0

    /// MLflow's `error_code` (`RESOURCE_DOES_NOT_EXIST`, ...), if the server sent one.
    public var errorCode: String? {
        if case let .status(_, code, _) = problem { return code }
        return nil
    }

    public var httpStatus: Int? {
        if case let .status(status, _, _) = problem { return status }
        return nil
    }

    /// The server says the thing asked for does not exist.
    public var isNotFound: Bool { errorCode == "RESOURCE_DOES_NOT_EXIST" || (errorCode == nil && httpStatus == 404) }

    public var description: String {
        var text = "tracking server \(server): \(method) \(path): "
        switch problem {
        case let .status(status, code, message):
            // MLflow's messages often span lines (a stack of reasons): joined, as one line.
            let joined = message.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }.joined(separator: " ")
            text += "HTTP \(status)" + (code.map { " \($0)" } ?? "") + (joined.isEmpty ? "" : ": " + joined)
            // A bare 404/405 (no MLflow error code) means nothing at that address speaks MLflow's REST API.
            if code == nil, status == 404 || status == 405 { text += " (no MLflow REST API there: is this an MLflow tracking server's address?)" }
        case let .connection(error):
            text += Self.connectionText(error)
        case let .badAnswer(reason):
            text += reason
        }
        if attempts > 1 { text += " (after \(attempts) attempts over \(String(format: "%.1f", seconds)) s)" }
        return oneLine(text)
    }

    static func connectionText(_ error: URLError) -> String {
        switch error.code {
        case .cannotConnectToHost: return "cannot connect (connection refused: is the server running?)"
        case .timedOut: return "no answer (timed out)"
        case .networkConnectionLost: return "the connection was lost"
        case .cannotFindHost, .dnsLookupFailed: return "unknown host"
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
             .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot:
            return "TLS failed (\(error.localizedDescription))"
        default: return "request failed (URLError \(error.code.rawValue))"
        }
    }
}
