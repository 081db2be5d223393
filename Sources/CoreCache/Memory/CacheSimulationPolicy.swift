/// The eviction policies ``CacheSimulator`` can replay a trace against.
public enum CacheSimulationPolicy: String, Sendable, Hashable, CaseIterable {
    /// ``MemoryCache``'s policy: W-TinyLFU with an adaptive window.
    case wTinyLFU = "w-tinylfu"
    /// Least recently used: the baseline.
    case lru
}
