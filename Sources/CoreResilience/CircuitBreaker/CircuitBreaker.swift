public import CoreMetrics
public import CoreProtocols
public import Logging
import Metrics
import Synchronization

/// A circuit breaker: stops calling a dependency that keeps failing, and lets a
/// few probe calls through after a wait to find out whether it has recovered.
///
/// It follows Resilience4j's `CircuitBreaker` feature by feature: closed, open,
/// half-open, forced-open and disabled states (``CircuitBreakerState``);
/// count-based or time-based sliding windows; failure-rate and slow-call-rate
/// thresholds with a minimum number of calls; exactly
/// `permittedCallsInHalfOpenState` probes in half-open, also under heavy
/// concurrency (half-open permission and outcome go through one lock, so a
/// permit is granted and consumed atomically and the bug of Resilience4j #1090
/// cannot happen); a fixed or exponential wait in open; a predicate for what counts
/// as a failure; a bounded history of transitions; events as an
/// `AsyncSequence`; metrics through swift-metrics; and, beyond Resilience4j, a
/// state shared through a `BreakerStateStore` so several nodes trip together.
///
/// ```swift
/// let breaker = try CircuitBreaker(name: "redis", configuration: .init(minimumNumberOfCalls: 20))
/// let value = try await breaker.run { try await redis.get("key") }
/// ```
///
/// On the success path of a closed breaker, ``run(_:)`` is inlined into the
/// caller, admits with one atomic load, records under the lock once, allocates
/// nothing, builds no event unless someone subscribed to ``events``, and reads
/// the clock only when calls are timed (`slowCallRateThreshold` below 100 % or
/// a time-based window). Half-open admission always takes the lock, so exactly
/// N probes pass. A refused call throws `WhaleError(.circuitOpen)`, which is
/// not retriable.
///
/// Metrics: the gauge `whale_circuit_breaker_state` (``CircuitBreakerState/metricValue``)
/// with the dimension `name`, and the counter `whale_circuit_breaker_calls` with
/// the dimensions `name` and `outcome` (`successful`, `failed`, `ignored`,
/// `not_permitted`).
public final class CircuitBreaker: ResiliencePolicy, Sendable {
    /// A permission to make one call, from ``acquirePermission()``. Hand it back
    /// with ``onSuccess(duration:permit:)``, ``onError(_:duration:permit:)`` or
    /// ``releasePermission(_:)``, so the outcome counts only for the state that
    /// admitted the call (an outcome that arrives after the breaker changed
    /// state is not recorded in the new state's window).
    public struct Permit: Hashable, Sendable {
        @usableFromInline
        enum Mode: UInt8, Hashable, Sendable {
            case closed
            case halfOpen
            case disabled
        }

        @usableFromInline let generation: UInt64
        @usableFromInline let mode: Mode
    }

    /// The breaker's numbers at one moment, from ``metrics``.
    public struct MetricsSnapshot: Hashable, Sendable {
        /// The state.
        public var state: CircuitBreakerState
        /// Failed calls in percent of the calls in the window (in half-open: of
        /// the probes that reported), or `nil` while the window holds fewer than
        /// the minimum number of calls (Resilience4j reports -1).
        public var failureRate: Double?
        /// Slow calls in percent of the calls in the window, or `nil` like ``failureRate``.
        public var slowCallRate: Double?
        /// Calls recorded in the window (in half-open: probes that reported).
        public var numberOfCalls: Int
        /// Calls in the window that succeeded.
        public var numberOfSuccessfulCalls: Int
        /// Calls in the window that failed.
        public var numberOfFailedCalls: Int
        /// Calls in the window that took at least `slowCallDurationThreshold`.
        public var numberOfSlowCalls: Int
        /// Slow calls that succeeded.
        public var numberOfSlowSuccessfulCalls: Int
        /// Slow calls that failed.
        public var numberOfSlowFailedCalls: Int
        /// Calls refused since the breaker was created or last ``CircuitBreaker/reset()``.
        public var numberOfNotPermittedCalls: Int
    }

    /// The state machine behind the lock.
    ///
    /// The window comes first, so that what a recording writes (the lock word,
    /// the ring's head and running totals) shares as few cache lines as possible.
    private struct Machine {
        var window: BreakerSlidingWindow
        var state: CircuitBreakerState = .closed
        /// Bumped on every transition and reset; permits carry it.
        var generation: UInt64 = 0
        /// When the current state began (for an adopted remote state: the record's `since`).
        var since: WhaleInstant
        /// The half-open probes' outcomes (a count-based window of N).
        var probes: BreakerSlidingWindow
        /// Half-open permits granted and not returned (reported ones included).
        var probesIssued = 0
        var openUntil: WhaleInstant?
        var halfOpenUntil: WhaleInstant?
        var consecutiveOpenings = 0
        var notPermitted = 0
        /// The node whose record put the breaker in its current state, if any.
        var remoteOrigin: String?
        var history: [CircuitBreakerTransition] = []
        var timer: Task<Void, Never>?
    }

