import CoreMetrics
import CoreProtocols

/// Continuations to resume once the bus's lock is released.
typealias InProcessBusWakeups = [CheckedContinuation<Void, Never>]

extension Array where Element == CheckedContinuation<Void, Never> {
    /// Resumes every continuation; call it outside the lock.
    func resumeAll() {
        for continuation in self { continuation.resume() }
    }
}

/// What the bus reads from its settings while holding its lock.
struct InProcessBusEnvironment: Sendable {
    let configuration: InProcessBusConfiguration
    let metrics: InProcessBusMetrics
}

/// One subscription as a member of its group.
struct InProcessBusMember {
    let id: UInt64
    let topic: String
    let group: String
    let options: InProcessSubscriptionOptions
    /// The partitions the group assigns to it, ascending.
    var assigned: [Int] = []
    /// Messages handed to it and not yet finished or given back (running or
    /// waiting for a retry); at most `options.maxInFlight`.
    var outstanding = 0
    /// Handler calls running now.
    var executing = 0
    /// Set by `cancel()`, `close()` or cancellation: hand out nothing more.
    var stopping = false
    /// Something changed since the driver last looked (wake-ups are never lost).
    var wakePending = false
    /// The driver, while it waits for something to change.
    var waiter: CheckedContinuation<Void, Never>?
    /// `cancel()` calls waiting for the member to leave.
    var leaveWaiters: InProcessBusWakeups = []
    /// The driver task, for forced cancellation.
    var task: Task<Void, Never>?
    /// Where the next round-robin over the assigned partitions starts.
    var rotation = 0
}

/// What a driver does next.
enum InProcessBusWork {
    case deliver([InProcessBusDelivery])
    case idle
    case stop
}

/// How one handed-out message ended.
enum InProcessBusOutcome {
    /// The handler returned: commit.
    case handled
    /// The last attempt failed and dead letters are off: commit.
    case discarded
    /// The last attempt failed: store this dead letter, then commit.
    case deadLettered(InProcessBusPendingRecord)
    /// Not handled (the subscription stopped or the partition moved): hand it out again.
    case givenBack
}

/// Everything an ``InProcessMessageBus`` keeps, behind its one `Mutex`.
struct InProcessBusState {
    /// Set by `close()`: publishing and subscribing refuse, members stop.
    var closing = false
    /// Set when `close()` was cancelled: driver tasks are cancelled as they attach.
    var forced = false
    var topics: [String: InProcessBusTopic] = [:]
    var members: [UInt64: InProcessBusMember] = [:]
    var nextID: UInt64 = 1
    /// `close()` calls waiting for every member to leave.
    var closedWaiters: InProcessBusWakeups = []
    /// `run()` calls waiting for `close()` to start.
    var closingWaiters: [UInt64: CheckedContinuation<Void, Never>] = [:]

    typealias TopicIndex = Dictionary<String, InProcessBusTopic>.Index

    mutating func makeID() -> UInt64 {
        defer { nextID += 1 }
        return nextID
    }

    // MARK: Topics

    /// The index of topic `name`, creating it with `configuration` when `create` allows.
    /// - Throws: `WhaleError` `.notFound` when it does not exist and may not be created.
    mutating func topicIndex(
        _ name: String,
        create: Bool,
        configuration: @autoclosure () -> InProcessTopicConfiguration,
        environment: InProcessBusEnvironment
    ) throws -> TopicIndex {
        if let index = topics.index(forKey: name) { return index }
        guard create else {
            throw WhaleError(.notFound, "topic \"\(name)\" does not exist and autoCreateTopics is off")
        }
        topics[name] = InProcessBusTopic(
            name: name,
            configuration: configuration(),
            metrics: environment.metrics.topic(name)
        )
        guard let index = topics.index(forKey: name) else {
            throw WhaleError(.internalError, "topic \"\(name)\" vanished while being created")
        }
        return index
    }

    /// The configuration of a dead-letter topic created on first use: the
    /// configured one for its name, else the source's partitions and bounds
    /// with drop-oldest, so a full dead-letter topic never stalls consumption.
    static func deadLetterConfiguration(
        name: String,
        source: InProcessTopicConfiguration,
        environment: InProcessBusEnvironment
    ) -> InProcessTopicConfiguration {
        if let configured = environment.configuration.topics[name] { return configured }
        var configuration = source
        configuration.retention.overflow = .dropOldest
        return configuration
    }

