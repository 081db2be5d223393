import CoreProtocols
import Logging
import Messaging
import ServiceLifecycle
import Synchronization
import Testing

/// Cancel, close and graceful shutdown through a ServiceGroup.
@Suite(.timeLimit(.minutes(1)))
struct InProcessBusLifecycleTests {
    @Test func gracefulShutdownWaitsForTheRunningHandlerAndCommitsIt() async throws {
        let bus = try makeBus()
        let topic = busTopic()
        let gate = BusGate()
        let started = BusProbe<Int64>()
        let handlerDone = Atomic<Bool>(false)
        let subscription = try await bus.subscribe(topic: topic, group: "g", options: earliest()) { message in
            started.record(message.offset)
            try await gate.wait()
            handlerDone.store(true, ordering: .sequentiallyConsistent)
        }
        var logger = Logger(label: "test.bus.lifecycle")
        logger.logLevel = .critical
        let group = ServiceGroup(services: [bus], logger: logger)
        let runReturned = Atomic<Bool>(false)
        let running = Task {
            try await group.run()
            runReturned.store(true, ordering: .sequentiallyConsistent)
        }
        try await bus.publish(.busText(topic, "in flight"))
        try await bus.publish(.busText(topic, "never started"))
        _ = await started.wait(for: 1)

        await group.triggerGracefulShutdown()
        while !bus.isClosed { await Task.yield() }
        #expect(busErrorCode { try bus.send(.busText(topic, "late")) } == .unavailable)
        // The handler is still held at the gate, so the service cannot have stopped.
        let returnedEarly = runReturned.load(ordering: .sequentiallyConsistent)
        #expect(!returnedEarly)
        #expect(subscription.isActive)

        gate.open()
        try await running.value
        let finished = handlerDone.load(ordering: .sequentiallyConsistent)
        #expect(finished)
        #expect(!subscription.isActive)
        #expect(started.items == [0])
        // The finished message is committed; the one never started is not.
        #expect(try bus.committedOffsets(topic: topic, group: "g") == [1])
        await subscription.cancel()
    }

    @Test func closeStopsEverySubscription() async throws {
        let bus = try makeBus()
        let topic = busTopic()
        let a = try await bus.subscribe(topic: topic, group: "a", options: InProcessSubscriptionOptions()) { _ in }
        let b = try await bus.subscribe(topic: topic, group: "b", options: InProcessSubscriptionOptions()) { _ in }
        #expect(a.isActive && b.isActive)
        await bus.close()
        #expect(!a.isActive && !b.isActive)
        // Cancelling after close, and twice, returns at once.
        await a.cancel()
        await a.cancel()
        await bus.close()
    }

    @Test func cancellingCloseCancelsTheHandlersAndLeavesTheirMessagesUncommitted() async throws {
        let bus = try makeBus()
        let topic = busTopic()
        let gate = BusGate()  // never opened
        let started = BusProbe<Int64>()
        let failures = Atomic<Int>(0)
        let subscription = try await bus.subscribe(topic: topic, group: "g", options: earliest()) { message in
            started.record(message.offset)
            do {
                try await gate.wait()
            } catch {
                failures.add(1, ordering: .relaxed)
                throw error
            }
        }
        try await bus.publish(.busText(topic, "stuck"))
        _ = await started.wait(for: 1)
        let closing = Task { await bus.close() }
        while !bus.isClosed { await Task.yield() }
        closing.cancel()
        await closing.value
        #expect(!subscription.isActive)
        let failureCount = failures.load(ordering: .relaxed)
        #expect(failureCount == 1)
        #expect(started.items == [0])
        #expect(try bus.committedOffsets(topic: topic, group: "g") == [0])
        #expect(!bus.topicNames().contains(DeadLetterHeaders.topic(for: topic)))
    }

    @Test func cancellingACancelCallCancelsThatSubscriptionsHandlers() async throws {
        let bus = try makeBus()
        let topic = busTopic()
        let gate = BusGate()
        let started = BusProbe<Int64>()
        let subscription = try await bus.subscribe(topic: topic, group: "g", options: earliest()) { message in
            started.record(message.offset)
            try await gate.wait()
        }
        try await bus.publish(.busText(topic, "stuck"))
        _ = await started.wait(for: 1)
        let cancelling = Task { await subscription.cancel() }
        cancelling.cancel()
        await cancelling.value
        #expect(!subscription.isActive)
        #expect(try bus.committedOffsets(topic: topic, group: "g") == [0])
        await bus.close()
    }

    @Test func theProtocolSurfaceWorksThroughExistentials() async throws {
        let bus = try makeBus()
        let publisher: any MessagePublisher = bus
        let subscriber: any MessageSubscriber = bus
        let topic = busTopic()
        let probe = BusProbe<String>()
        let subscription = try await subscriber.subscribe(topic: topic, group: "g") { probe.record($0.busText) }
        try await publisher.publish(.busText(topic, "via protocol"))
        #expect(await probe.wait(for: 1) == ["via protocol"])
        await subscription.cancel()
        await bus.close()
    }
}
