import Foundation
import Testing

/// Store selection by the tracking URI's scheme, through the command line: http(s) is a tracking
/// server (also from $MLFLOW_TRACKING_URI when possum's own variable is unset), other schemes are
/// refused with one line. Nothing here needs a server: `runs gc` refuses a server before any request.
/// The commands against a real `mlflow server` are `make test-mlflow-server`.
@Suite struct TrackingServerCommandTests {
    static let gcRefusal = "Error: runs gc is not supported by a tracking server (http://127.0.0.1:9)"

    @Test func httpURISelectsTheServerStore() throws {
        let p = try PossumProcess.run(["runs", "gc", "--tracking-uri", "http://127.0.0.1:9"])
        #expect(p.status == 1)
        #expect(p.stderr.hasPrefix(Self.gcRefusal) && p.stderr.split(separator: "\n").count == 1, "\(p.stderr)")
    }

    @Test func mlflowTrackingURIIsUsedWhenPossumsIsUnset() throws {
        let p = try PossumProcess.run(["runs", "gc"], environment: ["POSSUM_TRACKING_URI": "", "MLFLOW_TRACKING_URI": "http://127.0.0.1:9"])
        #expect(p.status == 1)
        #expect(p.stderr.hasPrefix(Self.gcRefusal), "\(p.stderr)")
        let dir = try PossumProcess.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        // possum's own variable wins: a missing file store, not the server.
        let q = try PossumProcess.run(["runs", "list"], in: dir, environment: ["POSSUM_TRACKING_URI": "here", "MLFLOW_TRACKING_URI": "http://127.0.0.1:9"])
        #expect(q.status == 1 && q.stderr.contains("no tracking store at"), "\(q.stderr)")
    }

    @Test func otherSchemesAreRefusedInOneLine() throws {
        for uri in ["sqlite:///mlflow.db", "databricks", "postgresql://user:secret@db/mlflow"] {
            let p = try PossumProcess.run(["runs", "list", "--tracking-uri", uri])
            #expect(p.status == 1)
            #expect(p.stderr.split(separator: "\n").count == 1 && p.stderr.contains("http(s)://HOST:PORT (an MLflow tracking server)"), "\(p.stderr)")
            #expect(!p.stderr.contains("secret"))
        }
    }

    /// `dag run` takes the same URIs as the other commands: an unsupported one is refused before any
    /// task runs; a server's http URI is accepted (its runs checked by `make test-mlflow-server`).
    @Test func dagRunChecksTheTrackingURIBeforeRunningTasks() throws {
        let dir = try PossumProcess.scratch(file: "p.yaml", contents: """
            name: p
            tasks:
              - {name: touch, command: [touch, ran.txt], outputs: [ran.txt]}
            """)
        defer { try? FileManager.default.removeItem(at: dir) }
        let p = try PossumProcess.run(["dag", "run", "p.yaml", "--tracking-uri", "sqlite:///mlflow.db"], in: dir)
        #expect(p.status == 1 && p.stderr.split(separator: "\n").count == 1 && p.stderr.contains("http(s)://HOST:PORT"), "\(p.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("ran.txt").path))
        let help = try PossumProcess.run(["dag", "run", "--help"])
        #expect(help.stdout.contains("http(s)://HOST:PORT"), "\(help.stdout)")
    }

    @Test func helpNamesTheServerAndItsCredentials() throws {
        let p = try PossumProcess.run(["runs", "list", "--help"])
        #expect(p.status == 0 && p.stdout.contains("http(s)://HOST:PORT") && p.stdout.contains("MLFLOW_TRACKING_URI"), "\(p.stdout)")
    }
}
