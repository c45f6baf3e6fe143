import Foundation
import PossumTestSupport
import Testing
@testable import PossumHDF5

#if canImport(Glibc)
import Glibc
#endif

@Suite struct BadFileTests {
    @Test func missingPath() throws {
        let error = try #require(try hdf5Error { _ = try HDF5File.open(at: "/nonexistent/dir/m.h5") })
        #expect(error.kind == .fileNotFound)
        #expect(error.description == "/nonexistent/dir/m.h5: no such file")
    }

    @Test func directory() throws {
        let dir = try TemporaryDirectory()
        let error = try #require(try hdf5Error { _ = try HDF5File.open(at: dir.path) })
        #expect(error.kind == .fileNotFound)
        #expect(error.description == "\(dir.path): is a directory, not a file")
    }

    @Test(arguments: ["", "a,b\n1,2\n", String(repeating: "not hdf5 at all ", count: 1000)])
    func nonHDF5Files(contents: String) throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("data.csv")
        try contents.write(toFile: path, atomically: false, encoding: .utf8)
        let error = try #require(try hdf5Error { _ = try HDF5File.open(at: path) })
        #expect(error.kind == .notHDF5)
        #expect(error.description.hasPrefix("\(path): not an HDF5 file"))
        #expect(!error.description.contains("\n"))
    }

    @Test func truncatedFilesAtEveryLength() throws {
        let dir = try TemporaryDirectory()
        let good = dir.file("good.h5")
        try writeSampleFile(at: good)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: good))
        let cut = dir.file("cut.h5")
        // Every prefix short of the whole file must fail to open or fail to read, cleanly.
        for length in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 97)) {
            try bytes.prefix(length).write(to: URL(fileURLWithPath: cut))
            let error = try #require(try hdf5Error { try readEverything(cut) }, "length \(length) read fine")
            #expect([.notHDF5, .truncated, .corrupt].contains(error.kind), "length \(length): \(error)")
            #expect(error.file == cut)
            #expect(!error.description.contains("\n"))
        }
    }

    @Test func truncatedFileMessage() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("t.h5")
        try writeSampleFile(at: path)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: path))
        let error = try #require(try hdf5Error { _ = try HDF5File.open(at: path) })
        #expect(error.kind == .truncated)
        #expect(error.description.hasPrefix("\(path): file is truncated (truncated file: eof = "))
    }

    /// HDF5 prints its error stack to stderr unless told not to; nothing may reach stderr.
    @Test func badFilesPrintNothingOnStandardError() throws {
        let dir = try TemporaryDirectory()
        let notHDF5 = dir.file("x.h5")
        try "hello".write(toFile: notHDF5, atomically: false, encoding: .utf8)
        let sample = dir.file("s.h5")
        try writeSampleFile(at: sample)
        let failures: @Sendable () -> Void = {
            _ = try? HDF5File.open(at: notHDF5)
            _ = try? HDF5File.open(at: "/nonexistent.h5")
            _ = try? HDF5File.open(at: sample).openDataset("/model/none")
            _ = try? HDF5File.open(at: sample).openDataset("model/coefficients").read(as: String.self)
            _ = try? HDF5File.open(at: sample).openDataset("model/coefficients").read(rows: 5..<9, as: Double.self)
        }
        let captured = dir.file("stderr.txt")
        fflush(nil)  // all streams: stderr is a C global Swift 6 will not touch
        let saved = dup(2)
        let fd = open(captured, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        dup2(fd, 2)
        close(fd)
        failures()
        // Debian's HDF5 is built thread-safe, which makes the error-printing setting per
        // thread: a thread entering HDF5 for the first time must be silent too.
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            failures()
            done.signal()
        }
        done.wait()
        fflush(nil)  // all streams: stderr is a C global Swift 6 will not touch
        dup2(saved, 2)
        close(saved)
        let text = try String(contentsOfFile: captured, encoding: .utf8)
        #expect(!text.contains("HDF5-DIAG"), "HDF5 printed: \(text)")
    }

    @Test func wrongKindsAndTypesInAValidFile() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("s.h5")
        try writeSampleFile(at: path)
        let file = try HDF5File.open(at: path)
        let error = try #require(try hdf5Error { _ = try file.openDataset("model/features").read(as: Double.self) })
        #expect(error.description == "\(path): /model/features: stored as string, cannot be read as Double")
    }
}

/// Opens `path` and reads every object and attribute in it, as the fuzz test and the
/// truncation test need: any failure surfaces as an `HDF5Error`.
func readEverything(_ path: String) throws {
    let file = try HDF5File.open(at: path)
    try readAttributes(file.attributes)
    try readGroup(file.root(), depth: 0)
}

private func readAttributes(_ attributes: HDF5Attributes) throws {
    for name in try attributes.names() {
        switch try attributes.info(name).dtype {
        case .string: _ = try attributes.getArray(name, as: String.self)
        case .float32, .float64: _ = try attributes.getArray(name, as: Double.self)
        case .other: break
        default: _ = try attributes.getArray(name, as: Int64.self)
        }
    }
}

private func readGroup(_ group: HDF5Group, depth: Int) throws {
    guard depth < 8 else { return }  // a corrupted file could in principle link a group into itself
    try readAttributes(group.attributes)
    for child in try group.children() {
        switch child.kind {
        case .group: try readGroup(group.openGroup(child.name), depth: depth + 1)
        case .dataset:
            let dataset = try group.openDataset(child.name)
            try readAttributes(dataset.attributes)
            _ = try dataset.shape
            _ = try dataset.storageInfo
            try readValues(dataset)
        default: break
        }
    }
}

/// Reads a dataset's values the way a careful consumer of large data does: in row slices of
/// bounded size, and no more than about a million values (a corrupted extent can claim
/// trillions of rows; the sandbox check on open has already visited every stored chunk).
private func readValues(_ dataset: HDF5Dataset) throws {
    let shape = try dataset.shape
    let dtype = try dataset.dtype
    func read(_ rows: Range<Int>) throws {
        switch dtype {
        case .string: _ = try dataset.read(rows: rows, as: String.self)
        case .float32, .float64: _ = try dataset.read(rows: rows, as: Double.self)
        case .other, .uint64: break
        default: _ = try dataset.read(rows: rows, as: Int64.self)
        }
    }
    func readAll() throws {
        switch dtype {
        case .string: _ = try dataset.read(as: String.self)
        case .float32, .float64: _ = try dataset.read(as: Double.self)
        case .other, .uint64: break
        default: _ = try dataset.read(as: Int64.self)
        }
    }
    guard let rowCount = shape.first else { return try readAll() }  // a scalar
    let rowSize = max(1, shape.dropFirst().reduce(1) { $0.multipliedReportingOverflow(by: $1).partialValue })
    guard rowSize <= 1 << 16 else { return }
    if rowCount <= (1 << 20) / rowSize, rowCount > 0 {
        try read(0..<rowCount)  // one selection of all rows
        try readAll()  // and the no-selection (H5S_ALL) path
    }
    let step = max(1, (1 << 16) / rowSize)
    var start = 0
    while start < rowCount, start * rowSize < 1 << 20 {
        try read(start..<min(rowCount, start + step))
        start += step
    }
}
