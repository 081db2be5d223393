import CoreProtocols
import Dispatch
import Foundation
import Logging
import Synchronization

/// The engine of one ``KafkaSubscription``: a dedicated polling thread that
/// owns the librdkafka consumer, a dispatcher task that hands buffered
/// messages to the handler, and the bookkeeping between them.
///
/// Threads and tasks:
/// - the polling thread (never Swift's cooperative pool) makes every call on
///   the consumer: poll, pause/resume, offset store, commit, close. The
///   rebalance callback runs there too, so a revoke may block it while it
///   waits for the revoked partitions' handlers (up to
///   ``KafkaSubscriptionOptions/revocationTimeout``);
/// - the dispatcher task takes messages from the book and runs the handler,
///   inline when ``KafkaSubscriptionOptions/maxInFlight`` is 1, else in child
///   tasks, at most that many at once;
/// - results go back into the book; the polling thread stores the offsets of
///   gap-free runs of handled messages, which auto-commit (or an explicit
///   commit) sends to the group.
final class KafkaSubscriptionCore: Sendable {
    let topic: String
    let group: String
    let options: KafkaSubscriptionOptions
    let deadLetterTopic: String?

    private let handler: @Sendable (InboundMessage) async throws -> Void
    private let deadLetterProducer: KafkaProducer?
    private let properties: [(String, String)]
    private let metrics: ConsumerMetrics
    private let logger: Logger
    private let state: Mutex<Locked>
    private let dispatcher = Mutex<Task<Void, Never>?>(nil)

    /// Fires when the polling thread subscribed, or failed to.
    private let started = ConsumerSignal()
    /// Fires at the first assignment, or when the consumer closed without one.
    let firstAssignment = ConsumerSignal()
    /// Fires when, while stopping, no handler call runs any more.
    private let drained = ConsumerSignal()
    /// Fires when the polling thread closed and destroyed the consumer.
    let closed = ConsumerSignal()

    /// A call the polling thread makes on the consumer for a task.
    struct PollThreadRequest: Sendable {
        let run: @Sendable (RDKafkaConsumerHandle) -> Void
        let refuse: @Sendable () -> Void
    }

    /// Handler calls a revoke waits for.
    struct RevokeWaiter: Sendable {
        let partitions: [Int32]
        let semaphore: DispatchSemaphore
    }

    struct Locked: ~Copyable {
        var book: ConsumerBook
        var statistics = KafkaSubscriptionStatistics()
        var dispatcherWaiter: UnsafeContinuation<Void, Never>?
        var revokeWaiter: RevokeWaiter?
        /// The polling thread, waiting for room in a full buffer.
        var roomWaiter: DispatchSemaphore?
        var requests: [PollThreadRequest] = []
        /// Set by the polling thread; read by it each round.
        var isPaused = false
        var stopRequested = false
        var closeRequested = false
        var isClosing = false
        var pollThreadEnded = false
        /// Whether a partition of the topic was ever assigned.
        var wasAssigned = false
        var startupError: WhaleError?
        var failure: WhaleError?
    }

    init(
        topic: String,
        group: String,
        options: KafkaSubscriptionOptions,
        configuration: KafkaConfiguration,
        deadLetterProducer: KafkaProducer?,
        handler: @escaping @Sendable (InboundMessage) async throws -> Void,
        logger: Logger,
        metrics: ConsumerMetrics
    ) {
        self.topic = topic
        self.group = group
        self.options = options
        self.deadLetterTopic = deadLetterProducer == nil ? nil : options.deadLetterTopic.topic(for: topic)
        self.deadLetterProducer = deadLetterProducer
        self.handler = handler
        self.properties = Self.properties(configuration: configuration, group: group, options: options)
        self.metrics = metrics
        var logger = logger
        logger[metadataKey: "kafka.topic"] = "\(topic)"
        logger[metadataKey: "kafka.group"] = "\(group)"
        self.logger = logger
        self.state = Mutex(
            Locked(
                book: ConsumerBook(
                    maxInFlight: options.maxInFlight,
                    preservesPartitionOrder: options.preservesPartitionOrder,
                    capacity: options.bufferCapacity,
                    priorityOrdering: options.priorityOrdering
                )
            )
        )
    }

