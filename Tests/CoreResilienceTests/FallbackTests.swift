import CoreProtocols
import CoreTestKit
import Synchronization
import Testing

@testable import CoreResilience

/// A stale-value source backed by a dictionary.
private struct FixedStaleValues: StaleValueSource {
    var values: [String: StaleValue]

    func staleValue(forKey key: String) async -> StaleValue? { values[key] }
}

/// An error that can be told apart from another one by its id.
private struct TaggedError: Error, Equatable {
    var id: Int
}

/// Which alternatives ran, in order.
private final class FallbackCallLog: Sendable {
    private let storage = Mutex<[String]>([])

    func record(_ name: String) { storage.withLock { $0.append(name) } }

    var names: [String] { storage.withLock { $0 } }
}

@Suite(.timeLimit(.minutes(1))) struct FallbackTests {
    @Test func aSuccessfulOperationRunsNoAlternative() async throws {
        let log = FallbackCallLog()
        let chain = FallbackChain<Int>([.init("a") { _ in log.record("a"); return 0 }])
        #expect(try await chain.execute { 42 } == 42)
        #expect(log.names.isEmpty)
    }

    @Test func matchingAlternativesAreTriedInOrderUntilOneSucceeds() async throws {
        let log = FallbackCallLog()
        let chain = FallbackChain<String>([
            .init("timeouts only", when: .code(.timeout)) { _ in log.record("timeouts only"); return "t" },
            .init("fails", when: .code(.circuitOpen)) { _ in log.record("fails"); throw TaggedError(id: 2) },
            .init("open breaker", when: .code(.circuitOpen)) { error in
                log.record("open breaker")
                return "cached because \((error as? WhaleError)?.code.description ?? "?")"
            },
            .init("any") { _ in log.record("any"); return "last" },
        ])
        let result = try await chain.execute { throw WhaleError(.circuitOpen, "breaker 'db' is open") }
        #expect(result == "cached because circuitOpen")
        #expect(log.names == ["fails", "open breaker"])
    }

    @Test func theOriginalErrorIsRethrownWhenNoAlternativeMatches() async {
        let chain = FallbackChain<Int>([
            .init(when: .code(.rateLimited)) { _ in 1 },
            .init(when: .predicate { ($0 as? TaggedError)?.id == 99 }) { _ in 2 },
        ])
        let error = await caught { _ = try await chain.execute { throw TaggedError(id: 1) } }
        #expect(error as? TaggedError == TaggedError(id: 1))
    }

    @Test func theOriginalErrorIsRethrownWhenEveryMatchingAlternativeFails() async {
        let chain = FallbackChain<Int>([
            .init { _ in throw TaggedError(id: 10) },
            .init { _ in throw WhaleError(.unavailable, "backup down") },
        ])
        let error = await caught { _ = try await chain.execute { throw TaggedError(id: 1) } }
        #expect(error as? TaggedError == TaggedError(id: 1))
    }

    @Test func matchers() {
        let open = WhaleError(.circuitOpen, "open")
        let timeout = WhaleError(.timeout, "slow")
        #expect(FallbackMatcher.any.matches(TaggedError(id: 1)))
        #expect(FallbackMatcher.code(.circuitOpen).matches(open))
        #expect(!FallbackMatcher.code(.circuitOpen).matches(timeout))
        #expect(!FallbackMatcher.code(.circuitOpen).matches(TaggedError(id: 1)))
        #expect(FallbackMatcher.codes([.timeout, .rateLimited]).matches(timeout))
        #expect(!FallbackMatcher.codes([.timeout, .rateLimited]).matches(open))
        #expect(FallbackMatcher.type(TaggedError.self).matches(TaggedError(id: 3)))
        #expect(!FallbackMatcher.type(TaggedError.self).matches(open))
        #expect(FallbackMatcher.retriable.matches(timeout))
        #expect(!FallbackMatcher.retriable.matches(open))
        let fives = FallbackMatcher.predicate { ($0 as? TaggedError)?.id == 5 }
        #expect(fives.matches(TaggedError(id: 5)))
        #expect(!fives.matches(TaggedError(id: 6)))
        for matcher in [FallbackMatcher.any, .code(.cancelled), .type(CancellationError.self), .predicate { _ in true }] {
            #expect(!matcher.matches(CancellationError()), "cancellation is never matched")
            #expect(!matcher.matches(WhaleError(.cancelled, "stop")))
        }
    }

    @Test func executeKeepsTheCallersActorIsolation() async throws {
        let owner = FallbackIsolatedOwner()
        #expect(try await owner.load() == -1)
    }

    @Test func aCancelledOperationIsNeverHandled() async {
        let log = FallbackCallLog()
        let chain = FallbackChain<Int>([.init { _ in log.record("any"); return 1 }])
        let first = await caught { _ = try await chain.execute { throw CancellationError() } }
        #expect(first is CancellationError)
        let second = await caught { _ = try await chain.execute { throw WhaleError(.cancelled, "caller went away") } }
        #expect((second as? WhaleError)?.code == .cancelled)
        let task = Task {
            try await chain.execute {
                withUnsafeCurrentTask { $0?.cancel() }
                throw TaggedError(id: 1)  // a failure caused by cancellation
            }
        }
        #expect(await caught { _ = try await task.value } is TaggedError)
        #expect(log.names.isEmpty)
    }

    @Test func cancellationDuringAnAlternativeStopsTheChain() async {
        let log = FallbackCallLog()
        let chain = FallbackChain<Int>([
            .init("cancels") { _ in
                log.record("cancels")
                withUnsafeCurrentTask { $0?.cancel() }
                throw TaggedError(id: 7)
            },
            .init("never") { _ in log.record("never"); return 2 },
        ])
        let task = Task { try await chain.execute { throw TaggedError(id: 1) } }
        #expect(await caught { _ = try await task.value } is CancellationError)
        #expect(log.names == ["cancels"])
    }

    @Test func aStaleValueYoungEnoughIsServed() async throws {
        let clock = ManualClock()
        let source = FixedStaleValues(values: ["price:1": StaleValue(bytes: [0, 42], storedAt: clock.now)])
        clock.advance(by: .seconds(300))
        let chain = FallbackChain<Int>([
            .staleValue(from: source, key: "price:1", maxStaleness: .seconds(300), clock: clock) { Int($0[1]) }
        ])
        #expect(try await chain.execute { throw WhaleError(.unavailable, "pricing down") } == 42)

        let bytes = FallbackChain<[UInt8]>([.staleValue(from: source, key: "price:1", clock: clock)])
        #expect(try await bytes.execute { throw WhaleError(.unavailable, "pricing down") } == [0, 42])
    }

    @Test func aStaleValueTooOldOrMissingIsRefusedAndTheOriginalErrorStands() async throws {
        let clock = ManualClock()
        let source = FixedStaleValues(values: ["price:1": StaleValue(bytes: [7], storedAt: clock.now)])
        clock.advance(by: .seconds(301))
        let tooOld = FallbackChain<[UInt8]>([.staleValue(from: source, key: "price:1", maxStaleness: .seconds(300), clock: clock)])
        let error = await caught { _ = try await tooOld.execute { throw TaggedError(id: 1) } }
        #expect(error as? TaggedError == TaggedError(id: 1))

        let missing = FallbackChain<[UInt8]>([
            .staleValue(from: source, key: "price:2", clock: clock),
            .value([9], name: "default"),
        ])
        #expect(try await missing.execute { throw TaggedError(id: 1) } == [9], "a missing stale value falls through to the next alternative")
    }

    @Test func staleValueFallbackNamesWhyItServedNothing() async {
        let clock = ManualClock()
        let source = FixedStaleValues(values: ["k": StaleValue(bytes: [1, 2, 3], storedAt: clock.now)])
        clock.advance(by: .seconds(10))
        let missing = await caught { _ = try await StaleValueFallback(source: source, key: "nope", clock: clock).value() }
        #expect((missing as? WhaleError)?.code == .notFound)
        let old = await caught { _ = try await StaleValueFallback(source: source, key: "k", maxStaleness: .seconds(5), clock: clock).value() }
        #expect((old as? WhaleError)?.code == .notFound)
        #expect((old as? WhaleError)?.message.contains("maxStaleness") == true)
        let undecodable = await caught {
            _ = try await StaleValueFallback<Int>(source: source, key: "k", clock: clock) { _ in throw TaggedError(id: 4) }.value()
        }
        #expect((undecodable as? WhaleError)?.code == .malformedData)
        #expect((undecodable as? WhaleError)?.underlying as? TaggedError == TaggedError(id: 4))
    }
}