    // MARK: Publishing

    /// What ``append(_:to:partition:internal:now:environment:wakeups:)`` did.
    struct Published {
        var message: InboundMessage
        var droppedUnhandled: Int
        var metrics: InProcessBusMetrics.TopicMetrics
    }

    /// Appends a message to topic `name` and wakes the members that may now
    /// have work.
    /// - Parameters:
    ///   - partition: the partition to use; `nil` for the key / round-robin choice.
    ///   - internal: a dead letter: allowed while closing, creates its topic
    ///     whatever `autoCreateTopics` says, with `deadLetterSource`'s layout.
    mutating func append(
        _ pending: InProcessBusPendingRecord,
        to name: String,
        partition: Int? = nil,
        deadLetterSource: InProcessTopicConfiguration? = nil,
        now: WhaleInstant,
        environment: InProcessBusEnvironment,
        wakeups: inout InProcessBusWakeups
    ) throws -> Published {
        if closing && deadLetterSource == nil {
            throw WhaleError(.unavailable, "the in-process bus is closed", isRetriable: false)
        }
        let index: TopicIndex
        if let deadLetterSource {
            index = try topicIndex(
                name,
                create: true,
                configuration: Self.deadLetterConfiguration(name: name, source: deadLetterSource, environment: environment),
                environment: environment
            )
        } else {
            index = try topicIndex(
                name,
                create: environment.configuration.autoCreateTopics,
                configuration: environment.configuration.configuration(forTopic: name),
                environment: environment
            )
        }
        let appended = try topics.values[index].append(pending, partition: partition, timestamp: now)
        let stored = Int(appended.message.partition)
        var assignees: [UInt64] = []
        for group in topics.values[index].groups.values {
            if let assignee = group.partitions[stored].assignee { assignees.append(assignee) }
            group.metrics.lag.record(topics.values[index].lag(of: group))
        }
        for assignee in assignees { wake(assignee, &wakeups) }
        return Published(
            message: appended.message,
            droppedUnhandled: appended.droppedUnhandled,
            metrics: topics.values[index].metrics
        )
    }

    // MARK: Members

    /// Marks member `id` as having something to look at and resumes its driver
    /// if it is waiting.
    mutating func wake(_ id: UInt64, _ wakeups: inout InProcessBusWakeups) {
        guard let index = members.index(forKey: id) else { return }
        members.values[index].wakePending = true
        if let waiter = members.values[index].waiter {
            members.values[index].waiter = nil
            wakeups.append(waiter)
        }
    }

    /// Adds a member to `group` of topic `topic` (creating the group at its
    /// start position) and rebalances the group.
    /// - Throws: `.unavailable` when closing; `.notFound` for a topic that does
    ///   not exist with auto-creation off.
    mutating func join(
        topic: String,
        group: String,
        options: InProcessSubscriptionOptions,
        environment: InProcessBusEnvironment,
        wakeups: inout InProcessBusWakeups
    ) throws -> UInt64 {
        if closing {
            throw WhaleError(.unavailable, "the in-process bus is closed", isRetriable: false)
        }
        let index = try topicIndex(
            topic,
            create: environment.configuration.autoCreateTopics,
            configuration: environment.configuration.configuration(forTopic: topic),
            environment: environment
        )
        if topics.values[index].groups[group] == nil {
            let logs = topics.values[index].logs
            let committed = logs.map { options.startPosition.isEarliest ? $0.startOffset : $0.endOffset }
            topics.values[index].groups[group] = InProcessBusGroup(
                committed: committed,
                metrics: environment.metrics.group(topic: topic, group: group)
            )
        }
        let id = makeID()
        members[id] = InProcessBusMember(id: id, topic: topic, group: group, options: options)
        topics.values[index].groups[group]?.members.append(id)
        rebalance(topic: index, group: group, &wakeups)
        return id
    }

