/// A small, fast, seedable generator (SplitMix64, Steele et al. 2014): tests and benchmarks need
/// the same matrices on every run and every machine, which `SystemRandomNumberGenerator` won't give.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator whose sequence is fixed by `seed`.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension Matrix {
    /// Entries independent and uniform in [-1, 1).
    public static func random(rows: Int, columns: Int, using rng: inout some RandomNumberGenerator) -> Matrix {
        var m = Matrix(rows: rows, columns: columns)
        for k in m.elements.indices { m.elements[k] = Double.random(in: -1..<1, using: &rng) }
        return m
    }
}
