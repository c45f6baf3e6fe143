import Foundation
import Testing
@testable import PossumPipeline

/// YAML parsing and graph validation: each bad definition gives one clear line.
@Suite struct DefinitionTests {
    func error(_ yaml: String, checkFiles: Bool = true, files: [String] = []) throws -> String {
        let s = try Scratch()
        defer { s.cleanup() }
        for f in files { try s.write("x", to: f) }
        try s.pipeline(yaml)
        do {
            _ = try s.graph(checkFiles: checkFiles)
            return "no error"
        } catch let e as PipelineError {
            let text = e.description
            #expect(!text.contains("\n"), "one line: \(text)")
            return text
        }
    }

    @Test func parsesFieldsDefaultsAndStringCommands() throws {
        let s = try Scratch()
        defer { s.cleanup() }
        try s.write("x", to: "in.txt")
        try s.pipeline("""
            name: demo
            workdir: .
            defaults: {retries: 2, retry_delay_seconds: 0.5, timeout_seconds: 30}
            tasks:
              - name: a
                command: "echo hi > a.txt"
                inputs: in.txt
                outputs: [a.txt]
              - name: b
                command: [possum, features, --out, b.h5]
                depends_on: [a]
                inputs: [a.txt]
                retries: 0
                timeout_seconds: ~
            """)
        let g = try s.graph()
        #expect(g.pipeline.name == "demo")
        #expect(g.pipeline.workdir == URL(fileURLWithPath: s.dir).standardizedFileURL.path)
        let a = g.pipeline.task(named: "a")!, b = g.pipeline.task(named: "b")!
        #expect(a.command == ["/bin/sh", "-c", "echo hi > a.txt"])
        #expect(a.inputs == ["in.txt"] && a.retries == 2 && a.retryDelaySeconds == 0.5 && a.timeoutSeconds == 30)
        #expect(b.command.first == "possum" && b.retries == 0 && b.timeoutSeconds == nil && b.dependsOn == ["a"])
        #expect(a.backoff(beforeAttempt: 2) == 0.5 && a.backoff(beforeAttempt: 4) == 2)
        var o = RunOptions()
        o.possumExecutable = "/opt/bin/possum"
        #expect(o.resolvedCommand(b.command) == ["/opt/bin/possum", "features", "--out", "b.h5"])
        #expect(o.resolvedCommand(a.command) == a.command)
    }

    @Test func tasksAsMappingAndNameFromFile() throws {
        let s = try Scratch()
        defer { s.cleanup() }
        try s.pipeline("tasks:\n  one: {command: [true]}\n  two: {command: [true], depends_on: one}\n", name: "mapped")
        let g = try s.graph("mapped")
        #expect(g.pipeline.name == "mapped" && g.order == ["one", "two"])
    }

    @Test func cycleNamesThePath() throws {
        let msg = try error("""
            tasks:
              - {name: a, command: [true], depends_on: [c]}
              - {name: b, command: [true], depends_on: [a]}
              - {name: c, command: [true], depends_on: [b]}
              - {name: d, command: [true]}
            """)
        #expect(msg.hasPrefix("dependency cycle: "))
        let path = msg.replacingOccurrences(of: "dependency cycle: ", with: "").components(separatedBy: " → ")
        #expect(path.count == 4 && path.first == path.last && Set(path) == ["a", "b", "c"], "\(msg)")
        // Reads in data-flow order: each task is followed by one that depends on it.
        let deps = ["a": "c", "b": "a", "c": "b"]
        for (x, y) in zip(path, path.dropFirst()) { #expect(deps[y] == x, "\(msg)") }
        #expect(try error("tasks:\n  - {name: a, command: [true], depends_on: [a]}\n") == "dependency cycle: a → a")
    }

    @Test func unknownDependencyAndDuplicates() throws {
        #expect(try error("tasks:\n  - {name: a, command: [true], depends_on: [nope]}\n") == "task 'a' depends on unknown task 'nope'")
        // Found while parsing, so the message has the file and both lines.
        #expect(try error("tasks:\n  - {name: a, command: [true]}\n  - {name: a, command: [false]}\n").hasSuffix("p.yaml:3: task name 'a' given twice (first on line 2)"))
        #expect(try error("""
            tasks:
              - {name: a, command: [true], outputs: [x.txt]}
              - {name: b, command: [true], outputs: [./x.txt]}
            """).contains("declared by several tasks: a, b"))
    }

    @Test func missingInputs() throws {
        let yaml = "tasks:\n  - {name: a, command: [true], inputs: [data.csv]}\n"
        #expect(try error(yaml) == "task 'a': input 'data.csv' does not exist and no task produces it")
        #expect(try error(yaml, files: ["data.csv"]) == "no error")
        #expect(try error(yaml, checkFiles: false) == "no error")
        // Produced by a task that is not upstream: the order would be a coin toss.
        #expect(try error("""
            tasks:
              - {name: make, command: [true], outputs: [x.txt]}
              - {name: use, command: [true], inputs: [x.txt]}
            """) == "task 'use' reads 'x.txt', produced by 'make', but does not depend on 'make'")
    }

    @Test func shapeErrorsNameFileAndLine() throws {
        let unknownKey = try error("tasks:\n  - name: a\n    command: [true]\n    depends-on: [b]\n")
        #expect(unknownKey.contains("p.yaml:4: unknown task key 'depends-on'"), "\(unknownKey)")
        #expect(try error("tasks:\n  - name: a\n").contains("task 'a' has no 'command'"))
        #expect(try error("tasks:\n  - {name: a, command: [true], retries: -1}\n").contains("'retries' must be an integer"))
        #expect(try error("tasks:\n  - {name: 'a b', command: [true]}\n").contains("task name 'a b' must be"))
        #expect(try error("tasks: [\n").contains("invalid YAML"))
        #expect(try error("- just a list\n").contains("expected a mapping"))
        #expect(try error("tasks: []\n").contains("'tasks' is empty"))
    }

    @Test func topologicalOrderFollowsFileOrderWhenFree() throws {
        let s = try Scratch()
        defer { s.cleanup() }
        try s.pipeline("""
            tasks:
              - {name: z, command: [true], depends_on: [y]}
              - {name: x, command: [true]}
              - {name: y, command: [true], depends_on: [x]}
              - {name: w, command: [true]}
            """)
        let g = try s.graph()
        #expect(g.order == ["x", "y", "z", "w"])
        #expect(g.layers == ["x": 0, "y": 1, "z": 2, "w": 0])
        #expect(g.descendants(of: "x") == ["y", "z"] && g.ancestors(of: "z") == ["x", "y"])
    }

    @Test func renderings() throws {
        let s = try Scratch()
        defer { s.cleanup() }
        try s.pipeline(diamondYAML)
        let g = try s.graph(checkFiles: false)
        let dot = GraphRendering.dot(g)
        for edge in ["\"a\" -> \"b\"", "\"a\" -> \"c\"", "\"b\" -> \"d\"", "\"c\" -> \"d\""] { #expect(dot.contains(edge)) }
        let svg = SVGLayout.render(g)
        #expect(svg.hasPrefix("<svg") && svg.components(separatedBy: "<rect x=").count - 1 == 4)
        #expect(svg.components(separatedBy: "marker-end").count - 1 == 4)
        #expect(GraphRendering.text(g).contains("d  ← b, c"))
    }
}
