import Foundation
import Testing
@testable import PossumTracking
#if canImport(Glibc)
import Glibc
#endif

/// The error paths of `RESTTrackingStore` against a tiny in-process HTTP server that answers with
/// canned responses: retries on 5xx and refused connections, one-line messages for 4xx, credentials
/// sent but never shown. What a real `mlflow server` does with possum's requests is checked by
/// `make test-mlflow-server`.
@Suite struct TrackingServerTests {
    /// Small delays: the policy's shape is tested, not its timing.
    static let quick = TrackingServerClient.RetryPolicy(attempts: 3, initialDelay: 0.01, maxTotalSeconds: 30, requestTimeout: 10)

    static let experimentJSON = #"{"experiment": {"experiment_id": "7", "name": "E", "artifact_location": "mlflow-artifacts:/7", "lifecycle_stage": "active", "creation_time": 1700000000000, "tags": [{"key": "k", "value": "v"}]}}"#

    @Test func retriesServerErrorsThenSucceeds() throws {
        let server = try FakeHTTPServer(responses: [(503, "busy"), (502, "<html>bad gateway</html>"), (200, Self.experimentJSON)])
        defer { server.stop() }
        let store = try RESTTrackingStore(uri: server.uri, environment: [:], retry: Self.quick)
        let experiment = try #require(try store.experiment(named: "E"))
        #expect(experiment.experimentID == "7" && experiment.tags == ["k": "v"] && experiment.creationTime == 1_700_000_000_000)
        #expect(server.requests.count == 3)
        #expect(server.requests.allSatisfy { $0.hasPrefix("GET /api/2.0/mlflow/experiments/get-by-name?experiment_name=E ") })
    }

