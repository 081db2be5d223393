public import CoreProtocols

/// Descriptive statistics over samples of `Double` (`statistical_analysis`),
/// computed the numerically stable way and defined as numpy and scipy define
/// them, so results agree with them to 1e-9 (a test checks it against numpy).
///
/// Every function throws `WhaleError(.invalidInput)` for an empty sample, a
/// non-finite value, or too few values for the statistic, instead of
/// returning NaN.
///
/// ```swift
/// let latencies = [12.0, 15, 11, 40, 13, 12]
/// let summary = try Statistics.summary(of: latencies)
/// summary.median                                  // 12.5
/// try Statistics.percentile(latencies, 95)        // 33.75, numpy's "linear" method
/// ```
public enum Statistics {
    /// Population (divide by n, numpy's `ddof=0`) or sample (divide by n - 1, `ddof=1`).
    public enum Kind: Hashable, Sendable {
        /// Divide by n.
        case population
        /// Divide by n - 1 (Bessel's correction).
        case sample
    }

    static func check(_ values: [Double], minimum: Int = 1, for what: String) throws(WhaleError) {
        guard values.count >= minimum else {
            throw WhaleError(.invalidInput, "\(what) needs at least \(minimum) value\(minimum == 1 ? "" : "s"), got \(values.count)")
        }
        guard values.allSatisfy(\.isFinite) else { throw WhaleError(.invalidInput, "\(what) got a value that is NaN or infinite") }
    }

    /// The arithmetic mean, from a compensated sum (and a correction pass).
    public static func mean(_ values: [Double]) throws(WhaleError) -> Double {
        try check(values, for: "the mean")
        return meanUnchecked(values)
    }

    static func meanUnchecked(_ values: [Double]) -> Double {
        let first = Numerics.sum(values) / Double(values.count)
        // One refinement pass removes the rounding left in the first estimate.
        var correction = CompensatedSum()
        for value in values { correction.add(value - first) }
        return first + correction.value / Double(values.count)
    }

    /// The median: the middle value, or the mean of the two middle values.
    public static func median(_ values: [Double]) throws(WhaleError) -> Double { try percentile(values, 50) }

    /// The most frequent values, in ascending order (several when tied).
    public static func modes(_ values: [Double]) throws(WhaleError) -> [Double] {
        try check(values, for: "the mode")
        var counts: [Double: Int] = [:]
        for value in values { counts[value == 0 ? 0 : value, default: 0] += 1 }  // -0 and 0 together
        let top = counts.values.max() ?? 0
        return counts.filter { $0.value == top }.keys.sorted()
    }

    /// The variance, two-pass with compensated sums.
    public static func variance(_ values: [Double], _ kind: Kind = .population) throws(WhaleError) -> Double {
        try check(values, minimum: kind == .sample ? 2 : 1, for: "the \(kind == .sample ? "sample " : "")variance")
        return centralMoment(values, 2, about: meanUnchecked(values)) * Double(values.count)
            / Double(kind == .sample ? values.count - 1 : values.count)
    }

    /// The standard deviation: the square root of ``variance(_:_:)``.
    public static func standardDeviation(_ values: [Double], _ kind: Kind = .population) throws(WhaleError) -> Double {
        try variance(values, kind).squareRoot()
    }

    /// The `p`-th percentile (0...100) by linear interpolation between closest
    /// ranks: numpy's default method ("linear", Hyndman and Fan's type 7).
    public static func percentile(_ values: [Double], _ p: Double) throws(WhaleError) -> Double {
        try check(values, for: "a percentile")
        guard (0...100).contains(p) else { throw WhaleError(.invalidInput, "a percentile must be in 0...100, not \(p)") }
        return percentileOfSorted(values.sorted(), p)
    }

    /// Several percentiles, sorting once.
    public static func percentiles(_ values: [Double], _ ps: [Double]) throws(WhaleError) -> [Double] {
        try check(values, for: "a percentile")
        for p in ps where !(0...100).contains(p) { throw WhaleError(.invalidInput, "a percentile must be in 0...100, not \(p)") }
        let sorted = values.sorted()
        return ps.map { percentileOfSorted(sorted, $0) }
    }

    static func percentileOfSorted(_ sorted: [Double], _ p: Double) -> Double {
        let position = p / 100 * Double(sorted.count - 1)
        let lower = Int(position.rounded(.down))
        let upper = min(lower + 1, sorted.count - 1)
        let fraction = position - Double(lower)
        // numpy's lerp: exact at both ends.
        let a = sorted[lower], b = sorted[upper]
        return fraction >= 0.5 ? b - (b - a) * (1 - fraction) : a + (b - a) * fraction
    }