    /// Reassigns the partitions of `group` over its members: partition `p` to
    /// the `p % n`-th member in join order. Every member is woken to look again.
    mutating func rebalance(topic index: TopicIndex, group name: String, _ wakeups: inout InProcessBusWakeups) {
        guard let groupIndex = topics.values[index].groups.index(forKey: name) else { return }
        let memberIDs = topics.values[index].groups.values[groupIndex].members
        let partitionCount = topics.values[index].logs.count
        var assignments: [UInt64: [Int]] = [:]
        for partition in 0..<partitionCount {
            let assignee = memberIDs.isEmpty ? nil : memberIDs[partition % memberIDs.count]
            topics.values[index].groups.values[groupIndex].partitions[partition].assignee = assignee
            if let assignee { assignments[assignee, default: []].append(partition) }
        }
        for id in memberIDs {
            members[id]?.assigned = assignments[id] ?? []
            wake(id, &wakeups)
        }
        let group = topics.values[index].groups.values[groupIndex]
        group.metrics.lag.record(topics.values[index].lag(of: group))
    }

    /// Removes member `id` from its group and rebalances the others; resumes
    /// its `cancel()` callers, and `close()` callers when it was the last.
    mutating func leave(_ id: UInt64, _ wakeups: inout InProcessBusWakeups) {
        guard let member = members.removeValue(forKey: id) else { return }
        wakeups += member.leaveWaiters
        if let waiter = member.waiter { wakeups.append(waiter) }
        if let index = topics.index(forKey: member.topic),
            let groupIndex = topics.values[index].groups.index(forKey: member.group)
        {
            topics.values[index].groups.values[groupIndex].members.removeAll { $0 == id }
            for partition in topics.values[index].groups.values[groupIndex].partitions.indices {
                topics.values[index].groups.values[groupIndex].partitions[partition].reclaim(from: id)
            }
            rebalance(topic: index, group: member.group, &wakeups)
        }
        if closing && members.isEmpty {
            wakeups += closedWaiters
            closedWaiters = []
        }
    }

    /// Asks member `id` to stop; its driver finishes the handler calls running
    /// and then leaves.
    mutating func stop(_ id: UInt64, _ wakeups: inout InProcessBusWakeups) {
        guard members[id] != nil else { return }
        members[id]?.stopping = true
        wake(id, &wakeups)
    }

    /// Starts closing: refuses publishing and subscribing from now on, stops
    /// every member and resumes `run()` callers.
    mutating func beginClose(_ wakeups: inout InProcessBusWakeups) {
        closing = true
        for id in Array(members.keys) { stop(id, &wakeups) }
        wakeups += Array(closingWaiters.values)
        closingWaiters = [:]
    }

    // MARK: Delivery

    /// The messages member `id` may take now, marked as handed to it.
    mutating func takeWork(for id: UInt64, cancelled: Bool) -> InProcessBusWork {
        guard let memberIndex = members.index(forKey: id) else { return .stop }
        members.values[memberIndex].wakePending = false
        if cancelled { members.values[memberIndex].stopping = true }
        if members.values[memberIndex].stopping { return .stop }
        let member = members.values[memberIndex]
        var capacity = member.options.maxInFlight - member.outstanding
        guard capacity > 0, !member.assigned.isEmpty,
            let index = topics.index(forKey: member.topic),
            let groupIndex = topics.values[index].groups.index(forKey: member.group)
        else { return .idle }
        var deliveries: [InProcessBusDelivery] = []
        if member.options.priorityOrdering {
            while capacity > 0,
                let delivery = topics.values[index].takeByPriority(
                    group: groupIndex,
                    partitions: member.assigned,
                    member: id,
                    window: member.options.priorityWindow
                )
            {
                deliveries.append(delivery)
                capacity -= 1
            }
        } else {
            let assigned = member.assigned
            var progressed = true
            while capacity > 0 && progressed {
                progressed = false
                for step in 0..<assigned.count where capacity > 0 {
                    let partition = assigned[(member.rotation + step) % assigned.count]
                    if let delivery = topics.values[index].takeNext(group: groupIndex, partition: partition, member: id) {
                        deliveries.append(delivery)
                        capacity -= 1
                        progressed = true
                    }
                }
            }
            members.values[memberIndex].rotation = (member.rotation + 1) % assigned.count
        }
        members.values[memberIndex].outstanding += deliveries.count
        return deliveries.isEmpty ? .idle : .deliver(deliveries)
    }