    /// What has to happen outside the lock after a transition. A class, so
    /// that the `Effects?` every recording returns is one word (`nil` on the
    /// hot path) instead of a large struct copied out of the lock.
    private final class Effects: Sendable {
        let transition: CircuitBreakerTransition
        let cancelledTimer: Task<Void, Never>?
        let timerDeadline: WhaleInstant?
        let generation: UInt64
        let record: BreakerStateRecord?

        init(
            transition: CircuitBreakerTransition,
            cancelledTimer: Task<Void, Never>?,
            timerDeadline: WhaleInstant?,
            generation: UInt64,
            record: BreakerStateRecord?
        ) {
            self.transition = transition
            self.cancelledTimer = cancelledTimer
            self.timerDeadline = timerDeadline
            self.generation = generation
            self.record = record
        }
    }

    private enum Admission: Sendable {
        case permitted(Permit)
        case rejected(CircuitBreakerState, remaining: Duration?)
    }

    private struct Writer {
        var pending: BreakerStateRecord?
        var task: Task<Void, Never>?
    }

    /// The breaker's name: the `name` dimension of its metrics, its key in a
    /// ``CircuitBreakerRegistry`` and in the shared state store.
    public let name: String
    /// The configuration it was created with.
    public let configuration: CircuitBreakerConfiguration
    /// The name this node writes into shared state records. Default: `"local"`.
    public let nodeID: String
    /// How often ``runSynchronization()`` reads the shared state. Default: 1 s.
    public let syncInterval: Duration

    @usableFromInline let clock: any WhaleClock
    /// Whether ``run(_:)`` reads the clock around the operation.
    @usableFromInline let timesCalls: Bool
    private let isTimeBased: Bool
    private let minimumCalls: Int
    private let broadcaster = EventBroadcaster<CircuitBreakerEvent>()
    /// `generation << 8 | state`, written under the lock, read without it by
    /// ``acquirePermission()`` in closed and disabled states.
    private let stateWord = Atomic<UInt64>(UInt64(CircuitBreakerState.closed.base.rawValue))
    /// Set by the first subscription: until then no event is even built.
    private let subscribed = Atomic<Bool>(false)
    /// ThreadSanitizer's annotation hooks, read once (`nil` outside TSan builds).
    private let stateStore: (any BreakerStateStore)?
    private let writer = Mutex(Writer())
    private let logger: Logger
    private let stateGauge: Gauge
    private let successfulCalls: Counter
    private let failedCalls: Counter
    private let ignoredCalls: Counter
    private let notPermittedCalls: Counter
    /// Last, so the read-mostly fields above do not share its cache lines.
    private let machine: Mutex<Machine>

    /// Creates a closed breaker.
    /// - Parameters:
    ///   - name: the breaker's name; must not be empty.
    ///   - configuration: thresholds, window and waits. Default: `CircuitBreakerConfiguration()`.
    ///   - clock: the clock for windows, waits and durations. Default: `SystemClock()`.
    ///   - stateStore: where the state is shared with other nodes. Default: none.
    ///   - nodeID: this node's name in shared records. Default: `"local"`.
    ///   - syncInterval: how often ``runSynchronization()`` reads the store. Default: 1 s.
    ///   - metricsFactory: where the metrics go. Default: the factory
    ///     `MetricsSystem` was bootstrapped with.
    ///   - logger: transitions (info) and store failures (warning). Default: label
    ///     `whale.resilience.circuit-breaker`.
    /// - Throws: `WhaleError(.invalidConfiguration)` naming `name`, `nodeID` or
    ///   `syncInterval` when one is empty or not positive.
    public init(
        name: String,
        configuration: CircuitBreakerConfiguration = CircuitBreakerConfiguration(),
        clock: any WhaleClock = SystemClock(),
        stateStore: (any BreakerStateStore)? = nil,
        nodeID: String = "local",
        syncInterval: Duration = .seconds(1),
        metricsFactory: any MetricsFactory = MetricsSystem.factory,
        logger: Logger = Logger(label: "whale.resilience.circuit-breaker")
    ) throws {
        try ConfigurationCheck.require(!name.isEmpty, "name", "must not be empty")
        try ConfigurationCheck.require(!nodeID.isEmpty, "nodeID", "must not be empty")
        try ConfigurationCheck.positive(syncInterval, "syncInterval")
        self.name = name
        self.configuration = configuration
        self.nodeID = nodeID
        self.syncInterval = syncInterval
        self.clock = clock
        self.timesCalls = configuration.timesCalls
        self.isTimeBased = configuration.slidingWindow.isTimeBased
        self.minimumCalls = configuration.effectiveMinimumNumberOfCalls
        self.stateStore = stateStore
        self.machine = Mutex(
            Machine(
                window: BreakerSlidingWindow(configuration.slidingWindow),
                since: clock.now,
                probes: BreakerSlidingWindow(countBased: configuration.permittedCallsInHalfOpenState)
            )
        )
        var logger = logger
        logger[metadataKey: "circuit_breaker"] = .string(name)
        self.logger = logger
        self.stateGauge = Gauge(
            label: "whale_circuit_breaker_state", dimensions: [("name", name)], factory: metricsFactory)
        func calls(_ outcome: String) -> Counter {
            Counter(
                label: "whale_circuit_breaker_calls", dimensions: [("name", name), ("outcome", outcome)],
                factory: metricsFactory)
        }
        self.successfulCalls = calls("successful")
        self.failedCalls = calls("failed")
        self.ignoredCalls = calls("ignored")
        self.notPermittedCalls = calls("not_permitted")
        stateGauge.record(CircuitBreakerState.closed.metricValue)
    }

