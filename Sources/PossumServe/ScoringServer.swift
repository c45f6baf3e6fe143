import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import PossumFiles

/// How `possum serve` listens and what it bounds.
public struct ServeConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Largest request body read, in bytes; a larger one is answered 413.
    public var maxBody: Int
    /// Requests whose bodies are read and predicted at once (see `RequestGate`).
    public var maxConcurrent: Int
    /// Open connections; past it the server stops accepting until one closes.
    public var maxConnections: Int
    /// A connection idle this long (seconds) is closed, so a stalled client holds nothing for long.
    public var idleTimeout: Int
    /// What `GET /version` answers.
    public var version: String

    public init(host: String = "127.0.0.1", port: Int = 5001, maxBody: Int = 16 << 20, maxConcurrent: Int = 4,
                maxConnections: Int = 256, idleTimeout: Int = 60, version: String) {
        (self.host, self.port, self.maxBody, self.maxConcurrent) = (host, port, maxBody, maxConcurrent)
        (self.maxConnections, self.idleTimeout, self.version) = (maxConnections, idleTimeout, version)
    }

    /// Whether `host` is a loopback address written out (127.0.0.0/8, ::1, localhost): anything
    /// else may be reachable from other machines.
    public static func isLoopback(_ host: String) -> Bool {
        let h = host.lowercased()
        if h == "localhost" || h == "::1" || h == "[::1]" || h == "0:0:0:0:0:0:0:1" { return true }
        let parts = h.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { p in p.count <= 3 && (decimal(p) ?? 256) <= 255 }
    }

    /// `--max-body 16M`: a byte count with an optional binary suffix (K, M, G: KiB, MiB, GiB;
    /// a trailing B or iB is allowed); nil for anything else or a count past Int.max.
    public static func byteCount(_ argument: String) -> Int? {
        var text = Substring(argument.trimmingCharacters(in: .whitespaces).uppercased())
        if text.hasSuffix("IB") { text = text.dropLast(2) } else if text.hasSuffix("B") { text = text.dropLast() }
        let shifts: [Character: Int] = ["K": 10, "M": 20, "G": 30]
        let shift = text.last.flatMap { shifts[$0] } ?? 0
        if shift > 0 { text = text.dropLast() }
        guard let n = decimal(text), n <= (Int.max >> shift) else { return nil }
        return n << shift
    }

    /// Plain decimal digits as an Int; nil when empty, not all digits, or past Int.max.
    static func decimal(_ text: Substring) -> Int? {
        guard !text.isEmpty else { return nil }
        var n = 0
        for c in text.utf8 {
            guard c >= 48 && c <= 57 else { return nil }
            let (tens, o1) = n.multipliedReportingOverflow(by: 10)
            let (sum, o2) = tens.addingReportingOverflow(Int(truncatingIfNeeded: c &- 48))
            if o1 || o2 { return nil }
            n = sum
        }
        return n
    }
}

/// The error that ends `possum serve` before it listens: the address, and why.
public struct ServeError: Error, CustomStringConvertible {
    public var description: String
}

/// MLflow's scoring protocol over HTTP/1.1 (what `mlflow models serve` answers):
/// `POST /invocations` (JSON or CSV in, `{"predictions": [...]}` out), `GET /ping` and
/// `GET /health` (200 once the model is loaded, which is before the server listens),
/// `GET /version`.
public enum ScoringServer {
    /// Builds the application; `onReady` is called with the port once it listens.
    static func application(model: ScoringModel, configuration c: ServeConfiguration,
                            onReady: @escaping @Sendable (Int) -> Void) -> some ApplicationProtocol {
        let gate = RequestGate(limit: c.maxConcurrent)
        let maxBody = c.maxBody
        let router = Router()
        router.get("ping") { _, _ in plain("\n") }
        router.get("health") { _, _ in plain("\n") }
        router.get("version") { _, _ in plain(c.version) }
        router.post("invocations") { request, _ -> Response in
            await gate.withPermit {
                do {
                    let bytes: [UInt8]
                    do {
                        var buffer = try await request.body.collect(upTo: maxBody)
                        bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
                    } catch let error as HTTPError where error.status == .contentTooLarge {
                        throw ScoringError.tooLarge(limit: maxBody)  // Content-Length over the limit
                    } catch is NIOTooManyBytesError {
                        throw ScoringError.tooLarge(limit: maxBody)  // a chunked body past the limit
                    }
                    let predictions = try model.score(body: bytes, contentType: request.headers[.contentType])
                    return json(ScoringModel.responseJSON(predictions), status: .ok)
                } catch let error as ScoringError {
                    return json(error.json, status: HTTPResponse.Status(code: error.status))
                } catch {
                    let refusal = ScoringError(status: 400, "could not read the request body: \(messageText("\(error)", limit: 300))")
                    return json(refusal.json, status: .badRequest)
                }
            }
        }
        var logger = Logger(label: "possum-serve")
        logger.logLevel = .critical  // possum says what it has to say itself, on one line
        return Application(
            router: router,
            server: .http1(configuration: .init(idleTimeout: .seconds(Int64(clamping: c.idleTimeout)))),
            configuration: .init(address: .hostname(c.host, port: c.port), serverName: "possum",
                                 availableConnectionsDelegate: MaximumAvailableConnections(c.maxConnections)),
            onServerRunning: { channel in onReady(channel.localAddress?.port ?? c.port) },
            logger: logger)
    }

    /// Serves until SIGINT or SIGTERM, then finishes the requests in progress and returns. A
    /// failure to listen (the port in use, an address not of this machine) is a `ServeError`.
    public static func run(model: ScoringModel, configuration: ServeConfiguration,
                           onReady: @escaping @Sendable (Int) -> Void) async throws {
        let ready = ReadyFlag()
        let app = application(model: model, configuration: configuration) { port in
            ready.set()
            onReady(port)
        }
        do {
            try await app.runService()
        } catch where !ready.isSet {
            throw ServeError(description: "cannot listen on \(configuration.host):\(configuration.port): \(listenFailure(error))")
        }
    }

    /// `run` for a synchronous caller (the CLI): blocks until the server has stopped.
    public static func runBlocking(model: ScoringModel, configuration: ServeConfiguration,
                                   onReady: @escaping @Sendable (Int) -> Void) throws {
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        Task {
            do {
                try await run(model: model, configuration: configuration, onReady: onReady)
            } catch {
                outcome.set(error)
            }
            done.signal()
        }
        done.wait()
        if let error = outcome.error { throw error }
    }

    /// NIO's bind errors name the system call; the user needs the reason.
    static func listenFailure(_ error: any Error) -> String {
        if let io = error as? IOError {
            if io.errnoCode == EADDRINUSE { return "the address is already in use (another server on that port? try --port)" }
            if io.errnoCode == EADDRNOTAVAIL { return "no such address on this machine" }
            if io.errnoCode == EACCES { return "permission denied (ports below 1024 need privileges)" }
            return String(cString: strerror(io.errnoCode))
        }
        return messageText("\(error)", limit: 300)
    }

    static func plain(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func json(_ text: String, status: HTTPResponse.Status) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

/// Set once the server listens: a failure before it is a failure to listen.
private final class ReadyFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}

/// The error `run` ended with, handed from the server's task to the blocked caller.
private final class Outcome: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: (any Error)?
    func set(_ error: any Error) { lock.withLock { stored = error } }
    var error: (any Error)? { lock.withLock { stored } }
}
