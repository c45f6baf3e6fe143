import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// `possum serve`, the built binary on a free port: every payload form gives `possum predict`'s
/// numbers on the possum table, bad payloads their 4xx, signals a clean exit 0, a port in use
/// a one-line error.
@Suite(.serialized) struct ServeCommandTests {
    static let csv = PossumProcess.repositoryRoot.appendingPathComponent("datasets/possum.csv").path

    /// A model of the possum table, and what `possum predict --out` wrote for it (by data row).
    struct Trained {
        var directory: URL
        var model: String
        var predicted: [Int: Double]
    }

    static func train(register: [String] = [], store: URL? = nil) throws -> Trained {
        let dir = try PossumProcess.scratch()
        let model = dir.appendingPathComponent("m.h5").path
        let tracking = store.map { ["--tracking-uri", $0.path] } ?? ["--no-track"]
        let train = try PossumProcess.run(["train", "--data", csv] + PossumProcess.possumColumns + ["--export", model] + tracking + register)
        #expect(train.status == 0, "\(train.stderr)")
        let out = dir.appendingPathComponent("p.csv").path
        let predict = try PossumProcess.run(["predict", "--model", model, "--data", csv, "--out", out])
        #expect(predict.status == 0, "\(predict.stderr)")
        var predicted: [Int: Double] = [:]
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
        let header = lines.first.map { $0.split(separator: ",").map(String.init) } ?? []
        let rowColumn = header.firstIndex(of: "row") ?? 0, predictedColumn = header.firstIndex(of: "predicted") ?? 0
        for line in lines.dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            if let row = Int(fields[rowColumn]), let p = Double(fields[predictedColumn]) { predicted[row] = p }
        }
        return Trained(directory: dir, model: model, predicted: predicted)
    }

    /// The possum table as rows of JSON cells: numbers as numbers, NA as null, text quoted.
    static func jsonTable() throws -> (columns: [String], rows: [[String]]) {
        let lines = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n")
        let columns = lines[0].split(separator: ",").map(String.init)
        let rows = lines.dropFirst().map { line in
            line.split(separator: ",", omittingEmptySubsequences: false).map { field -> String in
                if field == "NA" || field.isEmpty { return "null" }
                return Double(field) != nil ? String(field) : "\"\(field)\""
            }
        }
        return (columns, rows)
    }

    static func expectSame(_ got: [Double?], as trained: Trained, rows: Int, _ form: String) {
        #expect(got.count == rows, "\(form)")
        for (k, value) in got.enumerated() {
            if let expected = trained.predicted[k + 1] {
                #expect(value.map { abs($0 - expected) <= 1e-12 * max(1, abs(expected)) } == true, "\(form) row \(k + 1): \(String(describing: value)) vs \(expected)")
            } else {
                #expect(value == nil, "\(form) row \(k + 1): predict skips it, serve answers null")
            }
        }
        #expect(got.compactMap { $0 }.count == trained.predicted.count, "\(form)")
    }

    @Test func everyPayloadFormGivesPredictsNumbers() throws {
        let trained = try Self.train()
        defer { try? FileManager.default.removeItem(at: trained.directory) }
        let server = try ServeProcess.start(["--model", trained.model])
        defer { server.stop() }

        let (columns, rows) = try Self.jsonTable()
        let csvBody = try String(contentsOfFile: Self.csv, encoding: .utf8)
        let split = #"{"dataframe_split": {"columns": ["# + columns.map { "\"\($0)\"" }.joined(separator: ", ") + #"], "data": ["#
            + rows.map { "[" + $0.joined(separator: ", ") + "]" }.joined(separator: ", ") + "]}}"
        let records = "[" + rows.map { row in "{" + zip(columns, row).map { "\"\($0)\": \($1)" }.joined(separator: ", ") + "}" }.joined(separator: ", ") + "]"
        let columnar = "{" + columns.indices.map { k in "\"\(columns[k])\": [" + rows.map { $0[k] }.joined(separator: ", ") + "]" }.joined(separator: ", ") + "}"
        let forms: [(String, String, String)] = [
            ("text/csv", "text/csv", csvBody),
            ("dataframe_split", "application/json", split),
            ("dataframe_records", "application/json", #"{"dataframe_records": "# + records + "}"),
            ("instances", "application/json", #"{"instances": "# + records + "}"),
            ("inputs", "application/json; charset=utf-8", #"{"inputs": "# + columnar + "}"),
        ]
        for (form, type, body) in forms {
            let response = try server.post(body, contentType: type)
            #expect(response.status == 200, "\(form): \(response.body)")
            #expect(response.contentType?.hasPrefix("application/json") == true)
            Self.expectSame(try response.predictions(), as: trained, rows: rows.count, form)
        }
        #expect(try server.get("/ping").status == 200)
        #expect(try server.get("/health").status == 200)
        let version = try server.get("/version")
        #expect(version.status == 200 && version.body.contains("0."))
    }

    @Test func badPayloadsAreAnswered4xxWithMLflowsErrorBody() throws {
        let trained = try Self.train()
        defer { try? FileManager.default.removeItem(at: trained.directory) }
        let server = try ServeProcess.start(["--model", trained.model, "--max-body", "4K"])
        defer { server.stop() }
        let good = #"{"site": 1, "Pop": "Vic", "sex": "m", "age": 8, "hdlngth": 94.1, "skullw": 60.4, "totlngth": 89, "footlgth": 74.5, "earconch": 54.5, "eye": 15.2, "chest": 28, "belly": 36"#
        let cases: [(String, String, Int, String)] = [
            ("malformed JSON", "application/json", 400, "malformed JSON"),
            (#"{"dataframe_records": [{"site": 1}]}"#, "application/json", 400, "no column"),
            (#"{"dataframe_records": ["# + good.replacingOccurrences(of: #""Vic""#, with: #""Tas""#) + "}]}", "application/json", 400,
             "row 1, column 'Pop': level 'Tas' was not seen in training (levels: Vic, other)"),
            (#"{"dataframe_records": ["# + good.replacingOccurrences(of: "94.1", with: #""long""#) + "}]}", "application/json", 400,
             "row 1, column 'hdlngth': 'long' is not a number"),
            (#"{"dataframe_records": ["# + good + "}]}", "text/plain", 415, "unsupported content type 'text/plain'"),
            (String(repeating: "x", count: 5000), "text/csv", 413, "larger than the server's limit of 4096 bytes"),
        ]
        for (body, type, status, message) in cases {
            let response = try server.post(body, contentType: type)
            #expect(response.status == status, "\(message): \(response.body)")
            let object = try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: String]
            #expect(object?["error_code"] == "BAD_REQUEST", "\(response.body)")
            #expect(object?["message"]?.contains(message) == true, "\(response.body)")
        }
        // Still serving after all that.
        let ok = try server.post(#"{"dataframe_records": ["# + good + "}]}", contentType: "application/json")
        #expect(ok.status == 200)
        #expect(try ok.predictions().count == 1)
    }

    @Test(arguments: [SIGINT, SIGTERM])
    func signalStopsCleanlyWithExitZero(signal: Int32) throws {
        let trained = try Self.train()
        defer { try? FileManager.default.removeItem(at: trained.directory) }
        let server = try ServeProcess.start(["--model", trained.model])
        kill(server.process.processIdentifier, signal)
        server.process.waitUntilExit()
        #expect(server.process.terminationReason == .exit)
        #expect(server.process.terminationStatus == 0)
    }

    @Test func portInUseIsAOneLineErrorWithExit1() throws {
        let trained = try Self.train()
        defer { try? FileManager.default.removeItem(at: trained.directory) }
        let server = try ServeProcess.start(["--model", trained.model])
        defer { server.stop() }
        let second = try PossumProcess.run(["serve", "--model", trained.model, "--port", String(server.port)])
        #expect(second.status == 1)
        #expect(second.stderr == "Error: cannot listen on 127.0.0.1:\(server.port): the address is already in use (another server on that port? try --port)\n")
    }

    @Test func registeredModelIsServedByAlias() throws {
        let store = try PossumProcess.scratch()
        defer { try? FileManager.default.removeItem(at: store) }
        let trained = try Self.train(register: ["--register", "Tails", "--alias", "champion"], store: store)
        defer { try? FileManager.default.removeItem(at: trained.directory) }
        let server = try ServeProcess.start(["--model", "Tails@champion", "--tracking-uri", store.path])
        defer { server.stop() }
        #expect(server.banner.contains("Tails@champion"))
        let response = try server.post(try String(contentsOfFile: Self.csv, encoding: .utf8), contentType: "text/csv")
        Self.expectSame(try response.predictions(), as: trained, rows: 104, "Tails@champion")

        let missing = try PossumProcess.run(["serve", "--model", "Tails@nope", "--tracking-uri", store.path])
        #expect(missing.status == 1 && missing.stderr.contains("nope") && missing.stderr.split(separator: "\n").count == 1)
    }

    @Test func nonLoopbackHostWarns() throws {
        let trained = try Self.train()
        defer { try? FileManager.default.removeItem(at: trained.directory) }
        let server = try ServeProcess.start(["--model", trained.model, "--host", "0.0.0.0"])
        server.stop()
        #expect(server.stderrText().contains("warning: listening on 0.0.0.0, not loopback"))
    }
}

/// A `possum serve` process on a free port (`--port 0`; the port is read from its first line).
final class ServeProcess: @unchecked Sendable {
    let process = Process()
    let err = Pipe()
    var port = 0
    var banner = ""

    static func start(_ arguments: [String]) throws -> ServeProcess {
        let server = ServeProcess()
        let p = server.process
        p.executableURL = PossumProcess.executable
        p.arguments = ["serve", "--port", "0"] + arguments
        var env = ProcessInfo.processInfo.environment
        env["POSSUM_TRACKING_URI"] = FileManager.default.temporaryDirectory.appendingPathComponent("possum-cli-tests-mlruns").path
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        p.standardError = server.err
        try p.run()
        // The first line says where it listens: "possum serve: … on http://127.0.0.1:PORT/invocations; …".
        var line = Data()
        while !line.contains(0x0a) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        server.banner = String(decoding: line, as: UTF8.self)
        guard let colon = server.banner.range(of: ":", options: .backwards, range: server.banner.range(of: "/invocations").map { server.banner.startIndex..<$0.lowerBound }),
              let slash = server.banner.range(of: "/invocations"),
              let port = Int(server.banner[colon.upperBound..<slash.lowerBound]) else {
            server.stop()
            throw ServeTestError(description: "no listening line: \(server.banner) \(server.stderrText())")
        }
        server.port = port
        return server
    }

    func stop() {
        if process.isRunning {
            process.interrupt()
            process.waitUntilExit()
        }
    }

    func stderrText() -> String {
        if process.isRunning { return "" }
        return String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }

    struct Response {
        var status: Int
        var contentType: String?
        var body: String

        func predictions() throws -> [Double?] {
            let object = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
            guard let list = object?["predictions"] as? [Any] else { throw ServeTestError(description: "no predictions in \(body)") }
            return list.map { ($0 as? NSNumber)?.doubleValue }
        }
    }

    func post(_ body: String, contentType: String) throws -> Response {
        var request = URLRequest(url: try url("/invocations"))
        request.httpMethod = "POST"
        request.setValue(contentType, forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(body.utf8)
        return try send(request)
    }

    func get(_ path: String) throws -> Response { try send(URLRequest(url: try url(path))) }

    func url(_ path: String) throws -> URL {
        guard let url = URL(string: "http://127.0.0.1:\(port)\(path)") else { throw ServeTestError(description: "bad URL") }
        return url
    }

    private final class Box: @unchecked Sendable { var response: Response?; var error: Error? }

    func send(_ request: URLRequest) throws -> Response {
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: request) { data, response, error in
            if let http = response as? HTTPURLResponse {
                box.response = Response(status: http.statusCode, contentType: http.value(forHTTPHeaderField: "Content-Type"),
                                        body: String(decoding: data ?? Data(), as: UTF8.self))
            }
            box.error = error
            done.signal()
        }.resume()
        done.wait()
        guard let response = box.response else { throw box.error ?? ServeTestError(description: "no response") }
        return response
    }
}

struct ServeTestError: Error, CustomStringConvertible { var description: String }
