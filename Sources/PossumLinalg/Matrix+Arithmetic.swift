extension Matrix {
    /// The product `self · other`, computed plainly (tests and small problems; not a kernel).
    public func multiplied(by other: Matrix) -> Matrix {
        precondition(columns == other.rows, "inner dimensions must agree")
        var p = Matrix(rows: rows, columns: other.columns)
        for j in 0..<other.columns {
            for k in 0..<columns {
                let b = other[k, j]
                if b == 0 { continue }
                for i in 0..<rows { p[i, j] += self[i, k] * b }
            }
        }
        return p
    }

    /// The product `self · x` with a vector.
    public func multiplied(by x: [Double]) -> [Double] {
        precondition(columns == x.count, "vector length must equal the column count")
        var y = [Double](repeating: 0, count: rows)
        for k in 0..<columns {
            let xk = x[k]
            for i in 0..<rows { y[i] += self[i, k] * xk }
        }
        return y
    }

    /// The elementwise difference of two matrices of the same shape.
    public static func - (lhs: Matrix, rhs: Matrix) -> Matrix {
        precondition(lhs.rows == rhs.rows && lhs.columns == rhs.columns, "shapes must agree")
        return Matrix(rows: lhs.rows, columns: lhs.columns,
                      columnMajor: zip(lhs.elements, rhs.elements).map { $0 - $1 })
    }

    /// The Frobenius norm ‖A‖_F, scaled so that it neither overflows nor underflows.
    public var frobeniusNorm: Double { scaledNorm2(elements) }

    /// The position of the first NaN or ±∞ entry (column by column), or nil when all are finite.
    public func firstNonFinite() -> (row: Int, column: Int)? {
        for j in 0..<columns { for i in 0..<rows where !self[i, j].isFinite { return (i, j) } }
        return nil
    }
}

/// The Euclidean norm of `x`, computed with scaling so that it neither overflows nor underflows
/// (the role of LAPACK's `dnrm2`/`snrm2`); the slow path of the kernels' fast sum of squares.
/// `@inlinable` so callers in other modules get code specialized for their element type.
@inlinable
public func scaledNorm2<T: BinaryFloatingPoint>(_ x: some Collection<T>) -> T {
    var scale: T = 0
    var sumsq: T = 1
    for v in x where v != 0 {
        let a = abs(v)
        if scale < a {
            sumsq = 1 + sumsq * (scale / a) * (scale / a)
            scale = a
        } else {
            sumsq += (a / scale) * (a / scale)
        }
    }
    return scale * sumsq.squareRoot()
}
