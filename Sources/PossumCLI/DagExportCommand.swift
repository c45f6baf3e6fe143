import ArgumentParser
import Foundation
import PossumFiles
import PossumPipeline

/// `possum dag export FILE --airflow OUT.py`: the pipeline as an Airflow 3 DAG file.
struct DagExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the pipeline as an Airflow 3 DAG (one BashOperator per task, calling `possum task run`).",
        discussion: """
            The DAG runs on an Airflow worker: `possum` is taken from the worker's PATH (or --possum), and the \
            pipeline's working directory is the DAG param "workdir" (default: $POSSUM_WORKDIR where Airflow \
            parses the file, else this pipeline's workdir), so it can be set when the DAG is triggered. Each \
            task's outputs are Airflow assets (outlets; inlets of the tasks that read them).

            Example:
              possum dag export pipelines/possum.yaml --airflow dags/possum.py
              airflow dags trigger possum --conf '{"workdir": "/srv/possum"}'
            """)

    @Argument(help: "The pipeline YAML file.")
    var file: String

    @Option(name: .long, help: "The Airflow DAG file to write (Airflow is the one export format; --out FILE says the same).")
    var airflow: String?

    @Option(name: .long, help: "The Airflow DAG file to write (as --airflow).")
    var out: String?

    @Option(name: .long, help: "The possum the DAG's tasks run: a name looked up on the worker's PATH, or a path (default: possum).")
    var possum: String?

    func validate() throws {
        if airflow == nil && out == nil { throw ValidationError("give the Airflow DAG file to write: --airflow FILE (or --out FILE)") }
        if airflow != nil && out != nil && airflow != out { throw ValidationError("give --airflow FILE or --out FILE, not two different files") }
    }

    func run() throws {
        guard let airflow = airflow ?? out else { return }
        try checkCommandFiles(inputs: [file, possum.flatMap { $0.contains("/") ? $0 : nil }], outputs: [airflow])
        let graph = try loadGraph(file, checkFiles: false)
        // A bare name stays a PATH lookup on the worker; a relative path is made absolute here.
        let exe = possum.map { $0.hasPrefix("/") || !$0.contains("/") ? $0 : FileManager.default.currentDirectoryPath + "/" + $0 } ?? "possum"
        let source = AirflowExport.render(graph, possum: exe)
        try writeAtomically(source.utf8, to: airflow)
        print("wrote \(airflow): Airflow DAG '\(AirflowExport.dagID(graph.pipeline.name))' with \(graph.order.count) tasks")
    }
}