@Suite(.timeLimit(.minutes(1))) struct FallbackPolicyTests {
    @Test func itWorksForAnyResultTypeAndSkipsValuesOfAnotherType() async throws {
        let log = FallbackCallLog()
        let policy: any ResiliencePolicy = FallbackPolicy([
            .value("text", when: .code(.circuitOpen)),
            .init("untyped") { _ in log.record("untyped"); return 3.5 },
            .value(7),
        ])
        let int = try await policy.execute { () async throws -> Int in throw WhaleError(.circuitOpen, "open") }
        #expect(int == 7, "\"text\" is skipped, 3.5 is the wrong type, 7 fits")
        #expect(log.names == ["untyped"])
        let double = try await policy.execute { () async throws -> Double in throw TaggedError(id: 1) }
        #expect(double == 3.5)
        let string = try await policy.execute { () async throws -> String in throw WhaleError(.circuitOpen, "open") }
        #expect(string == "text")
        let error = await caught { _ = try await policy.execute { () async throws -> [UInt8] in throw TaggedError(id: 2) } }
        #expect(error as? TaggedError == TaggedError(id: 2), "nothing fits: the original error")
    }

    @Test func aTypedAlternativeIsNotRunForAnotherResultType() async throws {
        let log = FallbackCallLog()
        let chain = FallbackChain<Int>([.init("typed") { _ in log.record("typed"); return 1 }])
        let policy = FallbackPolicy(chain)
        _ = await caught { _ = try await policy.execute { () async throws -> String in throw TaggedError(id: 1) } }
        #expect(log.names.isEmpty)
        #expect(try await policy.execute { () async throws -> Int in throw TaggedError(id: 1) } == 1)
        #expect(log.names == ["typed"])
    }

    @Test func staleValueAndCancellation() async throws {
        let clock = ManualClock()
        let source = FixedStaleValues(values: ["k": StaleValue(bytes: [5], storedAt: clock.now)])
        let policy = FallbackPolicy([.staleValue(from: source, key: "k", clock: clock) { $0 }])
        #expect(try await policy.execute { () async throws -> [UInt8] in throw WhaleError(.timeout, "slow") } == [5])
        let cancelled = await caught { _ = try await policy.execute { () async throws -> [UInt8] in throw CancellationError() } }
        #expect(cancelled is CancellationError)
    }
}

