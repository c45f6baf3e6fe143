// PossumHDF5: a small, safe Swift layer over Debian's HDF5 1.10 (the `CHDF5` system library).
//
// What it gives callers:
// - `HDF5File` (create / open read-only or read-write / `writeAtomically`), `HDF5Group`,
//   `HDF5Dataset`, `HDF5Attributes`: typed reads and writes of Double, Float, the integer types,
//   Int (as int64) and UTF-8 strings (variable-length, what h5py reads as `str`); n-D shapes as
//   flat row-major arrays; row-range (hyperslab) reads and writes for data bigger than memory;
//   chunking with shuffle + deflate and an optional Fletcher-32 checksum; resizable row counts.
// - One error type, `HDF5Error`, whose description is one line naming the file and object path
//   ("models/m.h5: /model/coefficients: dataset not found"). HDF5's own stderr printing is off.
// - No identifier leaks: every HDF5 identifier is owned by an object that closes it; tests count
//   them (`HDF5Library.openIdentifierCount`, `openObjectCount`, `HDF5File.openObjectCount()`).
// - Crash-proof reading of damaged files: HDF5 1.10.8 segfaults or loops forever on some
//   corruptions (unchecksummed global heaps, B-trees of files in the default format), so
//   `HDF5File.open` first reads the whole file in a forked child and refuses files that crash
//   or hang it, and variable-length reads of unverified files are probed the same way.
//   Files we write use the HDF5 1.8 format, whose metadata is checksummed.
//
// Example:
//
//     try HDF5File.writeAtomically(to: "models/possum-ridge.h5") { file in
//         try file.attributes.set("schema_version", Int64(1))
//         let model = try file.createGroup("model")
//         try model.attributes.set("alpha", 0.5)
//         try model.createDataset("coefficients", values: [0.1, -2.0, 3.5])
//         try model.createDataset("features", values: ["age", "skullw", "taill"])
//         try model.createDataset("X", values: matrix, shape: [rows, 16], storage: .compressed())
//     }
//     let model = try HDF5File.open(at: "models/possum-ridge.h5").openGroup("model")
//     let beta = try model.openDataset("coefficients").read(as: Double.self)
//     let firstRows = try model.openDataset("X").read(rows: 0..<1000, as: Double.self)
//
// Threads: all HDF5 calls are serialized by one process-wide lock (see `HDF5Library`).
