import CHDF5

/// Shape and type of one attribute.
public struct HDF5AttributeInfo: Sendable, Equatable {
    public var dtype: HDF5DType
    /// `[]` for a scalar attribute.
    public var shape: [Int]
}

/// The attributes of a file (its root group), group or dataset: small named values such as
/// a schema version, a creation time, or an alpha grid.
///
/// Scalars are stored with a scalar dataspace and arrays as 1-D, strings as variable-length
/// UTF-8: the forms h5py returns as a plain number, a numpy array and `str`. Setting an
/// existing attribute replaces it (even with a different type).
public struct HDF5Attributes {
    let owner: HDF5Handle
    /// Keeps the file open while these attributes are in use (the owner alone does not).
    let fileHandle: HDF5Handle
    let context: HDF5Context

    /// Attribute names, sorted.
    public func names() throws -> [String] {
        try HDF5Library.locked {
            let id = try owner.validID(context)
            var index: hsize_t = 0
            let (names, rc) = HDF5NameList.collect { list in
                H5Aiterate2(id, H5_INDEX_NAME, H5_ITER_INC, &index, { _, name, _, data in HDF5NameList.add(name, to: data) }, list)
            }
            try context.check(rc, "cannot list attributes", .corrupt)
            return names
        }
    }

    public func contains(_ name: String) throws -> Bool {
        try HDF5Library.locked {
            let id = try owner.validID(context)
            try validate(name)
            let exists = H5Aexists(id, name)
            try context.check(exists < 0 ? -1 : 0, "cannot look up attribute '\(name)'", .corrupt)
            return exists > 0
        }
    }

    public func remove(_ name: String) throws {
        try HDF5Library.locked {
            let id = try owner.validID(context)
            guard try contains(name) else { throw notFound(name) }
            try context.check(H5Adelete(id, name), "cannot remove attribute '\(name)'")
        }
    }

    /// Type and shape of attribute `name`.
    public func info(_ name: String) throws -> HDF5AttributeInfo {
        try HDF5Library.locked {
            let attribute = try open(name)
            defer { attribute.close() }
            let type = try HDF5Handle.make(.datatype, H5Aget_type(attribute.id), context,
                                           "cannot read type of attribute '\(name)'", .corrupt)
            defer { type.close() }
            let space = try HDF5Handle.make(.dataspace, H5Aget_space(attribute.id), context,
                                            "cannot read shape of attribute '\(name)'", .corrupt)
            defer { space.close() }
            return HDF5AttributeInfo(
                dtype: HDF5DType.of(typeID: type.id), shape: try HDF5Dataspace.shape(of: space.id, context))
        }
    }

    // MARK: Writing

    /// Sets a scalar attribute.
    public func set<T: HDF5Scalar>(_ name: String, _ value: T) throws {
        try write(name, [value], shape: [])
    }

    /// Sets a 1-D array attribute.
    public func set<T: HDF5Scalar>(_ name: String, _ values: [T]) throws {
        try write(name, values, shape: [values.count])
    }

    private func write<T: HDF5Scalar>(_ name: String, _ values: [T], shape: [Int]) throws {
        try HDF5Library.locked {
            let id = try owner.validID(context)
            try validate(name)
            if try contains(name) { try context.check(H5Adelete(id, name), "cannot replace attribute '\(name)'") }
            let stringType = T.self == String.self ? try HDF5Transfer.utf8StringType(context) : nil
            defer { stringType?.close() }
            let typeID = stringType?.id ?? T.hdf5DType.fileTypeID!
            let space = try HDF5Dataspace.simple(shape, context)
            defer { space.close() }
            let acpl = try HDF5Handle.make(.propertyList, H5Pcreate(possum_h5p_attribute_create()), context,
                                           "cannot create attribute properties")
            defer { acpl.close() }
            try context.check(H5Pset_char_encoding(acpl.id, H5T_CSET_UTF8), "cannot create attribute properties")
            let attribute = try HDF5Handle.make(
                .attribute, H5Acreate2(id, name, typeID, space.id, acpl.id, possum_h5p_default()), context,
                "cannot create attribute '\(name)'")
            defer { attribute.close() }
            try values.withUnsafeBufferPointer { buffer in
                try HDF5Transfer.write(buffer, context) { H5Awrite(attribute.id, $0, $1) }
            }
        }
    }

    // MARK: Reading

    /// The value of a scalar (or one-element) attribute.
    public func get<T: HDF5Scalar>(_ name: String, as type: T.Type = T.self) throws -> T {
        let values = try getArray(name, as: T.self)
        guard values.count == 1 else {
            throw context.fail(.shapeMismatch, "attribute '\(name)' has \(values.count) values, expected one")
        }
        return values[0]
    }

    /// All values of an attribute, flattened (a scalar gives one value).
    public func getArray<T: HDF5Scalar>(_ name: String, as type: T.Type = T.self) throws -> [T] {
        try HDF5Library.locked {
            let attribute = try open(name)
            defer { attribute.close() }
            let ctx = context
            let type = try HDF5Handle.make(.datatype, H5Aget_type(attribute.id), ctx,
                                           "cannot read type of attribute '\(name)'", .corrupt)
            defer { type.close() }
            let space = try HDF5Handle.make(.dataspace, H5Aget_space(attribute.id), ctx,
                                            "cannot read shape of attribute '\(name)'", .corrupt)
            defer { space.close() }
            let count = try HDF5Dataspace.elementCount(try HDF5Dataspace.shape(of: space.id, ctx), ctx)
            do {
                return try HDF5Transfer.read(
                    T.self, count: count, storedType: type.id, reclaimSpace: space.id, ctx,
                    probe: { possum_probe_vlen_read(attribute.id, 1, $0, 0, 0, count, $1) }
                ) { H5Aread(attribute.id, $0, $1) }
            } catch var error as HDF5Error {
                error.message = "attribute '\(name)': " + error.message
                throw error
            }
        }
    }

    // MARK: Internals (caller holds the lock)

    private func validate(_ name: String) throws {
        guard !name.isEmpty, !name.utf8.contains(0) else {
            throw context.fail(.invalidArgument, "invalid attribute name '\(name)'")
        }
    }

    private func notFound(_ name: String) -> HDF5Error {
        context.fail(.notFound, "attribute '\(name)' not found")
    }

    private func open(_ name: String) throws -> HDF5Handle {
        let id = try owner.validID(context)
        guard try contains(name) else { throw notFound(name) }
        return try HDF5Handle.make(.attribute, H5Aopen(id, name, possum_h5p_default()), context,
                                   "cannot open attribute '\(name)'", .corrupt)
    }
}
