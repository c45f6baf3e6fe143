import PossumTestSupport
import Testing
@testable import PossumHDF5

@Suite struct StorageTests {
    /// A 1000 × 4 matrix with much redundancy, as real feature columns have.
    static let rows = 1000
    static let values: [Double] = (0..<(rows * 4)).map { (i: Int) -> Double in
        let row = Double((i / 4) % 50)
        return row + Double(i % 4) * 0.25
    }

    @Test func compressionShrinksTheDataAndRoundTrips() throws {
        let dir = try TemporaryDirectory()
        let file = try HDF5File.create(at: dir.file("c.h5"))
        let plain = try file.createDataset("plain", values: Self.values, shape: [Self.rows, 4])
        let packed = try file.createDataset(
            "packed", values: Self.values, shape: [Self.rows, 4], storage: .compressed(level: 6, chunkRows: 100))
        let plainInfo = try plain.storageInfo
        #expect(plainInfo.chunkShape == nil)
        #expect(plainInfo.filters == [])
        #expect(plainInfo.storedBytes == Self.rows * 4 * 8)
        let packedInfo = try packed.storageInfo
        #expect(packedInfo.chunkShape == [100, 4])
        #expect(packedInfo.filters == [.shuffle, .deflate(level: 6)])
        #expect(packedInfo.storedBytes < plainInfo.storedBytes / 4)
        #expect(try packed.read(as: Double.self) == Self.values)
    }

    @Test func checksumAndAutomaticChunks() throws {
        let dir = try TemporaryDirectory()
        let file = try HDF5File.create(at: dir.file("k.h5"))
        let d = try file.createDataset(
            "x", values: Self.values, shape: [Self.rows, 4], storage: .compressed(checksum: true))
        let info = try d.storageInfo
        #expect(info.filters == [.shuffle, .deflate(level: 4), .fletcher32])
        // 256 KiB / 32-byte rows is 8192 rows, clamped to the 1000 the dataset has.
        #expect(info.chunkShape == [Self.rows, 4])
        #expect(try d.read(as: Double.self) == Self.values)
        let bad = try hdf5Error { _ = try file.createDataset("y", values: [1.0], storage: .compressed(level: 12)) }
        #expect(bad?.kind == .invalidArgument)
    }

    @Test(arguments: [HDF5Storage.contiguous, .compressed(chunkRows: 7)])
    func hyperslabRowReads(storage: HDF5Storage) throws {
        let dir = try TemporaryDirectory()
        let file = try HDF5File.create(at: dir.file("h.h5"))
        let matrix = try file.createDataset("m", values: Self.values, shape: [Self.rows, 4], storage: storage)
        let vector = try file.createDataset("v", values: (0..<Self.rows).map { Int64($0 * 3) }, storage: storage)
        let labels = try file.createDataset("s", values: (0..<Self.rows).map { "row \($0) ü" }, storage: storage)
        #expect(try matrix.rowCount == Self.rows)
        for range in [0..<1, 5..<20, 993..<1000, 0..<1000, 400..<400] {
            #expect(try matrix.read(rows: range, as: Double.self) == Array(Self.values[(range.lowerBound * 4)..<(range.upperBound * 4)]))
            #expect(try vector.read(rows: range, as: Int64.self) == range.map { Int64($0 * 3) })
            #expect(try labels.read(rows: range, as: String.self) == range.map { "row \($0) ü" })
        }
        // Straight into caller memory, e.g. a block of a larger matrix.
        var block = [Double](repeating: -1, count: 12)
        try block.withUnsafeMutableBufferPointer { try matrix.read(rows: 10..<13, into: $0) }
        #expect(block == Array(Self.values[40..<52]))
        for bad in [-1..<2, 999..<1001] {
            let error = try #require(try hdf5Error { _ = try matrix.read(rows: bad, as: Double.self) })
            #expect(error.kind == .shapeMismatch)
            #expect(error.objectPath == "/m")
        }
        var tooSmall = [Double](repeating: 0, count: 3)
        #expect(try hdf5Error { try tooSmall.withUnsafeMutableBufferPointer { try matrix.read(rows: 0..<1, into: $0) } }?.kind == .shapeMismatch)
    }

    @Test func resizableDatasetsGrowByRowBlocks() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("grow.h5")
        do {
            let file = try HDF5File.create(at: path)
            let d = try file.createDataset(
                "x", of: Double.self, shape: [0, 2], storage: HDF5Storage(chunkRows: 4, deflateLevel: 1, resizable: true))
            #expect(try d.maxShape == [nil, 2])
            for block in 0..<5 {
                let start = try d.rowCount
                try d.resize(rows: start + 3)
                try d.write((0..<6).map { Double(block * 6 + $0) }, rows: start..<(start + 3))
            }
            try file.close()
        }
        do {
            let d = try HDF5File.open(at: path).openDataset("x")
            #expect(try d.shape == [15, 2])
            #expect(try d.read(as: Double.self) == (0..<30).map(Double.init))
        }
        // (`d` kept the file open read-only; HDF5 refuses a read-write open meanwhile.)
        let fixed = try HDF5File.open(at: path, mode: .readWrite)
        let f = try fixed.createDataset("fixed", values: [1.0, 2.0])
        #expect(try hdf5Error { try f.resize(rows: 3) }?.kind == .shapeMismatch)
    }
}