    deinit {
        withMachine { $0.timer }?.cancel()
        broadcaster.finish()
    }

    // MARK: - Running operations

    /// Runs `operation` if the breaker permits it, records its outcome and
    /// returns its result.
    ///
    /// The zero-allocation path: `operation` is neither escaping nor `@Sendable`,
    /// and runs on the caller's executor.
    /// - Throws: `WhaleError(.circuitOpen)` when the breaker refuses the call,
    ///   otherwise whatever `operation` throws. Cancellation is never recorded
    ///   as a failure; a cancelled half-open probe returns its permit.
    @inlinable
    nonisolated(nonsending)
    public func run<Result>(_ operation: () async throws -> Result) async throws -> Result {
        let permit = try acquirePermission()
        let start: WhaleInstant? = timesCalls && permit.mode != .disabled ? clock.now : nil
        let result: Result
        do {
            result = try await operation()
        } catch {
            _recordError(error, permit: permit, start: start)
            throw error
        }
        _recordSuccess(permit: permit, start: start)
        return result
    }

    /// The success half of ``run(_:)`` (inlined into callers, so not private).
    @usableFromInline
    func _recordSuccess(permit: Permit, start: WhaleInstant?) {
        if permit.mode == .disabled { return }
        guard let start else {
            record(permit: permit, failure: false, duration: nil, second: 0, error: nil)
            return
        }
        let end = clock.now
        record(
            permit: permit, failure: false, duration: start.duration(to: end), second: end.secondsSinceEpoch, error: nil
        )
    }

    /// The error half of ``run(_:)``: cancellation and errors the predicate
    /// rejects are ignored, the rest recorded as failures.
    @usableFromInline
    func _recordError(_ error: any Error, permit: Permit, start: WhaleInstant?) {
        if permit.mode == .disabled { return }
        let end = start.map { _ in clock.now }
        let duration = start.flatMap { start in end.map { start.duration(to: $0) } }
        if Self.isCancellation(error) || Task.isCancelled || !configuration.recordFailure(error) {
            ignore(error, permit: permit, duration: duration)
        } else {
            record(permit: permit, failure: true, duration: duration, second: end?.secondsSinceEpoch ?? 0, error: error)
        }
    }

    /// Runs `operation` under the breaker: the `ResiliencePolicy` requirement,
    /// built on ``run(_:)``.
    @inlinable
    public func execute<Result: Sendable>(
        _ operation: @escaping @Sendable () async throws -> Result
    ) async throws -> Result {
        try await run(operation)
    }

    // MARK: - Low-level API (Resilience4j's acquirePermission / onSuccess / onError / releasePermission)

    /// Asks for permission to make one call. Every granted permit must be
    /// handed back exactly once, with ``onSuccess(duration:permit:)``,
    /// ``onError(_:duration:permit:)`` or ``releasePermission(_:)``; in half-open
    /// a permit that is never handed back holds one of the N probe slots (until
    /// `maxWaitInHalfOpen`, when set).
    /// - Returns: the permit.
    /// - Throws: `WhaleError(.circuitOpen)` when the breaker refuses the call.
    @discardableResult
    public func acquirePermission() throws -> Permit {
        // Closed and disabled admit without the lock: one atomic load. A call
        // admitted just as another thread opens the breaker carries the old
        // generation, so its outcome is not recorded in the new state.
        let word = stateWord.load(ordering: .acquiring)
        switch CircuitBreakerState.Base(rawValue: UInt8(truncatingIfNeeded: word)) {
        case .closed: return Permit(generation: word >> 8, mode: .closed)
        case .disabled: return Permit(generation: word >> 8, mode: .disabled)
        default: return try acquirePermissionSlowly()
        }
    }