    /// The librdkafka properties of the consumer: at-least-once commits
    /// (stored offsets only), the options' timeouts, then the configuration's
    /// own properties, which override them, except for the group id and
    /// `enable.auto.offset.store=false`, which at-least-once delivery needs.
    static func properties(
        configuration: KafkaConfiguration,
        group: String,
        options: KafkaSubscriptionOptions
    ) -> [(String, String)] {
        func ms(_ duration: Duration) -> String { String(max(1, duration.whaleNanoseconds / 1_000_000)) }
        let session = options.sessionTimeout
        var defaults: [(String, String)] = [
            ("group.id", group),
            ("enable.auto.offset.store", "false"),
            ("enable.auto.commit", options.commitInterval > .zero ? "true" : "false"),
            ("auto.offset.reset", options.startFrom.librdkafkaValue),
            ("session.timeout.ms", ms(session)),
            ("heartbeat.interval.ms", ms(min(.seconds(3), session / 3))),
            ("max.poll.interval.ms", ms(max(.seconds(300), session, options.revocationTimeout * 2))),
            ("partition.assignment.strategy", options.partitionAssignment.librdkafkaValue),
            ("enable.partition.eof", "false"),
        ]
        if options.commitInterval > .zero {
            defaults.append(("auto.commit.interval.ms", ms(options.commitInterval)))
        }
        if let interval = options.statisticsInterval {
            defaults.append(("statistics.interval.ms", ms(interval)))
        }
        if KafkaLibrary.versionNumber >= 0x0204_00ff {
            // When librdkafka's prefetch queue is full it stops fetching for
            // `fetch.queue.backoff.ms` (1 s by default, since 2.4.0), which
            // stalls a consumer that drains it quickly: look again soon.
            defaults.append(("fetch.queue.backoff.ms", "10"))
        }
        if let wait = options.maxFetchWait {
            defaults.append(("fetch.wait.max.ms", String(wait.whaleNanoseconds / 1_000_000)))
        }
        return configuration.librdkafkaProperties(defaults: defaults) + [
            ("group.id", group),
            ("enable.auto.offset.store", "false"),
        ]
    }

    // MARK: - Life cycle

    /// Starts the polling thread, waits until it reached the cluster and
    /// subscribed, then starts the dispatcher.
    /// - Throws: what creating, reaching or subscribing failed with.
    func start() async throws {
        let thread = Thread { [self] in pollThreadMain() }
        thread.name = "smart-whale.kafka.consumer"
        thread.start()
        if !(await started.wait()) {
            // The caller was cancelled: the thread cleans up on its own.
            state.locked { state in
                state.stopRequested = true
                state.closeRequested = true
                _ = state.book.beginDrain()
            }
            throw WhaleError(.cancelled, "subscribing to '\(topic)' was cancelled")
        }
        if let error = state.locked({ $0.startupError }) { throw error }
        let task = Task { [self] in await dispatch() }
        dispatcher.locked { $0 = task }
    }

    /// Stops: nothing more is handed out, waiting messages are dropped,
    /// running handler calls get ``KafkaSubscriptionOptions/drainTimeout`` to
    /// finish (then their tasks are cancelled and left behind), handled offsets
    /// are committed and the consumer leaves the group. Idempotent; every
    /// caller returns once the consumer is closed.
    func stop() async {
        let (first, drainedNow) = state.locked { state -> (Bool, Bool) in
            guard !state.stopRequested else { return (false, false) }
            state.stopRequested = true
            let dropped = state.book.beginDrain()
            state.statistics.abandoned += dropped
            state.dispatcherWaiter?.resume()
            state.dispatcherWaiter = nil
            state.roomWaiter?.signal()
            state.roomWaiter = nil
            return (true, state.book.inFlight == 0)
        }
        guard first else {
            _ = await closed.wait()
            return
        }
        if drainedNow { drained.fire() }
        if !(await drained.wait(timeout: options.drainTimeout)) {
            let running = state.locked { $0.book.inFlight }
            logger.warning("gave up waiting for \(running) handler call(s) after \(options.drainTimeout); cancelling them")
            dispatcher.locked { $0 }?.cancel()
        }
        state.locked { $0.closeRequested = true }
        _ = await closed.wait()
    }

