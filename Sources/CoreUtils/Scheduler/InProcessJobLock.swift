public import CoreProtocols
import Synchronization

/// A ``CoreProtocols/DistributedJobLock`` inside one process: right for a single
/// node and for tests; a cluster needs a shared one (Redis).
public final class InProcessJobLock: DistributedJobLock {
    private struct Lease {
        var owner: String
        var expires: WhaleInstant
    }

    private let clock: any WhaleClock
    private let leases = Mutex<[String: Lease]>([:])

    /// A lock whose leases expire on `clock`.
    public init(clock: any WhaleClock = SystemClock()) { self.clock = clock }

    public func tryAcquire(_ name: String, owner: String, ttl: Duration) async throws -> Bool {
        let now = clock.now
        return leases.locked { leases in
            if let lease = leases[name], lease.owner != owner, lease.expires > now { return false }
            leases[name] = Lease(owner: owner, expires: now.advanced(by: ttl))
            if leases.count > 10_000 { leases = leases.filter { $0.value.expires > now } }
            return true
        }
    }

    public func release(_ name: String, owner: String) async throws {
        leases.locked { leases in
            if leases[name]?.owner == owner { leases[name] = nil }
        }
    }
}
