import CoreProtocols
import CoreTestKit
import MetricsTestKit
import Synchronization
import Testing

@testable import CoreResilience

@Suite(.timeLimit(.minutes(1))) struct BulkheadTests {
    static func make(
        max: Int = 1,
        queue: Int = 10,
        wait: Duration = .seconds(5),
        clock: ManualClock = ManualClock(),
        metrics: TestMetrics = TestMetrics()
    ) throws -> Bulkhead {
        try Bulkhead(
            name: "test",
            configuration: BulkheadConfiguration(maxConcurrentCalls: max, maxWaitQueue: queue, maxWaitDuration: wait),
            clock: clock,
            metricsFactory: metrics
        )
    }

    @Test func defaultsAreDocumented() {
        let configuration = BulkheadConfiguration.default
        #expect(configuration.maxConcurrentCalls == 25)
        #expect(configuration.maxWaitQueue == 100)
        #expect(configuration.maxWaitDuration == .zero)
    }

    @Test(arguments: [
        (0, 0, Duration.zero, "maxConcurrentCalls"),
        (-3, 0, Duration.zero, "maxConcurrentCalls"),
        (1, -1, Duration.zero, "maxWaitQueue"),
        (1, 0, Duration.milliseconds(-1), "maxWaitDuration"),
    ])
    func invalidConfigurationNamesTheField(max: Int, queue: Int, wait: Duration, field: String) async {
        let error = await caught { _ = try BulkheadConfiguration(maxConcurrentCalls: max, maxWaitQueue: queue, maxWaitDuration: wait) }
        let whale = error as? WhaleError
        #expect(whale?.code == .invalidConfiguration)
        #expect(whale?.message.hasPrefix(field + ":") == true)
    }

    @Test func permitsUpToTheLimitThenFailsFastWithoutWaiting() async throws {
        let metrics = TestMetrics()
        let bulkhead = try Self.make(max: 2, wait: .zero, metrics: metrics)
        try await bulkhead.acquirePermission()
        try await bulkhead.acquirePermission()
        #expect(bulkhead.availableConcurrentCalls == 0)
        let error = await caught { _ = try await bulkhead.execute { 1 } }
        #expect((error as? WhaleError)?.code == .bulkheadFull)
        #expect((error as? WhaleError)?.message.contains("bulkhead 'test'") == true)
        #expect(bulkhead.queueDepth == 0)
        bulkhead.releasePermission()
        #expect(try await bulkhead.execute { 7 } == 7)
        bulkhead.releasePermission()
        #expect(bulkhead.availableConcurrentCalls == 2)

        #expect(try metrics.expectCounter("whale_bulkhead_calls", [("name", "test"), ("outcome", "permitted")]).totalValue == 3)
        #expect(try metrics.expectCounter("whale_bulkhead_calls", [("name", "test"), ("outcome", "rejected")]).totalValue == 1)
        #expect(try metrics.expectGauge("whale_bulkhead_available", [("name", "test")]).lastValue == 2)
    }

    @Test func waitersAreServedInArrivalOrder() async throws {
        let clock = ManualClock()
        let bulkhead = try Self.make(max: 1, queue: 10, wait: .seconds(60), clock: clock)
        try await bulkhead.acquirePermission()
        let order = BulkheadOrderLog()
        var tasks: [Task<Void, any Error>] = []
        for id in 1...5 {
            tasks.append(Task {
                try await bulkhead.execute { order.append(id) }
            })
            // Each waiter's timeout timer sleeps on the clock: wait until this one is queued.
            await clock.waitForSleepers(count: id)
        }
        #expect(bulkhead.queueDepth == 5)
        bulkhead.releasePermission()
        for task in tasks { try await task.value }
        #expect(order.values == [1, 2, 3, 4, 5])
        #expect(bulkhead.availableConcurrentCalls == 1)
        #expect(bulkhead.queueDepth == 0)
        #expect(clock.sleeperCount == 0, "every served waiter's timer is cancelled")
    }

    @Test func aWaiterIsRejectedWhenNoSlotFreesWithinTheWaitTime() async throws {
        let clock = ManualClock()
        let metrics = TestMetrics()
        let bulkhead = try Self.make(max: 1, wait: .seconds(5), clock: clock, metrics: metrics)
        try await bulkhead.acquirePermission()
        let waiter = Task { try await bulkhead.execute { "ran" } }
        await clock.waitForSleepers(count: 1)
        clock.advance(by: .seconds(4))
        #expect(bulkhead.queueDepth == 1, "still waiting before the deadline")
        clock.advance(by: .seconds(1))
        let error = await caught { _ = try await waiter.value }
        #expect((error as? WhaleError)?.code == .bulkheadFull)
        #expect((error as? WhaleError)?.message.contains("within 5.0 seconds") == true)
        #expect(bulkhead.queueDepth == 0)
        #expect(bulkhead.availableConcurrentCalls == 0, "the holder still has its slot")
        bulkhead.releasePermission()
        #expect(bulkhead.availableConcurrentCalls == 1)
        #expect(try metrics.expectCounter("whale_bulkhead_calls", [("name", "test"), ("outcome", "rejected")]).totalValue == 1)
    }

    @Test func aWaiterServedBeforeItsDeadlineRuns() async throws {
        let clock = ManualClock()
        let bulkhead = try Self.make(max: 1, wait: .seconds(5), clock: clock)
        try await bulkhead.acquirePermission()
        let waiter = Task { try await bulkhead.execute { "ran" } }
        await clock.waitForSleepers(count: 1)
        clock.advance(by: .seconds(3))
        bulkhead.releasePermission()
        #expect(try await waiter.value == "ran")
        clock.advance(by: .seconds(10))
        #expect(bulkhead.availableConcurrentCalls == 1)
    }

    @Test func aFullQueueRejectsAtOnce() async throws {
        let clock = ManualClock()
        let bulkhead = try Self.make(max: 1, queue: 2, wait: .seconds(5), clock: clock)
        try await bulkhead.acquirePermission()
        let first = Task { try await bulkhead.execute { 1 } }
        let second = Task { try await bulkhead.execute { 2 } }
        await clock.waitForSleepers(count: 2)
        let error = await caught { _ = try await bulkhead.execute { 3 } }
        #expect((error as? WhaleError)?.code == .bulkheadFull)
        #expect((error as? WhaleError)?.message.contains("wait queue is full") == true)
        #expect(clock.now == ManualClock().now, "rejected without any time passing")
        bulkhead.releasePermission()
        #expect(try await first.value == 1)
        #expect(try await second.value == 2)
        #expect(bulkhead.availableConcurrentCalls == 1)
    }

    @Test func aThrowingOperationGivesItsSlotBack() async throws {
        struct Boom: Error {}
        let bulkhead = try Self.make(max: 2)
        for _ in 0..<5 {
            let error = await caught { _ = try await bulkhead.execute { () async throws -> Int in throw Boom() } }
            #expect(error is Boom)
        }
        let error = await caught { try await bulkhead.run { throw Boom() } }
        #expect(error is Boom)
        #expect(bulkhead.availableConcurrentCalls == 2)
    }

    @Test func aHangingOperationThatIsCancelledGivesItsSlotBack() async throws {
        let clock = ManualClock()
        let bulkhead = try Self.make(max: 1, clock: clock)
        let task = Task { try await bulkhead.execute { try await clock.sleep(for: .seconds(3600)) } }
        await clock.waitForSleepers(count: 1)
        #expect(bulkhead.availableConcurrentCalls == 0)
        task.cancel()
        let error = await caught { try await task.value }
        #expect(error is CancellationError)
        #expect(bulkhead.availableConcurrentCalls == 1)
    }

    @Test func aWaiterCancelledInTheQueueLeavesItAndNeverTakesASlot() async throws {
        let clock = ManualClock()
        let bulkhead = try Self.make(max: 1, wait: .seconds(30), clock: clock)
        try await bulkhead.acquirePermission()
        let ran = BulkheadOrderLog()
        let cancelled = Task { try await bulkhead.execute { ran.append(1) } }
        await clock.waitForSleepers(count: 1)
        let next = Task { try await bulkhead.execute { "next" } }
        await clock.waitForSleepers(count: 2)
        #expect(bulkhead.queueDepth == 2)

        cancelled.cancel()
        let error = await caught { try await cancelled.value }
        #expect(error is CancellationError)
        #expect(bulkhead.queueDepth == 1)
        #expect(clock.sleeperCount == 1, "the cancelled waiter's timer is gone")

        bulkhead.releasePermission()
        #expect(try await next.value == "next", "the slot goes to the next live waiter")
        #expect(ran.values.isEmpty)
        #expect(bulkhead.availableConcurrentCalls == 1)
        #expect(bulkhead.queueDepth == 0)
    }

    @Test func anAlreadyCancelledTaskDoesNotRunNorTakeASlot() async throws {
        let bulkhead = try Self.make(max: 1)
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await bulkhead.execute { "ran" }
        }
        let error = await caught { _ = try await task.value }
        #expect(error is CancellationError)
        #expect(bulkhead.availableConcurrentCalls == 1)
    }

    @Test func runAcceptsANonEscapingClosure() async throws {
        let bulkhead = try Self.make(max: 1)
        var calls = 0
        let result = try await bulkhead.run {
            calls += 1
            return calls * 10
        }
        #expect(result == 10)
        #expect(calls == 1)
        #expect(bulkhead.availableConcurrentCalls == 1)
    }

    @Test func runKeepsTheCallersActorIsolation() async throws {
        let bulkhead = try Self.make(max: 1)
        let counter = BulkheadIsolatedCounter()
        #expect(try await counter.incrementTwice(through: bulkhead) == 2)
        #expect(bulkhead.availableConcurrentCalls == 1)
    }

    @Test func anExtraReleaseNeverRaisesTheSlotsAboveTheLimit() async throws {
        let bulkhead = try Self.make(max: 2)
        bulkhead.releasePermission()
        #expect(bulkhead.availableConcurrentCalls == 2)
    }

    @Test func twoHundredTasksNeverExceedTheLimitAndLeakNothing() async throws {
        struct Boom: Error {}
        let clock = ManualClock()
        let limit = 5
        let bulkhead = try Self.make(max: limit, queue: 200, wait: .seconds(3600), clock: clock)
        let counters = BulkheadStressCounters()
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<200 {
                group.addTask {
                    _ = try? await bulkhead.execute {
                        counters.enter()
                        for _ in 0..<(index % 4) { await Task.yield() }
                        counters.leave()
                        if index % 7 == 0 { throw Boom() }
                    }
                }
            }
        }
        #expect(counters.completed == 200, "nobody timed out: the clock never moved")
        #expect(counters.maxInFlight <= limit)
        #expect(counters.maxInFlight >= 1)
        #expect(bulkhead.availableConcurrentCalls == limit)
        #expect(bulkhead.queueDepth == 0)
        #expect(clock.sleeperCount == 0)
    }

    @Test func stressWithCancellationsLeaksNoSlot() async throws {
        let clock = ManualClock()
        let limit = 3
        let bulkhead = try Self.make(max: limit, queue: 200, wait: .seconds(3600), clock: clock)
        let counters = BulkheadStressCounters()
        let tasks = (0..<100).map { index in
            Task {
                try await bulkhead.execute {
                    counters.enter()
                    defer { counters.leave() }
                    for _ in 0..<(index % 5) { await Task.yield() }
                    try Task.checkCancellation()
                }
            }
        }
        for (index, task) in tasks.enumerated() where index % 3 == 0 { task.cancel() }
        for task in tasks { _ = try? await task.value }
        #expect(counters.maxInFlight <= limit)
        #expect(bulkhead.availableConcurrentCalls == limit)
        #expect(bulkhead.queueDepth == 0)
        #expect(clock.sleeperCount == 0)
    }
}