@Suite struct FallbackRegistryTests {
    @Test func chainsAreKeptByNameAndResultType() async throws {
        let registry = FallbackRegistry()
        registry.register(FallbackChain<Int>([.value(1)]), as: "price")
        registry.register(FallbackChain<String>([.value("one")]), as: "price")
        registry.register(FallbackPolicy([.value(true)]), as: "flags")
        #expect(registry.names == ["flags", "price"])

        #expect(try await registry.execute("price") { () async throws -> Int in throw TaggedError(id: 1) } == 1)
        #expect(try await registry.execute("price") { () async throws -> String in throw TaggedError(id: 1) } == "one")
        let policy = try registry.policy(named: "flags")
        #expect(try await policy.execute { () async throws -> Bool in throw TaggedError(id: 1) })

        registry.register(FallbackChain<Int>([.value(2)]), as: "price")
        let replaced = try registry.chain(named: "price", for: Int.self)
        #expect(try await replaced.execute { throw TaggedError(id: 1) } == 2)
    }

    @Test func anUnknownNameOrTypeIsNotFound() async throws {
        let registry = FallbackRegistry()
        registry.register(FallbackChain<Int>([.value(1)]), as: "price")
        let unknown = await caught { _ = try registry.chain(named: "nope", for: Int.self) }
        #expect((unknown as? WhaleError)?.code == .notFound)
        #expect((unknown as? WhaleError)?.message.contains("'nope'") == true)
        let wrongType = await caught { _ = try registry.chain(named: "price", for: Double.self) }
        #expect((wrongType as? WhaleError)?.code == .notFound)
        #expect((wrongType as? WhaleError)?.message.contains("Int") == true, "it says which types the name has")
        let ran = FallbackCallLog()
        let notRun = await caught { _ = try await registry.execute("nope") { ran.record("op"); return 1 } }
        #expect((notRun as? WhaleError)?.code == .notFound)
        #expect(ran.names.isEmpty)
        let noPolicy = await caught { _ = try registry.policy(named: "price") }
        #expect((noPolicy as? WhaleError)?.code == .notFound)

        registry.remove(named: "price")
        #expect(registry.names.isEmpty)
    }
}

/// Runs a fallback chain whose operation touches actor state.
private actor FallbackIsolatedOwner {
    private var attempts = 0
    private let chain = FallbackChain<Int>([.value(-1)])

    func load() async throws -> Int {
        try await chain.execute {
            attempts += 1
            throw TaggedError(id: attempts)
        }
    }
}
