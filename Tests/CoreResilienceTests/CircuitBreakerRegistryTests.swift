import CoreProtocols
import CoreTestKit
import MetricsTestKit
import Testing

@testable import CoreResilience

@Suite struct CircuitBreakerRegistryTests {
    @Test func createsOnFirstUseAndReturnsTheSameBreakerAfterwards() throws {
        let registry = CircuitBreakerRegistry(clock: ManualClock())
        let first = try registry.breaker(named: "redis", configuration: try .init(minimumNumberOfCalls: 5))
        let again = try registry.breaker(named: "redis", configuration: registry.defaultConfiguration)
        #expect(first === again)
        #expect(again.configuration.minimumNumberOfCalls == 5, "an existing breaker keeps its configuration")
        #expect(try registry.breaker(named: "redis") === first)
    }

    @Test func breakersGetTheDefaultConfigurationAndTheRegistrySettings() async throws {
        let clock = ManualClock()
        let metrics = TestMetrics()
        let registry = CircuitBreakerRegistry(
            defaultConfiguration: try .init(minimumNumberOfCalls: 1, slidingWindow: .countBased(size: 1)),
            clock: clock,
            metricsFactory: metrics
        )
        let breaker = try registry.breaker(named: "kafka", configuration: registry.defaultConfiguration)
        await breaker.failOnce()
        #expect(breaker.state == .open)
        #expect(breaker.history.first?.at == clock.now)
        #expect(try metrics.expectGauge("whale_circuit_breaker_state", [("name", "kafka")]).lastValue == 1)
    }

    @Test func unknownNamesAreNotFound() throws {
        let registry = CircuitBreakerRegistry(clock: ManualClock())
        for attempt: () throws -> Void in [
            { _ = try registry.breaker(named: "missing") },
            { _ = try registry.checkState("missing") },
            { try registry.trip("missing") },
            { try registry.reset("missing") },
            { try registry.remove("missing") },
        ] {
            do {
                try attempt()
                Issue.record("no error")
            } catch let error as WhaleError {
                #expect(error.code == .notFound)
                #expect(error.message == "no circuit breaker named 'missing'")
            }
        }
    }

    @Test func anEmptyNameIsAnInvalidConfiguration() {
        let registry = CircuitBreakerRegistry(clock: ManualClock())
        #expect {
            try registry.breaker(named: "", configuration: registry.defaultConfiguration)
        } throws: { error in
            (error as? WhaleError)?.code == .invalidConfiguration
                && (error as? WhaleError)?.message.hasPrefix("name:") == true
        }
    }

    @Test func checkTripAndReset() async throws {
        let registry = CircuitBreakerRegistry(clock: ManualClock())
        let breaker = try registry.breaker(named: "sqlite", configuration: registry.defaultConfiguration)
        #expect(try registry.checkState("sqlite") == .closed)
        try registry.trip("sqlite", reason: "maintenance window")
        #expect(try registry.checkState("sqlite") == .open)
        #expect(breaker.history.last?.reason == "maintenance window")
        #expect(await breaker.refusesACall())
        try registry.reset("sqlite")
        #expect(try registry.checkState("sqlite") == .closed)
        try await breaker.succeedOnce()
    }

    @Test func listsAndRemovesBreakers() throws {
        let registry = CircuitBreakerRegistry(clock: ManualClock())
        for name in ["c", "a", "b"] {
            _ = try registry.breaker(named: name, configuration: registry.defaultConfiguration)
        }
        #expect(registry.all.map(\.name) == ["a", "b", "c"])
        #expect(registry.names == ["a", "b", "c"])
        let removed = try registry.remove("b")
        #expect(removed.name == "b")
        #expect(registry.names == ["a", "c"])
    }

    @Test func concurrentGetOrCreateYieldsOneBreaker() async throws {
        let registry = CircuitBreakerRegistry(clock: ManualClock())
        let identifiers = await withTaskGroup(of: ObjectIdentifier?.self) { group in
            for _ in 0..<100 {
                group.addTask {
                    (try? registry.breaker(named: "shared", configuration: registry.defaultConfiguration)).map(
                        ObjectIdentifier.init)
                }
            }
            var identifiers = Set<ObjectIdentifier?>()
            for await identifier in group { identifiers.insert(identifier) }
            return identifiers
        }
        #expect(identifiers.count == 1)
        #expect(!identifiers.contains(nil))
    }
}

