public import CoreProtocols

/// A fallback chain as a ``CoreProtocols/ResiliencePolicy``, for any result
/// type: the layer a pipeline composes, and what code that takes
/// `any ResiliencePolicy` can be given.
///
/// It behaves as ``FallbackChain`` (alternatives tried in order when their
/// matcher accepts the error; the original error rethrown when none helps;
/// cancellation never handled), but its alternatives are type-erased: a
/// handler returns `any Sendable`, and its value is cast to the result type
/// the caller asked for. A value of another type counts as that alternative
/// failing, and the next one is tried. An alternative that knows its value
/// type (``Alternative/value(_:name:when:)``, ``Alternative/staleValue(from:key:maxStaleness:clock:when:decode:)``,
/// one made from a typed chain's alternative) is skipped without being run
/// when the caller's result type is a different one.
///
/// ```swift
/// let policy = FallbackPolicy([
///     .value([UInt8](), when: .code(.circuitOpen)),
///     .staleValue(from: cache, key: "profile:\(id)", maxStaleness: .seconds(600)) { $0 },
/// ])
/// let bytes = try await policy.execute { try await profiles.fetch(id) }
/// ```
public struct FallbackPolicy: ResiliencePolicy {
    /// One way to produce a result, of any type, after a failure.
    public struct Alternative: Sendable {
        /// A short name, for logs and docs.
        public let name: String
        /// Which errors this alternative handles.
        public let matcher: FallbackMatcher
        /// The type its handler returns, when known; the alternative then
        /// applies only to operations with exactly that result type.
        public let valueType: (any Sendable.Type)?
        /// Produces a value from the operation's error.
        public let handler: @Sendable (any Error) async throws -> any Sendable

        /// An alternative whose handler may return any type; it applies to
        /// every operation, and counts as failing when its value is not of the
        /// operation's result type.
        /// - Parameters:
        ///   - name: a short name. Default: `"fallback"`.
        ///   - matcher: which errors it handles. Default: ``FallbackMatcher/any``.
        ///   - handler: produces a value from the operation's error.
        public init(
            _ name: String = "fallback",
            when matcher: FallbackMatcher = .any,
            handler: @escaping @Sendable (any Error) async throws -> any Sendable
        ) {
            self.init(name: name, matcher: matcher, valueType: nil, handler: handler)
        }

        /// An alternative of a typed chain; it applies to operations whose
        /// result type is `Result`.
        public init<Result: Sendable>(_ alternative: FallbackChain<Result>.Alternative) {
            let handler = alternative.handler
            self.init(name: alternative.name, matcher: alternative.matcher, valueType: Result.self) { try await handler($0) }
        }

        private init(
            name: String,
            matcher: FallbackMatcher,
            valueType: (any Sendable.Type)?,
            handler: @escaping @Sendable (any Error) async throws -> any Sendable
        ) {
            self.name = name
            self.matcher = matcher
            self.valueType = valueType
            self.handler = handler
        }

        /// An alternative that returns a fixed value, for operations whose result type is `Value`.
        public static func value<Value: Sendable>(_ value: Value, name: String = "value", when matcher: FallbackMatcher = .any) -> Alternative {
            Alternative(name: name, matcher: matcher, valueType: Value.self) { _ in value }
        }

        /// An alternative that serves the stale value of `key` from `source`,
        /// decoded with `decode`, for operations whose result type is `Value`;
        /// see ``StaleValueFallback``.
        /// - Parameters:
        ///   - maxStaleness: the oldest value served; nil serves any age. Default: nil.
        ///   - clock: measures the value's age. Default: `SystemClock()`.
        ///   - matcher: which errors it handles. Default: ``FallbackMatcher/any``.
        public static func staleValue<Value: Sendable>(
            from source: any StaleValueSource,
            key: String,
            maxStaleness: Duration? = nil,
            clock: any WhaleClock = SystemClock(),
            when matcher: FallbackMatcher = .any,
            decode: @escaping @Sendable ([UInt8]) throws -> Value
        ) -> Alternative {
            Alternative(
                FallbackChain<Value>.Alternative.staleValue(
                    from: source, key: key, maxStaleness: maxStaleness, clock: clock, when: matcher, decode: decode
                )
            )
        }

        func applies<Result>(to _: Result.Type) -> Bool {
            guard let valueType else { return true }
            return ObjectIdentifier(valueType) == ObjectIdentifier(Result.self)
        }
    }

    /// The alternatives, in the order they are tried.
    public let alternatives: [Alternative]

    /// A policy that tries `alternatives` in order.
    public init(_ alternatives: [Alternative]) {
        self.alternatives = alternatives
    }

    /// A policy with the alternatives of a typed chain; they apply to
    /// operations whose result type is `Result`.
    public init<Result: Sendable>(_ chain: FallbackChain<Result>) {
        self.init(chain.alternatives.map(Alternative.init))
    }

    /// Runs `operation`; on failure tries the alternatives that match the
    /// error and apply to `Result`, in order.
    /// - Throws: the operation's original error when none produces a `Result`;
    ///   cancellation as soon as it is seen.
    public func execute<Result: Sendable>(
        _ operation: @escaping @Sendable () async throws -> Result
    ) async throws -> Result {
        do {
            return try await operation()
        } catch {
            if FallbackMatcher.isCancellation(error) { throw error }
            for alternative in alternatives where alternative.applies(to: Result.self) && alternative.matcher.matches(error) {
                do {
                    if let value = try await alternative.handler(error) as? Result { return value }
                } catch let alternativeError {
                    if FallbackMatcher.isCancellation(alternativeError) {
                        throw alternativeError is CancellationError ? alternativeError : CancellationError()
                    }
                }
            }
            throw error
        }
    }
}
