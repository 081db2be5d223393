public import CoreProtocols

/// A running sum with Neumaier's compensation (an improved Kahan–Babuška):
/// the rounding error of every addition is carried, so the sum of
/// `[1e100, 1, -1e100]` is 1, not 0.
public struct CompensatedSum: Hashable, Sendable {
    @usableFromInline var sum = 0.0
    @usableFromInline var compensation = 0.0

    /// Zero.
    public init() {}

    /// Adds `value`.
    @inlinable
    public mutating func add(_ value: Double) {
        let total = sum + value
        if abs(sum) >= abs(value) {
            compensation += (sum - total) + value
        } else {
            compensation += (value - total) + sum
        }
        sum = total
    }

    /// The sum so far.
    public var value: Double { sum + compensation }
}

/// Numerical operations (`numerical_operations`): compensated sums, decimal
/// rounding, interpolation.
public enum Numerics {
    /// The compensated sum of `values` (``CompensatedSum``).
    public static func sum(_ values: some Sequence<Double>) -> Double {
        var sum = CompensatedSum()
        for value in values { sum.add(value) }
        return sum.value
    }

    /// `value` rounded to `places` decimal places (negative: to tens, hundreds…)
    /// by `rule`, on its shortest decimal representation, so that 2.675 rounds
    /// to 2.68 half-up as a person expects (binary rounding gives 2.67, because
    /// the double nearest 2.675 is 2.67499999…). `.toNearestOrEven` is banker's
    /// rounding. Non-finite values are returned unchanged.
    public static func round(_ value: Double, places: Int, rule: FloatingPointRoundingRule = .toNearestOrAwayFromZero)
        -> Double
    {
        guard value.isFinite, value != 0, (-330...330).contains(places) else { return value }
        let negative = value < 0
        // Shortest round-trip digits and decimal exponent: value = 0.d1d2… × 10^point.
        var digits: [UInt8] = []
        var point = 0
        var exponent = 0
        var seenPoint = false
        var text = Substring(String(value.magnitude))
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(text[text.index(after: e)...]) ?? 0
            text = text[..<e]
        }
        for c in text.utf8 {
            if c == UInt8(ascii: ".") {
                seenPoint = true
            } else if (48...57).contains(c) {
                if digits.isEmpty && c == 48 {
                    if seenPoint { point -= 1 }
                    continue
                }
                digits.append(c - 48)
                if !seenPoint { point += 1 }
            }
        }
        point += exponent
        let keep = point + places  // how many leading digits survive
        if keep >= digits.count { return value }
        let dropped = keep < 0 ? [] : Array(digits[max(0, keep)...])
        let first = keep < 0 ? 0 : dropped.first ?? 0
        let restNonZero = keep < 0 ? true : dropped.dropFirst().contains { $0 != 0 }
        var kept = keep <= 0 ? [] : Array(digits[..<keep])
        let anyDropped = keep < 0 || dropped.contains { $0 != 0 }
        let lastOdd = (kept.last ?? 0) % 2 == 1
        let roundAway: Bool
        switch rule {
        case .toNearestOrAwayFromZero: roundAway = keep >= 0 && first >= 5
        case .toNearestOrEven: roundAway = keep >= 0 && (first > 5 || (first == 5 && (restNonZero || lastOdd)))
        case .towardZero: roundAway = false
        case .awayFromZero: roundAway = anyDropped
        case .up: roundAway = !negative && anyDropped
        case .down: roundAway = negative && anyDropped
        @unknown default: roundAway = keep >= 0 && first >= 5
        }
        if roundAway {
            var index = kept.count - 1
            while index >= 0 && kept[index] == 9 {
                kept[index] = 0
                index -= 1
            }
            if index >= 0 {
                kept[index] += 1
            } else {
                kept.insert(1, at: 0)
            }
        }
        guard !kept.isEmpty else { return negative ? -0.0 : 0 }
        // The kept digits are an integer count of 10^-places.
        let scaled = String(decoding: kept.map { $0 + 48 }, as: UTF8.self) + "e" + String(-places)
        let magnitude = Double(scaled) ?? value.magnitude
        return negative ? -magnitude : magnitude
    }

    /// Linear interpolation with numpy.interp's semantics: `xp` ascending,
    /// `fp` the values there, `x` below `xp[0]` gives `fp[0]` and above the last
    /// gives the last. `WhaleError(.invalidInput)` for empty or mismatched
    /// arrays, unsorted `xp`, or non-finite input.
    public static func interpolate(_ x: Double, xp: [Double], fp: [Double]) throws(WhaleError) -> Double {
        try interpolate([x], xp: xp, fp: fp)[0]
    }

    /// ``interpolate(_:xp:fp:)`` at each of `xs`.
    public static func interpolate(_ xs: [Double], xp: [Double], fp: [Double]) throws(WhaleError) -> [Double] {
        guard !xp.isEmpty, xp.count == fp.count else {
            throw WhaleError(.invalidInput, "interpolation needs xp and fp of the same, non-zero length (\(xp.count), \(fp.count))")
        }
        guard xp.allSatisfy(\.isFinite), fp.allSatisfy(\.isFinite), xs.allSatisfy({ !$0.isNaN }) else {
            throw WhaleError(.invalidInput, "interpolation got a value that is NaN or infinite")
        }
        for i in xp.indices.dropFirst() where xp[i] < xp[i - 1] {
            throw WhaleError(.invalidInput, "interpolation needs xp in ascending order (xp[\(i)] < xp[\(i - 1)])")
        }
        return xs.map { x in
            if x <= xp[0] { return fp[0] }
            if x >= xp[xp.count - 1] { return fp[fp.count - 1] }
            // The last index with xp[i] <= x.
            var low = 0, high = xp.count - 1
            while high - low > 1 {
                let mid = (low + high) / 2
                if xp[mid] <= x { low = mid } else { high = mid }
            }
            let span = xp[high] - xp[low]
            guard span > 0 else { return fp[high] }
            let slope = (fp[high] - fp[low]) / span
            return slope * (x - xp[low]) + fp[low]
        }
    }
}

