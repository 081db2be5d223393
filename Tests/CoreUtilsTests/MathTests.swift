import CoreProtocols
import CoreUtils
import Testing

@Suite struct StatisticsTests {
    @Test func handCheckedValues() throws {
        let values = [2.0, 4, 4, 4, 5, 5, 7, 9]
        #expect(try Statistics.mean(values) == 5)
        #expect(try Statistics.variance(values) == 4)
        #expect(try Statistics.standardDeviation(values) == 2)
        #expect(try Statistics.variance(values, .sample) == 32.0 / 7)
        #expect(try Statistics.median(values) == 4.5)
        #expect(try Statistics.modes(values) == [4])
        #expect(try Statistics.modes([1, 1, 2, 2, 3]) == [1, 2])
        #expect(try Statistics.percentile([1, 2, 3, 4], 25) == 1.75)  // numpy: 1.75
        #expect(try Statistics.percentile([1, 2, 3, 4], 100) == 4)
        #expect(try Statistics.percentile([7], 90) == 7)
        #expect(try Statistics.skewness([1, 2, 3]) == 0)
        #expect(abs(try Statistics.kurtosis([1, 2, 3, 4]) - -1.36) < 1e-12)  // m4/m2² − 3 = 2.5625/1.5625 − 3
        #expect(abs(try Statistics.correlation([1, 2, 3], [2, 4, 6]) - 1) < 1e-15)
        #expect(abs(try Statistics.correlation([1, 2, 3], [6, 4, 2]) + 1) < 1e-15)
        let line = try Statistics.linearRegression([0, 1, 2, 3], [1, 3, 5, 7])
        #expect(line.slope == 2 && line.intercept == 1 && line.rSquared == 1 && line.residualStandardError == 0)
        #expect(line.predict(10) == 21)
        let summary = try Statistics.summary(of: values)
        #expect(summary.count == 8 && summary.minimum == 2 && summary.maximum == 9 && summary.standardDeviation == 2)
        #expect(summary.firstQuartile == 4 && summary.thirdQuartile == 5.5)
    }

    @Test func stableWhereNaiveFormulasFail() throws {
        // A large offset: the one-pass formula E[x²] − E[x]² loses every digit here.
        let values = [1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16]
        #expect(try Statistics.variance(values) == 22.5)
        var running = RunningStatistics()
        for value in values { try running.add(value) }
        #expect(running.variance() == 22.5)
        #expect(running.mean == 1e9 + 10)
        #expect(running.minimum == 1e9 + 4 && running.maximum == 1e9 + 16)
        #expect(Numerics.sum([1e100, 1, -1e100]) == 1)
        #expect(Numerics.sum([0.1, 0.2, 0.3]) == 0.6)
    }

    @Test func badInputIsATypedError() {
        #expect(throws: WhaleError.self) { try Statistics.mean([]) }
        #expect(throws: WhaleError.self) { try Statistics.mean([1, .nan]) }
        #expect(throws: WhaleError.self) { try Statistics.median([.infinity]) }
        #expect(throws: WhaleError.self) { try Statistics.variance([1], .sample) }
        #expect(throws: WhaleError.self) { try Statistics.percentile([1, 2], 101) }
        #expect(throws: WhaleError.self) { try Statistics.percentile([1, 2], -1) }
        #expect(throws: WhaleError.self) { try Statistics.correlation([1, 1, 1], [1, 2, 3]) }
        #expect(throws: WhaleError.self) { try Statistics.correlation([1, 2], [1, 2, 3]) }
        #expect(throws: WhaleError.self) { try Statistics.linearRegression([2, 2], [1, 3]) }
        #expect(throws: WhaleError.self) { try Statistics.skewness([1, 2], unbiased: true) }
        var running = RunningStatistics()
        #expect(throws: WhaleError.self) { try running.add(.nan) }
        #expect(running.count == 0 && running.variance() == nil)
    }
}

