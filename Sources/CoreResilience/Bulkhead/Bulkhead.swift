public import CoreMetrics
public import CoreProtocols
import Synchronization

/// Limits how many calls run at once (Resilience4j's `SemaphoreBulkhead`), so
/// one slow dependency cannot take every task of the node.
///
/// A call takes a free slot, or waits in a bounded FIFO queue until a slot is
/// freed or ``BulkheadConfiguration/maxWaitDuration`` has passed on the
/// injected clock; then it is rejected with `WhaleError` `.bulkheadFull`. A
/// call that finds the queue full is rejected at once. A freed slot goes
/// straight to the oldest waiter, so a newcomer never overtakes the queue.
///
/// The slot is always given back: when the operation returns, throws or is
/// cancelled. A waiter whose task is cancelled leaves the queue at once with
/// `CancellationError` and never takes a slot later. Nothing polls: waiters
/// are continuations, and each waiter's timeout is one task sleeping on the
/// clock, cancelled when the waiter is served.
///
/// Metrics (swift-metrics): gauge `whale_bulkhead_available` (free slots) and
/// counter `whale_bulkhead_calls` with the dimensions `name` and `outcome`
/// (`permitted`, `rejected`). Cancelled waiters count as neither.
///
/// ```swift
/// let bulkhead = Bulkhead(name: "search", configuration: try BulkheadConfiguration(maxConcurrentCalls: 8))
/// let hits = try await bulkhead.execute { try await search(query) }
/// ```
public final class Bulkhead: ResiliencePolicy, Sendable {
    /// The name used in errors and metric dimensions.
    public let name: String
    /// The limits this bulkhead enforces.
    public let configuration: BulkheadConfiguration

    private let clock: any WhaleClock
    private let state: Mutex<State>
    private let availableGauge: Gauge
    private let permittedCounter: Counter
    private let rejectedCounter: Counter

    /// Creates a bulkhead with every slot free.
    /// - Parameters:
    ///   - name: used in errors and the `name` metric dimension. Default: `"default"`.
    ///   - configuration: the limits. Default: ``BulkheadConfiguration/default``.
    ///   - clock: measures the wait timeout. Default: `SystemClock()`.
    ///   - metricsFactory: where the metrics go. Default: the factory
    ///     `MetricsSystem` was bootstrapped with.
    public init(
        name: String = "default",
        configuration: BulkheadConfiguration = .default,
        clock: any WhaleClock = SystemClock(),
        metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) {
        self.name = name
        self.configuration = configuration
        self.clock = clock
        self.state = Mutex(State(available: configuration.maxConcurrentCalls))
        self.availableGauge = Gauge(label: "whale_bulkhead_available", dimensions: [("name", name)], factory: metricsFactory)
        self.permittedCounter = Counter(
            label: "whale_bulkhead_calls",
            dimensions: [("name", name), ("outcome", "permitted")],
            factory: metricsFactory
        )
        self.rejectedCounter = Counter(
            label: "whale_bulkhead_calls",
            dimensions: [("name", name), ("outcome", "rejected")],
            factory: metricsFactory
        )
        availableGauge.record(configuration.maxConcurrentCalls)
    }

    /// How many calls could start now without waiting.
    public var availableConcurrentCalls: Int { state.locked { $0.available } }

    /// How many calls wait for a slot now.
    public var queueDepth: Int { state.locked { $0.waiters.count } }

    /// Runs `operation` in a slot, waiting for one as configured.
    /// - Throws: `WhaleError` `.bulkheadFull` when no slot is free within the
    ///   wait time or the queue is full; `CancellationError` when the task is
    ///   cancelled before the operation starts; otherwise what `operation` throws.
    public func execute<Result: Sendable>(
        _ operation: @escaping @Sendable () async throws -> Result
    ) async throws -> Result {
        try await acquirePermission()
        defer { releasePermission() }
        return try await operation()
    }

    /// Runs a non-escaping `operation` in a slot, on the caller's isolation;
    /// otherwise the same as ``execute(_:)``.
    nonisolated(nonsending) public func run<Result>(
        _ operation: nonisolated(nonsending) () async throws -> Result
    ) async throws -> Result {
        if !tryAcquireFreeSlot() { try await acquirePermission() }
        defer { releasePermission() }
        return try await operation()
    }

    /// Takes a free slot without waiting (the common case, and synchronous):
    /// false when the task is cancelled or no slot is free.
    func tryAcquireFreeSlot() -> Bool {
        guard !Task.isCancelled, let available = state.locked({ $0.takeSlot() }) else { return false }
        permitted(available: available)
        return true
    }

    /// Takes a slot, waiting for one as configured. Every successful call must
    /// be paired with exactly one ``releasePermission()``; prefer
    /// ``execute(_:)`` or ``run(_:)``, which pair them for you.
    /// - Throws: `WhaleError` `.bulkheadFull` or `CancellationError`.
    public func acquirePermission() async throws {
        if tryAcquireFreeSlot() { return }
        try Task.checkCancellation()
        guard configuration.allowsWaiting else {
            throw rejected(
                "no free slot of \(configuration.maxConcurrentCalls) and waiting is off "
                    + "(maxWaitQueue \(configuration.maxWaitQueue), maxWaitDuration \(configuration.maxWaitDuration))"
            )
        }
        try await waitForSlot()
        if Task.isCancelled {
            // Served and cancelled at the same moment: hand the slot on.
            releasePermission()
            throw CancellationError()
        }
        permitted(available: availableConcurrentCalls)
    }