    @Test func persistentServerErrorIsOneLineAfterBoundedAttempts() throws {
        let server = try FakeHTTPServer(responses: [(500, #"{"error_code": "INTERNAL_ERROR", "message": "database is locked\nretry later"}"#)])
        defer { server.stop() }
        let store = try RESTTrackingStore(uri: server.uri + "/", environment: [:], retry: Self.quick)
        let text = try #require(message { _ = try store.experiment(named: "E") })
        #expect(server.requests.count == 3)
        #expect(!text.contains("\n"))
        #expect(text.hasPrefix("tracking server \(server.uri): GET /api/2.0/mlflow/experiments/get-by-name: HTTP 500 INTERNAL_ERROR: database is locked"))
        #expect(text.contains("after 3 attempts"))
        #expect(!text.contains("experiment_name="), "the query is not part of the message")
    }

    @Test func clientErrorIsFinalAndOneLine() throws {
        let server = try FakeHTTPServer(responses: [(400, #"{"error_code": "INVALID_PARAMETER_VALUE", "message": "Changing param values is not allowed.\nParam with key='solver' was already logged"}"#)])
        defer { server.stop() }
        let store = try RESTTrackingStore(uri: server.uri, environment: [:], retry: Self.quick)
        let text = try #require(message { try store.logParam(runID: "abc", key: "solver", value: "x") })
        #expect(server.requests.count == 1, "a 4xx is not retried")
        #expect(text == "tracking server \(server.uri): POST /api/2.0/mlflow/runs/log-batch: HTTP 400 INVALID_PARAMETER_VALUE: Changing param values is not allowed. Param with key='solver' was already logged")
    }

    @Test func notFoundBecomesTheStoresOwnAnswer() throws {
        let missing = #"{"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "Run 'abc' not found"}"#
        let server = try FakeHTTPServer(responses: [(404, missing)])
        defer { server.stop() }
        let store = try RESTTrackingStore(uri: server.uri, environment: [:], retry: Self.quick)
        #expect(try store.experiment(named: "nope") == nil)
        #expect(message { _ = try store.run(id: "abc") } == "run 'abc' on \(server.uri) not found")
        #expect(server.requests.count == 2)
    }

    @Test func artifactsOfOneCallCheckTheRunOnceAndABadNameUploadsNothing() throws {
        let run = #"{"run": {"info": {"run_id": "abc", "experiment_id": "7", "artifact_uri": "mlflow-artifacts:/7/abc/artifacts", "lifecycle_stage": "active"}}}"#
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("possum-artifacts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let files = ["model.h5", "MLmodel", "coefficients.csv"].map { folder.appendingPathComponent($0).path }
        for file in files { try Data(file.utf8).write(to: URL(fileURLWithPath: file)) }

        let server = try FakeHTTPServer(responses: [(200, run), (200, "")])
        defer { server.stop() }
        let store = try RESTTrackingStore(uri: server.uri, environment: [:], retry: Self.quick)
        let stored = try store.logArtifacts(runID: "abc", [ArtifactFile(files[0], under: "model"), ArtifactFile(files[1], under: "model"),
                                                           ArtifactFile(files[2])])
        #expect(stored == ["mlflow-artifacts:/7/abc/artifacts/model/model.h5", "mlflow-artifacts:/7/abc/artifacts/model/MLmodel",
                           "mlflow-artifacts:/7/abc/artifacts/coefficients.csv"])
        let heads = server.requests.map { $0.split(separator: "\r\n").first.map(String.init) ?? "" }
        #expect(heads.filter { $0.contains("/runs/get") }.count == 1)
        #expect(heads.dropFirst() == ["PUT /api/2.0/mlflow-artifacts/artifacts/7/abc/artifacts/model/model.h5 HTTP/1.1",
                                      "PUT /api/2.0/mlflow-artifacts/artifacts/7/abc/artifacts/model/MLmodel HTTP/1.1",
                                      "PUT /api/2.0/mlflow-artifacts/artifacts/7/abc/artifacts/coefficients.csv HTTP/1.1"])

        let before = server.requests.count
        #expect(throws: (any Error).self) { try store.logArtifacts(runID: "abc", [ArtifactFile(files[0]), ArtifactFile(files[1], under: "a/../b")]) }
        #expect(server.requests.dropFirst(before).allSatisfy { !$0.hasPrefix("PUT") }, "a bad name is found before any upload")
    }

    @Test func addressWithoutMLflowSaysSo() throws {
        let server = try FakeHTTPServer(responses: [(404, "")])
        defer { server.stop() }
        let store = try RESTTrackingStore(uri: server.uri, environment: [:], retry: Self.quick)
        let text = try #require(message { _ = try store.experiments() })
        #expect(text == "tracking server \(server.uri): POST /api/2.0/mlflow/experiments/search: HTTP 404 (no MLflow REST API there: is this an MLflow tracking server's address?)")
    }

    @Test func bearerTokenIsSentButNeverShown() throws {
        let server = try FakeHTTPServer(responses: [(403, #"{"error_code": "PERMISSION_DENIED", "message": "no access"}"#)])
        defer { server.stop() }
        let store = try RESTTrackingStore(uri: server.uri, environment: ["MLFLOW_TRACKING_TOKEN": "s3cr3t-token"], retry: Self.quick)
        let text = try #require(message { _ = try store.experiments() })
        #expect(server.requests.first?.contains("\r\nAuthorization: Bearer s3cr3t-token\r\n") == true)
        #expect(!text.contains("s3cr3t"))
        #expect(text.contains("HTTP 403 PERMISSION_DENIED: no access"))
    }

    @Test func basicAuthFromEnvironmentOrURIIsSentButNeverShown() throws {
        let server = try FakeHTTPServer(responses: [(401, "Unauthorized")])
        defer { server.stop() }
        let env = ["MLFLOW_TRACKING_USERNAME": "ana", "MLFLOW_TRACKING_PASSWORD": "pa55word"]
        let fromEnv = try RESTTrackingStore(uri: server.uri, environment: env, retry: Self.quick)
        let text = try #require(message { _ = try fromEnv.registeredModels() })
        #expect(server.requests.last?.contains("\r\nAuthorization: Basic \(Data("ana:pa55word".utf8).base64EncodedString())\r\n") == true)
        #expect(!text.contains("pa55word") && text.contains("HTTP 401: Unauthorized"))

        let withUserInfo = server.uri.replacingOccurrences(of: "http://", with: "http://bo:hunter2@")
        let fromURI = try RESTTrackingStore(uri: withUserInfo, environment: [:], retry: Self.quick)
        #expect(fromURI.location == server.uri)
        let text2 = try #require(message { _ = try fromURI.registeredModels() })
        #expect(server.requests.last?.contains("\r\nAuthorization: Basic \(Data("bo:hunter2".utf8).base64EncodedString())\r\n") == true)
        #expect(!text2.contains("hunter2"))
    }

    @Test func redirectsAreNotFollowedSoCredentialsStayWithTheServer() throws {
        let elsewhere = try FakeHTTPServer(responses: [(200, Self.experimentJSON)])
        defer { elsewhere.stop() }
        let server = try FakeHTTPServer(responses: [(302, "")], headers: ["Location: \(elsewhere.uri)/api/2.0/mlflow/experiments/get-by-name?experiment_name=E"])
        defer { server.stop() }
        let store = try RESTTrackingStore(uri: server.uri, environment: ["MLFLOW_TRACKING_TOKEN": "s3cr3t"], retry: Self.quick)
        let text = try #require(message { _ = try store.experiment(named: "E") })
        #expect(elsewhere.requests.isEmpty, "the token never reaches the redirect's target")
        #expect(text.contains("HTTP 302: redirected to \(elsewhere.uri)/api/2.0/mlflow/experiments/get-by-name, not followed"), "\(text)")
        #expect(!text.contains("s3cr3t"))
    }

    @Test func refusedConnectionIsRetriedThenReported() throws {
        // A port that was free a moment ago: nothing listens on it.
        let probe = try FakeHTTPServer(responses: [])
        let uri = probe.uri
        probe.stop()
        let store = try RESTTrackingStore(uri: uri, environment: [:], retry: Self.quick)
        let text = try #require(message { _ = try store.experiments() })
        #expect(text.hasPrefix("tracking server \(uri): POST /api/2.0/mlflow/experiments/search: cannot connect (connection refused: is the server running?) (after 3 attempts over "))
    }

    @Test func modelSourcesFromTheServerCannotLeaveTheCache() throws {
        let server = try FakeHTTPServer(responses: [])
        defer { server.stop() }
        let store = try RESTTrackingStore(uri: server.uri, environment: [:], retry: Self.quick)
        #expect(message { _ = try store.localPath(forModelSource: "runs:/abc/../../../etc") } == "model source 'runs:/abc/../../../etc': '.' or '..' in its path")
        #expect(message { _ = try store.localPath(forModelSource: "mlflow-artifacts:/1/../../x") } == "artifact URI 'mlflow-artifacts:/1/../../x': '..' in its path")
        #expect(server.requests.isEmpty)
    }

    /// An answer past `maxAnswerBytes` is refused in one line, not read into memory: a server that
    /// streamed gigabytes made `runs list` grow without bound. One just under the limit is read.
    @Test func anAnswerPastTheLimitIsRefusedInOneLine() throws {
        var small = Self.quick
        small.maxAnswerBytes = 2000
        let padded = String(Self.experimentJSON.dropLast()) + #", "pad": ""# + String(repeating: "x", count: 3000) + #""}"#
        let server = try FakeHTTPServer(responses: [(200, padded), (200, Self.experimentJSON)])
        defer { server.stop() }
        let store = try RESTTrackingStore(uri: server.uri, environment: [:], retry: small)
        let text = try #require(message { _ = try store.experiment(named: "E") })
        #expect(text == "tracking server \(server.uri): GET /api/2.0/mlflow/experiments/get-by-name: the answer is larger than 2000 bytes; not read")
        #expect(server.requests.count == 1, "not retried")
        #expect(try store.experiment(named: "E")?.experimentID == "7")
    }

    @Test func schemeChoosesTheStore() throws {
        #expect(try TrackingLocation(uri: "http://127.0.0.1:5000", environment: [:]) == .server("http://127.0.0.1:5000"))
        #expect(try TrackingLocation(uri: "HTTPS://mlflow.example.com/prefix", environment: [:]) == .server("HTTPS://mlflow.example.com/prefix"))
        #expect(try TrackingLocation(uri: nil, environment: ["MLFLOW_TRACKING_URI": "http://h:1"]) == .server("http://h:1"))
        #expect(try TrackingLocation(uri: nil, environment: ["MLFLOW_TRACKING_URI": "http://h:1", "POSSUM_TRACKING_URI": "/tmp/s"]) == .directory("/tmp/s"))
        #expect(try TrackingLocation(uri: "file:///tmp/x", environment: ["MLFLOW_TRACKING_URI": "http://h:1"]) == .directory("/tmp/x"))
        let supported = "supported are a directory or file: URI (the file store) and http(s)://HOST:PORT (an MLflow tracking server)"
        #expect(message { _ = try TrackingLocation(uri: "sqlite:///mlflow.db", environment: [:]) } == "tracking URI 'sqlite:///mlflow.db': " + supported)
        #expect(message { _ = try TrackingLocation(uri: "databricks", environment: [:]) } == "tracking URI 'databricks': " + supported)
        #expect(message { _ = try TrackingLocation(uri: "postgresql://u:secret@db/x", environment: [:]) } == "tracking URI 'postgresql://db/x': " + supported)
    }
}

/// An HTTP/1.1 server on 127.0.0.1 that answers each request with the next canned response (the
/// last one repeats) and records each request's head and body.
final class FakeHTTPServer: @unchecked Sendable {
    let port: UInt16
    private let listener: Int32
    private let lock = NSLock()
    private var pending: [(Int, String)]
    private var recorded: [String] = []

    var uri: String { "http://127.0.0.1:\(port)" }
    var requests: [String] { lock.withLock { recorded } }

    private let headers: [String]

    init(responses: [(Int, String)], headers: [String] = []) throws {
        pending = responses
        self.headers = headers
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound, listen(fd, 16) == 0 else {
            close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        listener = fd
        port = UInt16(bigEndian: address.sin_port)
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    private let finished = DispatchSemaphore(value: 0)

    /// Stops listening and waits for the serving thread, which closes the socket itself: closed
    /// here, its number could be reused by the next server while the thread still accepts on it.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        finished.wait()
    }

    private func serve() {
        defer {
            close(listener)
            finished.signal()
        }
        while true {
            let connection = accept(listener, nil, nil)
            if connection < 0 { return }
            let request = readRequest(connection)
            let (status, body) = lock.withLock { () -> (Int, String) in
                recorded.append(request)
                return pending.count > 1 ? pending.removeFirst() : pending.first ?? (500, "no response configured")
            }
            let bytes = Array(body.utf8)
            let head = "HTTP/1.1 \(status) Canned\r\nContent-Type: application/json\r\nContent-Length: \(bytes.count)\r\nConnection: close\r\n" + headers.map { $0 + "\r\n" }.joined() + "\r\n"
            let all = Array(head.utf8) + bytes
            _ = all.withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            close(connection)
        }
    }

    private func readRequest(_ connection: Int32) -> String {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        var expected: Int?
        while expected.map({ data.count < $0 }) ?? true {
            let n = buffer.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            data += buffer[0..<n]
            if expected == nil, let end = data.firstRange(of: Array("\r\n\r\n".utf8)) {
                let head = String(decoding: data[..<end.lowerBound], as: UTF8.self)
                let length = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                    .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
                expected = end.upperBound + length
            }
        }
        return String(decoding: data, as: UTF8.self)
    }
}