@Suite struct NumericsTests {
    @Test func decimalRounding() {
        #expect(Numerics.round(2.675, places: 2) == 2.68)  // binary rounding gives 2.67
        #expect(Numerics.round(2.665, places: 2, rule: .toNearestOrEven) == 2.66)
        #expect(Numerics.round(2.675, places: 2, rule: .toNearestOrEven) == 2.68)
        #expect(Numerics.round(0.125, places: 2, rule: .toNearestOrEven) == 0.12)
        #expect(Numerics.round(-2.5, places: 0) == -3)
        #expect(Numerics.round(-2.5, places: 0, rule: .toNearestOrEven) == -2)
        #expect(Numerics.round(1.001, places: 2, rule: .up) == 1.01)
        #expect(Numerics.round(-1.001, places: 2, rule: .up) == -1)
        #expect(Numerics.round(-1.001, places: 2, rule: .down) == -1.01)
        #expect(Numerics.round(1.009, places: 2, rule: .towardZero) == 1)
        #expect(Numerics.round(1.001, places: 2, rule: .awayFromZero) == 1.01)
        #expect(Numerics.round(9.995, places: 2) == 10)
        #expect(Numerics.round(1234.5, places: -2) == 1200)
        #expect(Numerics.round(1250, places: -2, rule: .toNearestOrEven) == 1200)
        #expect(Numerics.round(0.004, places: 2) == 0)
        #expect(Numerics.round(0.005, places: 2) == 0.01)
        #expect(Numerics.round(0.0004, places: 2, rule: .awayFromZero) == 0.01)
        #expect(Numerics.round(1.5e-7, places: 7) == 2e-7)
        #expect(Numerics.round(123.456, places: 5) == 123.456)
        #expect(Numerics.round(.nan, places: 2).isNaN)
        #expect(Numerics.round(.infinity, places: 2) == .infinity)
    }

    @Test func interpolation() throws {
        #expect(try Numerics.interpolate(2.5, xp: [1, 2, 3], fp: [3, 2, 0]) == 1)
        #expect(try Numerics.interpolate([0, 1, 1.5, 3, 4], xp: [1, 2, 3], fp: [3, 2, 0]) == [3, 3, 2.5, 0, 0])
        #expect(throws: WhaleError.self) { try Numerics.interpolate(1, xp: [], fp: []) }
        #expect(throws: WhaleError.self) { try Numerics.interpolate(1, xp: [1, 2], fp: [1]) }
        #expect(throws: WhaleError.self) { try Numerics.interpolate(1, xp: [2, 1], fp: [1, 2]) }
        #expect(throws: WhaleError.self) { try Numerics.interpolate(.nan, xp: [1, 2], fp: [1, 2]) }
    }

    @Test func safeArithmetic() throws {
        #expect(try SafeArithmetic.add(2, 3) == 5)
        #expect(try SafeArithmetic.power(3, 4) == 81)
        #expect(try SafeArithmetic.power(2, 62) == 1 << 62)
        #expect(try SafeArithmetic.divide(-7, 2) == -3)
        #expect(try SafeArithmetic.remainder(-7, 2) == -1)
        #expect(throws: WhaleError.self) { try SafeArithmetic.add(Int.max, 1) }
        #expect(throws: WhaleError.self) { try SafeArithmetic.subtract(Int.min, 1) }
        #expect(throws: WhaleError.self) { try SafeArithmetic.multiply(Int.max / 2 + 1, 2) }
        #expect(throws: WhaleError.self) { try SafeArithmetic.divide(1, 0) }
        #expect(throws: WhaleError.self) { try SafeArithmetic.divide(Int.min, -1) }
        #expect(throws: WhaleError.self) { try SafeArithmetic.remainder(1, 0) }
        #expect(throws: WhaleError.self) { try SafeArithmetic.power(2, 63) }
        #expect(throws: WhaleError.self) { try SafeArithmetic.power(2, -1) }
        #expect(throws: WhaleError.self) { try SafeArithmetic.multiply(1e200, 1e200) }
        #expect(throws: WhaleError.self) { try SafeArithmetic.divide(1.0, 0.0) }
        #expect(try SafeArithmetic.add(1.5, 2.5) == 4)
    }
}

