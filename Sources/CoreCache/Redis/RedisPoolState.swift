import CoreMetrics
import CoreProtocols
import Dispatch
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a pool's connections share: the configuration, the metrics, whether
/// the pool is closed, and the outage state that makes a dead server fail
/// fast.
///
/// After a connect fails, every command is refused with that failure until
/// the backoff has passed (without touching a socket); then the next command
/// tries to connect again, and a success ends the outage. The backoff doubles
/// with each failed attempt, from ``RedisConnectionPoolConfiguration/reconnectBackoff``
/// up to ``RedisConnectionPoolConfiguration/maximumReconnectBackoff``.
final class RedisPoolState: Sendable {
    let configuration: RedisConfiguration
    let poolConfiguration: RedisConnectionPoolConfiguration
    let name: String
    let logger: Logger
    let metrics: RedisPoolMetrics

    private let closed = Atomic<Bool>(false)
    /// Monotonic nanoseconds until which commands are refused; 0 outside an outage.
    private let refusedUntil = Atomic<UInt64>(0)
    private let outage = Mutex(Outage())
    /// Open connections; the gauge is set under the lock so it ends on the last count.
    private let open = Mutex(0)
    /// Counts socket failures; a connection opened before the latest one is
    /// replaced before its next use (the server probably restarted or the
    /// network dropped, so its socket is likely dead too).
    private let failures = Atomic<UInt64>(0)
    private let members = Mutex<[Member]>([])

    private struct Outage {
        var failedAttempts = 0
        var lastError: WhaleError?
    }

    init(
        configuration: RedisConfiguration,
        poolConfiguration: RedisConnectionPoolConfiguration,
        name: String,
        logger: Logger,
        metrics: RedisPoolMetrics
    ) {
        self.configuration = configuration
        self.poolConfiguration = poolConfiguration
        self.name = name
        self.logger = logger
        self.metrics = metrics
        _ = ignoreSIGPIPE
    }

    /// Throws when the pool is closed or refusing commands during an outage.
    @inline(__always)
    func admit() throws {
        if closed.load(ordering: .acquiring) {
            metrics.failed(closedError)
            throw closedError
        }
        if refusedUntil.load(ordering: .acquiring) != 0, let refusal = refusal(now: monotonicNanoseconds()) {
            metrics.failed(refusal)
            throw refusal
        }
    }

    /// The error to refuse a command with now, or `nil` when it may go ahead.
    func refusal(now: UInt64) -> WhaleError? {
        let until = refusedUntil.load(ordering: .acquiring)
        guard until != 0, now < until else { return nil }
        let last = outage.locked { $0.lastError }
        let wait = Duration.nanoseconds(Int64(clamping: until - now))
        return WhaleError(
            last?.code ?? .unavailable,
            "Redis pool '\(name)' at \(configuration.endpoint) is down, next connect attempt in \(wait): \(last?.message ?? "connect failed")",
            underlying: last
        )
    }

    var isClosed: Bool { closed.load(ordering: .acquiring) }

    var closedError: WhaleError {
        WhaleError(.unavailable, "Redis pool '\(name)' is closed", isRetriable: false)
    }

    /// Marks the pool closed; returns whether it was open.
    func close() -> Bool {
        !closed.exchange(true, ordering: .acquiringAndReleasing)
    }

    /// How many connections are open now.
    var openConnections: Int { open.locked { $0 } }

    /// Records a connect that succeeded; ends an outage.
    func connected(isReconnect: Bool) {
        open.locked { open in
            open += 1
            metrics.connections.record(open)
        }
        if isReconnect { metrics.reconnects.increment() }
        guard refusedUntil.load(ordering: .acquiring) != 0 else { return }
        let attempts = outage.locked { outage in
            let attempts = outage.failedAttempts
            outage = Outage()
            refusedUntil.store(0, ordering: .releasing)
            return attempts
        }
        guard attempts > 0 else { return }
        logger.info(
            "Redis is back",
            metadata: ["pool": "\(name)", "endpoint": "\(configuration.endpoint)", "failed_attempts": "\(attempts)"]
        )
    }

    /// The current socket-failure generation.
    var failureGeneration: UInt64 { failures.load(ordering: .acquiring) }

    /// Records that an open connection's socket failed (not a timeout): the
    /// other connections close their sockets now and reconnect before their
    /// next command.
    func socketFailed() {
        failures.add(1, ordering: .releasing)
        for member in members.locked({ $0 }) {
            member.connection?.closeIfStale()
        }
    }

    /// The pool's connections, for ``socketFailed()`` (weak: they own this state).
    func register(_ connections: [RedisPoolConnection]) {
        members.locked { $0 = connections.map(Member.init) }
    }

    private struct Member: Sendable {
        weak var connection: RedisPoolConnection?
    }

    /// Records a connection that was closed or broke.
    func disconnected() {
        open.locked { open in
            open -= 1
            metrics.connections.record(open)
        }
    }

    /// Records a failed connect: starts or extends the outage.
    func connectFailed(_ error: WhaleError) {
        metrics.connectFailures.increment()
        let now = monotonicNanoseconds()
        let started: Bool? = outage.locked { outage in
            // Connections failing together count once per backoff window.
            guard now >= refusedUntil.load(ordering: .acquiring) else { return nil }
            outage.failedAttempts += 1
            outage.lastError = error
            let wait = backoff(afterAttempts: outage.failedAttempts)
            refusedUntil.store(max(1, now &+ wait), ordering: .releasing)
            return outage.failedAttempts == 1
        }
        if started == true {
            logger.warning(
                "Redis connect failed; refusing commands until it answers again",
                metadata: ["pool": "\(name)", "endpoint": "\(configuration.endpoint)", "error": "\(error)"]
            )
        }
    }

    private func backoff(afterAttempts attempts: Int) -> UInt64 {
        let first = UInt64(max(0, poolConfiguration.reconnectBackoff.whaleNanoseconds))
        let limit = UInt64(max(0, poolConfiguration.maximumReconnectBackoff.whaleNanoseconds))
        let shift = UInt64(min(attempts - 1, 32))
        let (grown, overflow) = first.multipliedReportingOverflow(by: 1 << shift)
        return overflow ? limit : min(grown, limit)
    }
}

/// Nanoseconds of a monotonic clock.
@inline(__always)
func monotonicNanoseconds() -> UInt64 {
    DispatchTime.now().uptimeNanoseconds
}

/// A write to a socket the server closed raises SIGPIPE, whose default action
/// ends the process; hiredis 0.14 writes with `write(2)`, which cannot opt out
/// per call. Like SwiftNIO on Linux, ignore it process-wide (only when nobody
/// installed a handler), once, when the first pool is made; the write then
/// fails with `EPIPE` and the command with `.unavailable`.
private let ignoreSIGPIPE: Void = {
    var current = sigaction()
    guard sigaction(SIGPIPE, nil, &current) == 0 else { return }
    #if canImport(Glibc)
    let isDefault = current.__sigaction_handler.sa_handler == nil
    #else
    let isDefault = current.__sigaction_u.__sa_handler == nil
    #endif
    if isDefault {
        _ = signal(SIGPIPE, SIG_IGN)
    }
}()
