import CHDF5
import Foundation

/// Typed element transfer shared by datasets and attributes. The two differ only in the HDF5
/// call that moves the bytes (`H5Dread` with dataspaces vs `H5Aread`), so that call comes in as
/// a closure taking the in-memory type and the buffer. All functions expect the lock held.
enum HDF5Transfer {
    typealias ReadCall = (_ memType: hid_t, _ buffer: UnsafeMutableRawPointer) -> herr_t
    typealias WriteCall = (_ memType: hid_t, _ buffer: UnsafeRawPointer) -> herr_t
    /// Performs the same read as the `ReadCall` in a sandbox (`possum_probe_vlen_read`).
    typealias ProbeCall = (_ memType: hid_t, _ timeoutMilliseconds: Int) -> Int32

    /// Checks that values stored as `storedType` can be read exactly as `T`.
    static func checkReadable<T: HDF5Scalar>(_: T.Type, storedType: hid_t, _ context: HDF5Context) throws {
        let stored = HDF5DType.of(typeID: storedType)
        guard stored.canBeReadExactly(as: T.hdf5DType) else {
            throw context.fail(.dtypeMismatch, "stored as \(stored), cannot be read as \(T.self)")
        }
    }

    /// Reads `count` elements as `[T]`. `reclaimSpace` describes the memory buffer's layout, which
    /// HDF5 needs to free variable-length strings.
    static func read<T: HDF5Scalar>(
        _: T.Type, count: Int, storedType: hid_t, reclaimSpace: hid_t, _ context: HDF5Context,
        probe: ProbeCall, _ call: ReadCall
    ) throws -> [T] {
        try checkReadable(T.self, storedType: storedType, context)
        if T.self == String.self {
            return try readStrings(
                count: count, storedType: storedType, reclaimSpace: reclaimSpace, context, probe: probe, call) as! [T]
        }
        try HDF5Dataspace.checkReadSize(elements: count, bytesPerElement: MemoryLayout<T>.stride, context)
        guard count > 0 else { return [] }
        var rc: herr_t = 0
        let values = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            rc = call(T.hdf5DType.nativeTypeID!, UnsafeMutableRawPointer(buffer.baseAddress!))
            // Numeric element types are trivial, so a failed read leaves nothing to deinitialize.
            initialized = rc >= 0 ? count : 0
        }
        try context.check(rc, "cannot read \(count) values", .corrupt)
        return values
    }

    /// Reads numeric elements straight into caller memory (no intermediate array), for large data.
    static func read<T: HDF5Scalar>(
        into buffer: UnsafeMutableBufferPointer<T>, storedType: hid_t, _ context: HDF5Context, _ call: ReadCall
    ) throws {
        guard T.self != String.self else {
            throw context.fail(.invalidArgument, "strings cannot be read into a buffer; read them as [String]")
        }
        try checkReadable(T.self, storedType: storedType, context)
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        try context.check(call(T.hdf5DType.nativeTypeID!, UnsafeMutableRawPointer(base)),
                          "cannot read \(buffer.count) values", .corrupt)
    }

    /// Writes numeric values or strings. Strings are written as variable-length UTF-8.
    static func write<T: HDF5Scalar>(_ values: UnsafeBufferPointer<T>, _ context: HDF5Context, _ call: WriteCall) throws {
        guard values.count > 0 else { return }
        if T.self == String.self {
            let strings = UnsafeRawBufferPointer(values).bindMemory(to: String.self)
            return try writeStrings(strings, context, call)
        }
        try context.check(call(T.hdf5DType.nativeTypeID!, UnsafeRawPointer(values.baseAddress!)),
                          "cannot write \(values.count) values", .io)
    }

    // MARK: Strings

    /// The variable-length UTF-8 string type possum stores (what h5py writes for `str`).
    static func utf8StringType(_ context: HDF5Context) throws -> HDF5Handle {
        let t = try HDF5Handle.make(.datatype, H5Tcopy(possum_h5t_c_s1()), context, "cannot create string type")
        try context.check(H5Tset_size(t.id, possum_h5t_variable()), "cannot create string type")
        try context.check(H5Tset_cset(t.id, H5T_CSET_UTF8), "cannot create string type")
        return t
    }

    private static func writeStrings(_ strings: UnsafeBufferPointer<String>, _ context: HDF5Context, _ call: WriteCall) throws {
        // HDF5 takes C strings, which end at the first NUL; refuse rather than truncate silently.
        if let i = strings.firstIndex(where: { $0.utf8.contains(0) }) {
            throw context.fail(.invalidArgument, "string \(i) contains a NUL character")
        }
        let memType = try utf8StringType(context)
        var pointers = [UnsafeMutablePointer<CChar>?]()
        pointers.reserveCapacity(strings.count)
        defer { for p in pointers { free(p) } }
        for s in strings {
            guard let p = strdup(s) else { throw context.fail(.tooLarge, "out of memory copying strings") }
            pointers.append(p)
        }
        try pointers.withUnsafeBufferPointer { buffer in
            try context.check(call(memType.id, UnsafeRawPointer(buffer.baseAddress!)),
                              "cannot write \(strings.count) strings", .io)
        }
    }

    private static func readStrings(
        count: Int, storedType: hid_t, reclaimSpace: hid_t, _ context: HDF5Context, probe: ProbeCall,
        _ call: ReadCall
    ) throws -> [String] {
        guard count > 0 else { return [] }
        // Read with the stored type itself (same variable/fixed length, same character set), so
        // HDF5 converts nothing and we decode the bytes ourselves.
        let memType = try HDF5Handle.make(.datatype, H5Tcopy(storedType), context, "cannot copy string type")
        defer { memType.close() }
        let isVariable = H5Tis_variable_str(storedType)
        guard isVariable >= 0 else { throw context.error(.corrupt, "cannot inspect string type") }
        if isVariable > 0 {
            // Each string: our pointer to it, HDF5's malloc'd copy (a 32-byte chunk at least) and the
            // Swift String made from it; longer strings are not known before the read.
            try HDF5Dataspace.checkReadSize(elements: count, bytesPerElement: 8 + 32 + MemoryLayout<String>.stride, context)
            try probeVariableLengthRead(memType.id, context, probe)
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
            let rc = pointers.withUnsafeMutableBytes { call(memType.id, $0.baseAddress!) }
            try context.check(rc, "cannot read \(count) strings", .corrupt)
            let strings = pointers.map { p in p.map { decodeUTF8(UnsafeRawBufferPointer(start: $0, count: strlen($0))) } ?? "" }
            // H5Treclaim is declared by the 1.10.8 headers but not exported by Debian's library.
            _ = pointers.withUnsafeMutableBytes { H5Dvlen_reclaim(memType.id, reclaimSpace, possum_h5p_default(), $0.baseAddress!) }
            return strings
        }
        let size = H5Tget_size(storedType)
        guard size > 0, size <= Int.max / 2 else { throw context.fail(.corrupt, "invalid string length \(size)") }
        let width = Int(size)
        let (bytes, overflow) = width.multipliedReportingOverflow(by: count)
        guard !overflow else { throw context.fail(.tooLarge, "\(count) strings of \(width) bytes do not fit in memory") }
        try HDF5Dataspace.checkReadSize(elements: bytes, bytesPerElement: 1, context)
        var raw = [UInt8](repeating: 0, count: bytes)
        let rc = raw.withUnsafeMutableBytes { call(memType.id, $0.baseAddress!) }
        try context.check(rc, "cannot read \(count) strings", .corrupt)
        let spacePadded = H5Tget_strpad(storedType) == H5T_STR_SPACEPAD
        return raw.withUnsafeBytes { all in
            (0..<count).map { i in
                var field = UnsafeRawBufferPointer(rebasing: all[(i * width)..<((i + 1) * width)])
                // NULTERM and NULLPAD both end at the first NUL; SPACEPAD pads with blanks.
                if let nul = field.firstIndex(of: 0) { field = UnsafeRawBufferPointer(rebasing: field[..<nul]) }
                if spacePadded {
                    var end = field.count
                    while end > 0, field[end - 1] == 0x20 { end -= 1 }
                    field = UnsafeRawBufferPointer(rebasing: field[..<end])
                }
                return decodeUTF8(field)
            }
        }
    }

    /// How long a sandboxed probe may take before the data is declared corrupt (a corrupted
    /// global heap can make HDF5 loop forever). Generous: a legitimate read of millions of
    /// strings takes seconds. Guarded by the library lock.
    nonisolated(unsafe) static var probeTimeoutMilliseconds = 60_000

    /// Variable-length data lives in HDF5's global heap, which no file format checksums and which
    /// HDF5 1.10 reads without bounds checks: corruption there crashes or hangs the library. So
    /// the read is first done in a forked child (see `possum_probe_vlen_read` in CHDF5).
    private static func probeVariableLengthRead(_ memType: hid_t, _ context: HDF5Context, _ probe: ProbeCall) throws {
        guard !context.trusted else { return }
        switch probe(memType, probeTimeoutMilliseconds) {
        case 2: throw context.fail(.corrupt, "string data is corrupt (reading it crashed HDF5 in a sandbox process)")
        case 3: throw context.fail(.corrupt, "string data is corrupt (reading it did not finish in a sandbox process)")
        default:
            // 0: safe. 1: the real read fails with HDF5's own error, reported below.
            // -1: no child process could be started (e.g. the process limit): read unprotected.
            return
        }
    }

    /// Decodes UTF-8, replacing invalid sequences: a damaged file yields odd text, not a crash.
    private static func decodeUTF8(_ bytes: UnsafeRawBufferPointer) -> String {
        String(decoding: bytes, as: UTF8.self)
    }
}
