import CoreMetrics
import CoreProtocols
import Logging
import Synchronization

extension InProcessMessageBus {
    /// The task of one subscription: hands messages to child tasks (at most
    /// `maxInFlight` out at once) until the member stops, then lets the handler
    /// calls running finish, wakes the retries waiting for their backoff (they
    /// give their messages back) and leaves the group.
    func drive(
        member id: UInt64,
        options: InProcessSubscriptionOptions,
        handler: @escaping @Sendable (InboundMessage) async throws -> Void
    ) async {
        await withDiscardingTaskGroup { group in
            while true {
                let cancelled = Task.isCancelled
                let work = state.locked { $0.takeWork(for: id, cancelled: cancelled) }
                switch work {
                case .deliver(let deliveries):
                    for delivery in deliveries {
                        group.addTask {
                            await self.process(delivery, member: id, options: options, handler: handler)
                        }
                    }
                case .idle:
                    await waitForWork(member: id)
                case .stop:
                    while !Task.isCancelled, !state.locked({ $0.stopReady(id) }) {
                        await waitForWork(member: id)
                    }
                    group.cancelAll()
                    return
                }
            }
        }
        let wakeups = state.locked { state -> InProcessBusWakeups in
            var wakeups: InProcessBusWakeups = []
            state.leave(id, &wakeups)
            return wakeups
        }
        wakeups.resumeAll()
        logger.debug("left consumer group", metadata: ["member": "\(id)"])
    }

    /// Handles one message: attempts with backoff, then commit, dead letter or
    /// give back.
    func process(
        _ delivery: InProcessBusDelivery,
        member id: UInt64,
        options: InProcessSubscriptionOptions,
        handler: @escaping @Sendable (InboundMessage) async throws -> Void
    ) async {
        let message = delivery.message
        if options.enforceExpiry, let found = InProcessBusRules.expiry(of: message.value), clock.now >= found.expiry.instant {
            let requestID = found.requestID
            let reason = WhaleError(.timeout, "request \(requestID) expired at \(found.expiry.text) before it was handled")
            let metadata: Logger.Metadata = [
                "topic": "\(message.topic)",
                "partition": "\(message.partition)",
                "offset": "\(message.offset)",
                "request_id": "\(requestID)",
            ]
            if options.deadLetters {
                let group = state.locked { $0.members[id]?.group } ?? ""
                let deadLetter = Self.deadLetter(of: message, group: group, error: reason, attempts: 0)
                let storeError = settle(delivery, member: id, outcome: .deadLettered(deadLetter), attemptRunning: false)
                logger.warning(
                    storeError == nil ? "expired request dead-lettered" : "expired request skipped; its dead letter could not be stored",
                    metadata: metadata
                )
            } else {
                settle(delivery, member: id, outcome: .discarded, attemptRunning: false)
                logger.warning("expired request skipped (dead letters off)", metadata: metadata)
            }
            return
        }
        var attempt = 0
        while true {
            attempt += 1
            let delay = options.backoff(beforeAttempt: attempt)
            if delay > .zero {
                do {
                    try await clock.sleep(until: clock.now.advanced(by: delay), tolerance: nil)
                } catch {
                    settle(delivery, member: id, outcome: .givenBack, attemptRunning: false)
                    return
                }
            }
            if Task.isCancelled {
                settle(delivery, member: id, outcome: .givenBack, attemptRunning: false)
                return
            }
            guard beginAttempt(delivery, member: id) else { return }
            let failure: (any Error)?
            do {
                try await handler(message)
                failure = nil
            } catch {
                failure = error
            }
            guard let failure else {
                settle(delivery, member: id, outcome: .handled, attemptRunning: true)
                return
            }
            if Task.isCancelled {
                // Forced shutdown: the handler was interrupted, not wrong.
                settle(delivery, member: id, outcome: .givenBack, attemptRunning: true)
                return
            }
            let metrics = state.locked { state -> InProcessBusMetrics.GroupMetrics? in
                guard let member = state.members[id] else { return nil }
                return state.topics[member.topic]?.groups[member.group]?.metrics
            }
            metrics?.failures.increment()
            var metadata: Logger.Metadata = [
                "topic": "\(message.topic)",
                "partition": "\(message.partition)",
                "offset": "\(message.offset)",
                "attempt": "\(attempt)",
                "max_attempts": "\(options.maxAttempts)",
                "error": "\(failure)",
            ]
            guard attempt >= options.maxAttempts || failure is MessageRejection else {
                logger.debug("message handler failed; retrying", metadata: metadata)
                let wakeups = state.locked { state -> InProcessBusWakeups in
                    var wakeups: InProcessBusWakeups = []
                    state.endAttempt(member: id, &wakeups)
                    return wakeups
                }
                wakeups.resumeAll()
                continue
            }
            if options.deadLetters {
                let group = state.locked { $0.members[id]?.group } ?? ""
                let deadLetter = Self.deadLetter(of: message, group: group, error: failure, attempts: attempt)
                if let storeError = settle(delivery, member: id, outcome: .deadLettered(deadLetter), attemptRunning: true) {
                    metadata["dead_letter_error"] = "\(storeError)"
                    logger.error("message handler gave up and the dead letter could not be stored; message skipped", metadata: metadata)
                } else {
                    metadata["dead_letter_topic"] = "\(DeadLetterHeaders.topic(for: message.topic))"
                    logger.error("message handler gave up; message dead-lettered", metadata: metadata)
                }
            } else {
                settle(delivery, member: id, outcome: .discarded, attemptRunning: true)
                logger.error("message handler gave up; message skipped (dead letters off)", metadata: metadata)
            }
            return
        }
    }

