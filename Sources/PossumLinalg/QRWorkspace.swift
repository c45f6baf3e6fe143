/// Reusable scratch memory of the blocked and tall-skinny QR: after the first factorization of
/// a given size, factoring again with the same workspace allocates nothing (the steady state a
/// caller who factors many same-sized matrices wants).
///
/// One array carved into the regions the algorithms need, so that growing it is one allocation.
/// Not thread-safe: one workspace per thread.
public struct QRWorkspace {
    @usableFromInline var storage: [Double] = []
    /// The second thread's scratch in two-thread solves (moved out and back, never copied).
    var partnerStorage: [Double] = []

    public init() {}

    /// Doubles currently reserved for both threads (grows, never shrinks).
    public var capacity: Int { storage.count + partnerStorage.count }

    /// Makes sure at least `count` doubles are available; allocates only when it must grow.
    @inlinable
    public mutating func reserve(_ count: Int) {
        if storage.count < count {
            storage = [Double](repeating: 0, count: count)
        }
    }

    /// Calls `body` with the base of at least `count` doubles of scratch (contents unspecified).
    @inlinable
    public mutating func withScratch<R>(_ count: Int, _ body: (UnsafeMutablePointer<Double>) throws -> R) rethrows -> R {
        if count == 0 && storage.isEmpty {  // nothing needed: no heap allocation either
            return try withUnsafeTemporaryAllocation(of: Double.self, capacity: 1) { try body($0.baseAddress!) }
        }
        reserve(count)
        return try storage.withUnsafeMutableBufferPointer { try body($0.baseAddress!) }
    }
}
