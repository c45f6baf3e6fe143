import PossumFiles

/// The output policy for a command (see PossumFiles' OutputPolicy.swift): every command that
/// writes files calls this first thing in `run()`, with every file it will read and write, so an
/// output that is a device, a FIFO, a directory, one of its inputs or another of its outputs is
/// refused before anything is read or written. Nil entries (options not given) are skipped.
/// Once every file passes, the outputs' missing folders are created (`--out results/new/x.h5`).
func checkCommandFiles(inputs: [String?], outputs: [String?]) throws {
    let outputs = outputs.compactMap { $0 }
    try checkOutputs(outputs, inputs: inputs.compactMap { $0 }.flatMap(inputFiles))
    for output in outputs { try makeParentDirectories(forOutput: output) }
}

/// The files an input argument may name: itself, and for lstsq's `FILE.h5:NAME` also `FILE.h5`.
private func inputFiles(_ argument: String) -> [String] {
    for ext in [".h5:", ".hdf5:"] {
        if let r = argument.range(of: ext, options: .backwards) {
            return [argument, String(argument[..<r.lowerBound]) + ext.dropLast()]
        }
    }
    return [argument]
}
