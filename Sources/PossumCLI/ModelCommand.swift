import ArgumentParser
import Foundation
import PossumML
import PossumStorage
import PossumWorkflows

struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model", abstract: "Inspect and export model files.",
        subcommands: [ShowCommand.self, ExportCommand.self])

    struct ShowCommand: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Print a model file's contents.")

        @Argument(help: "Model file (HDF5), or a registered model NAME@STAGE, NAME@ALIAS or NAME/VERSION (looked up in --tracking-uri).")
        var file: String

        @Flag(name: .long, help: "Print as JSON.")
        var json = false

        @OptionGroup var tracking: TrackingOptions

        func run() throws {
            let model = try ModelFile.read(try tracking.modelFile(file))
            print(json ? try ModelDescription(model).json() : ModelDescription(model).text(file: file))
        }
    }

    struct ExportCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "Train on a table or feature set and write the model file (no tracking), or copy a registered model's file.")

        @Option(name: .long, help: "CSV/HDF5 table to train on.")
        var data: String?

        @Option(name: .long, help: "Feature set to train on.")
        var features: String?

        @Option(name: .long, help: "Registered model reference, e.g. Reg_RidgeCV_possums@Production.")
        var registered: String?

        @Option(name: .long, help: "Least-squares backend.")
        var solver: SolverChoice = .simd

        @Option(name: .long, help: "Model file to write.")
        var out: String

        @OptionGroup var columns: FeatureOptions

        @OptionGroup var tracking: TrackingOptions

        func validate() throws {
            switch [data, features, registered].compactMap({ $0 }).count {
            case 0: throw ValidationError("give the model's source: --data TABLE with --target COLUMN, --features FILE, or --registered NAME@STAGE")
            case 1: break
            default: throw ValidationError("give exactly one of --data, --features, --registered")
            }
            if data != nil && columns.target == nil {
                throw ValidationError("--target COLUMN is required with --data: the column to predict")
            }
            if data == nil && columns.anyGiven {
                throw ValidationError("--target, --drop, --id, --categorical and --numeric apply to --data")
            }
        }

        func run() throws {
            try checkCommandFiles(inputs: [data, features], outputs: [out])
            if let registered {
                let path = try tracking.openStore().resolveModelFile(registered)
                try checkCommandFiles(inputs: [path], outputs: [out])
                let model = try ModelFile.read(path)  // validates before copying
                try ModelFile.write(model, to: out)
            } else {
                let source: TrainingJob.Source = try features.map { .features($0) } ?? .table(try tableArgument(data), columns.spec())
                try TrainingJob(source: source, solver: solver).run().exportModel(to: out)
            }
            print("wrote \(out)")
        }
    }
}

/// What `possum model show` prints.
struct ModelDescription: Encodable {
    var target: String
    var solver: String
    var alpha: Double
    var intercept: Double
    var features: [String]
    var coefficients: [Double]
    var scalerMean: [Double]
    var scalerScale: [Double]
    var levels: [String: [String]]
    var id: String?
    var columns: [ColumnDecision]
    var looRMSE: Double
    var trainR2: Double
    var trainingRows: Int
    var trainingDataSHA256: String
    var created: String
    var possumVersion: String

    init(_ m: RidgeModel) {
        target = m.transform.spec.target
        solver = m.solver
        alpha = m.alpha
        intercept = m.intercept
        features = m.transform.featureNames
        coefficients = m.coefficients
        scalerMean = m.transform.scaler.mean
        scalerScale = m.transform.scaler.scale
        levels = Dictionary(uniqueKeysWithValues: m.transform.encodings.map { ($0.column, $0.levels) })
        id = m.transform.spec.id
        columns = m.transform.columns
        looRMSE = m.looRMSE
        trainR2 = m.trainR2
        trainingRows = m.trainingRows
        trainingDataSHA256 = m.trainingDataSHA256
        created = m.created
        possumVersion = m.possumVersion
    }

    enum CodingKeys: String, CodingKey {
        case target, solver, alpha, intercept, features, coefficients, levels, created, id, columns
        case scalerMean = "scaler_mean", scalerScale = "scaler_scale", looRMSE = "loo_rmse", trainR2 = "train_r2"
        case trainingRows = "training_rows", trainingDataSHA256 = "training_data_sha256", possumVersion = "possum_version"
    }

    /// Numbers that JSON cannot carry (inf, NaN) are written as null, never an encoding error
    /// (`ModelFile.read` refuses them today; this keeps `--json` total if that ever changes).
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(target, forKey: .target)
        try c.encode(solver, forKey: .solver)
        try c.encode(jsonNumber(alpha), forKey: .alpha)
        try c.encode(jsonNumber(intercept), forKey: .intercept)
        try c.encode(features, forKey: .features)
        try c.encode(coefficients.map(jsonNumber), forKey: .coefficients)
        try c.encode(scalerMean.map(jsonNumber), forKey: .scalerMean)
        try c.encode(scalerScale.map(jsonNumber), forKey: .scalerScale)
        try c.encode(levels, forKey: .levels)
        try c.encode(id, forKey: .id)
        // [{"column": "age", "kind": "numeric", "decided_by": "inferred"}, …] in table order.
        try c.encode(columns.map { ["column": $0.column, "kind": $0.kind.rawValue, "decided_by": $0.inferred ? "inferred" : "option"] },
                     forKey: .columns)
        try c.encode(jsonNumber(looRMSE), forKey: .looRMSE)
        try c.encode(jsonNumber(trainR2), forKey: .trainR2)
        try c.encode(trainingRows, forKey: .trainingRows)
        try c.encode(trainingDataSHA256, forKey: .trainingDataSHA256)
        try c.encode(created, forKey: .created)
        try c.encode(possumVersion, forKey: .possumVersion)
    }

    func json() throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try e.encode(self), as: UTF8.self)
    }

    func text(file: String) -> String {
        var s = """
            \(file): ridge regression of \(target) (RidgeCV), possum \(possumVersion), created \(created)
            solver \(solver), alpha \(String(format: "%.6g", alpha)), LOO RMSE \(String(format: "%.6g", looRMSE)), train R² \(String(format: "%.6g", trainR2))
            trained on \(trainingRows) rows, data sha256 \(trainingDataSHA256)
            columns: \(columns.map { "\($0.column) \($0.kind.rawValue)\($0.inferred ? "" : " (option)")" }.joined(separator: ", "))
            levels: \(levels.sorted { $0.key < $1.key }.map { "\($0.key) = [\($0.value.joined(separator: ", "))]" }.joined(separator: "; "))

            """
        let width = max(11, features.map(\.count).max() ?? 0)
        s += "feature".padding(toLength: width, withPad: " ", startingAt: 0) + "   coefficient         mean        scale\n"
        s += "(intercept)".padding(toLength: width, withPad: " ", startingAt: 0) + String(format: "  %+12.6f\n", intercept)
        for k in features.indices {
            s += features[k].padding(toLength: width, withPad: " ", startingAt: 0)
                + String(format: "  %+12.6f  %11.5g  %11.5g\n", coefficients[k], scalerMean[k], scalerScale[k])
        }
        return s
    }
}
