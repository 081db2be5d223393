public import CoreProtocols
import CWhaleMath

/// A dense matrix of `Double`s, row-major (`matrix_calculations`).
///
/// Multiplication and LU factorisation run in C kernels (`CWhaleMath`) that use
/// AVX2 fused multiply-adds when the CPU has them and portable loops
/// otherwise; no BLAS is involved. Dimension mismatches, singular matrices and
/// non-finite entries are `WhaleError(.invalidInput)`, never a trap.
///
/// ```swift
/// let a = try Matrix([[4, 3], [6, 3]])
/// let x = try a.solve([10, 12])          // [1, 2]
/// let product = try a.multiplied(by: .identity(2))
/// let det = try a.determinant()          // -6
/// ```
public struct Matrix: Hashable, Sendable, CustomStringConvertible {
    /// The number of rows.
    public let rows: Int
    /// The number of columns.
    public let columns: Int
    /// The entries, row after row.
    public private(set) var elements: [Double]

    /// The largest number of entries a matrix may have (2^28, 2 GiB of doubles).
    public static let maximumElementCount = 1 << 28

    /// A `rows` x `columns` matrix of `elements` in row-major order, or
    /// `WhaleError(.invalidInput)` when the count does not match.
    public init(rows: Int, columns: Int, elements: [Double]) throws(WhaleError) {
        guard rows >= 0, columns >= 0, rows.multipliedReportingOverflow(by: columns).partialValue == elements.count,
            !rows.multipliedReportingOverflow(by: columns).overflow, elements.count <= Self.maximumElementCount
        else {
            throw WhaleError(.invalidInput, "a \(rows) x \(columns) matrix cannot hold \(elements.count) elements")
        }
        self.rows = rows
        self.columns = columns
        self.elements = elements
    }

    /// A matrix from its rows, or `WhaleError(.invalidInput)` when they differ in length.
    public init(_ rowArrays: [[Double]]) throws(WhaleError) {
        let columns = rowArrays.first?.count ?? 0
        guard rowArrays.allSatisfy({ $0.count == columns }) else {
            throw WhaleError(.invalidInput, "the rows of a matrix must all have \(columns) elements")
        }
        try self.init(rows: rowArrays.count, columns: columns, elements: rowArrays.flatMap { $0 })
    }

    init(uncheckedRows rows: Int, columns: Int, elements: [Double]) {
        self.rows = rows
        self.columns = columns
        self.elements = elements
    }

    /// The n x n identity.
    public static func identity(_ n: Int) -> Matrix {
        var elements = [Double](repeating: 0, count: max(0, n) * max(0, n))
        for i in 0..<max(0, n) { elements[i * n + i] = 1 }
        return Matrix(uncheckedRows: max(0, n), columns: max(0, n), elements: elements)
    }

    /// A matrix of zeros.
    public static func zeros(rows: Int, columns: Int) -> Matrix {
        Matrix(uncheckedRows: max(0, rows), columns: max(0, columns), elements: [Double](repeating: 0, count: max(0, rows) * max(0, columns)))
    }

    /// The entry at `row`, `column` (both zero-based; out of range traps like an array index).
    public subscript(row: Int, column: Int) -> Double {
        get { elements[row * columns + column] }
        set { elements[row * columns + column] = newValue }
    }

    /// Whether it is square.
    public var isSquare: Bool { rows == columns }

