import CHDF5
import Foundation

/// Why an HDF5 operation failed. Every error names the file and, where there is one, the object
/// path inside it, so that `description` is a single line a user can act on:
///
///     models/m.h5: /model/coefficients: dataset not found
///
/// The HDF5 library's own error stack is never printed (the wrapper silences it with
/// `H5Eset_auto`); its innermost, most specific message is kept in `detail` instead.
public struct HDF5Error: Error, Equatable, Sendable, CustomStringConvertible {
    /// What kind of failure this was, for callers that react differently (e.g. "no such file"
    /// versus "corrupt file"). The message is for people; the kind is for code.
    public enum Kind: String, Equatable, Sendable {
        /// The path does not exist (or is a directory, or cannot be read).
        case fileNotFound
        /// The file exists but has no HDF5 signature.
        case notHDF5
        /// The file is shorter than its superblock says: an interrupted write or copy.
        case truncated
        /// The file is HDF5 but its metadata could not be read: corruption, or a feature this
        /// HDF5 build cannot read.
        case corrupt
        /// No object (group, dataset, attribute) at that path.
        case notFound
        /// An object exists where a different kind was expected (a group where a dataset was asked for).
        case wrongObjectType
        /// Creating an object whose name is taken.
        case alreadyExists
        /// The stored element type cannot be read exactly as the requested Swift type.
        case dtypeMismatch
        /// Shapes, counts or row ranges disagree.
        case shapeMismatch
        /// The data is too large to read at once (more bytes than physical memory); read row slices.
        case tooLarge
        /// A bad argument: an empty name, a string containing NUL, an impossible option.
        case invalidArgument
        /// The handle was closed (explicitly, or because its file was closed).
        case closed
        /// Reading or writing the file system failed (disk full, permissions, fsync, rename).
        case io
        /// Any other failure reported by the HDF5 library.
        case library
    }

    public var kind: Kind
    /// The file, as the caller spelled it.
    public var file: String
    /// The absolute path of the object inside the file (`/model/coefficients`), if any.
    public var objectPath: String?
    /// What went wrong, in words.
    public var message: String
    /// The innermost message from the HDF5 error stack, if the library reported one.
    public var detail: String?

    public init(
        _ kind: Kind, file: String, objectPath: String? = nil, _ message: String, detail: String? = nil
    ) {
        self.kind = kind
        self.file = file
        self.objectPath = objectPath
        self.message = message
        self.detail = detail
    }

    /// `file: /object/path: message (detail)` on one line.
    public var description: String {
        var s = file + ": "
        if let objectPath { s += objectPath + ": " }
        s += message
        if let detail, !detail.isEmpty, detail != message { s += " (" + detail + ")" }
        return HDF5Error.oneLine(s)
    }

    /// HDF5's messages sometimes embed newlines (e.g. a `ctime` timestamp); errors are one line.
    static func oneLine(_ s: String) -> String {
        s.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .joined(separator: " ")
    }
}

/// The innermost entry of HDF5's error stack: the most specific thing the library said.
struct HDF5StackEntry {
    var minor: hid_t
    var description: String
}

extension HDF5Error {
    /// Reads and clears HDF5's error stack, returning its innermost entry.
    /// Must be called with the library lock held, right after the failing call.
    static func takeStack() -> HDF5StackEntry? {
        final class Box { var last: HDF5StackEntry? }
        let box = Box()
        let walker: H5E_walk2_t = { _, entry, data in
            guard let entry, let data else { return 0 }
            let box = Unmanaged<Box>.fromOpaque(data).takeUnretainedValue()
            let desc = entry.pointee.desc.map { String(cString: $0) } ?? ""
            box.last = HDF5StackEntry(minor: entry.pointee.min_num, description: desc)
            return 0
        }
        // Walking downward visits the API function first and the deepest cause last.
        _ = H5Ewalk2(possum_h5e_default(), H5E_WALK_DOWNWARD, walker, Unmanaged.passUnretained(box).toOpaque())
        _ = H5Eclear2(possum_h5e_default())
        return withExtendedLifetime(box) { box.last }
    }

    /// An error for a failed HDF5 call: the kind is taken from HDF5's minor error number where it
    /// is specific (not found, exists, not HDF5, truncated), else `fallback`.
    static func fromStack(
        _ fallback: Kind, file: String, objectPath: String?, _ message: String
    ) -> HDF5Error {
        let entry = takeStack()
        var kind = fallback
        if let minor = entry?.minor {
            if minor == possum_h5e_notfound() { kind = .notFound }
            else if minor == possum_h5e_exists() { kind = .alreadyExists }
            else if minor == possum_h5e_nothdf5() { kind = .notHDF5 }
            else if minor == possum_h5e_truncated() { kind = .truncated }
        }
        return HDF5Error(kind, file: file, objectPath: objectPath, message, detail: entry.map { systemReason($0.description) })
    }

    /// The system's reason alone from a low-level driver message: HDF5's sec2 driver reports a
    /// failed write as "file write failed: time = …, filename = '<temporary file>', …, errno = 28,
    /// error message = 'No space left on device', buf = 0x…, …", which names a file the user never
    /// asked about and is mostly noise. Other messages pass unchanged.
    static func systemReason(_ detail: String) -> String {
        let marker = "error message = '"
        guard let colon = detail.range(of: " failed: "), let start = detail.range(of: marker),
              let end = detail[start.upperBound...].firstIndex(of: "'") else { return detail }
        return detail[..<colon.lowerBound] + " failed: " + detail[start.upperBound..<end]
    }
}