    /// Like ``acquirePermission()``, but returns `nil` instead of throwing when
    /// the breaker refuses the call (the refusal is still counted and emitted).
    public func tryAcquirePermission() -> Permit? {
        try? acquirePermission()
    }

    /// Records a successful call.
    /// - Parameters:
    ///   - duration: how long the call took (compared with `slowCallDurationThreshold`).
    ///   - permit: the permit the call was made under; `nil` records it for the
    ///     current state, as Resilience4j does.
    public func onSuccess(duration: Duration, permit: Permit? = nil) {
        if permit?.mode == .disabled { return }
        record(permit: permit, failure: false, duration: duration, second: currentSecondIfNeeded(), error: nil)
    }

    /// Records a failed call: a failure when the configuration's predicate says
    /// so; otherwise (or when it is a cancellation) the error is ignored and the
    /// permit returned.
    /// - Parameters:
    ///   - error: what the call threw.
    ///   - duration: how long the call took.
    ///   - permit: the permit the call was made under; `nil` means the current state.
    public func onError(_ error: any Error, duration: Duration, permit: Permit? = nil) {
        if permit?.mode == .disabled { return }
        if Self.isCancellation(error) || !configuration.recordFailure(error) {
            ignore(error, permit: permit, duration: duration)
        } else {
            record(permit: permit, failure: true, duration: duration, second: currentSecondIfNeeded(), error: error)
        }
    }

    /// Returns a permit without recording an outcome (the call was not made, or
    /// was cancelled). In half-open the probe slot becomes free for another call.
    /// - Parameter permit: the permit to return; `nil` returns one of the current state's.
    public func releasePermission(_ permit: Permit? = nil) {
        withMachine { machine in
            Self.release(&machine, permit: permit)
        }
    }

    // MARK: - State and manual control (breaker manager: check_state, trip_breaker, reset_breaker)

    /// The current state (`check_state`). An open breaker whose wait has passed
    /// reports `open` until the next call moves it to half-open (unless
    /// `automaticTransitionFromOpenToHalfOpen` is set).
    public var state: CircuitBreakerState {
        withMachine { $0.state }
    }

    /// The last transitions, oldest first, at most `historyCapacity` of them (`store_history`).
    public var history: [CircuitBreakerTransition] {
        withMachine { $0.history }
    }

    /// The numbers of the current window.
    public var metrics: MetricsSnapshot {
        let second = configuration.slidingWindow.isTimeBased ? clock.now.secondsSinceEpoch : 0
        return withMachine { machine in
            let halfOpen = machine.state == .halfOpen
            let totals = halfOpen ? machine.probes.totals : machine.window.totals(asOf: second)
            let minimum = halfOpen ? configuration.permittedCallsInHalfOpenState : minimumCalls
            let enough = totals.calls > 0 && totals.calls >= minimum
            return MetricsSnapshot(
                state: machine.state,
                failureRate: enough ? Self.rate(totals.failures, of: totals.calls) : nil,
                slowCallRate: enough ? Self.rate(totals.slowCalls, of: totals.calls) : nil,
                numberOfCalls: totals.calls,
                numberOfSuccessfulCalls: totals.calls - totals.failures,
                numberOfFailedCalls: totals.failures,
                numberOfSlowCalls: totals.slowCalls,
                numberOfSlowSuccessfulCalls: totals.slowCalls - totals.slowFailures,
                numberOfSlowFailedCalls: totals.slowFailures,
                numberOfNotPermittedCalls: machine.notPermitted
            )
        }
    }

    /// The breaker's events from now on: transitions, outcomes, refusals and
    /// resets, in the order they happened. Each access is a new subscription;
    /// a subscriber that falls behind keeps the newest 256 events.
    public var events: AsyncStream<CircuitBreakerEvent> {
        subscribed.store(true, ordering: .relaxed)
        return broadcaster.subscribe()
    }

    /// Opens the breaker now (`trip_breaker`); it moves to half-open after the
    /// wait in open as usual. Does nothing when it is open already.
    /// - Parameter reason: kept in the history and the shared record. Default: `"opened by operator"`.
    public func transitionToOpen(reason: String = "opened by operator") {
        manualTransition(to: .open, reason: reason)
    }

