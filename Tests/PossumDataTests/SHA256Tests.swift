import Foundation
import Testing
import PossumData

/// FIPS 180-4 / NIST example vectors.
@Suite struct SHA256Tests {
    /// A file of several read chunks and an odd tail, against coreutils' `sha256sum`.
    @Test func fileDigestMatchesSha256sum() throws {
        var rng = SystemRandomNumberGenerator()
        let bytes = (0..<(3 * (1 << 18) + 12_345)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let p = FileManager.default.temporaryDirectory.appendingPathComponent("possum-sha-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: p) }
        try Data(bytes).write(to: URL(fileURLWithPath: p))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.arguments = [p]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(try SHA256.hex(ofFile: p) == String(output.prefix(64)))
        #expect(SHA256.hex(bytes) == String(output.prefix(64)))
    }

    @Test func knownVectors() {
        #expect(SHA256.hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func millionAsInUnevenChunks() {
        var h = SHA256()
        var left = 1_000_000, size = 1
        while left > 0 {
            let n = min(size, left)
            h.update([UInt8](repeating: UInt8(ascii: "a"), count: n))
            left -= n
            size = size * 3 % 997 + 1   // chunk sizes straddling the 64-byte blocks
        }
        #expect(SHA256.hexString(h.finalize()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func paddingBoundaries() {
        // 55, 56 and 64 bytes: the lengths where the padding needs one or two extra blocks.
        #expect(SHA256.hex(String(repeating: "a", count: 55)) == "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318")
        #expect(SHA256.hex(String(repeating: "a", count: 56)) == "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a")
        #expect(SHA256.hex(String(repeating: "a", count: 64)) == "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb")
    }
}