    /// The skewness: the Fisher–Pearson coefficient g1 = m3 / m2^1.5
    /// (scipy.stats.skew's default, `bias=True`); `unbiased` gives the adjusted
    /// G1 (`bias=False`, needs 3 values). 0 for a constant sample (where scipy gives NaN).
    public static func skewness(_ values: [Double], unbiased: Bool = false) throws(WhaleError) -> Double {
        try check(values, minimum: unbiased ? 3 : 1, for: "the skewness")
        let mean = meanUnchecked(values)
        let m2 = centralMoment(values, 2, about: mean)
        guard m2 > 0 else { return 0 }
        let g1 = centralMoment(values, 3, about: mean) / (m2 * m2.squareRoot())
        guard unbiased else { return g1 }
        let n = Double(values.count)
        return g1 * (n * (n - 1)).squareRoot() / (n - 2)
    }

    /// The excess kurtosis m4 / m2² − 3 (scipy.stats.kurtosis's default:
    /// Fisher's definition, `bias=True`); `unbiased` gives the adjusted G2
    /// (`bias=False`, needs 4 values). 0 for a constant sample (where scipy gives NaN).
    public static func kurtosis(_ values: [Double], unbiased: Bool = false) throws(WhaleError) -> Double {
        try check(values, minimum: unbiased ? 4 : 1, for: "the kurtosis")
        let mean = meanUnchecked(values)
        let m2 = centralMoment(values, 2, about: mean)
        guard m2 > 0 else { return 0 }
        let g2 = centralMoment(values, 4, about: mean) / (m2 * m2) - 3
        guard unbiased else { return g2 }
        let n = Double(values.count)
        return ((n + 1) * g2 + 6) * (n - 1) / ((n - 2) * (n - 3))
    }

    /// The `order`-th central moment (divided by n).
    static func centralMoment(_ values: [Double], _ order: Int, about mean: Double) -> Double {
        var sum = CompensatedSum()
        for value in values {
            let d = value - mean
            switch order {
            case 2: sum.add(d * d)
            case 3: sum.add(d * d * d)
            default: sum.add(d * d * d * d)
            }
        }
        return sum.value / Double(values.count)
    }

    /// The covariance of two samples of the same length (numpy.cov's default is `.sample`).
    public static func covariance(_ x: [Double], _ y: [Double], _ kind: Kind = .sample) throws(WhaleError) -> Double {
        try checkPair(x, y, minimum: kind == .sample ? 2 : 1, for: "the covariance")
        let mx = meanUnchecked(x), my = meanUnchecked(y)
        var sum = CompensatedSum()
        for i in x.indices { sum.add((x[i] - mx) * (y[i] - my)) }
        return sum.value / Double(kind == .sample ? x.count - 1 : x.count)
    }

    /// Pearson's correlation coefficient, in -1...1; `WhaleError(.invalidInput)`
    /// when either sample is constant (the coefficient is undefined).
    public static func correlation(_ x: [Double], _ y: [Double]) throws(WhaleError) -> Double {
        try checkPair(x, y, minimum: 2, for: "the correlation")
        let sums = CrossSums(x, y)
        guard sums.xx > 0, sums.yy > 0 else { throw WhaleError(.invalidInput, "the correlation of a constant sample is undefined") }
        return max(-1, min(1, sums.xy / (sums.xx.squareRoot() * sums.yy.squareRoot())))
    }

    /// The least-squares line through the points (`x[i]`, `y[i]`).
    public static func linearRegression(_ x: [Double], _ y: [Double]) throws(WhaleError) -> LinearRegression {
        try checkPair(x, y, minimum: 2, for: "a linear regression")
        let sums = CrossSums(x, y)
        guard sums.xx > 0 else { throw WhaleError(.invalidInput, "a regression needs at least two distinct x values") }
        let slope = sums.xy / sums.xx
        let intercept = sums.meanY - slope * sums.meanX
        var residuals = CompensatedSum()
        for i in x.indices {
            let r = y[i] - (intercept + slope * x[i])
            residuals.add(r * r)
        }
        let rSquared = sums.yy > 0 ? max(0, min(1, 1 - residuals.value / sums.yy)) : 1
        let standardError = x.count > 2 ? (residuals.value / Double(x.count - 2)).squareRoot() : 0
        return LinearRegression(slope: slope, intercept: intercept, rSquared: rSquared, residualStandardError: standardError,
                                count: x.count)
    }

    /// The means and the compensated sums of products of deviations of two samples.
    struct CrossSums {
        var meanX: Double
        var meanY: Double
        var xy: Double
        var xx: Double
        var yy: Double

        init(_ x: [Double], _ y: [Double]) {
            meanX = Statistics.meanUnchecked(x)
            meanY = Statistics.meanUnchecked(y)
            var sxy = CompensatedSum(), sxx = CompensatedSum(), syy = CompensatedSum()
            for i in x.indices {
                let dx = x[i] - meanX, dy = y[i] - meanY
                sxy.add(dx * dy)
                sxx.add(dx * dx)
                syy.add(dy * dy)
            }
            (xy, xx, yy) = (sxy.value, sxx.value, syy.value)
        }
    }

