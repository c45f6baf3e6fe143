import Crypto
import Foundation
import PossumFiles

/// SHA-256 through swift-crypto (BoringSSL's implementation on Linux, CryptoKit's on Apple systems),
/// behind the small API the cache and the CSV reader use: feed bytes, take the digest as bytes or
/// lower-case hex.
public struct SHA256 {
    private var hasher = Crypto.SHA256()

    public init() {}

    /// Feeds bytes; may be called any number of times.
    public mutating func update<Bytes: Collection>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        let done: Void? = bytes.withContiguousStorageIfAvailable { update(UnsafeRawBufferPointer($0)) }
        if done == nil { update(Array(bytes)) }
    }

    /// Feeds bytes from memory, hashed where they lie.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        hasher.update(bufferPointer: bytes)
    }

    public mutating func update(_ string: String) { update(Array(string.utf8)) }

    /// The 32-byte digest. The hasher should not be used afterwards.
    public mutating func finalize() -> [UInt8] {
        Array(hasher.finalize())
    }

    /// Lower-case hex of the digest of `bytes`.
    public static func hex<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var h = SHA256()
        h.update(bytes)
        return hexString(h.finalize())
    }

    public static func hex(_ string: String) -> String { hex(Array(string.utf8)) }

    public static func hexString(_ digest: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(digest.count * 2)
        for b in digest { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }
}

extension SHA256 {
    /// The digest of a file's contents, streamed in 256 KiB reads (memory does not grow with the
    /// file), or a DataError naming the file. The file is opened under the input policy
    /// (`InputFile`): a directory or device is refused rather than read forever.
    public static func hex(ofFile path: String) throws -> String {
        let input: InputFile
        do { input = try InputFile(path) } catch let error as InputError { throw DataError(file: inputDisplayName(path), error.reason) }
        var hasher = SHA256()
        var chunk = [UInt8](repeating: 0, count: 1 << 18)
        while true {
            let n: Int
            do { n = try chunk.withUnsafeMutableBytes { try input.readBytes(into: $0) } } catch let error as InputError {
                throw DataError(file: inputDisplayName(path), error.reason)
            }
            if n == 0 { break }
            chunk.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
        return hexString(hasher.finalize())
    }
}
