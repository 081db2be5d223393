public import CoreProtocols
import Synchronization

/// A `BreakerStateStore` in this process's memory: circuit breakers created
/// with the same store share their state, as nodes sharing a Redis store do.
/// For tests, and for several breakers in one process that protect the same
/// dependency.
public final class InMemoryBreakerStateStore: BreakerStateStore {
    private let records = Mutex<[String: BreakerStateRecord]>([:])

    /// Creates an empty store.
    public init() {}

    /// The last record written for the breaker `name`, or `nil` if none.
    public func read(breaker name: String) async throws -> BreakerStateRecord? {
        records.locked { $0[name] }
    }

    /// Replaces the record of the breaker `name`.
    public func write(breaker name: String, record: BreakerStateRecord) async throws {
        records.locked { $0[name] = record }
    }

    /// Every record, by breaker name.
    public var snapshot: [String: BreakerStateRecord] {
        records.locked { $0 }
    }
}