    static func checkPair(_ x: [Double], _ y: [Double], minimum: Int, for what: String) throws(WhaleError) {
        guard x.count == y.count else { throw WhaleError(.invalidInput, "\(what) needs samples of the same length, got \(x.count) and \(y.count)") }
        try check(x, minimum: minimum, for: what)
        try check(y, minimum: minimum, for: what)
    }

    /// Everything at once: count, mean, median, modes, variance and standard
    /// deviation (population and sample), min, max, quartiles, skewness and kurtosis.
    public static func summary(of values: [Double]) throws(WhaleError) -> StatisticalSummary {
        try check(values, for: "a summary")
        let sorted = values.sorted()
        let mean = meanUnchecked(values)
        let m2 = centralMoment(values, 2, about: mean)
        let n = Double(values.count)
        return StatisticalSummary(
            count: values.count, mean: mean, median: percentileOfSorted(sorted, 50), modes: try modes(values),
            variance: m2, sampleVariance: values.count > 1 ? m2 * n / (n - 1) : nil,
            minimum: sorted[0], maximum: sorted[sorted.count - 1],
            firstQuartile: percentileOfSorted(sorted, 25), thirdQuartile: percentileOfSorted(sorted, 75),
            skewness: try skewness(values), kurtosis: try kurtosis(values))
    }
}

/// The result of ``Statistics/summary(of:)``.
public struct StatisticalSummary: Hashable, Sendable {
    /// The number of values.
    public let count: Int
    /// The arithmetic mean.
    public let mean: Double
    /// The median.
    public let median: Double
    /// The most frequent values.
    public let modes: [Double]
    /// The population variance.
    public let variance: Double
    /// The sample variance; `nil` for one value.
    public let sampleVariance: Double?
    /// The smallest value.
    public let minimum: Double
    /// The largest value.
    public let maximum: Double
    /// The 25th percentile.
    public let firstQuartile: Double
    /// The 75th percentile.
    public let thirdQuartile: Double
    /// The biased skewness g1.
    public let skewness: Double
    /// The biased excess kurtosis g2.
    public let kurtosis: Double

    /// The population standard deviation.
    public var standardDeviation: Double { variance.squareRoot() }
}

/// A least-squares line `y = slope · x + intercept`.
public struct LinearRegression: Hashable, Sendable {
    /// The slope.
    public let slope: Double
    /// The value at x = 0.
    public let intercept: Double
    /// The coefficient of determination, 0...1.
    public let rSquared: Double
    /// The residual standard error, sqrt(SSE / (n − 2)); 0 for two points.
    public let residualStandardError: Double
    /// The number of points.
    public let count: Int

    /// The line's value at `x`.
    public func predict(_ x: Double) -> Double { intercept + slope * x }
}

/// Mean, variance, minimum and maximum of a stream, in constant memory
/// (Welford's update), mergeable across shards (Chan, Golub and LeVeque).
public struct RunningStatistics: Hashable, Sendable {
    /// The number of values seen.
    public private(set) var count = 0
    /// Their mean (0 before the first value).
    public private(set) var mean = 0.0
    private var m2 = 0.0
    /// The smallest value seen.
    public private(set) var minimum = Double.infinity
    /// The largest value seen.
    public private(set) var maximum = -Double.infinity

    /// An empty accumulator.
    public init() {}

    /// Adds `value`; a NaN or infinite value is `WhaleError(.invalidInput)` and is not added.
    public mutating func add(_ value: Double) throws(WhaleError) {
        guard value.isFinite else { throw WhaleError(.invalidInput, "a running statistic got a value that is NaN or infinite") }
        count += 1
        let delta = value - mean
        mean += delta / Double(count)
        m2 += delta * (value - mean)
        minimum = min(minimum, value)
        maximum = max(maximum, value)
    }

    /// Folds in another accumulator, as if its values had been added here.
    public mutating func merge(_ other: RunningStatistics) {
        guard other.count > 0 else { return }
        guard count > 0 else {
            self = other
            return
        }
        let total = count + other.count
        let delta = other.mean - mean
        mean += delta * Double(other.count) / Double(total)
        m2 += other.m2 + delta * delta * Double(count) * Double(other.count) / Double(total)
        count = total
        minimum = min(minimum, other.minimum)
        maximum = max(maximum, other.maximum)
    }

    /// The variance; `nil` before enough values (one for population, two for sample).
    public func variance(_ kind: Statistics.Kind = .population) -> Double? {
        switch kind {
        case .population: count > 0 ? m2 / Double(count) : nil
        case .sample: count > 1 ? m2 / Double(count - 1) : nil
        }
    }

    /// The standard deviation; `nil` as for ``variance(_:)``.
    public func standardDeviation(_ kind: Statistics.Kind = .population) -> Double? { variance(kind)?.squareRoot() }
}