    // MARK: - Views

    var statistics: KafkaSubscriptionStatistics {
        state.locked { state in
            var snapshot = state.statistics
            snapshot.buffered = state.book.waiting
            snapshot.inFlight = state.book.inFlight
            snapshot.assignedPartitions = state.book.assigned
            return snapshot
        }
    }

    var failure: WhaleError? { state.locked { $0.failure } }

    var isActive: Bool { state.locked { !$0.stopRequested && !$0.pollThreadEnded } }

    /// Returns once the group assigned at least one partition.
    /// - Throws: `.timeout` when none came within `timeout`; the failure that
    ///   stopped the consumer; `.cancelled` when it was cancelled first.
    func waitForAssignment(timeout: Duration) async throws {
        let fired = await firstAssignment.wait(timeout: timeout)
        let (assigned, failure, stopped) = state.locked { state in
            (state.wasAssigned, state.failure, state.stopRequested || state.pollThreadEnded)
        }
        if assigned { return }
        if let failure { throw failure }
        if stopped { throw WhaleError(.cancelled, "the subscription to '\(topic)' stopped before an assignment") }
        if !fired {
            throw WhaleError(.timeout, "no partition of '\(topic)' was assigned to group '\(group)' within \(timeout)")
        }
    }

    /// The group's committed offsets for the partitions this member holds,
    /// read by the polling thread.
    func committedOffsets(timeout: Duration) async throws -> [Int32: Int64] {
        let topic = self.topic
        return try await onPollThread { handle in
            let partitions = handle.assignment().filter { $0.topic == topic }
            let committed = try handle.committed(partitions, timeout: timeout)
            var result: [Int32: Int64] = [:]
            for (key, offset) in committed { result[key.partition] = offset }
            return result
        }
    }

