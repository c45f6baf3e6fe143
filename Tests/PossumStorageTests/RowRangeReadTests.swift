import Foundation
import PossumHDF5
import PossumStorage
import Testing

/// `HDF5Table.numericColumn(_:rows:)` reads those rows only: a bad value elsewhere in the column
/// does not stop it, where the whole-column read refuses it.
@Suite struct RowRangeReadTests {
    @Test func aRowRangeReadsOnlyItsRowsAndItsMissingMask() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("possum-rowrange-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let csv = directory.appendingPathComponent("t.csv").path, h5 = directory.appendingPathComponent("t.h5").path
        try "age,chest\n8,28\nNA,28.5\n6,30\n6,28\n2,27.5\n1,26\n5,29\n3,31\n4,27\n".write(toFile: csv, atomically: true, encoding: .utf8)
        _ = try TableFile.importCSV(csv, to: h5)
        // Damage row 8 (0-based 7) of chest: a NaN not marked missing.
        do {
            let file = try HDF5File.open(at: h5, mode: .readWrite)
            let chest = try file.openDataset("t/columns/chest")
            try chest.write([Double.nan], rows: 7..<8)
            chest.close()
            try file.close()
        }
        let table = try HDF5Table(path: h5)
        #expect(try table.numericColumn("age", rows: 0..<3) == [8, nil, 6])
        #expect(try table.numericColumn("chest", rows: 2..<7) == [30, 28, 27.5, 26, 29])
        #expect(throws: StorageError.self) { try table.numericColumn("chest") }
        let inRange = #expect(throws: StorageError.self) { try table.numericColumn("chest", rows: 6..<9) }
        #expect(inRange?.message.contains("row 8: non-finite") == true, "\(String(describing: inRange))")
        let outside = #expect(throws: StorageError.self) { try table.numericColumn("age", rows: 5..<10) }
        #expect(outside?.message.contains("outside the table's 9 rows") == true, "\(String(describing: outside))")
    }
}
