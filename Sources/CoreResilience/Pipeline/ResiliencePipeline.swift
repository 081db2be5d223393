public import CoreProtocols

/// Composes the resilience strategies in one documented order and runs an
/// operation through all of them. It is a CoreProtocols `ResiliencePolicy`, so
/// the cache and messaging modules take it as `any ResiliencePolicy` without
/// importing this module.
///
/// The order, outermost first (each layer wraps the ones below it):
///
/// 1. **fallback** — sees every failure of the whole pipeline, including an
///    open breaker, and may answer instead (e.g. a stale cached value);
/// 2. **retry** — each attempt goes through every layer below it again; an
///    open breaker (`.circuitOpen`) is not retriable, so retries stop there;
/// 3. **rate limiter** — a rejection here never reaches the breaker, so local
///    throttling is not mistaken for a failing dependency;
/// 4. **bulkhead** — the same for a full bulkhead; the slot is held for one
///    attempt, not across retry back-off;
/// 5. **circuit breaker** — records the outcome of the dependency call,
///    including timeouts;
/// 6. **time limiter** — bounds one attempt (with its hedges) and cancels it;
/// 7. **hedging** — extra concurrent attempts inside the attempt's time budget;
/// 8. the operation.
///
/// Resilience4j's decorator order is Retry ∘ CircuitBreaker ∘ RateLimiter ∘
/// TimeLimiter ∘ Bulkhead; this order moves the rate limiter and bulkhead
/// outside the breaker for the reason in 3 and 4.
///
/// ```swift
/// let pipeline = ResiliencePipeline(
///     retry: RetryPolicy(name: "search", configuration: try RetryConfiguration(maxAttempts: 3)),
///     circuitBreaker: try CircuitBreaker(name: "search"),
///     timeLimiter: try TimeLimiter(name: "search", timeout: .seconds(2))
/// )
/// let hits = try await pipeline.execute { try await searchService.query("whales") }
/// ```
public struct ResiliencePipeline: ResiliencePolicy {
    /// One layer. Retry and circuit breaker run through their non-escaping
    /// `run`, so those layers allocate no closure context; a bulkhead and the
    /// breaker below it share one layer, so they cost one async frame, not two.
    private enum Layer: Sendable {
        case retry(RetryPolicy)
        case guarded(Bulkhead?, CircuitBreaker?)
        case policy(any ResiliencePolicy)

        var policies: [any ResiliencePolicy] {
            switch self {
            case .retry(let retry): [retry]
            case .guarded(let bulkhead, let breaker): [bulkhead as (any ResiliencePolicy)?, breaker].compactMap { $0 }
            case .policy(let policy): [policy]
            }
        }
    }

    private let stack: [Layer]

    /// The layers in execution order, outermost first.
    public var layers: [any ResiliencePolicy] { stack.flatMap(\.policies) }

    /// Creates a pipeline from the strategies given; a `nil` strategy is left out.
    public init(
        fallback: FallbackPolicy? = nil,
        retry: RetryPolicy? = nil,
        rateLimiter: RateLimiter? = nil,
        bulkhead: Bulkhead? = nil,
        circuitBreaker: CircuitBreaker? = nil,
        timeLimiter: TimeLimiter? = nil,
        hedging: HedgingPolicy? = nil
    ) {
        let ordered: [Layer?] = [
            fallback.map { .policy($0) },
            retry.map { .retry($0) },
            rateLimiter.map { .policy($0) },
            bulkhead == nil && circuitBreaker == nil ? nil : .guarded(bulkhead, circuitBreaker),
            timeLimiter.map { .policy($0) },
            hedging.map { .policy($0) },
        ]
        self.stack = ordered.compactMap { $0 }
    }

    /// Creates a pipeline from layers in the given order, outermost first, for
    /// an order or a policy the initialiser above does not offer.
    public init(layers: [any ResiliencePolicy]) {
        self.stack = layers.map { .policy($0) }
    }

    public func execute<Result: Sendable>(
        _ operation: @escaping @Sendable () async throws -> Result
    ) async throws -> Result {
        try await run(from: 0, operation)
    }

    nonisolated(nonsending) private func run<Result: Sendable>(
        from index: Int,
        _ operation: @escaping @Sendable () async throws -> Result
    ) async throws -> Result {
        guard index < stack.count else { return try await operation() }
        let next = index + 1
        switch stack[index] {
        case .retry(let retry):
            return try await retry.run { try await run(from: next, operation) }
        case .guarded(let bulkhead, let breaker):
            if let bulkhead, !bulkhead.tryAcquireFreeSlot() { try await bulkhead.acquirePermission() }
            defer { bulkhead?.releasePermission() }
            guard let breaker else { return try await run(from: next, operation) }
            return try await breaker.run { try await run(from: next, operation) }
        case .policy(let policy):
            if next == stack.count { return try await policy.execute(operation) }
            return try await policy.execute { try await run(from: next, operation) }
        }
    }
}