    /// Clears member `id`'s wake-up and says whether no handler call of it is
    /// running (what a stopping driver waits for).
    mutating func stopReady(_ id: UInt64) -> Bool {
        guard let index = members.index(forKey: id) else { return true }
        members.values[index].wakePending = false
        return members.values[index].executing == 0
    }

    /// Starts an attempt at `delivery` when member `id` still runs and still
    /// owns the partition; otherwise gives the message back and returns `false`.
    mutating func beginAttempt(
        _ delivery: InProcessBusDelivery,
        member id: UInt64,
        now: WhaleInstant,
        environment: InProcessBusEnvironment,
        wakeups: inout InProcessBusWakeups
    ) -> Bool {
        guard let memberIndex = members.index(forKey: id) else { return false }
        let member = members.values[memberIndex]
        let owns = topics[member.topic]?.groups[member.group]?.partitions[delivery.partition].assignee == id
        guard !member.stopping, owns else {
            _ = settle(delivery, member: id, outcome: .givenBack, attemptRunning: false, now: now, environment: environment, wakeups: &wakeups)
            return false
        }
        members.values[memberIndex].executing += 1
        return true
    }

    /// Ends a failed attempt that will be retried.
    mutating func endAttempt(member id: UInt64, _ wakeups: inout InProcessBusWakeups) {
        guard members[id] != nil else { return }
        members[id]?.executing -= 1
        wake(id, &wakeups)
    }

    /// Ends a handed-out message with `outcome`: stores the dead letter (then)
    /// commits, or gives it back; wakes the member, and the partition's new
    /// owner when this was the last message a revoked member had out.
    /// - Returns: the error storing a dead letter failed with, if it did.
    mutating func settle(
        _ delivery: InProcessBusDelivery,
        member id: UInt64,
        outcome: InProcessBusOutcome,
        attemptRunning: Bool,
        now: WhaleInstant,
        environment: InProcessBusEnvironment,
        wakeups: inout InProcessBusWakeups
    ) -> (any Error)? {
        guard let memberIndex = members.index(forKey: id) else { return nil }
        members.values[memberIndex].outstanding -= 1
        if attemptRunning { members.values[memberIndex].executing -= 1 }
        let topicName = members.values[memberIndex].topic
        let groupName = members.values[memberIndex].group
        var failure: (any Error)?
        var done = true
        switch outcome {
        case .handled, .discarded:
            break
        case .givenBack:
            done = false
        case .deadLettered(let pending):
            do {
                let source = topics[topicName]?.configuration ?? environment.configuration.configuration(forTopic: topicName)
                let deadLetterTopic = DeadLetterHeaders.topic(for: topicName)
                let targetPartition = delivery.partition
                let published = try append(
                    pending,
                    to: deadLetterTopic,
                    partition: targetPartition,
                    deadLetterSource: source,
                    now: now,
                    environment: environment,
                    wakeups: &wakeups
                )
                published.metrics.published.increment()
            } catch {
                failure = error
            }
        }
        wake(id, &wakeups)
        guard let index = topics.index(forKey: topicName),
            let groupIndex = topics.values[index].groups.index(forKey: groupName)
        else { return failure }
        topics.values[index].groups.values[groupIndex].partitions[delivery.partition]
            .release(delivery.message.offset, done: done)
        let partition = topics.values[index].groups.values[groupIndex].partitions[delivery.partition]
        if partition.outstanding == 0, let assignee = partition.assignee, assignee != id {
            wake(assignee, &wakeups)
        }
        let group = topics.values[index].groups.values[groupIndex]
        switch outcome {
        case .handled: group.metrics.delivered.increment()
        case .discarded: group.metrics.discarded.increment()
        case .deadLettered: (failure == nil ? group.metrics.deadLettered : group.metrics.discarded).increment()
        case .givenBack: break
        }
        if done { group.metrics.lag.record(topics.values[index].lag(of: group)) }
        return failure
    }
}