    /// Moves the breaker to half-open now, to probe before the wait has passed.
    /// - Parameter reason: kept in the history. Default: `"half-open by operator"`.
    public func transitionToHalfOpen(reason: String = "half-open by operator") {
        manualTransition(to: .halfOpen, reason: reason)
    }

    /// Closes the breaker with an empty window.
    /// - Parameter reason: kept in the history. Default: `"closed by operator"`.
    public func transitionToClosed(reason: String = "closed by operator") {
        manualTransition(to: .closed, reason: reason)
    }

    /// Refuses every call until another manual transition or ``reset()``.
    /// - Parameter reason: kept in the history. Default: `"forced open by operator"`.
    public func transitionToForcedOpen(reason: String = "forced open by operator") {
        manualTransition(to: .forcedOpen, reason: reason)
    }

    /// Lets every call through and records nothing until another manual
    /// transition or ``reset()``.
    /// - Parameter reason: kept in the history. Default: `"disabled by operator"`.
    public func transitionToDisabled(reason: String = "disabled by operator") {
        manualTransition(to: .disabled, reason: reason)
    }

    /// Closes the breaker, empties its window, forgets consecutive openings and
    /// refusals (`reset_breaker`). Emits a transition event (if it was not
    /// closed) and a reset event; outcomes of calls admitted before are ignored.
    public func reset() {
        let now = clock.now
        let effects = withMachine { machine -> Effects? in
            var effects: Effects?
            if machine.state != .closed {
                effects = transition(&machine, to: .closed, at: now, reason: "reset")
            } else {
                machine.generation &+= 1
                publish(machine)
                machine.window.reset()
                machine.remoteOrigin = nil
            }
            machine.consecutiveOpenings = 0
            machine.notPermitted = 0
            emit(CircuitBreakerEvent(kind: .reset, breaker: name))
            return effects
        }
        if let effects { apply(effects) }
    }

    // MARK: - Shared state

    /// Reads this breaker's record from the shared store and adopts it when
    /// another node wrote it:
    /// - `open` / `forced_open` is adopted by a closed or half-open breaker when
    ///   the record is newer than the local state (or this breaker has never
    ///   changed state, so a node that starts late joins an open cluster); an
    ///   `open` record whose wait has passed is not adopted.
    /// - `closed` is adopted only by a breaker that refuses calls because of an
    ///   earlier remote record, when the record is newer.
    ///
    /// Adopted states are not written back. Never called on the call path: call
    /// it yourself or run ``runSynchronization()``. A store error is logged and
    /// the local state kept.
    public func synchronize() async {
        guard let stateStore else { return }
        let record: BreakerStateRecord?
        do {
            record = try await stateStore.read(breaker: name)
        } catch {
            logger.warning("could not read the shared circuit breaker state", metadata: ["error": "\(error)"])
            return
        }
        guard let record, record.origin != nodeID, let remote = CircuitBreakerState(name: record.state) else { return }
        let now = clock.now
        let effects = withMachine { machine -> Effects? in
            switch remote.base {
            case .open, .forcedOpen:
                guard machine.state == .closed || machine.state == .halfOpen else { return nil }
                guard record.since > machine.since || machine.history.isEmpty else { return nil }
                if remote == .open, let until = record.openUntil, until <= now { return nil }
                return transition(
                    &machine, to: remote, at: now, reason: "\(record.origin): \(record.reason)", remote: record)
            case .closed:
                guard machine.remoteOrigin != nil, machine.state.refusesCalls, record.since > machine.since else {
                    return nil
                }
                return transition(
                    &machine, to: .closed, at: now, reason: "\(record.origin): \(record.reason)", remote: record)
            default:
                return nil
            }
        }
        if let effects { apply(effects) }
    }

    /// Calls ``synchronize()`` every ``syncInterval`` on the breaker's clock until
    /// the task is cancelled. Does nothing without a state store.
    public func runSynchronization() async {
        guard stateStore != nil else { return }
        while !Task.isCancelled {
            await synchronize()
            do {
                try await clock.sleep(until: clock.now.advanced(by: syncInterval), tolerance: nil)
            } catch {
                return
            }
        }
    }

    /// Returns once every state record written so far has reached the store
    /// (records are written in the background, never on the caller's path).
    public func flushStateStore() async {
        while let task = writer.locked({ $0.task }) {
            await task.value
        }
    }

    // MARK: - Internals

    /// Runs `body` with the state machine locked (`Mutex.locked` of
    /// CoreProtocols: a critical section ThreadSanitizer can see).
    @inline(__always)
    private func withMachine<Result, E: Error>(
        _ body: (inout sending Machine) throws(E) -> sending Result
    ) throws(E) -> sending Result {
        try machine.locked(body)
    }

