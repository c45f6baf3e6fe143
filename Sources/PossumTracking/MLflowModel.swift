import Foundation

/// An MLflow model directory (what `mlflow.pyfunc.save_model` writes) for a model whose
/// `python_function` loader ships inside it, in `code/`:
///
///     MLmodel                      flavors (python_function + the producer's own), signature,
///                                  input example info, run id, model uuid, creation time
///     <data file>                  the model itself, handed to the loader's `_load_pyfunc`
///     code/<loader module>.py
///     input_example.json           a few rows, pandas "split" orient
///     serving_input_example.json   the same rows as a scoring request (`dataframe_split`)
///     python_env.yaml, conda.yaml, requirements.txt
///
/// MLflow reads it with `mlflow.pyfunc.load_model("runs:/RUN/<artifact path>")`, and through the
/// registry when a version's `source` is that directory.
public struct MLflowPyfuncModel: Sendable, Equatable {
    /// MLflow's column types (`mlflow.types.DataType`) used by possum's signatures.
    public enum ColumnType: String, Sendable, Equatable {
        case double, long, string
    }

    public struct Column: Sendable, Equatable {
        public var name: String
        public var type: ColumnType
        public init(name: String, type: ColumnType) { (self.name, self.type) = (name, type) }
    }

    /// One value of the input example, typed by its column.
    public enum Value: Sendable, Equatable {
        case number(Double)
        case text(String)
    }

    /// The producer's own flavor (e.g. `possum`), written beside `python_function`.
    public struct Flavor: Sendable, Equatable {
        public var name: String
        public var fields: [(key: String, value: String)]
        public init(name: String, fields: [(key: String, value: String)]) { (self.name, self.fields) = (name, fields) }
        public static func == (a: Flavor, b: Flavor) -> Bool {
            a.name == b.name && a.fields.map(\.key) == b.fields.map(\.key) && a.fields.map(\.value) == b.fields.map(\.value)
        }
    }

    public var runID: String
    /// The folder inside the run's artifacts (`model`).
    public var artifactPath: String
    /// The model file's name inside the folder (the flavor's `data`).
    public var dataFile: String
    /// Python module name of the loader, shipped as `code/<module>.py`.
    public var loaderModule: String
    public var loaderSource: String
    public var inputs: [Column]
    /// Rows of the input example, one value per input column.
    public var exampleRows: [[Value]]
    public var flavor: Flavor?
    /// pip requirements of the loader (`requirements.txt`, conda's pip list).
    public var requirements: [String]
    /// The Python the environment files name; the loader runs on any Python 3.
    public var pythonVersion: String
    public var modelUUID: String
    public var created: Date

    public init(runID: String, artifactPath: String, dataFile: String, loaderModule: String, loaderSource: String,
                inputs: [Column], exampleRows: [[Value]], flavor: Flavor?, requirements: [String],
                pythonVersion: String = "3.11", modelUUID: String = MLflowPyfuncModel.newUUID(), created: Date = Date()) {
        self.runID = runID
        self.artifactPath = artifactPath
        self.dataFile = dataFile
        self.loaderModule = loaderModule
        self.loaderSource = loaderSource
        self.inputs = inputs
        self.exampleRows = exampleRows
        self.flavor = flavor
        self.requirements = requirements
        self.pythonVersion = pythonVersion
        self.modelUUID = modelUUID
        self.created = created
    }

    /// 32 lowercase hex digits, as MLflow's `uuid.uuid4().hex`.
    public static func newUUID() -> String { UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased() }

    /// The files of the directory, relative paths to contents (the data file excepted: the caller
    /// copies it). Folders are the part of the path before the last `/`.
    public func files() -> [(path: String, contents: String)] {
        var out: [(path: String, contents: String)] = [
            ("MLmodel", mlmodel()),
            ("code/\(loaderModule).py", loaderSource),
            ("python_env.yaml", pythonEnv()),
            ("conda.yaml", conda()),
            ("requirements.txt", requirements.map { $0 + "\n" }.joined()),
        ]
        if !exampleRows.isEmpty {
            out.append(("input_example.json", "{\"columns\": \(jsonList(inputs.map { jsonString($0.name) })), \"data\": \(exampleData())}"))
            out.append(("serving_input_example.json", """
                {
                  "dataframe_split": {
                    "columns": \(jsonList(inputs.map { jsonString($0.name) })),
                    "data": \(exampleData())
                  }
                }
                """))
        }
        return out
    }

