/// A dense matrix of `Float` or `Double` that owns its elements, stored column by column:
/// element (i, j) is `elements[i + j·rows]`, the layout of LAPACK and of ``StridedMatrixView``.
///
/// The value type of the generic API (``QRDecomposition``, ``ColumnPivotedQR``,
/// ``LeastSquares``): right-hand sides B (m × k) go in, solutions X (n × k) come out. `Matrix` is
/// the older `Double`-only type; `ColumnMajorMatrix<Double>(matrix)` converts.
public struct ColumnMajorMatrix<Scalar: QRScalar>: Equatable, Sendable {
    /// Number of rows.
    public let rows: Int
    /// Number of columns.
    public let columns: Int
    /// The elements, column after column (`rows·columns` of them).
    public private(set) var elements: [Scalar]

    /// A `rows` × `columns` matrix of zeros.
    public init(rows: Int, columns: Int) {
        precondition(rows >= 0 && columns >= 0, "a matrix needs non-negative dimensions")
        let (count, overflow) = rows.multipliedReportingOverflow(by: columns)
        precondition(!overflow, "rows·columns overflows Int")
        self.rows = rows
        self.columns = columns
        elements = [Scalar](repeating: 0, count: count)
    }

    /// Wraps `elements` stored column by column; throws ``LinalgError/shapeMismatch(_:)`` unless
    /// there are exactly `rows·columns` of them.
    public init(rows: Int, columns: Int, columnMajor elements: [Scalar]) throws {
        let (count, overflow) = rows.multipliedReportingOverflow(by: columns)
        guard rows >= 0, columns >= 0, !overflow, elements.count == count else {
            throw LinalgError.shapeMismatch("\(elements.count) elements for a \(rows)×\(columns) matrix")
        }
        self.rows = rows
        self.columns = columns
        self.elements = elements
    }

    /// The matrix whose column j is `columns[j]`; throws ``LinalgError/shapeMismatch(_:)`` when the
    /// columns differ in length.
    public init(columns: [[Scalar]]) throws {
        let m = columns.first?.count ?? 0
        if let j = columns.firstIndex(where: { $0.count != m }) {
            throw LinalgError.shapeMismatch("column \(j + 1) has \(columns[j].count) entries, column 1 has \(m)")
        }
        try self.init(rows: m, columns: columns.count, columnMajor: columns.flatMap { $0 })
    }

    /// A copy of the elements of `view`.
    public init(_ view: StridedMatrixView<Scalar>) {
        self.init(rows: view.rows, columns: view.columns)
        for j in 0..<view.columns {
            for i in 0..<view.rows { elements[i + j * view.rows] = view[i, j] }
        }
    }

    /// Element (row, column).
    public subscript(row: Int, column: Int) -> Scalar {
        get {
            precondition(row >= 0 && row < rows && column >= 0 && column < columns, "index out of range")
            return elements[row + column * rows]
        }
        set {
            precondition(row >= 0 && row < rows && column >= 0 && column < columns, "index out of range")
            elements[row + column * rows] = newValue
        }
    }

    /// Column `j` as an array.
    public func column(_ j: Int) -> [Scalar] { Array(elements[j * rows..<(j + 1) * rows]) }

    /// Calls `body` with a read-only view of the elements (the view's pointer is mutable only
    /// because ``StridedMatrixView`` is one type for both uses: do not write through it).
    /// The n × k matrix a view-based solve writes for the columns of `b`, with a fresh workspace:
    /// the owned-matrix form of the `solve(_:into:workspace:)` APIs.
    static func solution(
        rows n: Int, for b: ColumnMajorMatrix,
        _ solve: (StridedMatrixView<Scalar>, StridedMatrixView<Scalar>, inout QRWorkspace) throws -> Void
    ) rethrows -> ColumnMajorMatrix {
        var x = ColumnMajorMatrix(rows: n, columns: b.columns)
        var workspace = QRWorkspace()
        try b.withView { bView in try x.withMutableView { xView in try solve(bView, xView, &workspace) } }
        return x
    }

    public func withView<R>(_ body: (StridedMatrixView<Scalar>) throws -> R) rethrows -> R {
        let (m, n) = (rows, columns)
        return try elements.withUnsafeBufferPointer { buffer in
            try withBaseAddress(UnsafeMutableBufferPointer(mutating: buffer)) { base in
                try body(StridedMatrixView(base: base, rows: m, columns: n, leadingDimension: max(m, 1)))
            }
        }
    }

    /// Calls `body` with a mutable view of the elements.
    public mutating func withMutableView<R>(_ body: (StridedMatrixView<Scalar>) throws -> R) rethrows -> R {
        let (m, n) = (rows, columns)
        return try elements.withUnsafeMutableBufferPointer { buffer in
            try withBaseAddress(buffer) { base in
                try body(StridedMatrixView(base: base, rows: m, columns: n, leadingDimension: max(m, 1)))
            }
        }
    }

    /// The first non-finite entry (row, column), if any.
    func firstNonFinite() -> (row: Int, column: Int)? {
        guard let index = elements.firstIndex(where: { !$0.isFinite }) else { return nil }
        return (index % max(rows, 1), index / max(rows, 1))
    }
}

extension ColumnMajorMatrix where Scalar == Double {
    /// The same matrix as this package's `Double`-only `Matrix`.
    public init(_ matrix: Matrix) {
        rows = matrix.rows
        columns = matrix.columns
        elements = matrix.elements
    }
}

/// Calls `body` with the buffer's base address, or, for an empty buffer that has none, with a
/// one-element placeholder: views of zero elements still need a pointer, never dereferenced.
@inline(__always)
func withBaseAddress<T, R>(
    _ buffer: UnsafeMutableBufferPointer<T>, _ body: (UnsafeMutablePointer<T>) throws -> R
) rethrows -> R {
    if let base = buffer.baseAddress { return try body(base) }
    let placeholder = UnsafeMutablePointer<T>.allocate(capacity: 1)
    defer { placeholder.deallocate() }
    return try body(placeholder)
}
