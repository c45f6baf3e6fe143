import ArgumentParser
import Foundation
import PossumServe
import PossumStorage
import PossumTracking
import PossumWorkflows

/// `possum serve`: parses and resolves; the server is PossumServe's.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a model over HTTP with MLflow's scoring protocol (POST /invocations).",
        discussion: """
            Answers what `mlflow models serve` answers: POST /invocations with a JSON body \
            (dataframe_split, dataframe_records, instances or inputs) or text/csv gives \
            {"predictions": [...]}, one per row (null for a row missing a feature); GET /ping and \
            GET /health answer 200, GET /version the possum version. Predictions apply the model \
            file's one-hot levels and scaling exactly as `possum predict` does. A bad request \
            (malformed JSON, a missing column, an unseen level, a value that is not a number) is \
            answered 400 with {"error_code": "BAD_REQUEST", "message": ...}; a body over --max-body, 413.

            Listens on 127.0.0.1 unless --host says otherwise. SIGINT (Ctrl-C) or SIGTERM stops it \
            cleanly (exit 0), after the requests in progress.

            Examples:
              possum serve --model possum-ridge.h5
              possum serve --model Reg_RidgeCV_possums@champion --port 5002
              curl localhost:5001/invocations -H 'Content-Type: text/csv' \\
                --data-binary @datasets/possum.csv
            """)

    @Option(name: .long, help: ArgumentHelp(
        "Model file (possum train --export), or a registered model: NAME@ALIAS, NAME@STAGE, NAME/VERSION, models:/….",
        valueName: "file|name@alias"))
    var model: String

    @Option(name: .long, help: "Address to listen on; anything but loopback (127.0.0.1, ::1, localhost) is reachable from other machines.")
    var host = "127.0.0.1"

    @Option(name: .long, help: "Port to listen on (0: any free port; the one taken is printed).")
    var port = 5001

    @Option(name: .long, help: ArgumentHelp("Largest request body (bytes; K, M, G suffixes are KiB, MiB, GiB); larger is answered 413.", valueName: "size"))
    var maxBody: ByteCount = ByteCount(bytes: 16 << 20)

    @Option(name: .long, help: "Requests read and predicted at once; others wait their turn.")
    var maxConcurrent = 4

    @Option(name: .long, help: "Open connections accepted at once; more wait to be accepted.")
    var maxConnections = 256

    @OptionGroup var tracking: TrackingOptions

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be in 0…65535") }
        guard (1...(1 << 30)).contains(maxBody.bytes) else { throw ValidationError("--max-body must be between 1 byte and 1G") }
        guard (1...1024).contains(maxConcurrent) else { throw ValidationError("--max-concurrent must be in 1…1024") }
        guard (1...65536).contains(maxConnections) else { throw ValidationError("--max-connections must be in 1…65536") }
        guard !host.isEmpty else { throw ValidationError("--host is empty") }
    }

    func run() throws {
        let path = try modelFile()
        let loaded = ScoringModel(model: try ModelFile.read(path), name: model)
        if !ServeConfiguration.isLoopback(host) {
            printNote("warning: listening on \(host), not loopback: other machines may reach this server, which has no authentication or TLS\n")
        }
        let configuration = ServeConfiguration(host: host, port: port, maxBody: maxBody.bytes, maxConcurrent: maxConcurrent,
                                               maxConnections: maxConnections, version: possumVersion)
        let shownHost = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        let target = loaded.model.transform.spec.target
        try ScoringServer.runBlocking(model: loaded, configuration: configuration) { port in
            print("possum serve: \(model) (predicts \(target)) on http://\(shownHost):\(port)/invocations; Ctrl-C stops")
        }
        printNote("possum serve: stopped\n")
    }

    func modelFile() throws -> String { try tracking.modelFile(model) }
}

/// `--max-body 16M`: a byte count with an optional binary suffix.
struct ByteCount: ExpressibleByArgument {
    var bytes: Int

    init(bytes: Int) { self.bytes = bytes }

    init?(argument: String) {
        guard let n = ServeConfiguration.byteCount(argument) else { return nil }
        bytes = n
    }

    var defaultValueDescription: String { bytes % (1 << 20) == 0 ? "\(bytes >> 20)M" : "\(bytes)" }
}
