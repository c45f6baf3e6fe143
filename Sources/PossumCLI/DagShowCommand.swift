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

    @Option(name: .shortAndLong, help: "Write to this file instead of stdout.")
    var output: String?

    func run() throws {
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
