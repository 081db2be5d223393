import CoreMetrics
import CoreProtocols

/// A ``RedisConnectionPool``'s swift-metrics instruments, all with the
/// dimension `pool` (the pool's name):
///
/// - `whale_cache_l2_commands` (counter): commands written to Redis, each
///   command of a pipeline counted;
/// - `whale_cache_l2_errors` (counter, dimension `code`, a `WhaleError.Code`):
///   failed calls and error replies;
/// - `whale_cache_l2_reconnects` (counter, dimension `outcome`: `succeeded`,
///   `failed`): connects after the first one of each connection, and every
///   failed connect;
/// - `whale_cache_l2_pool_wait` (timer, nanoseconds): how long a call waited
///   for its connection before it was written;
/// - `whale_cache_l2_connections` (gauge): open connections.
struct RedisPoolMetrics: Sendable {
    let commands: Counter
    let reconnects: Counter
    let connectFailures: Counter
    let poolWait: Timer
    let connections: Gauge
    private let errorsByCode: [WhaleError.Code: Counter]
    private let otherErrors: Counter

    init(pool: String, factory: any MetricsFactory) {
        let dimensions = [("pool", pool)]
        commands = Counter(label: "whale_cache_l2_commands", dimensions: dimensions, factory: factory)
        reconnects = Counter(
            label: "whale_cache_l2_reconnects",
            dimensions: dimensions + [("outcome", "succeeded")],
            factory: factory
        )
        connectFailures = Counter(
            label: "whale_cache_l2_reconnects",
            dimensions: dimensions + [("outcome", "failed")],
            factory: factory
        )
        poolWait = Timer(label: "whale_cache_l2_pool_wait", dimensions: dimensions, factory: factory)
        connections = Gauge(label: "whale_cache_l2_connections", dimensions: dimensions, factory: factory)
        let codes: [WhaleError.Code] = [
            .unavailable, .timeout, .invalidInput, .unauthenticated, .permissionDenied, .resourceExhausted, .malformedData,
        ]
        var errorsByCode: [WhaleError.Code: Counter] = [:]
        for code in codes {
            errorsByCode[code] = Counter(
                label: "whale_cache_l2_errors",
                dimensions: dimensions + [("code", code.description)],
                factory: factory
            )
        }
        self.errorsByCode = errorsByCode
        otherErrors = Counter(label: "whale_cache_l2_errors", dimensions: dimensions + [("code", "other")], factory: factory)
    }

    /// Counts `count` calls failed with `error`.
    func failed(_ error: any Error, count: Int = 1) {
        guard count > 0 else { return }
        let code = (error as? WhaleError)?.code
        (code.flatMap { errorsByCode[$0] } ?? otherErrors).increment(by: count)
    }
}
