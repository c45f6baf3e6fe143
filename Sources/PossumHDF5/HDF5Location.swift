import CHDF5

/// What kind of object a link points to.
public enum HDF5ObjectKind: String, Sendable, Equatable {
    case group
    case dataset
    case namedDatatype
    /// A soft or external link whose target does not resolve.
    case unresolvedLink
}

/// One member of a group.
public struct HDF5Child: Sendable, Equatable {
    public var name: String
    public var kind: HDF5ObjectKind

    public init(name: String, kind: HDF5ObjectKind) {
        self.name = name
        self.kind = kind
    }
}

/// The shared implementation of everything a group can do; `HDF5File` (its root group) and
/// `HDF5Group` both forward to it. Holds the file's handle so the file stays open while any
/// object in it is in use.
struct HDF5Location {
    let handle: HDF5Handle
    let fileHandle: HDF5Handle
    let context: HDF5Context
    var path: String { context.path ?? "/" }

    /// A link-creation property list that creates missing intermediate groups and marks link
    /// names as UTF-8, so `createGroup("a/b/c")` and non-ASCII names just work.
    private func linkCreationList(_ ctx: HDF5Context) throws -> HDF5Handle {
        let lcpl = try HDF5Handle.make(.propertyList, H5Pcreate(possum_h5p_link_create()), ctx,
                                       "cannot create link properties")
        try ctx.check(H5Pset_create_intermediate_group(lcpl.id, 1), "cannot create link properties")
        try ctx.check(H5Pset_char_encoding(lcpl.id, H5T_CSET_UTF8), "cannot create link properties")
        return lcpl
    }

    /// The absolute path for a new object's `name`, which must name something below the root.
    private func validName(_ name: String) throws -> String {
        guard !HDF5Path.components(name).isEmpty, !name.utf8.contains(0) else {
            throw context.fail(.invalidArgument, "invalid object name '\(name)'")
        }
        return HDF5Path.join(path, name)
    }

    /// The kind of object at `name` (relative or absolute), or nil if nothing is there.
    func kind(of name: String) throws -> HDF5ObjectKind? {
        try HDF5Library.locked {
            let id = try handle.validID(context)
            let absolute = HDF5Path.join(path, name)
            let ctx = context.at(absolute)
            // H5Lexists fails (rather than answering false) when an intermediate group is
            // missing, so walk the path one component at a time from the root.
            let parts = HDF5Path.components(absolute)
            var prefix = ""
            for part in parts {
                prefix += "/" + part
                let exists = H5Lexists(id, prefix, possum_h5p_default())
                if exists < 0 { throw ctx.error(.corrupt, "cannot look up '\(prefix)'") }
                if exists == 0 { return nil }
            }
            if parts.isEmpty { return .group }
            var info = H5O_info_t()
            guard H5Oget_info_by_name2(id, absolute, &info, UInt32(H5O_INFO_BASIC), possum_h5p_default()) >= 0 else {
                _ = HDF5Error.takeStack()
                return .unresolvedLink
            }
            switch info.type {
            case H5O_TYPE_GROUP: return .group
            case H5O_TYPE_DATASET: return .dataset
            case H5O_TYPE_NAMED_DATATYPE: return .namedDatatype
            default: return .unresolvedLink
            }
        }
    }

    /// Members of this group, sorted by name.
    func children() throws -> [HDF5Child] {
        try HDF5Library.locked {
            let id = try handle.validID(context)
            var index: hsize_t = 0
            let (names, rc) = HDF5NameList.collect { list in
                H5Literate(id, H5_INDEX_NAME, H5_ITER_INC, &index, { _, name, _, data in HDF5NameList.add(name, to: data) }, list)
            }
            try context.check(rc, "cannot list group members", .corrupt)
            return try names.map { name in
                HDF5Child(name: name, kind: try kind(of: name) ?? .unresolvedLink)
            }
        }
    }

    func createGroup(_ name: String) throws -> HDF5Group {
        try HDF5Library.locked {
            let id = try handle.validID(context)
            let absolute = try validName(name)
            let ctx = context.at(absolute)
            if let existing = try kind(of: absolute) {
                throw ctx.fail(.alreadyExists, "cannot create group: a \(existing.rawValue) of that name exists")
            }
            let lcpl = try linkCreationList(ctx)
            defer { lcpl.close() }
            let gid = H5Gcreate2(id, absolute, lcpl.id, possum_h5p_default(), possum_h5p_default())
            let group = try HDF5Handle.make(.group, gid, ctx, "cannot create group")
            return HDF5Group(HDF5Location(handle: group, fileHandle: fileHandle, context: ctx))
        }
    }