    /// The dead letter of `message`: its key, value and headers plus the ``DeadLetterHeaders``.
    static func deadLetter(of message: InboundMessage, group: String, error: any Error, attempts: Int)
        -> InProcessBusPendingRecord
    {
        let headers = DeadLetterHeaders.headers(for: message, group: group, error: error, attempts: attempts)
        return InProcessBusPendingRecord(key: message.key, value: message.value, headers: headers)
    }

    private func beginAttempt(_ delivery: InProcessBusDelivery, member id: UInt64) -> Bool {
        let now = clock.now
        let environment = self.environment
        let (started, wakeups) = state.locked { state -> (Bool, InProcessBusWakeups) in
            var wakeups: InProcessBusWakeups = []
            let started = state.beginAttempt(delivery, member: id, now: now, environment: environment, wakeups: &wakeups)
            return (started, wakeups)
        }
        wakeups.resumeAll()
        return started
    }

    @discardableResult
    private func settle(
        _ delivery: InProcessBusDelivery,
        member id: UInt64,
        outcome: InProcessBusOutcome,
        attemptRunning: Bool
    ) -> (any Error)? {
        let now = clock.now
        let environment = self.environment
        let (failure, wakeups) = state.locked { state -> ((any Error)?, InProcessBusWakeups) in
            var wakeups: InProcessBusWakeups = []
            let failure = state.settle(
                delivery,
                member: id,
                outcome: outcome,
                attemptRunning: attemptRunning,
                now: now,
                environment: environment,
                wakeups: &wakeups
            )
            return (failure, wakeups)
        }
        wakeups.resumeAll()
        return failure
    }

    /// Returns once member `id` has something to look at, has left, or the
    /// calling task is cancelled.
    func waitForWork(member id: UInt64) async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.locked { state -> Bool in
                    guard let index = state.members.index(forKey: id) else { return true }
                    if state.members.values[index].wakePending || Task.isCancelled { return true }
                    state.members.values[index].waiter = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.locked { state -> CheckedContinuation<Void, Never>? in
                guard let index = state.members.index(forKey: id) else { return nil }
                let waiter = state.members.values[index].waiter
                state.members.values[index].waiter = nil
                return waiter
            }
            waiter?.resume()
        }
    }

    // MARK: Subscription control

    /// Asks member `id` to stop and waits until it has left its group. When
    /// the calling task is cancelled while waiting, the member's task is
    /// cancelled too (as ``close()`` does).
    func stopAndWait(member id: UInt64) async {
        let wakeups = state.locked { state -> InProcessBusWakeups in
            var wakeups: InProcessBusWakeups = []
            state.stop(id, &wakeups)
            return wakeups
        }
        wakeups.resumeAll()
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let gone = state.locked { state -> Bool in
                    guard state.members[id] != nil else { return true }
                    state.members[id]?.leaveWaiters.append(continuation)
                    return false
                }
                if gone { continuation.resume() }
            }
        } onCancel: {
            state.locked { $0.members[id]?.task }?.cancel()
        }
    }

    /// The partitions assigned to member `id` now; empty once it has left.
    func assignedPartitions(member id: UInt64) -> [Int32] {
        state.locked { state in (state.members[id]?.assigned ?? []).map { Int32($0) } }
    }

    /// Whether member `id` is still in its group.
    func isMember(_ id: UInt64) -> Bool {
        state.locked { $0.members[id] != nil }
    }
}