    /// Runs `body` on the polling thread with the consumer.
    private func onPollThread<Result: Sendable>(
        _ body: @escaping @Sendable (RDKafkaConsumerHandle) throws -> Result
    ) async throws -> Result {
        let handOff = ThreadHandOff<Result>()
        let topic = self.topic
        await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
            let request = PollThreadRequest(
                run: { handle in handOff.deliver(Swift.Result { try body(handle) }, resuming: continuation) },
                refuse: {
                    handOff.deliver(
                        .failure(WhaleError(.cancelled, "the subscription to '\(topic)' is closed")),
                        resuming: continuation
                    )
                }
            )
            let accepted = state.locked { state -> Bool in
                guard !state.pollThreadEnded else { return false }
                state.requests.append(request)
                return true
            }
            if !accepted { request.refuse() }
        }
        return try handOff.take()
    }

    // MARK: - Dispatcher

    /// The most messages the dispatcher takes in one lock acquisition when it
    /// handles one at a time.
    static let runLength = 64

    private func dispatch() async {
        if options.maxInFlight == 1 {
            // One at a time on this task, taking a run of one partition's
            // messages per lock acquisition (one message per run with
            // priority ordering, so a more urgent one never waits behind a
            // run). Each result is booked as soon as it is known (the last one
            // of a run together with taking the next run), so offsets advance
            // while a later handler call hangs or retries. Between messages it
            // checks the partition's gate: a revocation or a stop waits only
            // for the message being handled.
            // No message is kept across the next wait, only a receipt.
            var run: [ConsumerTicket?] = []
            run.reserveCapacity(Self.runLength)
            var finished: (ConsumerReceipt, Outcome)?
            while let gate = await nextRun(finishing: finished, into: &run) {
                finished = nil
                // Each ticket is taken out of the run (no copy).
                for index in run.indices {
                    guard let ticket = run[index].take() else { continue }
                    if let (receipt, outcome) = finished { finish(receipt, outcome) }
                    finished = (ticket.receipt, gate.isClosed ? .abandoned : await process(ticket))
                }
                run.removeAll(keepingCapacity: true)
            }
            return
        }
        await withDiscardingTaskGroup { group in
            while let ticket = await nextTicket() {
                group.addTask { [self] in finish(ticket.receipt, await process(ticket)) }
            }
        }
    }

    /// Takes the next message to handle; `nil` once stopping.
    private func nextTicket() async -> ConsumerTicket? {
        var ticket: ConsumerTicket?
        let handedOut = await handOut(finishing: nil) { book in
            ticket = book.next()
            return ticket != nil
        }
        return handedOut ? ticket : nil
    }

    /// Reports `finishing` (if any), then fills the empty `run` with the next
    /// run of messages to handle (``ConsumerBook/nextRun(limit:into:)``);
    /// returns its partition's gate, `nil` once stopping.
    private func nextRun(finishing: (ConsumerReceipt, Outcome)?, into run: inout [ConsumerTicket?]) async -> ConsumerGate? {
        var gate: ConsumerGate?
        let handedOut = await handOut(finishing: finishing) { book in
            gate = book.nextRun(limit: Self.runLength, into: &run)
            return gate != nil
        }
        return handedOut ? gate : nil
    }

    /// Reports `finishing` (if any) and lets `take` hand out work, in one lock
    /// acquisition; waits for more work while there is none. Returns whether
    /// `take` handed something out, `false` once stopping.
    private func handOut(finishing: (ConsumerReceipt, Outcome)?, _ take: (inout ConsumerBook) -> Bool) async -> Bool {
        enum Step {
            case handedOut
            case stop
            case wait
        }
        var finishing = finishing
        while true {
            var drainedNow = false
            let step = state.locked { state -> Step in
                if let (receipt, outcome) = finishing {
                    drainedNow = Self.record(receipt, outcome, in: &state)
                }
                guard state.book.phase == .running else { return .stop }
                guard take(&state.book) else { return .wait }
                if let waiter = state.roomWaiter, state.book.hasRoom {
                    waiter.signal()
                    state.roomWaiter = nil
                }
                return .handedOut
            }
            finishing = nil
            if drainedNow { drained.fire() }
            switch step {
            case .handedOut: return true
            case .stop: return false
            case .wait: break
            }
            await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
                state.locked { state in
                    if state.book.phase != .running || state.book.hasRunnable {
                        continuation.resume()
                    } else {
                        state.dispatcherWaiter = continuation
                    }
                }
            }
        }
    }

    private enum Outcome {
        case handled
        case deadLettered
        case abandoned
    }

    /// Calls the handler until it succeeds, the attempts are used up (then the
    /// message is dead-lettered) or the message's partition or subscription
    /// goes away.
    ///
    /// The first attempt is inlined into the dispatcher (one async frame per
    /// message fewer); expiry checks and retries are out of line.
    @inline(__always)
    private func process(_ ticket: ConsumerTicket) async -> Outcome {
        if options.enforceExpiry, let expired = await dropIfExpired(ticket) { return expired }
        guard let failure = await attempt(ticket) else { return .handled }
        return await retry(ticket, failedWith: failure)
    }

    /// One handler call: `nil` when it succeeded (and counted), else its error.
    @inline(__always)
    private func attempt(_ ticket: ConsumerTicket) async -> (any Error)? {
        do {
            try await handler(ticket.message)
            metrics.countHandled()
            return nil
        } catch {
            return error
        }
    }

    /// Gives up on an expired request (`ttl`/`expires_at` passed): its outcome,
    /// or `nil` when it has not expired.
    private func dropIfExpired(_ ticket: ConsumerTicket) async -> Outcome? {
        guard let found = InProcessBusRules.expiry(of: ticket.message.value), SystemClock().now >= found.expiry.instant else {
            return nil
        }
        let reason = WhaleError(.timeout, "request \(found.requestID) expired at \(found.expiry.text) before it was handled")
        logger.warning(
            "expired request not handled",
            metadata: [
                "kafka.partition": "\(ticket.message.partition)", "kafka.offset": "\(ticket.message.offset)",
                "request_id": "\(found.requestID)",
            ]
        )
        return await giveUp(ticket, error: reason, attempts: 0)
    }

    /// After the first attempt failed with `firstFailure`: retries with
    /// back-off until the handler succeeds, the attempts are used up (then
    /// the message is dead-lettered) or its partition or subscription goes away.
    private func retry(_ ticket: ConsumerTicket, failedWith firstFailure: any Error) async -> Outcome {
        var attempts = 1
        var failure = firstFailure
        while true {
            metrics.countFailedAttempt()
            let current = state.locked { state -> Bool in
                state.statistics.failedAttempts += 1
                return state.book.isCurrent(ticket)
            }
            logger.warning(
                "handler failed",
                metadata: [
                    "kafka.partition": "\(ticket.message.partition)", "kafka.offset": "\(ticket.message.offset)",
                    "attempt": "\(attempts)", "error": "\(failure)",
                ]
            )
            guard current, !Task.isCancelled else { return .abandoned }
            if deadLetterTopic != nil, attempts >= options.maxAttempts || failure is MessageRejection {
                return await giveUp(ticket, error: failure, attempts: attempts)
            }
            guard await waitBeforeRetry(options.backoff(afterAttempt: attempts), for: ticket) else { return .abandoned }
            attempts += 1
            guard let next = await attempt(ticket) else { return .handled }
            failure = next
        }
    }

    /// Dead-letters a message that will not be handled, or, with dead letters
    /// off, leaves it uncommitted (it comes again after a restart).
    private func giveUp(_ ticket: ConsumerTicket, error: any Error, attempts: Int) async -> Outcome {
        guard let deadLetterTopic else { return .abandoned }
        let written = await deadLetter(ticket, error: error, attempts: attempts, to: deadLetterTopic)
        return written ? .deadLettered : .abandoned
    }

    /// Writes the message to the dead-letter topic, trying again (with the
    /// retry backoff) until the broker acknowledges it or the message's
    /// partition or subscription goes away.
    /// - Returns: whether it was acknowledged.
    private func deadLetter(_ ticket: ConsumerTicket, error: any Error, attempts: Int, to topic: String) async -> Bool {
        guard let producer = deadLetterProducer else { return false }
        let message = ticket.message
        let headers = DeadLetterHeaders.headers(for: message, group: group, error: error, attempts: attempts)
        let letter = OutboundMessage(topic: topic, key: message.key, value: message.value, headers: headers)
        var tries = 0
        while true {
            tries += 1
            do {
                _ = try await producer.send(letter)
                metrics.countDeadLettered()
                logger.notice(
                    "message dead-lettered",
                    metadata: [
                        "kafka.partition": "\(message.partition)", "kafka.offset": "\(message.offset)",
                        "kafka.dead_letter_topic": "\(topic)",
                    ]
                )
                return true
            } catch {
                let current = state.locked { state -> Bool in
                    state.statistics.deadLetterWriteFailures += 1
                    return state.book.isCurrent(ticket)
                }
                logger.error("writing to dead-letter topic '\(topic)' failed: \(error)")
                guard current, !Task.isCancelled else { return false }
                guard await waitBeforeRetry(options.backoff(afterAttempt: tries), for: ticket) else { return false }
            }
        }
    }

    /// Sleeps `duration` in short steps; returns `false` as soon as the
    /// message's partition or subscription goes away or the task is cancelled.
    private func waitBeforeRetry(_ duration: Duration, for ticket: ConsumerTicket) async -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: duration)
        while true {
            guard !Task.isCancelled, state.locked({ $0.book.isCurrent(ticket) }) else { return false }
            let remaining = clock.now.duration(to: deadline)
            if remaining <= .zero { return true }
            do {
                try await Task.sleep(for: min(remaining, .milliseconds(50)))
            } catch {
                return false
            }
        }
    }

    private func finish(_ receipt: ConsumerReceipt, _ outcome: Outcome) {
        let drainedNow = state.locked { state in Self.record(receipt, outcome, in: &state) }
        if drainedNow { drained.fire() }
    }

    /// Books a finished message and wakes who waits for it.
    /// - Returns: whether the subscription has just drained (stopping, and
    ///   nothing runs any more).
    private static func record(_ receipt: ConsumerReceipt, _ outcome: Outcome, in state: inout Locked) -> Bool {
        state.book.finish(receipt, handled: outcome != .abandoned)
        switch outcome {
        case .handled: state.statistics.handled += 1
        case .deadLettered: state.statistics.deadLettered += 1
        case .abandoned: state.statistics.abandoned += 1
        }
        state.dispatcherWaiter?.resume()
        state.dispatcherWaiter = nil
        if let waiter = state.revokeWaiter, state.book.running(in: waiter.partitions) == 0 {
            waiter.semaphore.signal()
            state.revokeWaiter = nil
        }
        return state.book.phase == .draining && state.book.inFlight == 0
    }

    // MARK: - Polling thread

    private func pollThreadMain() {
        let startupError = runConsumer()
        // The consumer is destroyed by now (runConsumer's handle is gone).
        endPollThread(startupError: startupError)
    }

    /// Creates, runs and closes the consumer; returns why it could not start.
    private func runConsumer() -> WhaleError? {
        let handle: RDKafkaConsumerHandle
        do {
            let metrics = self.metrics
            handle = try RDKafkaConsumerHandle(
                properties: properties,
                logger: logger,
                onStatistics: options.statisticsInterval == nil ? nil : { metrics.record(statistics: $0) },
                onCommitFailure: { [weak self] error in
                    self?.state.locked { state in
                        state.statistics.commitFailures += 1
                        state.statistics.lastError = error
                    }
                }
            )
            try handle.checkConnection(timeout: options.connectTimeout)
            try handle.subscribe(topic: topic)
        } catch {
            return error as? WhaleError ?? WhaleError(.internalError, "starting the consumer failed", underlying: error)
        }
        started.fire()
        logger.debug("subscribed; waiting for an assignment")
        var batch: [InboundMessage?] = []
        batch.reserveCapacity(RDKafkaConsumerHandle.batchCapacity)
        let onRebalance: (RDKafkaRebalance) -> Void = { [self] event in
            add(&batch)
            rebalance(event, handle: handle)
        }
        let capacity = options.bufferCapacity
        while true {
            let (closeRequested, requests, paused, room) = state.locked { state in
                let requests = state.requests
                state.requests = []
                return (state.closeRequested, requests, state.isPaused, capacity - state.book.waiting)
            }
            for request in requests { request.run(handle) }
            if closeRequested { break }
            // One waiting poll, then what is ready at once (no more than the
            // buffer has room for), added in one go.
            let limit = min(RDKafkaConsumerHandle.batchCapacity, max(1, room))
            let wait = paused ? min(options.pollTimeout, .milliseconds(10)) : options.pollTimeout
            var fatal: WhaleError?
            handle.poll(timeout: wait, limit: limit, onRebalance: onRebalance) { message in
                batch.append(message)
            } onError: { error, isFatal in
                recordConsumerError(error)
                if isFatal && fatal == nil { fatal = error }
                return fatal == nil
            }
            add(&batch)
            if let fatal {
                fail(fatal)
                break
            }
            storeOffsets(handle)
            applyBackPressure(handle)
        }
        closeConsumer(handle)
        return nil
    }

    /// Moves fetched messages into the book (`batch` is left empty) and wakes
    /// the dispatcher.
    private func add(_ batch: inout [InboundMessage?]) {
        guard !batch.isEmpty else { return }
        state.locked { state in
            state.statistics.abandoned += state.book.add(&batch) { message in
                Int(InProcessBusRules.priority(value: message.value, headers: message.headers)
                    ?? InProcessBusRules.jsonPriority(message.value))
            }
            if state.book.hasRunnable {
                state.dispatcherWaiter?.resume()
                state.dispatcherWaiter = nil
            }
        }
    }

    /// Back-pressure. When the buffer is full, takes no messages for up to
    /// ``KafkaSubscriptionOptions/pauseAfter`` while the handlers catch up,
    /// then pauses the assigned partitions if it is still full; resumes them
    /// once at most half of the buffer waits.
    private func applyBackPressure(_ handle: RDKafkaConsumerHandle) {
        enum Step {
            case none
            case full
            case resume
        }
        let step = state.locked { state -> Step in
            if state.isPaused {
                guard state.book.hasRoom || state.stopRequested else { return .none }
                state.isPaused = false
                state.statistics.resumes += 1
                return .resume
            }
            return state.book.isFull && !state.stopRequested ? .full : .none
        }
        switch step {
        case .none:
            return
        case .resume:
            handle.resume(handle.assignment())
            metrics.setPaused(false)
            logger.debug("buffer has room: fetching resumed")
        case .full:
            if options.pauseAfter > .zero && waitForRoom(timeout: options.pauseAfter) { return }
            let pause = state.locked { state -> Bool in
                guard !state.isPaused, state.book.isFull, !state.stopRequested else { return false }
                state.isPaused = true
                state.statistics.pauses += 1
                return true
            }
            guard pause else { return }
            handle.pause(handle.assignment())
            metrics.setPaused(true)
            logger.debug("buffer full: fetching paused")
        }
    }

    /// Blocks the polling thread until at most half of the buffer waits, or
    /// `timeout` passed; returns whether there is room.
    private func waitForRoom(timeout: Duration) -> Bool {
        let semaphore = state.locked { state -> DispatchSemaphore? in
            guard !state.book.hasRoom, !state.stopRequested else { return nil }
            let semaphore = DispatchSemaphore(value: 0)
            state.roomWaiter = semaphore
            return semaphore
        }
        guard let semaphore else { return true }
        _ = semaphore.wait(timeout: DispatchTime.now() + .nanoseconds(Int(clamping: timeout.whaleNanoseconds)))
        return state.locked { state in
            state.roomWaiter = nil
            return state.book.hasRoom || state.stopRequested
        }
    }

    /// Stores the offsets of newly handled runs; commits them at once when
    /// ``KafkaSubscriptionOptions/commitInterval`` is zero.
    private func storeOffsets(_ handle: RDKafkaConsumerHandle) {
        let offsets = state.locked { $0.book.takePendingStores() }
        guard !offsets.isEmpty else { return }
        handle.store(offsets.map { (RDKafkaTopicPartition(topic: topic, partition: $0.partition), $0.offset) })
        if options.commitInterval == .zero {
            do {
                try handle.commitStored(synchronously: false)
            } catch {
                recordCommitFailure(error)
            }
        }
    }

    private func rebalance(_ event: RDKafkaRebalance, handle: RDKafkaConsumerHandle) {
        let partitions = event.partitions.filter { $0.topic == topic }.map(\.partition)
        switch event.kind {
        case .assigned:
            let paused = state.locked { state -> Bool in
                state.book.assign(partitions)
                state.statistics.assignments += 1
                if !partitions.isEmpty { state.wasAssigned = true }
                return state.isPaused
            }
            if paused { handle.pause(event.partitions) }
            logger.info(
                "partitions assigned",
                metadata: [
                    "kafka.partitions": "\(partitions)",
                    "kafka.protocol": "\(event.isCooperative ? "cooperative" : "eager")",
                ]
            )
            if !partitions.isEmpty { firstAssignment.fire() }
        case .revoked:
            let (semaphore, dropped, wait) = state.locked { state -> (DispatchSemaphore?, Int, Bool) in
                let (running, dropped) = state.book.beginRevoke(partitions)
                state.statistics.revocations += 1
                state.statistics.abandoned += dropped
                guard running > 0, !state.isClosing else { return (nil, dropped, false) }
                let semaphore = DispatchSemaphore(value: 0)
                state.revokeWaiter = RevokeWaiter(partitions: partitions, semaphore: semaphore)
                return (semaphore, dropped, true)
            }
            if wait, let semaphore {
                let timeout = options.revocationTimeout
                let deadline = DispatchTime.now() + .nanoseconds(Int(clamping: timeout.whaleNanoseconds))
                if semaphore.wait(timeout: deadline) == .timedOut {
                    logger.warning("revoke: gave up waiting for handler calls of \(partitions) after \(timeout)")
                }
            }
            let offsets = state.locked { state in
                state.revokeWaiter = nil
                return state.book.finishRevoke(partitions)
            }
            handle.store(offsets.map { (RDKafkaTopicPartition(topic: topic, partition: $0.partition), $0.offset) })
            if !event.isLost {
                do {
                    try handle.commitStored(synchronously: true)
                } catch {
                    recordCommitFailure(error)
                }
            }
            logger.info(
                "partitions revoked",
                metadata: [
                    "kafka.partitions": "\(partitions)", "kafka.lost": "\(event.isLost)", "kafka.dropped": "\(dropped)",
                ]
            )
        }
    }

    /// Commits what was handled and leaves the group.
    private func closeConsumer(_ handle: RDKafkaConsumerHandle) {
        state.locked { state in
            state.isClosing = true
            let dropped = state.book.beginDrain()
            state.statistics.abandoned += dropped
            state.dispatcherWaiter?.resume()
            state.dispatcherWaiter = nil
        }
        storeOffsets(handle)
        do {
            try handle.commitStored(synchronously: true)
        } catch {
            recordCommitFailure(error)
        }
        if let error = handle.close(onRebalance: { [self] event in rebalance(event, handle: handle) }) {
            logger.warning("\(error)")
        }
        logger.debug("consumer closed")
    }

    /// Marks the thread's end: refuses pending requests and wakes every waiter.
    private func endPollThread(startupError: WhaleError?) {
        let requests = state.locked { state in
            state.pollThreadEnded = true
            state.startupError = startupError
            if startupError != nil { _ = state.book.beginDrain() }
            let requests = state.requests
            state.requests = []
            return requests
        }
        for request in requests { request.refuse() }
        started.fire()
        firstAssignment.fire()
        closed.fire()
    }

    private func fail(_ error: WhaleError) {
        logger.error("consumer stopped: \(error)")
        let drainedNow = state.locked { state -> Bool in
            state.failure = error
            let dropped = state.book.beginDrain()
            state.statistics.abandoned += dropped
            state.dispatcherWaiter?.resume()
            state.dispatcherWaiter = nil
            return state.book.inFlight == 0
        }
        if drainedNow { drained.fire() }
    }

    private func recordConsumerError(_ error: WhaleError) {
        logger.warning("\(error)")
        state.locked { state in
            state.statistics.errors += 1
            state.statistics.lastError = error
        }
    }

    private func recordCommitFailure(_ error: any Error) {
        let whaleError = error as? WhaleError ?? WhaleError(.internalError, "commit failed", underlying: error)
        logger.warning("\(whaleError)")
        state.locked { state in
            state.statistics.commitFailures += 1
            state.statistics.lastError = whaleError
        }
    }
}
