import CHDF5

/// The element type of a stored dataset or attribute, as far as this module distinguishes them.
public enum HDF5DType: Hashable, Sendable, CustomStringConvertible {
    case int8, int16, int32, int64
    case uint8, uint16, uint32, uint64
    case float32, float64
    /// Any HDF5 string: variable- or fixed-length, ASCII or UTF-8. Written as variable-length
    /// UTF-8, which h5py reads as `str`.
    case string
    /// Anything else (compound, enum, opaque, array, reference, half floats...), by class name.
    case other(String)

    /// numpy-style names (`float64`, `int32`), as h5py and h5dump users know them.
    public var description: String {
        switch self {
        case .int8: "int8"
        case .int16: "int16"
        case .int32: "int32"
        case .int64: "int64"
        case .uint8: "uint8"
        case .uint16: "uint16"
        case .uint32: "uint32"
        case .uint64: "uint64"
        case .float32: "float32"
        case .float64: "float64"
        case .string: "string"
        case .other(let name): name
        }
    }

    /// Bytes per element for numeric types; nil for strings and others.
    var byteSize: Int? {
        switch self {
        case .int8, .uint8: 1
        case .int16, .uint16: 2
        case .int32, .uint32, .float32: 4
        case .int64, .uint64, .float64: 8
        case .string, .other: nil
        }
    }

    var isInteger: Bool {
        switch self {
        case .int8, .int16, .int32, .int64, .uint8, .uint16, .uint32, .uint64: true
        default: false
        }
    }

    var isSigned: Bool {
        switch self {
        case .int8, .int16, .int32, .int64, .float32, .float64: true
        default: false
        }
    }

    var isFloat: Bool { self == .float32 || self == .float64 }

    /// Whether every value of a stored type `self` is exactly representable as `target`, which
    /// is when a read lets HDF5 convert. Narrowing conversions (float64 → Float, int64 → Int32)
    /// and int64 → Double would silently clamp or round, so they are refused: the caller reads
    /// the stored type and converts knowingly.
    func canBeReadExactly(as target: HDF5DType) -> Bool {
        if self == target { return true }
        guard let from = byteSize, let to = target.byteSize else { return false }
        if isFloat { return target.isFloat && to >= from }
        guard isInteger else { return false }
        if target.isFloat {
            // float32 has a 24-bit significand, float64 a 53-bit one.
            return from <= (target == .float32 ? 2 : 4)
        }
        if isSigned { return target.isSigned && to >= from }
        return target.isSigned ? to > from : to >= from
    }

    /// The in-memory type HDF5 converts to on read and from on write.
    /// The returned identifier is a library constant: never close it.
    var nativeTypeID: hid_t? {
        switch self {
        case .int8: possum_h5t_native_int8()
        case .int16: possum_h5t_native_int16()
        case .int32: possum_h5t_native_int32()
        case .int64: possum_h5t_native_int64()
        case .uint8: possum_h5t_native_uint8()
        case .uint16: possum_h5t_native_uint16()
        case .uint32: possum_h5t_native_uint32()
        case .uint64: possum_h5t_native_uint64()
        case .float32: possum_h5t_native_float()
        case .float64: possum_h5t_native_double()
        case .string, .other: nil
        }
    }

    /// The type stored in files: fixed little-endian standard types, so files are the same
    /// bytes on every machine and match what numpy/h5py write. A library constant: never close it.
    var fileTypeID: hid_t? {
        switch self {
        case .int8: possum_h5t_std_i8le()
        case .int16: possum_h5t_std_i16le()
        case .int32: possum_h5t_std_i32le()
        case .int64: possum_h5t_std_i64le()
        case .uint8: possum_h5t_std_u8le()
        case .uint16: possum_h5t_std_u16le()
        case .uint32: possum_h5t_std_u32le()
        case .uint64: possum_h5t_std_u64le()
        case .float32: possum_h5t_ieee_f32le()
        case .float64: possum_h5t_ieee_f64le()
        case .string, .other: nil
        }
    }

    /// Classifies an HDF5 datatype identifier. Caller holds the library lock.
    static func of(typeID t: hid_t) -> HDF5DType {
        let size = H5Tget_size(t)
        switch H5Tget_class(t) {
        case H5T_INTEGER:
            let signed = H5Tget_sign(t) == H5T_SGN_2
            switch size {
            case 1: return signed ? .int8 : .uint8
            case 2: return signed ? .int16 : .uint16
            case 4: return signed ? .int32 : .uint32
            case 8: return signed ? .int64 : .uint64
            default: return .other("int\(size * 8)")
            }
        case H5T_FLOAT:
            switch size {
            case 4: return .float32
            case 8: return .float64
            default: return .other("float\(size * 8)")
            }
        case H5T_STRING: return .string
        case H5T_COMPOUND: return .other("compound")
        case H5T_ENUM: return .other("enum")
        case H5T_OPAQUE: return .other("opaque")
        case H5T_ARRAY: return .other("array")
        case H5T_VLEN: return .other("vlen")
        case H5T_REFERENCE: return .other("reference")
        case H5T_BITFIELD: return .other("bitfield")
        case H5T_TIME: return .other("time")
        default: return .other("unknown")
        }
    }
}

/// A Swift type that can be stored as an HDF5 element: the fixed-width integers, `Int` (stored
/// as int64), `Float`, `Double`, and `String` (stored as variable-length UTF-8).
public protocol HDF5Scalar: Sendable {
    /// The stored type this Swift type maps to.
    static var hdf5DType: HDF5DType { get }
}

extension Double: HDF5Scalar { public static var hdf5DType: HDF5DType { .float64 } }
extension Float: HDF5Scalar { public static var hdf5DType: HDF5DType { .float32 } }
extension Int8: HDF5Scalar { public static var hdf5DType: HDF5DType { .int8 } }
extension Int16: HDF5Scalar { public static var hdf5DType: HDF5DType { .int16 } }
extension Int32: HDF5Scalar { public static var hdf5DType: HDF5DType { .int32 } }
extension Int64: HDF5Scalar { public static var hdf5DType: HDF5DType { .int64 } }
extension UInt8: HDF5Scalar { public static var hdf5DType: HDF5DType { .uint8 } }
extension UInt16: HDF5Scalar { public static var hdf5DType: HDF5DType { .uint16 } }
extension UInt32: HDF5Scalar { public static var hdf5DType: HDF5DType { .uint32 } }
extension UInt64: HDF5Scalar { public static var hdf5DType: HDF5DType { .uint64 } }
extension String: HDF5Scalar { public static var hdf5DType: HDF5DType { .string } }
extension Int: HDF5Scalar {
    // Int is 64-bit on every platform possum supports; stored as int64 so files do not depend on it.
    public static var hdf5DType: HDF5DType {
        precondition(MemoryLayout<Int>.size == 8, "possum needs a 64-bit platform")
        return .int64
    }
}