    /// The transpose.
    public var transposed: Matrix {
        var result = [Double](repeating: 0, count: elements.count)
        // Blocks of 32 x 32 keep both sides in cache.
        let block = 32
        elements.withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { target in
                for i0 in stride(from: 0, to: rows, by: block) {
                    for j0 in stride(from: 0, to: columns, by: block) {
                        for i in i0..<min(i0 + block, rows) {
                            for j in j0..<min(j0 + block, columns) { target[j * rows + i] = source[i * columns + j] }
                        }
                    }
                }
            }
        }
        return Matrix(uncheckedRows: columns, columns: rows, elements: result)
    }

    /// `self` times `other`, or `WhaleError(.invalidInput)` when `columns != other.rows`.
    public func multiplied(by other: Matrix) throws(WhaleError) -> Matrix {
        guard columns == other.rows else {
            throw WhaleError(.invalidInput, "cannot multiply a \(rows) x \(columns) matrix by a \(other.rows) x \(other.columns) one")
        }
        guard rows.multipliedReportingOverflow(by: other.columns).partialValue <= Self.maximumElementCount,
            rows <= Int(Int32.max), other.columns <= Int(Int32.max), columns <= Int(Int32.max)
        else { throw WhaleError(.invalidInput, "the product would have more than \(Self.maximumElementCount) elements") }
        var result = [Double](repeating: 0, count: rows * other.columns)
        let status = elements.withUnsafeBufferPointer { a in
            other.elements.withUnsafeBufferPointer { b in
                result.withUnsafeMutableBufferPointer { c in
                    whale_dgemm(Int32(rows), Int32(other.columns), Int32(columns), a.baseAddress, b.baseAddress, c.baseAddress)
                }
            }
        }
        guard status == 0 else { throw WhaleError(.resourceExhausted, "no memory to multiply a \(rows) x \(columns) matrix") }
        return Matrix(uncheckedRows: rows, columns: other.columns, elements: result)
    }

    /// `self` times the column vector `vector`.
    public func multiplied(by vector: [Double]) throws(WhaleError) -> [Double] {
        try multiplied(by: Matrix(rows: vector.count, columns: 1, elements: vector)).elements
    }

    /// The sum, or `WhaleError(.invalidInput)` when the shapes differ.
    public func adding(_ other: Matrix) throws(WhaleError) -> Matrix {
        try combined(with: other, "add", +)
    }

    /// The difference, or `WhaleError(.invalidInput)` when the shapes differ.
    public func subtracting(_ other: Matrix) throws(WhaleError) -> Matrix {
        try combined(with: other, "subtract", -)
    }

    private func combined(with other: Matrix, _ verb: String, _ operation: (Double, Double) -> Double) throws(WhaleError) -> Matrix {
        guard rows == other.rows, columns == other.columns else {
            throw WhaleError(.invalidInput, "cannot \(verb) a \(other.rows) x \(other.columns) matrix and a \(rows) x \(columns) one")
        }
        return Matrix(uncheckedRows: rows, columns: columns, elements: zip(elements, other.elements).map(operation))
    }

    /// Every entry times `scalar`.
    public func scaled(by scalar: Double) -> Matrix {
        Matrix(uncheckedRows: rows, columns: columns, elements: elements.map { $0 * scalar })
    }

    /// The LU factorisation with partial pivoting, or `WhaleError(.invalidInput)`
    /// for a matrix that is not square, has non-finite entries, or is singular
    /// to working precision.
    public func luDecomposition() throws(WhaleError) -> LUDecomposition { try LUDecomposition(self) }

    /// The determinant (0 for a singular matrix); `WhaleError(.invalidInput)` when not square or not finite.
    public func determinant() throws(WhaleError) -> Double {
        guard isSquare else { throw WhaleError(.invalidInput, "a \(rows) x \(columns) matrix has no determinant") }
        guard elements.allSatisfy(\.isFinite) else { throw WhaleError(.invalidInput, "the matrix has a non-finite entry") }
        // Square and finite: the only failure left is a singular matrix.
        return (try? LUDecomposition(self).determinant) ?? 0
    }

    /// The inverse, or `WhaleError(.invalidInput)` for a singular or non-square matrix.
    public func inverse() throws(WhaleError) -> Matrix { try LUDecomposition(self).solve(.identity(rows)) }

    /// The `x` with `self * x == b`, or `WhaleError(.invalidInput)` for a
    /// singular or non-square matrix or a mismatched `b`.
    public func solve(_ b: [Double]) throws(WhaleError) -> [Double] { try LUDecomposition(self).solve(b) }

    /// The `X` with `self * X == B`, one column per right-hand side.
    public func solve(_ b: Matrix) throws(WhaleError) -> Matrix { try LUDecomposition(self).solve(b) }

    public static func * (lhs: Matrix, rhs: Matrix) throws(WhaleError) -> Matrix { try lhs.multiplied(by: rhs) }

    /// Rows in brackets: `[[1.0, 2.0], [3.0, 4.0]]`.
    public var description: String {
        "[" + (0..<rows).map { r in "[" + (0..<columns).map { "\(self[r, $0])" }.joined(separator: ", ") + "]" }.joined(separator: ", ") + "]"
    }
}

