/// A floating-point type the QR kernels are written for (`Double`, `Float`), with the one SIMD
/// register type they compute in: 64 bytes of lanes, `SIMD8<Double>` or `SIMD16<Float>` (one
/// AVX-512 register, two AVX2 ymm registers).
///
/// Why requirements instead of the generic `SIMD` operators: the standard library's generic
/// `SIMD` arithmetic is a lane-by-lane loop that the optimizer does not always turn back into
/// vector instructions, while its concrete `SIMD8<Double>`/`SIMD16<Float>` overloads compile to
/// single `vfmadd…`/`vaddp…` instructions. Each conformance below calls the concrete overloads;
/// generic kernels call only these requirements, so once a kernel is specialized for `Double` or
/// `Float` (all callers are, inside this module) it is exactly the hand-written concrete code.
///
/// Every operation is the correctly rounded IEEE operation of the scalar type lane by lane
/// (`fma` rounds once), so rounding-error bounds hold with the type's unit roundoff
/// u = `ulpOfOne`/2: the analysis of the kernels is the same for both types, only ε changes.
public protocol QRScalar: BinaryFloatingPoint, SIMDScalar, Codable, Sendable {
    /// 64 bytes of lanes.
    associatedtype Vector: SIMD where Vector.Scalar == Self
    /// Vector(repeating: 0).
    static var zeroVector: Vector { get }
    /// Vector(repeating: x).
    static func splat(_ x: Self) -> Vector
    /// `Vector.scalarCount` lanes from `p` (any alignment).
    static func load(_ p: UnsafePointer<Self>) -> Vector
    /// Stores `v` at `p` (any alignment).
    static func store(_ v: Vector, _ p: UnsafeMutablePointer<Self>)
    /// acc + x·y with one rounding per lane (FMA).
    static func fma(_ acc: Vector, _ x: Vector, _ y: Vector) -> Vector
    /// x + y.
    static func add(_ x: Vector, _ y: Vector) -> Vector
    /// x·s.
    static func scaled(_ x: Vector, _ s: Self) -> Vector
    /// x·0 + acc: NaN in a lane iff some x in it was NaN or ±∞ (the finiteness scan).
    static func accumulateTimesZero(_ acc: Vector, _ x: Vector) -> Vector
    /// Σ of the lanes.
    static func sum(_ x: Vector) -> Self
    /// The name the benchmark and the JSON records use: "float64", "float32".
    static var dtypeName: String { get }
}

extension QRScalar {
    /// Lanes per vector: rows of the micro-kernel's tile (8 doubles, 16 floats).
    @inlinable
    public static var lanes: Int { Vector.scalarCount }
}

// The two conformances are the same lines on purpose: each must name its own concrete SIMD type
// so that the concrete (single-instruction) overloads are the ones called.
extension Double: QRScalar {
    public typealias Vector = SIMD8<Double>
    @inlinable public static var zeroVector: Vector { Vector() }
    @inlinable @inline(__always) public static func splat(_ x: Double) -> Vector { Vector(repeating: x) }
    @inlinable @inline(__always) public static func load(_ p: UnsafePointer<Double>) -> Vector {
        UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
    }
    @inlinable @inline(__always) public static func store(_ v: Vector, _ p: UnsafeMutablePointer<Double>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector.self)
    }
    @inlinable @inline(__always) public static func fma(_ acc: Vector, _ x: Vector, _ y: Vector) -> Vector {
        acc.addingProduct(x, y)
    }
    @inlinable @inline(__always) public static func add(_ x: Vector, _ y: Vector) -> Vector { x + y }
    @inlinable @inline(__always) public static func scaled(_ x: Vector, _ s: Double) -> Vector { x * s }
    @inlinable @inline(__always) public static func accumulateTimesZero(_ acc: Vector, _ x: Vector) -> Vector {
        acc + x * 0
    }
    @inlinable @inline(__always) public static func sum(_ x: Vector) -> Double { x.sum() }
    public static var dtypeName: String { "float64" }
}

extension Float: QRScalar {
    public typealias Vector = SIMD16<Float>
    @inlinable public static var zeroVector: Vector { Vector() }
    @inlinable @inline(__always) public static func splat(_ x: Float) -> Vector { Vector(repeating: x) }
    @inlinable @inline(__always) public static func load(_ p: UnsafePointer<Float>) -> Vector {
        UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
    }
    @inlinable @inline(__always) public static func store(_ v: Vector, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector.self)
    }
    @inlinable @inline(__always) public static func fma(_ acc: Vector, _ x: Vector, _ y: Vector) -> Vector {
        acc.addingProduct(x, y)
    }
    @inlinable @inline(__always) public static func add(_ x: Vector, _ y: Vector) -> Vector { x + y }
    @inlinable @inline(__always) public static func scaled(_ x: Vector, _ s: Float) -> Vector { x * s }
    @inlinable @inline(__always) public static func accumulateTimesZero(_ acc: Vector, _ x: Vector) -> Vector {
        acc + x * 0
    }
    @inlinable @inline(__always) public static func sum(_ x: Vector) -> Float { x.sum() }
    public static var dtypeName: String { "float32" }
}