    /// Publishes state and generation for the lock-free admission of
    /// ``acquirePermission()``; called under the lock on every change of either.
    private func publish(_ machine: borrowing Machine) {
        stateWord.store(machine.generation << 8 | UInt64(machine.state.base.rawValue), ordering: .releasing)
    }

    /// Delivers an event built only when someone has subscribed.
    @inline(__always)
    private func emit(_ event: @autoclosure () -> CircuitBreakerEvent) {
        if subscribed.load(ordering: .relaxed) {
            broadcaster.emit(event())
        }
    }

    private func acquirePermissionSlowly() throws -> Permit {
        let now = clock.now
        let (admission, effects) = withMachine { machine -> (Admission, Effects?) in
            switch machine.state.base {
            case .closed:
                return (.permitted(Permit(generation: machine.generation, mode: .closed)), nil)
            case .disabled:
                return (.permitted(Permit(generation: machine.generation, mode: .disabled)), nil)
            case .open:
                if let until = machine.openUntil, now >= until {
                    let wait = machine.openUntil.map { machine.since.duration(to: $0) } ?? .zero
                    let effects = transition(
                        &machine, to: .halfOpen, at: now, reason: "wait in open of \(Self.format(wait)) passed")
                    machine.probesIssued = 1
                    return (.permitted(Permit(generation: machine.generation, mode: .halfOpen)), effects)
                }
                return (refuse(&machine, remaining: machine.openUntil.map { now.duration(to: $0) }), nil)
            case .halfOpen:
                if let deadline = machine.halfOpenUntil, now >= deadline {
                    let reason =
                        "no decision within the max wait in half-open of \(Self.format(configuration.maxWaitInHalfOpen ?? .zero))"
                    let effects = transition(&machine, to: .open, at: now, reason: reason)
                    return (refuse(&machine, remaining: machine.openUntil.map { now.duration(to: $0) }), effects)
                }
                if machine.probesIssued < configuration.permittedCallsInHalfOpenState {
                    machine.probesIssued += 1
                    return (.permitted(Permit(generation: machine.generation, mode: .halfOpen)), nil)
                }
                return (refuse(&machine, remaining: nil), nil)
            case .forcedOpen:
                return (refuse(&machine, remaining: nil), nil)
            }
        }
        if let effects { apply(effects) }
        switch admission {
        case .permitted(let permit):
            return permit
        case .rejected(let state, let remaining):
            notPermittedCalls.increment()
            throw WhaleError(.circuitOpen, rejectionMessage(state: state, remaining: remaining))
        }
    }

    private func refuse(_ machine: inout Machine, remaining: Duration?) -> Admission {
        machine.notPermitted += 1
        emit(CircuitBreakerEvent(kind: .callNotPermitted, breaker: name))
        return .rejected(machine.state, remaining: remaining)
    }

    private func rejectionMessage(state: CircuitBreakerState, remaining: Duration?) -> String {
        switch state.base {
        case .open:
            if let remaining, remaining > .zero {
                return "circuit breaker '\(name)' is open; probes pass again in \(Self.format(remaining))"
            }
            return "circuit breaker '\(name)' is open"
        case .halfOpen:
            let permits = configuration.permittedCallsInHalfOpenState
            return "circuit breaker '\(name)' is half_open and all \(permits) probe permits are in use"
        default:
            return "circuit breaker '\(name)' is \(state.name)"
        }
    }

    private func ignore(_ error: any Error, permit: Permit?, duration: Duration?) {
        withMachine { machine in
            emit(CircuitBreakerEvent(kind: .ignoredError, breaker: name, duration: duration, error: error))
            Self.release(&machine, permit: permit)
        }
        ignoredCalls.increment()
    }

    private static func release(_ machine: inout Machine, permit: Permit?) {
        guard permit.map({ $0.generation == machine.generation && $0.mode == .halfOpen }) ?? true,
            machine.state == .halfOpen,
            machine.probesIssued > machine.probes.totals.calls
        else { return }
        machine.probesIssued -= 1
    }

    /// Records a success or a failure for the state that granted `permit`.
    private func record(permit: Permit?, failure: Bool, duration: Duration?, second: Int64, error: (any Error)?) {
        let slow = duration.map { $0 >= configuration.slowCallDurationThreshold } ?? false
        let effects = withMachine { machine -> Effects? in
            emit(
                CircuitBreakerEvent(kind: failure ? .error : .success, breaker: name, duration: duration, error: error))
            if let permit, permit.generation != machine.generation { return nil }
            switch machine.state.base {
            case .closed:
                let evaluatedBefore = machine.window.totals.calls >= minimumCalls
                machine.window.record(failure: failure, slow: slow, second: second)
                // In a count-based window that was evaluated before, a fast success
                // lowers or keeps both rates: there is nothing to decide.
                if !failure && !slow && evaluatedBefore && !isTimeBased { return nil }
                return evaluateClosed(&machine)
            case .halfOpen:
                guard machine.probes.totals.calls < machine.probesIssued else { return nil }
                machine.probes.record(failure: failure, slow: slow, second: 0)
                guard machine.probes.totals.calls >= configuration.permittedCallsInHalfOpenState else { return nil }
                return evaluateHalfOpen(&machine)
            default:
                return nil
            }
        }
        if failure { failedCalls.increment() } else { successfulCalls.increment() }
        if let effects { apply(effects) }
    }