/// An LU factorisation with partial pivoting, `P A = L U`, reusable for any
/// number of right-hand sides.
public struct LUDecomposition: Sendable {
    /// The order of the matrix.
    public let order: Int
    /// L (unit diagonal, strictly below) and U (on and above), row-major.
    private let factors: [Double]
    private let pivots: [Int32]

    /// Factorises `matrix`, or throws `WhaleError(.invalidInput)` when it is not
    /// square, has a non-finite entry, or is singular to working precision (a
    /// pivot no larger than n · ε · the largest entry).
    public init(_ matrix: Matrix) throws(WhaleError) {
        guard matrix.isSquare else { throw WhaleError(.invalidInput, "a \(matrix.rows) x \(matrix.columns) matrix is not square") }
        guard matrix.rows <= Int(Int32.max) else { throw WhaleError(.invalidInput, "the matrix is too large") }
        var largest = 0.0
        for value in matrix.elements {
            guard value.isFinite else { throw WhaleError(.invalidInput, "the matrix has a non-finite entry (\(value))") }
            largest = max(largest, abs(value))
        }
        let n = matrix.rows
        var factors = matrix.elements
        var pivots = [Int32](repeating: 0, count: n)
        let tolerance = Double(max(n, 1)) * Double.ulpOfOne * largest
        let status = factors.withUnsafeMutableBufferPointer { a in
            pivots.withUnsafeMutableBufferPointer { p in whale_dgetrf(Int32(n), a.baseAddress, p.baseAddress, tolerance) }
        }
        guard status == 0 else {
            throw WhaleError(.invalidInput, "the matrix is singular (pivot \(status) of \(n) is zero to working precision)")
        }
        self.order = n
        self.factors = factors
        self.pivots = pivots
    }

    /// The determinant: the product of U's diagonal, signed by the row swaps.
    public var determinant: Double {
        var product = 1.0
        for i in 0..<order {
            product *= factors[i * order + i]
            if pivots[i] != Int32(i) { product = -product }
        }
        return product
    }

    /// The `x` with `A x = b`, or `WhaleError(.invalidInput)` when `b` has the wrong length or is not finite.
    public func solve(_ b: [Double]) throws(WhaleError) -> [Double] {
        try solve(Matrix(rows: b.count, columns: 1, elements: b)).elements
    }

    /// The `X` with `A X = B`.
    public func solve(_ b: Matrix) throws(WhaleError) -> Matrix {
        guard b.rows == order else {
            throw WhaleError(.invalidInput, "the right-hand side has \(b.rows) rows; the matrix has order \(order)")
        }
        guard b.elements.allSatisfy(\.isFinite) else { throw WhaleError(.invalidInput, "the right-hand side has a non-finite entry") }
        var x = b.elements
        factors.withUnsafeBufferPointer { lu in
            pivots.withUnsafeBufferPointer { p in
                x.withUnsafeMutableBufferPointer { rhs in
                    whale_dgetrs(Int32(order), Int32(b.columns), lu.baseAddress, p.baseAddress, rhs.baseAddress)
                }
            }
        }
        return Matrix(uncheckedRows: b.rows, columns: b.columns, elements: x)
    }
}
