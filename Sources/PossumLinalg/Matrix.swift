/// A dense column-major matrix of `Double`: element (i, j) lives at `elements[i + j * rows]`.
///
/// Column-major is the layout LAPACK and the Householder kernels want: a column is one contiguous
/// run of memory, so a reflector applied to a column is a unit-stride SIMD loop.
public struct Matrix: Equatable, Sendable {
    /// Number of rows.
    public let rows: Int
    /// Number of columns.
    public let columns: Int
    /// Column-major storage, `rows * columns` elements.
    public var elements: [Double]

    /// A `rows × columns` matrix filled with `value`.
    public init(rows: Int, columns: Int, repeating value: Double = 0) {
        precondition(rows >= 0 && columns >= 0, "matrix dimensions must be non-negative")
        self.rows = rows
        self.columns = columns
        self.elements = Array(repeating: value, count: rows * columns)
    }

    /// A matrix over existing column-major storage.
    public init(rows: Int, columns: Int, columnMajor elements: [Double]) {
        precondition(rows >= 0 && columns >= 0 && elements.count == rows * columns,
                     "column-major storage must hold rows * columns elements")
        self.rows = rows
        self.columns = columns
        self.elements = elements
    }

    /// A matrix from a list of rows (convenient in tests and small examples).
    public init(rowMajor rowList: [[Double]]) {
        let r = rowList.count
        let c = rowList.first?.count ?? 0
        precondition(rowList.allSatisfy { $0.count == c }, "all rows must have the same length")
        var m = Matrix(rows: r, columns: c)
        for i in 0..<r { for j in 0..<c { m[i, j] = rowList[i][j] } }
        self = m
    }

    /// The n × n identity.
    public static func identity(_ n: Int) -> Matrix {
        var m = Matrix(rows: n, columns: n)
        for i in 0..<n { m[i, i] = 1 }
        return m
    }

    /// Element (row, column); both must be in range.
    @inlinable
    public subscript(row: Int, column: Int) -> Double {
        get { elements[row + column * rows] }
        set { elements[row + column * rows] = newValue }
    }

    /// Column `j` as a new array.
    public func column(_ j: Int) -> [Double] {
        Array(elements[(j * rows)..<((j + 1) * rows)])
    }

    /// The transpose, as a new matrix.
    public var transposed: Matrix {
        var t = Matrix(rows: columns, columns: rows)
        for j in 0..<columns { for i in 0..<rows { t[j, i] = self[i, j] } }
        return t
    }

    /// Rows `rowRange` and columns `columnRange`, copied.
    public func submatrix(rows rowRange: Range<Int>, columns columnRange: Range<Int>) -> Matrix {
        var s = Matrix(rows: rowRange.count, columns: columnRange.count)
        for (jj, j) in columnRange.enumerated() {
            for (ii, i) in rowRange.enumerated() { s[ii, jj] = self[i, j] }
        }
        return s
    }

    /// `self` stacked on top of `below` (same column count).
    public func stacked(above below: Matrix) -> Matrix {
        precondition(columns == below.columns, "stacked matrices need the same number of columns")
        var s = Matrix(rows: rows + below.rows, columns: columns)
        for j in 0..<columns {
            for i in 0..<rows { s[i, j] = self[i, j] }
            for i in 0..<below.rows { s[rows + i, j] = below[i, j] }
        }
        return s
    }

    /// Calls `body` with a mutable strided view of the whole matrix.
    public mutating func withMutableView<R>(_ body: (MutableMatrixView) throws -> R) rethrows -> R {
        let (r, c) = (rows, columns)
        return try elements.withUnsafeMutableBufferPointer { buffer in
            try body(MutableMatrixView(base: buffer.baseAddress!, rows: r, columns: c, leadingDimension: max(r, 1)))
        }
    }
}

/// An unowned, mutable view of a column-major block inside a larger matrix: element (i, j) is at
/// `base[i + j * leadingDimension]`. Views are what kernels take, so that a trailing submatrix
/// can be updated in place without copying. Generic over the element so the same kernels serve
/// `Double` and `Float` storage; `MutableMatrixView` is the `Double` one.
public struct StridedMatrixView<Element> {
    /// Element (0, 0).
    public let base: UnsafeMutablePointer<Element>
    /// Number of rows.
    public let rows: Int
    /// Number of columns.
    public let columns: Int
    /// Distance in elements between the tops of adjacent columns (≥ rows).
    public let leadingDimension: Int

    /// A view of `rows × columns` elements at `base`, columns `leadingDimension` apart; the memory
    /// must outlive the view.
    @inlinable
    public init(base: UnsafeMutablePointer<Element>, rows: Int, columns: Int, leadingDimension: Int) {
        self.base = base
        self.rows = rows
        self.columns = columns
        self.leadingDimension = leadingDimension
    }

    /// Element (row, column) of the view; writes go to the viewed memory.
    @inlinable
    public subscript(row: Int, column: Int) -> Element {
        get { base[row + column * leadingDimension] }
        nonmutating set { base[row + column * leadingDimension] = newValue }
    }

    /// Pointer to the top of column `j`.
    @inlinable
    public func column(_ j: Int) -> UnsafeMutablePointer<Element> { base + j * leadingDimension }

    /// The block starting at (row, column) with the given size; shares storage with `self`.
    @inlinable
    public func block(row: Int, column: Int, rows: Int, columns: Int) -> StridedMatrixView {
        StridedMatrixView(base: base + row + column * leadingDimension, rows: rows, columns: columns,
                          leadingDimension: leadingDimension)
    }
}

/// The view of `Double` storage every `Matrix` API hands out.
public typealias MutableMatrixView = StridedMatrixView<Double>
