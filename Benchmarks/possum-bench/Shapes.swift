import ArgumentParser

/// An m × n problem size, written `MxN` on the command line (e.g. `104x17`).
struct Shape: Hashable, CustomStringConvertible {
    var m: Int
    var n: Int

    var description: String { "\(m)x\(n)" }

    /// Householder QR flops, 2mn² − 2n³/3 (LAPACK's count for dgeqrf), the figure every
    /// GFLOP/s in the report is computed from — also for `lstsq`, so that its GFLOP/s is
    /// "QR flops per second" and directly comparable with `qr`.
    var flops: Double {
        let (m, n) = (Double(m), Double(n))
        return 2 * m * n * n - 2 * n * n * n / 3
    }
}

/// A comma-separated list of shapes.
struct ShapeList: ExpressibleByArgument {
    var shapes: [Shape]

    init?(argument: String) {
        var result: [Shape] = []
        for item in argument.split(separator: ",") {
            let parts = item.lowercased().split(separator: "x")
            guard parts.count == 2, let m = Int(parts[0]), let n = Int(parts[1]), n >= 1, m >= n else {
                return nil
            }
            result.append(Shape(m: m, n: n))
        }
        guard !result.isEmpty else { return nil }
        shapes = result
    }

    init(_ shapes: [Shape]) { self.shapes = shapes }

    var defaultValueDescription: String { shapes.map(\.description).joined(separator: ",") }
}

enum Op: String, CaseIterable, ExpressibleByArgument {
    /// The factorization alone: ours vs `dgeqrf`.
    case qr
    /// min‖Ax − b‖₂ end to end: ours vs `dgels`.
    case lstsq
}

/// The precision of a record (the JSON's "dtype").
enum DType: String, CaseIterable, ExpressibleByArgument {
    case float64, float32
}

enum SolverName: String, CaseIterable, ExpressibleByArgument {
    case simd, openblas, naive
    /// With `--threads` ≥ 2: possum's solver on one thread, timed beside the threaded one so that
    /// its speed-up comes from interleaved samples too. Recorded as solver "simd", threads 1.
    case simdOneThread = "simd-1t"

    /// The solvers timed unless `--solvers` says otherwise.
    static let defaults: [SolverName] = [.simd, .openblas, .naive]

    /// The name in the JSON records.
    var recordName: String { self == .simdOneThread ? SolverName.simd.rawValue : rawValue }
}

/// A comma-separated list of enum values (`--ops qr,lstsq`).
struct EnumList<T: RawRepresentable & CaseIterable>: ExpressibleByArgument where T.RawValue == String {
    var values: [T]
    init?(argument: String) {
        var v: [T] = []
        for item in argument.split(separator: ",") {
            guard let x = T(rawValue: String(item)) else { return nil }
            v.append(x)
        }
        guard !v.isEmpty else { return nil }
        values = v
    }
    init(_ values: [T]) { self.values = values }
    var defaultValueDescription: String { values.map(\.rawValue).joined(separator: ",") }
}
