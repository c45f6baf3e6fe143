import Foundation
import PossumData
import PossumStorage
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `data import` under the input policy: streams read once, numbers that are not finite refused
/// by line, table names checked by the one rule the reader uses.
@Suite struct ImportInputTests {
    let directory: String = {
        let d = NSTemporaryDirectory() + "possum-import-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }()

    func path(_ name: String) -> String { directory + "/" + name }

    func error(_ body: () throws -> Void) -> String? {
        do { try body(); return nil } catch { return "\(error)" }
    }

    static let csv = "id,x,y,label\n1,0.5,2,a\n2,1.5,NA,b\n3,2.5,4,a\n"

    /// A FIFO is opened once: the second pass replays a spool, and the digest is the bytes'.
    @Test func importsFromAFIFO() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let fifo = path("t.csv")
        #expect(mkfifo(fifo, 0o644) == 0)
        let writer = Thread {
            let fd = open(fifo, O_WRONLY)
            _ = Array(Self.csv.utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
        }
        writer.start()
        let (rows, columns) = try TableFile.importCSV(fifo, to: path("t.h5"))
        #expect(rows == 3 && columns == 4)
        let table = try HDF5Table(path: path("t.h5"))
        #expect(table.tableName == "t")
        #expect(table.sourceSHA256 == SHA256.hex(Self.csv))
        #expect(try table.numericColumn("y") == [2, nil, 4])
        #expect(try table.textColumn("label") == ["a", "b", "a"])
        // Nothing spooled is left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == ["t.csv", "t.h5"])
    }

    @Test(arguments: [("NaN", 3, "y"), ("inf", 4, "x"), ("1e400", 2, "x"), ("-Infinity", 4, "y")])
    func nonFiniteNumberInANumericColumnIsRefusedByLine(value: String, line: Int, column: String) throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var rows = Self.csv.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        rows[line - 1][column == "x" ? 1 : 2] = value
        try (rows.map { $0.joined(separator: ",") }.joined(separator: "\n") + "\n").write(toFile: path("n.csv"), atomically: true, encoding: .utf8)
        #expect(error { _ = try TableFile.importCSV(path("n.csv"), to: path("n.h5")) }
                == "\(path("n.csv")):\(line): column '\(column)': '\(value)' is not a finite number (write NA for a missing value)")
        #expect(!FileManager.default.fileExists(atPath: path("n.h5")))
    }

    /// A column with a word among its values is text, as always; a column of only NaN/inf words
    /// too (there is no number in it to be refused).
    @Test func textColumnsStayText() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "a,b,c\n1,nan,x\n2,Inf,inf\n".write(toFile: path("t.csv"), atomically: true, encoding: .utf8)
        _ = try TableFile.importCSV(path("t.csv"), to: path("t.h5"))
        let table = try HDF5Table(path: path("t.h5"))
        #expect(try table.textColumn("b") == ["nan", "Inf"])
        #expect(try table.textColumn("c") == ["x", "inf"])
        // Asked for as numbers, a text column names its first bad row.
        #expect(error { _ = try table.numericColumn("c") } == "\(path("t.h5")): /t/columns/c: row 1: 'x' is not a number (the column is stored as text, not numbers)")
        #expect(error { _ = try table.missingRows(ofNumericColumn: "b") } == "\(path("t.h5")): /t/columns/b: row 1: 'nan' is not a finite number (the column is stored as text, not numbers)")
    }

    @Test(arguments: ["a/b", "../x", "", ".", "..", "x\ny"])
    func badTableNamesAreRefusedBeforeWriting(name: String) throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.csv.write(toFile: path("t.csv"), atomically: true, encoding: .utf8)
        let message = error { _ = try TableFile.importCSV(path("t.csv"), to: path("t.h5"), tableName: name) } ?? ""
        #expect(message.hasPrefix("\(path("t.h5")): /: table name '"), "\(message)")
        #expect(!message.contains("\n"))
        #expect(!FileManager.default.fileExists(atPath: path("t.h5")))
        // What the writer accepts, the reader opens.
        _ = try TableFile.importCSV(path("t.csv"), to: path("ok.h5"), tableName: "a b-é")
        #expect(try HDF5Table(path: path("ok.h5")).tableName == "a b-é")
    }

    @Test func hdf5InputsFollowThePolicy() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: path("d.h5"), withIntermediateDirectories: true)
        #expect(error { _ = try HDF5Table(path: path("d.h5")) } == "\(path("d.h5")): is a directory, not a data file")
        #expect(error { _ = try NumericArrayFile.read(path("d.h5")) } == "\(path("d.h5")): is a directory, not a data file")
        #expect(mkfifo(path("f.h5"), 0o644) == 0)
        #expect(error { _ = try HDF5Table(path: path("f.h5")) } == "\(path("f.h5")): is a FIFO (named pipe): this file must be a regular file")
        if mknod(path("z.h5"), S_IFCHR | 0o644, dev_t(1 << 8 | 5)) == 0 {  // needs root
            #expect(error { _ = try HDF5Table(path: path("z.h5")) } == "\(path("z.h5")): is a device, not a data file")
            #expect(error { _ = try TableFile.importCSV(path("z.h5"), to: path("o.h5")) } == "\(path("z.h5")): is a device, not a data file")
        }
    }
}
