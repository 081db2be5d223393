public import CoreProtocols

/// An ordered list of alternatives to try when an operation fails: the
/// fallback manager of the spec, typed by the operation's result.
///
/// ``execute(isolation:_:)`` runs the operation; when it throws, the
/// alternatives whose ``FallbackMatcher`` accepts the error are tried in
/// order, each given the operation's error, until one returns. When none
/// matches, or every matching one throws, the operation's **original** error
/// is rethrown unchanged (the alternatives' errors are dropped), so a caller's
/// handling of the primary failure does not depend on which fallbacks exist.
///
/// Cancellation is never handled: when the operation is cancelled, or the
/// task is cancelled while an alternative runs, the cancellation is rethrown
/// at once and no (further) alternative runs.
///
/// ```swift
/// let chain = FallbackChain<Price>([
///     .staleValue(from: cache, key: "price:\(id)", maxStaleness: .seconds(300), decode: Price.decode),
///     .init("list price", when: .code(.circuitOpen)) { _ in catalog.listPrice(id) },
/// ])
/// let price = try await chain.execute { try await pricing.quote(id) }
/// ```
public struct FallbackChain<Result: Sendable>: Sendable {
    /// One way to produce a result after a failure.
    public struct Alternative: Sendable {
        /// A short name, for logs and docs.
        public let name: String
        /// Which errors this alternative handles.
        public let matcher: FallbackMatcher
        /// Produces the result from the operation's error.
        public let handler: @Sendable (any Error) async throws -> Result

        /// - Parameters:
        ///   - name: a short name. Default: `"fallback"`.
        ///   - matcher: which errors it handles. Default: ``FallbackMatcher/any``.
        ///   - handler: produces the result from the operation's error.
        public init(
            _ name: String = "fallback",
            when matcher: FallbackMatcher = .any,
            handler: @escaping @Sendable (any Error) async throws -> Result
        ) {
            self.name = name
            self.matcher = matcher
            self.handler = handler
        }

        /// An alternative that returns a fixed value.
        public static func value(_ value: Result, name: String = "value", when matcher: FallbackMatcher = .any) -> Alternative {
            Alternative(name, when: matcher) { _ in value }
        }

        /// An alternative that serves the stale value of `key` from `source`,
        /// decoded with `decode`, if one is kept and (with `maxStaleness`) is
        /// young enough; see ``StaleValueFallback``.
        /// - Parameters:
        ///   - maxStaleness: the oldest value served; nil serves any age. Default: nil.
        ///   - clock: measures the value's age. Default: `SystemClock()`.
        ///   - matcher: which errors it handles. Default: ``FallbackMatcher/any``.
        public static func staleValue(
            from source: any StaleValueSource,
            key: String,
            maxStaleness: Duration? = nil,
            clock: any WhaleClock = SystemClock(),
            when matcher: FallbackMatcher = .any,
            decode: @escaping @Sendable ([UInt8]) throws -> Result
        ) -> Alternative {
            let stale = StaleValueFallback(source: source, key: key, maxStaleness: maxStaleness, clock: clock, decode: decode)
            return Alternative("stale value", when: matcher) { _ in try await stale.value() }
        }
    }

    /// The alternatives, in the order they are tried.
    public let alternatives: [Alternative]

    /// A chain that tries `alternatives` in order.
    public init(_ alternatives: [Alternative]) {
        self.alternatives = alternatives
    }

    /// Runs `operation`; on failure tries the matching alternatives in order.
    /// - Returns: the operation's result, or the first alternative's that returns.
    /// - Throws: the operation's original error when no alternative matches or
    ///   all matching ones fail; cancellation as soon as it is seen.
    public func execute(
        isolation: isolated (any Actor)? = #isolation,
        _ operation: () async throws -> Result
    ) async throws -> Result {
        do {
            return try await operation()
        } catch {
            return try await recover(from: error)
        }
    }

    /// Tries the alternatives that match `error`, in order; rethrows `error`
    /// when none produces a result.
    public func recover(from error: any Error) async throws -> Result {
        if FallbackMatcher.isCancellation(error) { throw error }
        for alternative in alternatives where alternative.matcher.matches(error) {
            do {
                return try await alternative.handler(error)
            } catch let alternativeError {
                if FallbackMatcher.isCancellation(alternativeError) {
                    throw alternativeError is CancellationError ? alternativeError : CancellationError()
                }
            }
        }
        throw error
    }
}

extension FallbackChain.Alternative where Result == [UInt8] {
    /// An alternative that serves the stale bytes of `key` from `source` as
    /// they are, if one is kept and (with `maxStaleness`) is young enough.
    public static func staleValue(
        from source: any StaleValueSource,
        key: String,
        maxStaleness: Duration? = nil,
        clock: any WhaleClock = SystemClock(),
        when matcher: FallbackMatcher = .any
    ) -> Self {
        staleValue(from: source, key: key, maxStaleness: maxStaleness, clock: clock, when: matcher) { $0 }
    }
}
