/// Validation of every name that reaches the store.
///
/// Param, metric and tag keys, model and alias names, run and experiment ids all become file or
/// directory names, so they are held to a whitelist: a name that passes can never escape its
/// directory (no `/`, no `..`, no leading `.`, no NUL) and never collides with our temp or lock
/// files (which start with `.`). The whitelist is MLflow's own (`[\w.\- ]`) minus `/`: MLflow lets
/// `/` make sub-directories of `metrics/`, which we refuse for simplicity and safety.
public enum NameValidation {
    /// MLflow's limit on key length (`MAX_ENTITY_KEY_LENGTH`).
    public static let maxKeyLength = 250
    /// MLflow's limits on values.
    public static let maxParamValueLength = 6000
    public static let maxTagValueLength = 8000
    public static let maxExperimentNameLength = 500
    public static let maxRunNameLength = 250

    /// A param, metric or tag key, or a registered model name: one safe path component.
    public static func validateKey(_ name: String, kind: String) throws {
        try validatePathComponent(name, kind: kind, extraAllowed: [" "])
    }

    /// A registered model name. Same rule as keys: it names a directory under `models/`.
    public static func validateModelName(_ name: String) throws {
        try validatePathComponent(name, kind: "registered model", extraAllowed: [" "])
    }

    /// An alias: MLflow's rule (`[\w-]+`, not `latest`, not `v<digits>`), which also keeps it a
    /// safe file name under `aliases/`.
    public static func validateAlias(_ alias: String) throws {
        try validatePathComponent(alias, kind: "alias", extraAllowed: [])
        if alias.contains(".") {
            throw TrackingError.invalidName(kind: "alias", name: alias, reason: "only letters, digits, '_' and '-' are allowed")
        }
        let lower = alias.lowercased()
        if lower == "latest" || (lower.hasPrefix("v") && lower.count > 1 && lower.dropFirst().allSatisfy(\.isASCIIDigitChar)) {
            throw TrackingError.invalidName(kind: "alias", name: alias, reason: "'latest' and 'v<number>' are reserved by MLflow")
        }
    }

    /// A run id: MLflow's `^[a-zA-Z0-9][\w\-]{0,255}$`. Ours are 32 lowercase hex digits.
    public static func validateRunID(_ id: String) throws {
        try validateIdentifier(id, kind: "run id", maxLength: 256)
    }

    /// An experiment id: MLflow's `^[a-zA-Z0-9][\w\-]{0,63}$`.
    public static func validateExperimentID(_ id: String) throws {
        try validateIdentifier(id, kind: "experiment id", maxLength: 64)
    }

    /// Experiment and run names live inside YAML and tag files, never in paths, so any printable
    /// text is allowed; control characters are refused so tables and YAML stay line-oriented.
    public static func validateDisplayName(_ name: String, kind: String, maxLength: Int) throws {
        if name.isEmpty { throw TrackingError.invalidName(kind: kind, name: name, reason: "must not be empty") }
        if name.count > maxLength {
            throw TrackingError.invalidName(kind: kind, name: String(name.prefix(40)) + "…", reason: "longer than \(maxLength) characters")
        }
        if let bad = name.unicodeScalars.first(where: isControl) {
            throw TrackingError.invalidName(kind: kind, name: name, reason: "contains control character U+\(hex4(bad.value))")
        }
        if name != name.trimmingSpaces {
            throw TrackingError.invalidName(kind: kind, name: name, reason: "must not begin or end with a space")
        }
    }

    // MARK: - Rules

    private static func validatePathComponent(_ name: String, kind: String, extraAllowed: Set<Unicode.Scalar>) throws {
        func fail(_ reason: String) throws -> Never { throw TrackingError.invalidName(kind: kind, name: name, reason: reason) }
        if name.isEmpty { try fail("must not be empty") }
        if name.utf8.count > maxKeyLength { try fail("longer than \(maxKeyLength) bytes") }
        if name.unicodeScalars.contains("\0") { try fail("contains a NUL character") }
        if name.contains("/") || name.contains("\\") { try fail("must not contain '/' or '\\' (it names a file in the store)") }
        if name == "." || name == ".." || name.contains("..") { try fail("must not contain '..'") }
        if name.hasPrefix(".") { try fail("must not begin with '.' (reserved for the store's own files)") }
        if name.first == " " || name.last == " " { try fail("must not begin or end with a space") }
        for scalar in name.unicodeScalars {
            let ok = scalar.isASCIIWordChar || scalar == "-" || scalar == "." || extraAllowed.contains(scalar)
            if !ok {
                let shown = isControl(scalar) ? "U+\(hex4(scalar.value))" : "'\(Character(scalar))'"
                try fail("character \(shown) is not allowed (use letters, digits, '_', '-', '.'\(extraAllowed.contains(" ") ? ", ' '" : ""))")
            }
        }
    }

    private static func validateIdentifier(_ id: String, kind: String, maxLength: Int) throws {
        func fail(_ reason: String) throws -> Never { throw TrackingError.invalidName(kind: kind, name: id, reason: reason) }
        if id.isEmpty { try fail("must not be empty") }
        if id.utf8.count > maxLength { try fail("longer than \(maxLength) characters") }
        let scalars = Array(id.unicodeScalars)
        if !(scalars[0].isASCIIWordChar && scalars[0] != "_") { try fail("must begin with a letter or digit") }
        if let bad = scalars.first(where: { !($0.isASCIIWordChar || $0 == "-") }) {
            try fail("character \(isControl(bad) ? "U+" + hex4(bad.value) : "'\(Character(bad))'") is not allowed")
        }
    }
}

private func isControl(_ s: Unicode.Scalar) -> Bool { s.value < 0x20 || (0x7f...0x9f).contains(s.value) || s == "\u{2028}" || s == "\u{2029}" }
private func hex4(_ v: UInt32) -> String {
    let h = String(v, radix: 16, uppercase: true)
    return String(repeating: "0", count: max(0, 4 - h.count)) + h
}

extension Unicode.Scalar {
    /// `[A-Za-z0-9_]`, the ASCII part of Python's `\w` that MLflow's validators use.
    var isASCIIWordChar: Bool {
        ("a"..."z").contains(self) || ("A"..."Z").contains(self) || ("0"..."9").contains(self) || self == "_"
    }
}

extension Character {
    var isASCIIDigitChar: Bool { ("0"..."9").contains(self) }
}

extension String {
    var trimmingSpaces: Substring {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return s
    }
}