    /// Gives a slot back: to the oldest waiter if there is one, else to the pool.
    /// A release without a matching acquire never raises the free slots above
    /// ``BulkheadConfiguration/maxConcurrentCalls``.
    public func releasePermission() {
        // The common case, kept apart so it never copies an optional `Waiter`
        // (whose continuation makes every copy go through value witnesses).
        let freed: Int? = state.locked { state in
            guard state.waiters.isEmpty else { return nil }
            state.available = min(state.available + 1, configuration.maxConcurrentCalls)
            return state.available
        }
        if let freed {
            availableGauge.record(freed)
            return
        }
        let (waiter, available) = state.locked { state -> (Waiter?, Int) in
            if let waiter = state.popFirstWaiter() { return (waiter, state.available) }
            state.available = min(state.available + 1, configuration.maxConcurrentCalls)
            return (nil, state.available)
        }
        if let waiter {
            waiter.timer?.cancel()
            waiter.continuation.resume()
        }
        availableGauge.record(available)
    }

    // MARK: - Waiting

    private func waitForSlot() async throws {
        let id = state.locked { state -> UInt64 in
            state.nextID &+= 1
            return state.nextID
        }
        let deadline = clock.now.advanced(by: configuration.maxWaitDuration)
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome = state.locked { state -> EnqueueOutcome in
                    if Task.isCancelled { return .cancelled }
                    if state.takeSlot() != nil { return .served }
                    if state.waiters.count >= configuration.maxWaitQueue { return .queueFull }
                    state.enqueue(id, Waiter(continuation: continuation))
                    return .queued
                }
                switch outcome {
                case .cancelled:
                    continuation.resume(throwing: CancellationError())
                case .served:
                    continuation.resume()
                case .queueFull:
                    continuation.resume(throwing: rejected("no free slot and the wait queue is full (\(configuration.maxWaitQueue) waiting)"))
                case .queued:
                    startTimer(for: id, deadline: deadline)
                }
            }
        } onCancel: {
            if let waiter = state.locked({ $0.removeWaiter(id) }) {
                waiter.timer?.cancel()
                waiter.continuation.resume(throwing: CancellationError())
            }
        }
    }

    private func startTimer(for id: UInt64, deadline: WhaleInstant) {
        let clock = self.clock
        let timer = Task { [self] in
            do {
                try await clock.sleep(until: deadline, tolerance: nil)
            } catch {
                return  // cancelled: the waiter was served or left
            }
            if let waiter = state.locked({ $0.removeWaiter(id) }) {
                waiter.continuation.resume(throwing: rejected("no free slot within \(configuration.maxWaitDuration)"))
            }
        }
        let attached = state.locked { state -> Bool in
            guard state.waiters[id] != nil else { return false }
            state.waiters[id]?.timer = timer
            return true
        }
        if !attached { timer.cancel() }
    }

    private func permitted(available: Int) {
        permittedCounter.increment()
        availableGauge.record(available)
    }

    private func rejected(_ reason: String) -> WhaleError {
        rejectedCounter.increment()
        return WhaleError(.bulkheadFull, "bulkhead '\(name)': \(reason)")
    }

    // MARK: - State

    private enum EnqueueOutcome {
        case cancelled, served, queueFull, queued
    }

    private struct Waiter {
        var continuation: CheckedContinuation<Void, any Error>
        var timer: Task<Void, Never>?
    }

    /// Free slots plus the FIFO of waiters: `order` holds waiter ids in
    /// arrival order (ids of waiters that left are skipped lazily), `waiters`
    /// the live ones. Invariant: waiters exist only while `available` is 0.
    private struct State {
        var available: Int
        var nextID: UInt64 = 0
        var waiters: [UInt64: Waiter] = [:]
        var order: [UInt64] = []
        var head = 0

        /// Takes a free slot and returns the slots left, or nil if none is free.
        mutating func takeSlot() -> Int? {
            guard available > 0 else { return nil }
            available -= 1
            return available
        }

        mutating func enqueue(_ id: UInt64, _ waiter: Waiter) {
            waiters[id] = waiter
            order.append(id)
        }

        mutating func popFirstWaiter() -> Waiter? {
            defer { compact() }
            while head < order.count {
                let id = order[head]
                head += 1
                if let waiter = waiters.removeValue(forKey: id) { return waiter }
            }
            return nil
        }

        mutating func removeWaiter(_ id: UInt64) -> Waiter? {
            defer { compact() }
            return waiters.removeValue(forKey: id)
        }

        /// Drops consumed and departed ids so `order` stays within a small
        /// multiple of the live waiters.
        private mutating func compact() {
            if waiters.isEmpty {
                order.removeAll(keepingCapacity: order.count <= 1024)
                head = 0
            } else if order.count - head > 2 * waiters.count + 32 {
                let live = waiters
                order = order[head...].filter { live[$0] != nil }
                head = 0
            } else if head > 32 && head * 2 > order.count {
                order.removeFirst(head)
                head = 0
            }
        }
    }
}