@Suite struct MatrixTests {
    @Test func arithmetic() throws {
        let a = try Matrix([[1, 2], [3, 4]])
        let b = try Matrix([[5, 6], [7, 8]])
        #expect(try a * b == (try Matrix([[19, 22], [43, 50]])))
        #expect(a.transposed == (try Matrix([[1, 3], [2, 4]])))
        #expect(try a.adding(b) == (try Matrix([[6, 8], [10, 12]])))
        #expect(try b.subtracting(a) == (try Matrix([[4, 4], [4, 4]])))
        #expect(a.scaled(by: 2)[1, 1] == 8)
        #expect(try a.determinant() == -2)
        #expect(zip(try a.inverse().elements, [-2, 1, 1.5, -0.5]).allSatisfy { abs($0 - $1) < 1e-15 })
        #expect(try a.solve([5, 11]) == [1, 2])
        #expect(try Matrix.identity(3).determinant() == 1)
        #expect(try Matrix([[0, 1], [1, 0]]).determinant() == -1)  // one row swap
        let wide = try Matrix(rows: 2, columns: 3, elements: [1, 2, 3, 4, 5, 6])
        #expect(wide.transposed.rows == 3 && wide.transposed[2, 1] == 6)
        #expect(try wide.multiplied(by: [1, 1, 1]) == [6, 15])
        #expect(try Matrix([[2, 0], [0, 4]]).solve(Matrix([[2, 4], [4, 8]])) == (try Matrix([[1, 2], [1, 2]])))
    }

    @Test func largeProductsMatchTheDefinition() throws {
        // Sizes that are not multiples of the kernels' blocks exercise every edge path.
        for (m, k, n) in [(1, 1, 1), (5, 3, 9), (17, 33, 13), (64, 64, 64), (67, 70, 71)] {
            let a = try Matrix(rows: m, columns: k, elements: (0..<(m * k)).map { Double(($0 * 7919) % 23) - 11 })
            let b = try Matrix(rows: k, columns: n, elements: (0..<(k * n)).map { Double(($0 * 104_729) % 19) - 9 })
            let product = try a.multiplied(by: b)
            for i in 0..<m {
                for j in 0..<n {
                    var expected = 0.0
                    for p in 0..<k { expected += a[i, p] * b[p, j] }
                    #expect(product[i, j] == expected, "\(m)x\(k)x\(n) at \(i),\(j)")
                }
            }
        }
    }

    @Test func badInputIsATypedError() throws {
        #expect(throws: WhaleError.self) { try Matrix([[1, 2], [3]]) }
        #expect(throws: WhaleError.self) { try Matrix(rows: 2, columns: 2, elements: [1, 2, 3]) }
        #expect(throws: WhaleError.self) { try Matrix(rows: -1, columns: 2, elements: []) }
        #expect(throws: WhaleError.self) { try Matrix(rows: Int.max, columns: 2, elements: []) }
        let a = try Matrix([[1, 2], [3, 4]])
        #expect(throws: WhaleError.self) { try a.multiplied(by: Matrix([[1, 2, 3]])) }
        #expect(throws: WhaleError.self) { try a.adding(Matrix([[1]])) }
        #expect(throws: WhaleError.self) { try Matrix([[1, 2], [2, 4]]).inverse() }
        #expect(throws: WhaleError.self) { try Matrix([[1, 2], [2, 4]]).solve([1, 2]) }
        #expect(try Matrix([[1, 2], [2, 4]]).determinant() == 0)
        #expect(throws: WhaleError.self) { try Matrix([[1, 2, 3]]).determinant() }
        #expect(throws: WhaleError.self) { try Matrix([[1, .nan], [0, 1]]).inverse() }
        #expect(throws: WhaleError.self) { try Matrix([[1, .infinity], [0, 1]]).determinant() }
        #expect(throws: WhaleError.self) { try a.solve([1, 2, 3]) }
        #expect(throws: WhaleError.self) { try a.solve([1, .nan]) }
    }
}
