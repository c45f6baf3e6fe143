/// Reusable scratch memory of the blocked and tall-skinny QR: after the first factorization of
/// a given size, factoring again with the same workspace allocates nothing (the steady state a
/// caller who factors many same-sized matrices wants).
///
/// One array carved into the regions the algorithms need, so that growing it is one allocation.
/// Not thread-safe: one workspace per thread.
public struct QRWorkspace {
    @usableFromInline var storage: [Double] = []
    /// The other threads' scratch in threaded factorizations (moved out and back, never copied).
    var partnerStorage: [[Double]] = []

    public init() {}

    /// Doubles currently reserved for all threads (grows, never shrinks).
    public var capacity: Int { partnerStorage.reduce(storage.count) { $0 + $1.count } }

    /// Calls `body` with `count` workspaces, one per thread: the first holds this workspace's
    /// storage, the others its partners' (created the first time, then reused: steady state).
    mutating func withThreadWorkspaces<R>(_ count: Int, _ body: (UnsafeMutablePointer<QRWorkspace>) throws -> R) rethrows -> R {
        while partnerStorage.count < count - 1 { partnerStorage.append([]) }
        return try withUnsafeTemporaryAllocation(of: QRWorkspace.self, capacity: count) { spaces in
            let base = spaces.baseAddress!
            for i in 0..<count {
                var space = QRWorkspace()
                if i == 0 { swap(&space.storage, &storage) } else { swap(&space.storage, &partnerStorage[i - 1]) }
                (base + i).initialize(to: space)
            }
            defer {
                for i in 0..<count {
                    var space = (base + i).move()
                    if i == 0 { swap(&space.storage, &storage) } else { swap(&space.storage, &partnerStorage[i - 1]) }
                }
            }
            return try body(base)
        }
    }

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
        try withScratch(of: Double.self, count, body)
    }

    /// Where scratch starts: a cache line (one AVX-512 vector). A large array's elements start 48
    /// bytes past one, which split every vector load of the packed operands the micro-kernel reads
    /// in two (Benchmarks/README.md, "Square and 104 × 17 against the roof").
    @usableFromInline static let scratchAlignment = 64

    /// Calls `body` with at least `count` elements of scratch of type T (`Double` or `Float`;
    /// contents unspecified), starting on a `scratchAlignment`-byte boundary. The storage stays one
    /// array of doubles, bound to T for the call: T's stride divides 8 and its alignment is at most
    /// 8, so a `Float` workspace needs half as many doubles and the same workspace serves both
    /// precisions. The boundary is the same for every call while the storage does not grow.
    @inlinable
    public mutating func withScratch<T: QRScalar, R>(
        of type: T.Type, _ count: Int, _ body: (UnsafeMutablePointer<T>) throws -> R
    ) rethrows -> R {
        if count == 0 && storage.isEmpty {  // nothing needed: no heap allocation either
            return try withUnsafeTemporaryAllocation(of: T.self, capacity: 1) { try body($0.baseAddress!) }
        }
        let perDouble = MemoryLayout<Double>.stride / MemoryLayout<T>.stride
        let slack = Self.scratchAlignment / MemoryLayout<Double>.stride
        reserve((count + perDouble - 1) / perDouble + slack)
        return try storage.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            let misalignment = Int(bitPattern: UInt(bitPattern: base) & UInt(bitPattern: Self.scratchAlignment - 1))
            let skip = (Self.scratchAlignment - misalignment) % Self.scratchAlignment / MemoryLayout<Double>.stride
            return try (base + skip).withMemoryRebound(to: T.self, capacity: (buffer.count - skip) * perDouble) { try body($0) }
        }
    }
}
