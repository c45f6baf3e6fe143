import CHDF5
import PossumFiles
import Foundation

/// Dataspace helpers: creating simple spaces, reading extents, selecting row ranges.
/// All functions expect the library lock to be held.
enum HDF5Dataspace {
    /// A simple (n-dimensional) dataspace; `maxShape` nil entries mean "unlimited".
    static func simple(_ shape: [Int], maxShape: [Int?]? = nil, _ context: HDF5Context) throws -> HDF5Handle {
        guard shape.count <= 32 else { throw context.fail(.invalidArgument, "rank \(shape.count) exceeds HDF5's 32") }
        if shape.isEmpty { return try scalar(context) }
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw context.fail(.invalidArgument, "negative dimension in shape \(shape)")
        }
        var dims = shape.map { hsize_t($0) }
        var max = (maxShape ?? shape).map { $0.map { hsize_t($0) } ?? possum_h5s_unlimited() }
        let id = H5Screate_simple(Int32(dims.count), &dims, &max)
        return try HDF5Handle.make(.dataspace, id, context, "cannot create dataspace of shape \(shape)")
    }

    static func scalar(_ context: HDF5Context) throws -> HDF5Handle {
        try HDF5Handle.make(.dataspace, H5Screate(H5S_SCALAR), context, "cannot create scalar dataspace")
    }

    /// The current shape: `[]` for a scalar, `[0]` for a null (empty) space. Validates what a
    /// corrupt file could get wrong: the rank and that the element count fits in an `Int`.
    static func shape(of space: hid_t, _ context: HDF5Context) throws -> [Int] {
        switch H5Sget_simple_extent_type(space) {
        case H5S_SCALAR: return []
        case H5S_NULL: return [0]
        case H5S_SIMPLE: break
        default: throw context.error(.corrupt, "cannot read dataspace")
        }
        let rank = H5Sget_simple_extent_ndims(space)
        guard rank >= 0, rank <= 32 else { throw context.error(.corrupt, "invalid dataspace rank \(rank)") }
        var dims = [hsize_t](repeating: 0, count: Int(rank))
        var max = [hsize_t](repeating: 0, count: Int(rank))
        guard H5Sget_simple_extent_dims(space, &dims, &max) == rank else {
            throw context.error(.corrupt, "cannot read dataspace dimensions")
        }
        // HDF5 does not check this when reading a damaged header; a dimension beyond its
        // declared maximum is a sure sign of corruption (and typically an absurd size).
        for (d, m) in zip(dims, max) where m != possum_h5s_unlimited() && d > m {
            throw context.fail(.corrupt, "dataspace dimension \(d) exceeds its maximum \(m)")
        }
        var count = 1
        for d in dims {
            guard d <= hsize_t(Int.max) else { throw context.fail(.corrupt, "dimension \(d) out of range") }
            let (p, overflow) = count.multipliedReportingOverflow(by: Int(d))
            guard !overflow else { throw context.fail(.corrupt, "dataspace \(dims) has more elements than fit in memory") }
            count = p
        }
        return dims.map { Int($0) }
    }

    /// Maximum shape (nil = unlimited), for simple spaces; `nil` for scalar/null ones.
    static func maxShape(of space: hid_t, _ context: HDF5Context) throws -> [Int?]? {
        guard H5Sget_simple_extent_type(space) == H5S_SIMPLE else { return nil }
        let rank = H5Sget_simple_extent_ndims(space)
        guard rank >= 0, rank <= 32 else { throw context.error(.corrupt, "invalid dataspace rank \(rank)") }
        var dims = [hsize_t](repeating: 0, count: Int(rank))
        var max = [hsize_t](repeating: 0, count: Int(rank))
        guard H5Sget_simple_extent_dims(space, &dims, &max) == rank else {
            throw context.error(.corrupt, "cannot read dataspace dimensions")
        }
        return max.map { $0 == possum_h5s_unlimited() || $0 > hsize_t(Int.max) ? nil : Int($0) }
    }

    /// Selects rows `rows` (all of every other dimension) in `space`, a simple dataspace of
    /// `shape`. The caller has checked `rows` against `shape[0]` and that it is not empty.
    static func selectRows(_ rows: Range<Int>, in space: hid_t, shape: [Int], _ context: HDF5Context) throws {
        var start = [hsize_t](repeating: 0, count: shape.count)
        var count = shape.map { hsize_t($0) }
        start[0] = hsize_t(rows.lowerBound)
        count[0] = hsize_t(rows.count)
        try context.check(
            H5Sselect_hyperslab(space, H5S_SELECT_SET, &start, nil, &count, nil),
            "cannot select rows \(rows.lowerBound)..<\(rows.upperBound)")
    }

    /// Product of `shape`, checked for overflow.
    static func elementCount(_ shape: [Int], _ context: HDF5Context) throws -> Int {
        var n = 1
        for d in shape {
            let (p, overflow) = n.multipliedReportingOverflow(by: d)
            guard !overflow, d >= 0 else { throw context.fail(.invalidArgument, "shape \(shape) is too large") }
            n = p
        }
        return n
    }

    /// Every read's size, through one meter (`MemoryHeadroom.Meter`: the headroom is asked for any
    /// read of a MiB or more and each time smaller ones add up to a MiB). Guarded by the HDF5 lock.
    nonisolated(unsafe) static var meter = MemoryHeadroom.Meter()

    /// Refuses reads that cannot fit in memory before allocating: a corrupt (or simply huge)
    /// file must produce an error, not an allocation failure that kills the process, however small
    /// the read (under a tight limit a few MB is enough to abort).
    static func checkReadSize(elements: Int, bytesPerElement: Int, _ context: HDF5Context) throws {
        let (bytes, overflow) = elements.multipliedReportingOverflow(by: max(1, bytesPerElement))
        guard !overflow, meter.admits(bytes) else {
            throw context.fail(
                .tooLarge, "\(elements) elements do not fit in the memory this process may take; read them in row slices")
        }
    }
}
