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
              - {name: import, command: [possum, data, import], timeout_seconds: 120}
              - {name: features, depends_on: [import], command: [possum, features]}
              - {name: train.v2, depends_on: [features], command: "echo 'quoted \\"x\\"'", retries: 0}
              - {name: predict, depends_on: [train.v2, import], command: [possum, predict], retry_delay_seconds: 1.5}
            """)
        let g = try s.graph(checkFiles: false)
        let py = AirflowExport.render(g, possum: "/opt/possum bin/possum")
        #expect(py.contains("from airflow.sdk import DAG\n"))
        #expect(py.contains("from airflow.providers.standard.operators.bash import BashOperator\n"))
        #expect(py.contains("dag_id=\"possum-export\""))

        // Parse each operator block: variable, task_id, bash_command, retries, delay, timeout.
        struct Op { var variable = "", taskID = "", bash = "", retries = -1, delay = "", timeout: String? }
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
            current = op
            if line == ")" { ops[op.taskID] = op; current = nil }
        }
        #expect(Set(ops.keys) == ["import", "features", "train.v2", "predict"])
        #expect(ops["import"]!.retries == 2 && ops["train.v2"]!.retries == 0)
        #expect(ops["import"]!.timeout == "timedelta(seconds=120)" && ops["features"]!.timeout == nil)
        #expect(ops["predict"]!.delay == "timedelta(seconds=1.5)" && ops["import"]!.delay == "timedelta(seconds=5)")
        for (name, op) in ops {
            // Absolute paths, shell-quoted, inside a Python string.
            #expect(op.bash == "\"'/opt/possum bin/possum' task run \(g.pipeline.file) \(name)\"")
        }
        var edges: Set<String> = []
        for line in py.split(separator: "\n") where line.contains(" >> ") {
            let parts = line.trimmingCharacters(in: .whitespaces).components(separatedBy: " >> ")
            let byVar = Dictionary(uniqueKeysWithValues: ops.values.map { ($0.variable, $0.taskID) })
            edges.insert("\(byVar[parts[0]]!)>\(byVar[parts[1]]!)")
        }
        #expect(edges == ["import>features", "features>train.v2", "train.v2>predict", "import>predict"])
    }

    @Test func pythonStringEscapes() {
        #expect(AirflowExport.pythonString("a\"b\\c\nd") == "\"a\\\"b\\\\c\\nd\"")
    }
}
