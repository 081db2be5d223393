public import CoreProtocols

/// Serves the last known value of a key from a ``CoreProtocols/StaleValueSource``
/// (the cache keeps expired entries for a grace period and conforms), decoded
/// from its bytes: the fail-safe answer when the fresh one cannot be had.
///
/// Use it through ``FallbackChain/Alternative/staleValue(from:key:maxStaleness:clock:when:decode:)``
/// or ``FallbackPolicy/Alternative/staleValue(from:key:maxStaleness:clock:when:decode:)``.
public struct StaleValueFallback<Value: Sendable>: Sendable {
    /// Where stale values come from.
    public let source: any StaleValueSource
    /// The key to ask for.
    public let key: String
    /// The oldest value served, measured from `StaleValue.storedAt` to the
    /// clock's now; nil serves a value of any age. Default: nil.
    public let maxStaleness: Duration?
    private let clock: any WhaleClock
    private let decode: @Sendable ([UInt8]) throws -> Value

    /// - Parameters:
    ///   - source: where stale values come from.
    ///   - key: the key to ask for.
    ///   - maxStaleness: the oldest value served; nil serves any age. Default: nil.
    ///   - clock: measures the value's age. Default: `SystemClock()`.
    ///   - decode: turns the stored bytes into the value.
    public init(
        source: any StaleValueSource,
        key: String,
        maxStaleness: Duration? = nil,
        clock: any WhaleClock = SystemClock(),
        decode: @escaping @Sendable ([UInt8]) throws -> Value
    ) {
        self.source = source
        self.key = key
        self.maxStaleness = maxStaleness
        self.clock = clock
        self.decode = decode
    }

    /// The stale value, decoded.
    /// - Throws: `WhaleError` `.notFound` when the source keeps none for the
    ///   key or it is older than ``maxStaleness``; `.malformedData` wrapping
    ///   the decoder's error when the bytes cannot be decoded.
    public func value() async throws -> Value {
        guard let stale = await source.staleValue(forKey: key) else {
            throw WhaleError(.notFound, "stale value for '\(key)': none kept")
        }
        if let maxStaleness {
            let age = stale.storedAt.duration(to: clock.now)
            guard age <= maxStaleness else {
                throw WhaleError(.notFound, "stale value for '\(key)': \(age) old, more than maxStaleness \(maxStaleness)")
            }
        }
        do {
            return try decode(stale.bytes)
        } catch {
            throw WhaleError(.malformedData, "stale value for '\(key)': cannot decode \(stale.bytes.count) bytes", underlying: error)
        }
    }
}

extension StaleValueFallback where Value == [UInt8] {
    /// A stale-value fallback that serves the stored bytes as they are.
    public init(source: any StaleValueSource, key: String, maxStaleness: Duration? = nil, clock: any WhaleClock = SystemClock()) {
        self.init(source: source, key: key, maxStaleness: maxStaleness, clock: clock) { $0 }
    }
}
