import Foundation
import Testing
@testable import PossumPipeline

/// The Airflow export's structure: imports, one operator per task with its policy, every edge.
@Suite struct AirflowExportTests {
    @Test func everyTaskAndEdgeWithPolicies() throws {
        let s = try Scratch()
        defer { s.cleanup() }
        try s.pipeline("""
            name: possum-export
            defaults: {retries: 2, retry_delay_seconds: 5}
            tasks:
              - {name: import, command: [possum, data, import], timeout_seconds: 120, outputs: [t.h5]}
              - {name: features, depends_on: [import], command: [possum, features], inputs: [./t.h5, raw.csv], outputs: [f.h5]}
              - {name: train.v2, depends_on: [features], command: "echo 'quoted \\"x\\"'", retries: 0}
              - {name: predict, depends_on: [train.v2, import], command: [possum, predict], retry_delay_seconds: 1.5}
            """)
        let g = try s.graph(checkFiles: false)
        let py = AirflowExport.render(g, possum: "/opt/possum bin/possum")
        #expect(py.contains("from airflow.sdk import DAG, Asset, Param\n"))
        #expect(py.contains("from airflow.providers.standard.operators.bash import BashOperator\n"))
        #expect(py.contains("dag_id=\"possum-export\""))

        // Parse each operator block: variable, task_id, bash_command, retries, delay, timeout.
        struct Op { var variable = "", taskID = "", bash = "", retries = -1, delay = "", timeout: String?, inlets: String?, outlets: String? }
        var ops: [String: Op] = [:], current: Op?
        for line in py.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if line.hasSuffix("= BashOperator(") { current = Op(variable: String(line.split(separator: " ")[0])) }
            guard var op = current else { continue }
            func value(_ key: String) -> String? {
                line.hasPrefix(key + "=") ? String(line.dropFirst(key.count + 1).dropLast()) : nil
            }
            if let v = value("task_id") { op.taskID = String(v.dropFirst().dropLast()) }
            if let v = value("bash_command") { op.bash = v }
            if let v = value("retries") { op.retries = Int(v) ?? -2 }
            if let v = value("retry_delay") { op.delay = v }
            if let v = value("execution_timeout") { op.timeout = v }
            if let v = value("inlets") { op.inlets = v }
            if let v = value("outlets") { op.outlets = v }
            current = op
            if line == ")" { ops[op.taskID] = op; current = nil }
        }
        #expect(Set(ops.keys) == ["import", "features", "train.v2", "predict"])
        #expect(ops["import"]!.retries == 2 && ops["train.v2"]!.retries == 0)
        #expect(ops["import"]!.timeout == "timedelta(seconds=120)" && ops["features"]!.timeout == nil)
        #expect(ops["predict"]!.delay == "timedelta(seconds=1.5)" && ops["import"]!.delay == "timedelta(seconds=5)")
        for (name, op) in ops {
            // The possum given, the pipeline file inside the workdir from the environment (the DAG param).
            #expect(op.bash == "\"'/opt/possum bin/possum' task run \\\"$POSSUM_WORKDIR\\\"/'p.yaml' '\(name)'\"")
        }
        // Outputs are outlets; an input another task writes is an inlet, an input nobody writes is not.
        #expect(ops["import"]!.outlets == "[possum_file(\"t.h5\")]" && ops["import"]!.inlets == nil)
        #expect(ops["features"]!.inlets == "[possum_file(\"./t.h5\")]" && ops["features"]!.outlets == "[possum_file(\"f.h5\")]")
        #expect(ops["predict"]!.inlets == nil && ops["predict"]!.outlets == nil)
        #expect(py.contains("WORKDIR = os.environ.get(\"POSSUM_WORKDIR\") or \(AirflowExport.pythonString(g.pipeline.workdir))\n"))
        #expect(py.contains("PIPELINE = \"p.yaml\"\n"))
        var edges: Set<String> = []
        for line in py.split(separator: "\n") where line.contains(" >> ") {
            let parts = line.trimmingCharacters(in: .whitespaces).components(separatedBy: " >> ")
            let byVar = Dictionary(uniqueKeysWithValues: ops.values.map { ($0.variable, $0.taskID) })
            edges.insert("\(byVar[parts[0]]!)>\(byVar[parts[1]]!)")
        }
        #expect(edges == ["import>features", "features>train.v2", "train.v2>predict", "import>predict"])
    }

    /// No path of the exporting machine's possum: by default the worker's PATH finds it.
    @Test func possumFromPathByDefault() throws {
        let s = try Scratch()
        defer { s.cleanup() }
        try s.pipeline("""
            name: p
            tasks:
              - {name: build.sh, command: [possum, data, import]}
            """)
        let py = AirflowExport.render(try s.graph(checkFiles: false))
        // Ends with a quote: Airflow would take a bash_command ending in `.sh` for a template file.
        #expect(py.contains("bash_command=\"possum task run \\\"$POSSUM_WORKDIR\\\"/'p.yaml' 'build.sh'\","))
        #expect(py.contains("env={\"POSSUM_WORKDIR\": \"{{ params.workdir }}\"},"))
        #expect(py.contains("\"workdir\": Param(\n"))
    }

    /// The pipeline file is named relative to the workdir, with `..` when the YAML's workdir is below it.
    @Test func relativePaths() {
        #expect(AirflowExport.relativePath("/a/b/p.yaml", from: "/a") == "b/p.yaml")
        #expect(AirflowExport.relativePath("/a/b/p.yaml", from: "/a/b/c") == "../p.yaml")
        #expect(AirflowExport.relativePath("/a/p.yaml", from: "/x/y") == "../../a/p.yaml")
        #expect(AirflowExport.relativePath("/a", from: "/a") == ".")
    }

    /// Text Jinja would read as a tag stays literal in the rendered command.
    @Test func jinjaTagsKeptLiteral() {
        #expect(AirflowExport.jinjaLiteral("possum task run x") == "possum task run x")
        #expect(AirflowExport.jinjaLiteral("/opt/{{x}}/possum") == "{% raw %}/opt/{{x}}/possum{% endraw %}")
    }

    @Test func pythonStringEscapes() {
        #expect(AirflowExport.pythonString("a\"b\\c\nd") == "\"a\\\"b\\\\c\\nd\"")
    }
}
