import Foundation
import Testing

/// `possum dag export --airflow` writes a DAG an Airflow worker can run: no path of the build, possum
/// from PATH unless --possum names one, the pipeline file inside the workdir param, outputs as assets.
@Suite struct DagExportCommandTests {
    static let pipeline = PossumProcess.repositoryRoot.appendingPathComponent("pipelines/possum.yaml").path

    func export(_ extra: [String] = []) throws -> String {
        let dir = try PossumProcess.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let p = try PossumProcess.run(["dag", "export", Self.pipeline, "--airflow", "dag.py"] + extra, in: dir)
        #expect(p.status == 0, "\(p.stderr)")
        return try String(contentsOf: dir.appendingPathComponent("dag.py"), encoding: .utf8)
    }

    @Test func noBuildPathAndPossumFromPath() throws {
        let py = try export()
        #expect(!py.contains(".build") && !py.contains(PossumProcess.executable.path))
        #expect(py.contains(#"bash_command="possum task run \"$POSSUM_WORKDIR\"/'pipelines/possum.yaml' 'import'","#))
        // The default workdir: the pipeline's own (`workdir: ..`, the repository), unless $POSSUM_WORKDIR says otherwise.
        let root = URL(fileURLWithPath: PossumProcess.repositoryRoot.path).standardizedFileURL.path
        #expect(py.contains("WORKDIR = os.environ.get(\"POSSUM_WORKDIR\") or \"\(root)\"\n"))
        #expect(py.contains(#"outlets=[possum_file("out/possum.h5")],"#))
        #expect(py.contains(#"inlets=[possum_file("out/possum.h5")],"#))
    }

    @Test func possumNamedAtExport() throws {
        #expect(try export(["--possum", "/opt/possum/bin/possum"]).contains(#"bash_command="/opt/possum/bin/possum task run "#))
        #expect(try export(["--possum", "possum-1.2"]).contains(#"bash_command="possum-1.2 task run "#))
    }
}