/// Counts calls inside a bulkhead: how many run now, the most at once, how many finished.
private final class BulkheadStressCounters: Sendable {
    private let inFlight = Atomic<Int>(0)
    private let maximum = Atomic<Int>(0)
    private let finished = Atomic<Int>(0)

    func enter() {
        let now = inFlight.add(1, ordering: .sequentiallyConsistent).newValue
        _ = maximum.max(now, ordering: .sequentiallyConsistent)
    }

    func leave() {
        inFlight.subtract(1, ordering: .sequentiallyConsistent)
        finished.add(1, ordering: .sequentiallyConsistent)
    }

    var maxInFlight: Int { maximum.load(ordering: .sequentiallyConsistent) }
    var completed: Int { finished.load(ordering: .sequentiallyConsistent) }
}

/// The order in which calls ran.
private final class BulkheadOrderLog: Sendable {
    private let storage = Mutex<[Int]>([])

    func append(_ value: Int) { storage.withLock { $0.append(value) } }

    var values: [Int] { storage.withLock { $0 } }
}

/// Mutates actor state from inside ``Bulkhead/run(_:)``.
private actor BulkheadIsolatedCounter {
    private var value = 0

    func incrementTwice(through bulkhead: Bulkhead) async throws -> Int {
        try await bulkhead.run { value += 1 }
        try await bulkhead.run { value += 1 }
        return value
    }
}