    private func evaluateClosed(_ machine: inout Machine) -> Effects? {
        let totals = machine.window.totals
        guard totals.calls >= minimumCalls else { return nil }
        let calls = Double(totals.calls)
        if Double(totals.failures) * 100 >= configuration.failureRateThreshold * calls {
            let failureRate = Self.rate(totals.failures, of: totals.calls)
            let reason =
                "failure rate \(Self.format(failureRate)) % ≥ \(Self.format(configuration.failureRateThreshold)) %"
            return transition(&machine, to: .open, at: clock.now, reason: reason)
        }
        if Double(totals.slowCalls) * 100 >= configuration.slowCallRateThreshold * calls {
            let slowRate = Self.rate(totals.slowCalls, of: totals.calls)
            let reason =
                "slow-call rate \(Self.format(slowRate)) % ≥ \(Self.format(configuration.slowCallRateThreshold)) %"
            return transition(&machine, to: .open, at: clock.now, reason: reason)
        }
        return nil
    }

    private func evaluateHalfOpen(_ machine: inout Machine) -> Effects? {
        let totals = machine.probes.totals
        let failureRate = Self.rate(totals.failures, of: totals.calls)
        let slowRate = Self.rate(totals.slowCalls, of: totals.calls)
        let probes = "\(totals.calls) probes"
        if failureRate >= configuration.failureRateThreshold {
            let reason =
                "\(probes): failure rate \(Self.format(failureRate)) % ≥ \(Self.format(configuration.failureRateThreshold)) %"
            return transition(&machine, to: .open, at: clock.now, reason: reason)
        }
        if slowRate >= configuration.slowCallRateThreshold {
            let reason =
                "\(probes): slow-call rate \(Self.format(slowRate)) % ≥ \(Self.format(configuration.slowCallRateThreshold)) %"
            return transition(&machine, to: .open, at: clock.now, reason: reason)
        }
        let reason =
            "\(probes): failure rate \(Self.format(failureRate)) % < \(Self.format(configuration.failureRateThreshold)) %"
        return transition(&machine, to: .closed, at: clock.now, reason: reason)
    }

    private func manualTransition(to target: CircuitBreakerState, reason: String) {
        let now = clock.now
        let effects = withMachine { machine -> Effects? in
            guard machine.state != target else { return nil }
            return transition(&machine, to: target, at: now, reason: reason)
        }
        if let effects { apply(effects) }
    }

    /// Changes the state under the lock: resets what the new state starts
    /// with, appends to the history, emits the event. The caller hands the
    /// result to ``apply(_:)`` after unlocking.
    private func transition(
        _ machine: inout Machine,
        to target: CircuitBreakerState,
        at now: WhaleInstant,
        reason: String,
        remote: BreakerStateRecord? = nil
    ) -> Effects {
        let from = machine.state
        machine.state = target
        machine.generation &+= 1
        publish(machine)
        machine.since = remote?.since ?? now
        machine.remoteOrigin = remote?.origin
        machine.openUntil = nil
        machine.halfOpenUntil = nil
        var timerDeadline: WhaleInstant?
        switch target.base {
        case .closed:
            machine.window.reset()
            machine.consecutiveOpenings = 0
        case .open:
            if let until = remote?.openUntil {
                machine.openUntil = until
            } else {
                if remote == nil { machine.consecutiveOpenings += 1 }
                let wait = configuration.waitInOpen.duration(forOpening: max(machine.consecutiveOpenings, 1))
                machine.openUntil = now.advanced(by: wait)
            }
            if configuration.automaticTransitionFromOpenToHalfOpen { timerDeadline = machine.openUntil }
        case .halfOpen:
            machine.probes.reset()
            machine.probesIssued = 0
            machine.halfOpenUntil = configuration.maxWaitInHalfOpen.map { now.advanced(by: $0) }
            timerDeadline = machine.halfOpenUntil
        case .forcedOpen, .disabled:
            break
        }
        let entry = CircuitBreakerTransition(
            from: from, to: target, at: now, reason: reason, remoteOrigin: remote?.origin)
        let capacity = configuration.historyCapacity
        if machine.history.count >= capacity {
            machine.history.removeFirst(machine.history.count - capacity + 1)
        }
        machine.history.append(entry)
        emit(CircuitBreakerEvent(kind: .stateTransition, breaker: name, transition: entry))
        let cancelled = machine.timer
        machine.timer = nil
        let record =
            remote == nil && stateStore != nil
            ? BreakerStateRecord(
                state: target.name, since: now, openUntil: machine.openUntil, origin: nodeID, reason: reason)
            : nil
        return Effects(
            transition: entry,
            cancelledTimer: cancelled,
            timerDeadline: timerDeadline,
            generation: machine.generation,
            record: record
        )
    }

