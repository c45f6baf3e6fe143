/// The same memory as another element type: a generic kernel handing its storage to the concrete
/// kernel it chose for that scalar type (the caller has checked that the layouts are the same).
@inlinable @inline(__always)
func rebound<T, U>(_ p: UnsafePointer<T>) -> UnsafePointer<U> { UnsafeRawPointer(p).assumingMemoryBound(to: U.self) }

/// The same memory as another element type (mutable): see the immutable overload.
@inlinable @inline(__always)
func rebound<T, U>(_ p: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<U> {
    UnsafeMutableRawPointer(p).assumingMemoryBound(to: U.self)
}
