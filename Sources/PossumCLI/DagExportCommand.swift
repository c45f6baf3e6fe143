import ArgumentParser
import Foundation
import PossumFiles
import PossumPipeline

/// `possum dag export FILE --airflow OUT.py`: the pipeline as an Airflow 3 DAG file.
struct DagExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the pipeline as an Airflow 3 DAG (one BashOperator per task, calling `possum task run`).")

    @Argument(help: "The pipeline YAML file.")
    var file: String

    @Option(name: .long, help: "The Airflow DAG file to write (Airflow is the one export format; --out FILE says the same).")
    var airflow: String?

    @Option(name: .long, help: "The Airflow DAG file to write (as --airflow).")
    var out: String?

    @Option(name: .long, help: "The possum binary the DAG calls (default: this one).")
    var possum: String?

    func validate() throws {
        if airflow == nil && out == nil { throw ValidationError("give the Airflow DAG file to write: --airflow FILE (or --out FILE)") }
        if airflow != nil && out != nil && airflow != out { throw ValidationError("give --airflow FILE or --out FILE, not two different files") }
    }

    func run() throws {
        guard let airflow = airflow ?? out else { return }
        try checkCommandFiles(inputs: [file, possum], outputs: [airflow])
        let graph = try loadGraph(file, checkFiles: false)
        let exe = possum.map { $0.hasPrefix("/") ? $0 : FileManager.default.currentDirectoryPath + "/" + $0 } ?? currentExecutablePath()
        let source = AirflowExport.render(graph, possum: exe)
        try writeAtomically(source.utf8, to: airflow)
        print("wrote \(airflow): Airflow DAG '\(AirflowExport.dagID(graph.pipeline.name))' with \(graph.order.count) tasks")
    }
}