    /// Checks that `name` exists and is a `kind`, with a precise error otherwise.
    private func require(_ name: String, is expected: HDF5ObjectKind, _ ctx: HDF5Context) throws {
        guard let found = try kind(of: name) else { throw ctx.fail(.notFound, "\(expected.rawValue) not found") }
        guard found == expected else {
            throw ctx.fail(.wrongObjectType, "expected a \(expected.rawValue), found a \(found.rawValue)")
        }
    }

    func openGroup(_ name: String) throws -> HDF5Group {
        try HDF5Library.locked {
            let id = try handle.validID(context)
            let absolute = HDF5Path.join(path, name)
            let ctx = context.at(absolute)
            try require(absolute, is: .group, ctx)
            let group = try HDF5Handle.make(.group, H5Gopen2(id, absolute, possum_h5p_default()), ctx,
                                            "cannot open group", .corrupt)
            return HDF5Group(HDF5Location(handle: group, fileHandle: fileHandle, context: ctx))
        }
    }

    func openDataset(_ name: String) throws -> HDF5Dataset {
        try HDF5Library.locked {
            let id = try handle.validID(context)
            let absolute = HDF5Path.join(path, name)
            let ctx = context.at(absolute)
            try require(absolute, is: .dataset, ctx)
            let dataset = try HDF5Handle.make(.dataset, H5Dopen2(id, absolute, possum_h5p_default()), ctx,
                                              "cannot open dataset", .corrupt)
            return HDF5Dataset(handle: dataset, fileHandle: fileHandle, context: ctx)
        }
    }

    func createDataset(
        _ name: String, dtype: HDF5DType, shape: [Int], storage: HDF5Storage
    ) throws -> HDF5Dataset {
        try HDF5Library.locked {
            let id = try handle.validID(context)
            let absolute = try validName(name)
            let ctx = context.at(absolute)
            if let existing = try kind(of: absolute) {
                throw ctx.fail(.alreadyExists, "cannot create dataset: a \(existing.rawValue) of that name exists")
            }
            let fileType: HDF5Handle?
            let typeID: hid_t
            let elementSize: Int
            if dtype == .string {
                let t = try HDF5Transfer.utf8StringType(ctx)
                (fileType, typeID, elementSize) = (t, t.id, MemoryLayout<UnsafeRawPointer>.size)
            } else if let t = dtype.fileTypeID, let size = dtype.byteSize {
                (fileType, typeID, elementSize) = (nil, t, size)
            } else {
                throw ctx.fail(.invalidArgument, "cannot create a dataset of type \(dtype)")
            }
            defer { fileType?.close() }
            let maxShape: [Int?]? = storage.resizable && !shape.isEmpty ? [nil] + shape.dropFirst().map { $0 } : nil
            let space = try HDF5Dataspace.simple(shape, maxShape: maxShape, ctx)
            defer { space.close() }
            let dcpl = try storage.creationPropertyList(shape: shape, elementSize: elementSize, ctx)
            defer { dcpl.close() }
            let lcpl = try linkCreationList(ctx)
            defer { lcpl.close() }
            let did = H5Dcreate2(id, absolute, typeID, space.id, lcpl.id, dcpl.id, possum_h5p_default())
            let dataset = try HDF5Handle.make(.dataset, did, ctx, "cannot create dataset")
            return HDF5Dataset(handle: dataset, fileHandle: fileHandle, context: ctx)
        }
    }

    /// Removes the link `name`. (HDF5 does not reclaim the space until the file is rewritten.)
    func remove(_ name: String) throws {
        try HDF5Library.locked {
            let id = try handle.validID(context)
            let absolute = try validName(name)
            let ctx = context.at(absolute)
            guard try kind(of: absolute) != nil else { throw ctx.fail(.notFound, "object not found") }
            try ctx.check(H5Ldelete(id, absolute, possum_h5p_default()), "cannot remove object")
        }
    }
}

/// The names an HDF5 iteration (`H5Literate`, `H5Aiterate2`) hands its callback, gathered through the
/// callback's data pointer: the callbacks' C types differ, their one-line bodies call `add`.
final class HDF5NameList {
    private var all: [String] = []

    /// Runs `iterate` with a list as the callback's data; the names, sorted, and its return code.
    static func collect(_ iterate: (UnsafeMutableRawPointer) -> herr_t) -> (names: [String], rc: herr_t) {
        let list = HDF5NameList()
        let rc = withExtendedLifetime(list) { iterate(Unmanaged.passUnretained(list).toOpaque()) }
        return (list.all.sorted(), rc)
    }

    /// A callback's body: appends `name` to the list `data` points at; 0 goes on with the iteration.
    static func add(_ name: UnsafePointer<CChar>?, to data: UnsafeMutableRawPointer?) -> herr_t {
        guard let name, let data else { return 0 }
        Unmanaged<HDF5NameList>.fromOpaque(data).takeUnretainedValue().all.append(String(cString: name))
        return 0
    }
}
