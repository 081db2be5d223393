import CoreCache
import CoreProtocols
import CoreTestKit
import Synchronization

/// A dictionary tier with the `CacheStore` semantics (TTL on the clock, tags,
/// glob invalidation), for the manager's logic tests. The real tiers have
/// their own integration suites; the manager runs on them in
/// `CacheManagerTierIntegrationTests`.
final class DictionaryStore: CacheStore, Sendable {
    let name: String
    let clock: ManualClock
    private struct Entry {
        var value: [UInt8]
        var expires: WhaleInstant?
        var tags: [String]
    }
    private let entries = Mutex<[String: Entry]>([:])
    /// When set, every call throws `WhaleError(.unavailable)` (a dead server).
    let failing = Atomic<Bool>(false)
    let calls = Atomic<Int>(0)

    init(name: String, clock: ManualClock) {
        self.name = name
        self.clock = clock
    }

    private func enter() throws {
        calls.add(1, ordering: .relaxed)
        if failing.load(ordering: .relaxed) { throw WhaleError(.unavailable, "\(name) is down") }
    }

    func raw(_ key: String) -> [UInt8]? { entries.locked { $0[key]?.value } }
    func putRaw(_ key: String, _ value: [UInt8]) { entries.locked { $0[key] = Entry(value: value, expires: nil, tags: []) } }
    var keys: Set<String> { entries.locked { Set($0.keys) } }

    func get(_ key: String) async throws -> [UInt8]? {
        try enter()
        let now = clock.now
        return entries.locked { entries in
            guard let entry = entries[key] else { return nil }
            if let expires = entry.expires, expires <= now {
                entries[key] = nil
                return nil
            }
            return entry.value
        }
    }

    func getMany(_ keys: [String]) async throws -> [[UInt8]?] {
        var values: [[UInt8]?] = []
        for key in keys { values.append(try await get(key)) }
        return values
    }

    func setMany(_ writes: [CacheWrite]) async throws {
        try enter()
        let now = clock.now
        entries.locked { entries in
            for write in writes {
                entries[write.key] = Entry(value: write.value, expires: write.ttl.map { now.advanced(by: $0) }, tags: write.tags)
            }
        }
    }

    func deleteMany(_ keys: [String]) async throws -> Int {
        try enter()
        return entries.locked { entries in keys.reduce(0) { $0 + (entries.removeValue(forKey: $1) == nil ? 0 : 1) } }
    }

    func invalidate(matching pattern: GlobPattern) async throws -> Int {
        try enter()
        return entries.locked { entries in
            let doomed = entries.keys.filter { pattern.matches($0) }
            for key in doomed { entries[key] = nil }
            return doomed.count
        }
    }

    func invalidate(tag: String) async throws -> Int {
        try enter()
        return entries.locked { entries in
            let doomed = entries.filter { $0.value.tags.contains(tag) }.map(\.key)
            for key in doomed { entries[key] = nil }
            return doomed.count
        }
    }
}

/// A resilience policy standing for an open circuit breaker.
struct OpenBreakerPolicy: ResiliencePolicy {
    func execute<Result: Sendable>(_ operation: @escaping @Sendable () async throws -> Result) async throws -> Result {
        throw WhaleError(.circuitOpen, "circuit breaker 'profiles' is open")
    }
}

/// A loader that counts its calls and can be made to fail or to wait.
final class CountingLoader: Sendable {
    let calls = Atomic<Int>(0)
    let failing = Atomic<Bool>(false)

    func load(_ value: String?) async throws -> String? {
        calls.add(1, ordering: .relaxed)
        if failing.load(ordering: .relaxed) { throw WhaleError(.unavailable, "profile service is down") }
        return value
    }

    var count: Int { calls.load(ordering: .relaxed) }
}

struct Profile: Codable, Sendable, Hashable {
    var name: String
    var age: Int
}
