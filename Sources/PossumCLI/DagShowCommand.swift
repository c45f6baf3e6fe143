import ArgumentParser
import Foundation
import PossumFiles
import PossumPipeline

/// `possum dag show FILE`: the graph, as text, DOT or SVG.
struct DagShowCommand: ParsableCommand {
    enum Format: String, ExpressibleByArgument, CaseIterable { case text, dot, svg }

    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Validate a pipeline and print its graph (text, Graphviz DOT, or an SVG drawing).")

    @Argument(help: "The pipeline YAML file.")
    var file: String

    @Option(name: .long, help: "text, dot or svg.")
    var format: Format = .text

    @Option(name: .long, help: "Write to this file instead of stdout.")
    var out: String?

    /// The spelling before every command said --out; still accepted, not shown.
    @Option(name: [.customShort("o"), .customLong("output")], help: ArgumentHelp(visibility: .hidden))
    var legacyOutput: String?

    func validate() throws {
        if out != nil && legacyOutput != nil { throw ValidationError("give --out once (-o/--output is its old spelling)") }
    }

    func run() throws {
        let output = out ?? legacyOutput
        try checkCommandFiles(inputs: [file], outputs: [output])
        // Structure only: inputs that a first run will create need not exist yet.
        let graph = try loadGraph(file, checkFiles: false)
        let text: String
        switch format {
        case .text: text = GraphRendering.text(graph) + "\n"
        case .dot: text = GraphRendering.dot(graph)
        case .svg: text = SVGLayout.render(graph)
        }
        if let output {
            try writeAtomically(text.utf8, to: output)
        } else {
            print(text, terminator: "")
        }
    }
}