    /// MLflow's `MLmodel` YAML, keys sorted as MLflow's `Model.to_yaml` writes them.
    public func mlmodel() -> String {
        var lines = ["artifact_path: \(yamlQuoted(artifactPath))", "flavors:"]
        if let flavor {
            lines.append("  \(yamlQuoted(flavor.name)):")
            for (key, value) in flavor.fields.sorted(by: { $0.key < $1.key }) { lines.append("    \(yamlQuoted(key)): \(yamlQuoted(value))") }
        }
        lines += [
            "  python_function:",
            "    code: code",
            "    data: \(yamlQuoted(dataFile))",
            "    env:",
            "      conda: conda.yaml",
            "      virtualenv: python_env.yaml",
            "    loader_module: \(yamlQuoted(loaderModule))",
            "    python_version: \(yamlQuoted(pythonVersion))",
            "model_uuid: \(yamlQuoted(modelUUID))",
            "run_id: \(yamlQuoted(runID))",
        ]
        if !exampleRows.isEmpty {
            lines += [
                "saved_input_example_info:",
                "  artifact_path: input_example.json",
                "  pandas_orient: split",
                "  serving_input_path: serving_input_example.json",
                "  type: dataframe",
            ]
        }
        lines += [
            "signature:",
            "  inputs: \(yamlQuoted(signatureInputs()))",
            "  outputs: \(yamlQuoted(#"[{"type": "double", "required": true}]"#))",
            "  params: null",
            "utc_time_created: \(yamlQuoted(Self.utcTime(created)))",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// The signature's inputs as MLflow stores them: a JSON list inside a YAML string.
    public func signatureInputs() -> String {
        jsonList(inputs.map { #"{"type": "\#($0.type.rawValue)", "name": \#(jsonString($0.name)), "required": true}"# })
    }

    func pythonEnv() -> String {
        "python: \(pythonVersion)\nbuild_dependencies:\n- pip\ndependencies:\n- -r requirements.txt\n"
    }

    func conda() -> String {
        "channels:\n- conda-forge\ndependencies:\n- python=\(pythonVersion)\n- pip\n- pip:\n"
            + requirements.map { "  - \($0)\n" }.joined() + "name: mlflow-env\n"
    }

    func exampleData() -> String {
        jsonList(exampleRows.map { row in
            jsonList(zip(inputs, row).map { column, value in
                switch value {
                case let .text(s): return jsonString(s)
                case let .number(v):
                    // A long column's values are integers in JSON; doubles keep a decimal point.
                    if column.type == .long, let n = Int64(exactly: v) { return String(n) }
                    return v.isFinite ? "\(v)" : "NaN"
                }
            })
        })
    }

    /// "2026-12-06 23:50:09.123456", as MLflow's `utc_time_created`.
    static func utcTime(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .nanosecond], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d:%02d.%06d", c.year ?? 1970, c.month ?? 1, c.day ?? 1,
                      c.hour ?? 0, c.minute ?? 0, c.second ?? 0, (c.nanosecond ?? 0) / 1000)
    }
}

private func jsonList(_ items: [String]) -> String { "[" + items.joined(separator: ", ") + "]" }

/// A JSON string literal (quotes, backslashes and control characters escaped).
func jsonString(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}

/// A YAML scalar: plain when it cannot be mistaken for anything else, else single-quoted
/// (a quote doubled). Values holding a line break are double-quoted with JSON's escapes, which
/// YAML's double-quoted style reads alike.
func yamlQuoted(_ s: String) -> String {
    if s.contains(where: { $0.isNewline || ($0.asciiValue.map { $0 < 0x20 } ?? false) }) { return jsonString(s) }
    let plain = s.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) && $0.isASCII || "_-.".unicodeScalars.contains($0) }
    let reserved = ["", "null", "~", "true", "false", "yes", "no", "on", "off"].contains(s.lowercased())
    let looksNumeric = s.first.map { $0.isNumber || $0 == "-" || $0 == "." } ?? true
    if plain && !reserved && !looksNumeric { return s }
    return "'" + s.replacingOccurrences(of: "'", with: "''") + "'"
}