/// Integer arithmetic that throws `WhaleError(.invalidInput)` on overflow and
/// division by zero instead of trapping.
public enum SafeArithmetic {
    /// `a + b`.
    public static func add(_ a: Int, _ b: Int) throws(WhaleError) -> Int {
        let (result, overflow) = a.addingReportingOverflow(b)
        guard !overflow else { throw WhaleError(.invalidInput, "overflow: \(a) + \(b) is outside the range of Int") }
        return result
    }

    /// `a - b`.
    public static func subtract(_ a: Int, _ b: Int) throws(WhaleError) -> Int {
        let (result, overflow) = a.subtractingReportingOverflow(b)
        guard !overflow else { throw WhaleError(.invalidInput, "overflow: \(a) - \(b) is outside the range of Int") }
        return result
    }

    /// `a * b`.
    public static func multiply(_ a: Int, _ b: Int) throws(WhaleError) -> Int {
        let (result, overflow) = a.multipliedReportingOverflow(by: b)
        guard !overflow else { throw WhaleError(.invalidInput, "overflow: \(a) × \(b) is outside the range of Int") }
        return result
    }

    /// `a / b`, truncated toward zero.
    public static func divide(_ a: Int, _ b: Int) throws(WhaleError) -> Int {
        guard b != 0 else { throw WhaleError(.invalidInput, "division by zero: \(a) / 0") }
        let (result, overflow) = a.dividedReportingOverflow(by: b)
        guard !overflow else { throw WhaleError(.invalidInput, "overflow: \(a) / \(b) is outside the range of Int") }
        return result
    }

    /// `a % b`, with the sign of `a`.
    public static func remainder(_ a: Int, _ b: Int) throws(WhaleError) -> Int {
        guard b != 0 else { throw WhaleError(.invalidInput, "division by zero: \(a) % 0") }
        let (result, overflow) = a.remainderReportingOverflow(dividingBy: b)
        guard !overflow else { throw WhaleError(.invalidInput, "overflow: \(a) % \(b)") }
        return result
    }

    /// `base` to the power `exponent` (≥ 0), by squaring.
    public static func power(_ base: Int, _ exponent: Int) throws(WhaleError) -> Int {
        guard exponent >= 0 else { throw WhaleError(.invalidInput, "a negative exponent (\(exponent)) has no integer result") }
        var result = 1
        var factor = base
        var remaining = exponent
        while remaining > 0 {
            if remaining & 1 == 1 { result = try multiply(result, factor) }
            remaining >>= 1
            if remaining > 0 { factor = try multiply(factor, factor) }
        }
        return result
    }

    /// `a + b` for a `Double`, throwing when the result is not finite though the inputs are.
    public static func add(_ a: Double, _ b: Double) throws(WhaleError) -> Double {
        let result = a + b
        guard result.isFinite || !a.isFinite || !b.isFinite else { throw WhaleError(.invalidInput, "overflow: \(a) + \(b) is not finite") }
        return result
    }

    /// `a * b` for a `Double`, throwing when the result is not finite though the inputs are.
    public static func multiply(_ a: Double, _ b: Double) throws(WhaleError) -> Double {
        let result = a * b
        guard result.isFinite || !a.isFinite || !b.isFinite else { throw WhaleError(.invalidInput, "overflow: \(a) × \(b) is not finite") }
        return result
    }

    /// `a / b` for a `Double`; division by zero throws.
    public static func divide(_ a: Double, _ b: Double) throws(WhaleError) -> Double {
        guard b != 0 else { throw WhaleError(.invalidInput, "division by zero: \(a) / 0") }
        let result = a / b
        guard result.isFinite || !a.isFinite else { throw WhaleError(.invalidInput, "overflow: \(a) / \(b) is not finite") }
        return result
    }
}