/// A store whose every call fails.
private struct UnreachableStateStore: BreakerStateStore {
    func read(breaker name: String) async throws -> BreakerStateRecord? {
        throw WhaleError(.unavailable, "store down")
    }

    func write(breaker name: String, record: BreakerStateRecord) async throws {
        throw WhaleError(.unavailable, "store down")
    }
}

@Suite(.timeLimit(.minutes(1))) struct CircuitBreakerSharedStateTests {
    private func pair(
        clock: ManualClock,
        store: InMemoryBreakerStateStore,
        _ configuration: CircuitBreakerConfiguration = CircuitBreakerConfiguration()
    ) throws -> (CircuitBreaker, CircuitBreaker) {
        let a = try CircuitBreaker(
            name: "payments", configuration: configuration, clock: clock, stateStore: store, nodeID: "node-a")
        let b = try CircuitBreaker(
            name: "payments", configuration: configuration, clock: clock, stateStore: store, nodeID: "node-b")
        return (a, b)
    }

    @Test func aBreakerAdoptsTheOpenStateAnotherNodeWrote() async throws {
        let clock = ManualClock()
        let store = InMemoryBreakerStateStore()
        let (a, b) = try pair(
            clock: clock, store: store, try .init(minimumNumberOfCalls: 2, slidingWindow: .countBased(size: 2)))
        await a.failOnce()
        await a.failOnce()
        #expect(a.state == .open)
        await a.flushStateStore()
        let record = try #require(store.snapshot["payments"])
        #expect(record.state == "open")
        #expect(record.origin == "node-a")
        #expect(record.reason == "failure rate 100 % ≥ 50 %")
        #expect(record.openUntil == clock.now.advanced(by: .seconds(60)))

        #expect(b.state == .closed, "never read on the call path")
        await b.synchronize()
        #expect(b.state == .open)
        #expect(b.history.last?.remoteOrigin == "node-a")
        #expect(b.history.last?.reason == "node-a: failure rate 100 % ≥ 50 %")
        #expect(await b.refusesACall())
        await b.flushStateStore()
        #expect(store.snapshot["payments"]?.origin == "node-a", "an adopted state is not written back")
    }

    @Test func theRemoteWaitIsKeptAndThenBothProbeOnTheirOwn() async throws {
        let clock = ManualClock()
        let store = InMemoryBreakerStateStore()
        let (a, b) = try pair(
            clock: clock, store: store, try .init(permittedCallsInHalfOpenState: 1, waitInOpen: .fixed(.seconds(30))))
        a.transitionToOpen(reason: "tripped")
        await a.flushStateStore()
        clock.advance(by: .seconds(10))
        await b.synchronize()
        #expect(b.state == .open)
        clock.advance(by: .seconds(20) - .nanoseconds(1))
        #expect(await b.refusesACall())
        clock.advance(by: .nanoseconds(1))
        try await b.succeedOnce()
        #expect(b.state == .closed)
    }

    @Test func aRemoteCloseReleasesABreakerOpenedByTheStore() async throws {
        let clock = ManualClock()
        let store = InMemoryBreakerStateStore()
        let (a, b) = try pair(clock: clock, store: store)
        a.transitionToOpen()
        await a.flushStateStore()
        await b.synchronize()
        #expect(b.state == .open)
        clock.advance(by: .seconds(1))
        a.reset()
        await a.flushStateStore()
        await b.synchronize()
        #expect(b.state == .closed)
        #expect(b.history.map(\.to) == [.open, .closed])
    }

    @Test func aRemoteCloseDoesNotCloseABreakerThatOpenedOnItsOwn() async throws {
        let clock = ManualClock()
        let store = InMemoryBreakerStateStore()
        let (a, b) = try pair(
            clock: clock, store: store, try .init(minimumNumberOfCalls: 1, slidingWindow: .countBased(size: 1)))
        await b.failOnce()
        #expect(b.state == .open)
        await b.flushStateStore()
        clock.advance(by: .seconds(1))
        a.transitionToForcedOpen()
        a.transitionToClosed()
        await a.flushStateStore()
        #expect(store.snapshot["payments"]?.state == "closed")
        await b.synchronize()
        #expect(b.state == .open)
    }

    @Test func forcedOpenIsSharedToo() async throws {
        let clock = ManualClock()
        let store = InMemoryBreakerStateStore()
        let (a, b) = try pair(clock: clock, store: store)
        clock.advance(by: .seconds(1))
        a.transitionToForcedOpen(reason: "dependency in maintenance")
        await a.flushStateStore()
        await b.synchronize()
        #expect(b.state == .forcedOpen)
        clock.advance(by: .seconds(1))
        a.transitionToClosed()
        await a.flushStateStore()
        await b.synchronize()
        #expect(b.state == .closed)
    }

    @Test func anOlderRecordIsNotAdopted() async throws {
        let clock = ManualClock()
        let store = InMemoryBreakerStateStore()
        let (a, b) = try pair(clock: clock, store: store)
        a.transitionToOpen()
        await a.flushStateStore()
        clock.advance(by: .seconds(1))
        b.transitionToHalfOpen()  // a local decision after the record
        await b.synchronize()
        #expect(b.state == .halfOpen)
    }

    @Test func aBreakerThatStartsLateJoinsAnOpenClusterUnlessTheWaitHasPassed() async throws {
        let clock = ManualClock()
        let store = InMemoryBreakerStateStore()
        let a = try CircuitBreaker(name: "payments", clock: clock, stateStore: store, nodeID: "node-a")
        a.transitionToOpen()
        await a.flushStateStore()
        clock.advance(by: .seconds(30))
        let late = try CircuitBreaker(name: "payments", clock: clock, stateStore: store, nodeID: "node-c")
        await late.synchronize()
        #expect(late.state == .open)
        clock.advance(by: .seconds(30))
        let later = try CircuitBreaker(name: "payments", clock: clock, stateStore: store, nodeID: "node-d")
        await later.synchronize()
        #expect(later.state == .closed, "the record's wait in open has passed")
    }

    @Test func disabledAndForcedOpenBreakersIgnoreRemoteOpens() async throws {
        let clock = ManualClock()
        let store = InMemoryBreakerStateStore()
        let (a, b) = try pair(clock: clock, store: store)
        b.transitionToDisabled()
        clock.advance(by: .seconds(1))
        a.transitionToOpen()
        await a.flushStateStore()
        await b.synchronize()
        #expect(b.state == .disabled)
    }

    @Test func theSynchronizationLoopAdoptsOnItsInterval() async throws {
        let clock = ManualClock()
        let store = InMemoryBreakerStateStore()
        let (a, b) = try pair(clock: clock, store: store)
        let events = b.events
        let loop = Task { await b.runSynchronization() }
        await clock.waitForSleepers(count: 1)
        a.transitionToOpen(reason: "tripped on node a")
        await a.flushStateStore()
        clock.advance(by: .seconds(1))
        for await event in events where event.kind == .stateTransition {
            #expect(event.transition?.to == .open)
            #expect(event.transition?.remoteOrigin == "node-a")
            break
        }
        #expect(b.state == .open)
        loop.cancel()
        await loop.value
        #expect(clock.sleeperCount == 0)
    }

    @Test func storeFailuresNeitherThrowNorChangeTheState() async throws {
        let clock = ManualClock()
        let breaker = try CircuitBreaker(name: "x", clock: clock, stateStore: UnreachableStateStore(), nodeID: "node-a")
        breaker.transitionToOpen()
        await breaker.flushStateStore()
        await breaker.synchronize()
        #expect(breaker.state == .open)
    }

    @Test func theInMemoryStoreKeepsTheLastRecordPerBreaker() async throws {
        let store = InMemoryBreakerStateStore()
        let first = BreakerStateRecord(
            state: "open", since: WhaleInstant(secondsSinceEpoch: 1), origin: "n", reason: "r")
        let second = BreakerStateRecord(
            state: "closed", since: WhaleInstant(secondsSinceEpoch: 2), origin: "n", reason: "r")
        #expect(try await store.read(breaker: "a") == nil)
        try await store.write(breaker: "a", record: first)
        try await store.write(breaker: "a", record: second)
        #expect(try await store.read(breaker: "a") == second)
        #expect(store.snapshot.count == 1)
    }
}
