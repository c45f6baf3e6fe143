import Foundation
import PossumFiles
import PossumHDF5

/// The HDF5 layouts possum writes. Each file says what it is (`possum_format`) and which layout
/// version (`schema_version`) at its root, so a reader can refuse a file it does not understand
/// instead of misreading it.
public enum StorageFormat: String, Sendable {
    case table, features, model
    case qrPartial = "qr_partial"
    case ridgeLeverages = "ridge_leverages"

    /// The layout version this build writes and the newest it reads.
    public static let schemaVersion: Int64 = 1

    func stamp(_ file: HDF5File) throws {
        try file.attributes.set("possum_format", rawValue)
        try file.attributes.set("schema_version", Self.schemaVersion)
    }

    /// Throws unless `file` is a possum file of this kind and of a schema this build reads.
    func check(_ file: HDF5File) throws {
        let attributes = file.attributes
        guard try attributes.contains("possum_format"), try attributes.contains("schema_version") else {
            throw StorageError(file: file.path, object: "/", "not a possum \(rawValue) file (no possum_format/schema_version attributes)")
        }
        let format: String = try attributes.get("possum_format")
        guard format == rawValue else {
            throw StorageError(file: file.path, object: "/", "is a possum \(format) file, not a \(rawValue) file")
        }
        let version: Int64 = try attributes.get("schema_version")
        guard version <= Self.schemaVersion else {
            throw StorageError(file: file.path, object: "/",
                               "schema version \(version) is newer than this possum reads (\(Self.schemaVersion)): upgrade possum")
        }
    }
}

/// A file whose content is not what possum's layout promises. One line: file, object, problem.
public struct StorageError: Error, Equatable, Sendable, CustomStringConvertible {
    public var file: String
    public var object: String
    public var message: String

    public init(file: String, object: String, _ message: String) {
        (self.file, self.object, self.message) = (file, object, message)
    }

    /// One line, whatever the names and message hold (`messageText`).
    public var description: String { "\(messageText(file)): \(messageText(object, limit: 120)): \(messageText(message, limit: 1000))" }
}

/// Opens an HDF5 file possum reads, under the input policy first: a directory, device, socket,
/// FIFO or standard input named `x.h5` is refused with one line (HDF5 seeks, and the sandboxed
/// open would wait on a FIFO or read a device without end).
func openHDF5Input(_ path: String) throws -> HDF5File {
    try checkInput(path, requireRegularFile: true)
    return try HDF5File.open(at: path)
}

/// Now, as ISO 8601 UTC (the form HDF5 attributes and MLflow tags carry).
func iso8601Now() -> String {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime]
    return f.string(from: Date())
}
