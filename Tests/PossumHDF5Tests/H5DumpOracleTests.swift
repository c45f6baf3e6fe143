import Foundation
import PossumTestSupport
import Testing
@testable import PossumHDF5

/// `h5dump` (hdf5-tools) is an independent reader: if it shows our values, other HDF5 tools
/// (h5py, MATLAB, Julia) read the same file the same way.
@Suite struct H5DumpOracleTests {
    static let h5dump = "/usr/bin/h5dump"

    func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.h5dump)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "h5dump \(arguments) failed")
        return String(decoding: output, as: UTF8.self)
    }

    /// Collapses runs of whitespace, so checks do not depend on h5dump's indentation.
    func squeeze(_ s: String) -> String {
        s.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ")
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: h5dump), "needs hdf5-tools"))
    func h5dumpReadsWhatWeWrote() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("model.h5")
        try HDF5File.writeAtomically(to: path) { file in
            try file.attributes.set("schema_version", Int64(2))
            let model = try file.createGroup("model")
            try model.attributes.set("alpha", 0.25)
            try model.attributes.set("alphas", [0.5, 2.0, 8.0])
            try model.attributes.set("solver", "householder-qr")
            let coefficients = try model.createDataset(
                "coefficients", values: [1.5, -2.25, 3.0, 4.5, 0.125, 7.0], shape: [3, 2])
            try coefficients.attributes.set("features", ["age", "skullw"])
            try model.createDataset("levels", values: ["Vic", "other"])
            try file.createDataset(
                "data/counts", values: (0..<10).map { Int32($0 * $0) }, storage: .compressed(level: 6, chunkRows: 4))
        }

        let dump = squeeze(try run([path]))
        #expect(dump.contains(#"ATTRIBUTE "schema_version" { DATATYPE H5T_STD_I64LE DATASPACE SCALAR DATA { (0): 2 } }"#))
        #expect(dump.contains(#"ATTRIBUTE "alpha" { DATATYPE H5T_IEEE_F64LE DATASPACE SCALAR DATA { (0): 0.25 } }"#))
        #expect(dump.contains(#"ATTRIBUTE "alphas" { DATATYPE H5T_IEEE_F64LE DATASPACE SIMPLE { ( 3 ) / ( 3 ) } DATA { (0): 0.5, 2, 8 } }"#))
        #expect(dump.contains(#"CSET H5T_CSET_UTF8; CTYPE H5T_C_S1; } DATASPACE SCALAR DATA { (0): "householder-qr" }"#))
        #expect(dump.contains(#"DATASET "coefficients" { DATATYPE H5T_IEEE_F64LE DATASPACE SIMPLE { ( 3, 2 ) / ( 3, 2 ) } DATA { (0,0): 1.5, -2.25, (1,0): 3, 4.5, (2,0): 0.125, 7 }"#))
        #expect(dump.contains(#"(0): "age", "skullw""#))
        #expect(dump.contains(#"DATA { (0): "Vic", "other" }"#))
        #expect(dump.contains(#"DATASET "counts" { DATATYPE H5T_STD_I32LE DATASPACE SIMPLE { ( 10 ) / ( 10 ) } DATA { (0): 0, 1, 4, 9, 16, 25, 36, 49, 64, 81 } }"#))

        // Storage properties as h5dump sees them: chunks, shuffle then deflate.
        let properties = squeeze(try run(["-p", "-d", "/data/counts", path]))
        #expect(properties.contains("CHUNKED ( 4 )"))
        #expect(properties.contains("SHUFFLE"))
        #expect(properties.contains("COMPRESSION DEFLATE { LEVEL 6 }"))
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: h5dump), "needs hdf5-tools"))
    func nonASCIIStringsAreUTF8OnDisk() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("s.h5")
        try HDF5File.writeAtomically(to: path) { try $0.createDataset("s", values: ["Ünïcödé 🦘"]) }
        // h5dump prints bytes above 0x7F as octal escapes of the sign-extended `char`
        // (0xC3 → \37777777703); decoding them back must give our string's UTF-8 bytes.
        let dump = try run(["-d", "/s", path])
        let field = try #require(dump.range(of: "(0): \"").map { String(dump[$0.upperBound...].prefix { $0 != "\"" }) })
        var bytes: [UInt8] = []
        var rest = Substring(field)
        while let c = rest.first {
            if c == "\\" {
                let digits = rest.dropFirst().prefix { ("0"..."7").contains($0) }
                bytes.append(UInt8(truncatingIfNeeded: UInt32(digits, radix: 8) ?? 0))
                rest = rest.dropFirst(1 + digits.count)
            } else {
                bytes.append(contentsOf: String(c).utf8)
                rest = rest.dropFirst()
            }
        }
        #expect(String(decoding: bytes, as: UTF8.self) == "Ünïcödé 🦘", "\(dump)")
    }
}