    /// The side effects of a transition, outside the lock: timers, the state
    /// gauge, the log line and the shared record.
    private func apply(_ effects: Effects) {
        effects.cancelledTimer?.cancel()
        stateGauge.record(effects.transition.to.metricValue)
        logger.info(
            "circuit breaker state changed",
            metadata: [
                "from": .string(effects.transition.from.name),
                "to": .string(effects.transition.to.name),
                "reason": .string(effects.transition.reason),
            ]
        )
        if let record = effects.record { enqueueWrite(record) }
        if let deadline = effects.timerDeadline { schedule(at: deadline, generation: effects.generation) }
    }

    private func schedule(at deadline: WhaleInstant, generation: UInt64) {
        let clock = self.clock
        let task = Task { [weak self] in
            do {
                try await clock.sleep(until: deadline, tolerance: nil)
            } catch {
                return
            }
            self?.timerFired(generation: generation)
        }
        let stale = withMachine { machine -> Bool in
            guard machine.generation == generation, machine.timer == nil else { return true }
            machine.timer = task
            return false
        }
        if stale { task.cancel() }
    }

    private func timerFired(generation: UInt64) {
        let now = clock.now
        let effects = withMachine { machine -> Effects? in
            guard machine.generation == generation else { return nil }
            machine.timer = nil
            switch machine.state.base {
            case .open:
                let wait = machine.openUntil.map { machine.since.duration(to: $0) } ?? .zero
                return transition(
                    &machine, to: .halfOpen, at: now, reason: "wait in open of \(Self.format(wait)) passed")
            case .halfOpen:
                let maximum = configuration.maxWaitInHalfOpen ?? .zero
                return transition(
                    &machine, to: .open, at: now,
                    reason: "no decision within the max wait in half-open of \(Self.format(maximum))")
            default:
                return nil
            }
        }
        if let effects { apply(effects) }
    }

    private func enqueueWrite(_ record: BreakerStateRecord) {
        guard let stateStore else { return }
        writer.locked { writer in
            writer.pending = record
            if writer.task == nil {
                writer.task = Task { await self.drainWrites(to: stateStore) }
            }
        }
    }

    /// Writes pending records one at a time, so the store sees them in order;
    /// records that pile up during a write are coalesced to the newest.
    private func drainWrites(to store: any BreakerStateStore) async {
        while true {
            let next = writer.locked { writer -> BreakerStateRecord? in
                if let pending = writer.pending {
                    writer.pending = nil
                    return pending
                }
                writer.task = nil
                return nil
            }
            guard let next else { return }
            do {
                try await store.write(breaker: name, record: next)
            } catch {
                logger.warning(
                    "could not write the shared circuit breaker state",
                    metadata: ["state": .string(next.state), "error": "\(error)"]
                )
            }
        }
    }

    private func currentSecondIfNeeded() -> Int64 {
        configuration.slidingWindow.isTimeBased ? clock.now.secondsSinceEpoch : 0
    }

    private static func isCancellation(_ error: any Error) -> Bool {
        error is CancellationError || (error as? WhaleError)?.code == .cancelled
    }

    private static func rate(_ part: Int, of whole: Int) -> Double {
        whole > 0 ? Double(part) * 100 / Double(whole) : 0
    }

    /// `62.5`, `50`: one decimal at most, none when it is whole.
    static func format(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        if rounded == rounded.rounded(), abs(rounded) < 1e15 {
            return String(Int64(rounded))
        }
        return String(rounded)
    }

    /// `60 s`, `2.5 s`, `250 ms`.
    static func format(_ duration: Duration) -> String {
        let nanoseconds = duration.whaleNanoseconds
        if nanoseconds != 0, abs(nanoseconds) < 1_000_000_000 {
            return "\(format(Double(nanoseconds) / 1_000_000)) ms"
        }
        return "\(format(Double(nanoseconds) / 1_000_000_000)) s"
    }
}
