/// What ``CacheSimulator/run(keys:capacity:policy:)`` measured.
public struct CacheSimulationResult: Sendable, Hashable {
    /// Requests replayed.
    public var requests: Int
    /// Requests that found their key in the cache.
    public var hits: Int
    /// `hits / requests`, 0…1 (0 for an empty trace).
    public var hitRatio: Double

    /// Creates a result; the hit ratio is computed from the counts.
    public init(requests: Int, hits: Int) {
        self.requests = requests
        self.hits = hits
        self.hitRatio = requests == 0 ? 0 : Double(hits) / Double(requests)
    }
}
