/// A lock shared by the nodes of a cluster, so that a cluster-wide scheduled
/// job runs on one node per fire time (Quartz's clustered job store, ShedLock).
///
/// CoreUtils' scheduler takes the lock named after the job and its fire time
/// before running a cluster-wide job, and skips the run when another node
/// holds it. The lock is leased: it expires after `ttl` even if its holder
/// dies, so a crashed node never blocks the job for good. CoreUtils ships an
/// in-process implementation; a Redis one (`SET NX PX`) belongs with the cache.
public protocol DistributedJobLock: Sendable {
    /// Takes the lock `name` for `owner` for at most `ttl`; `false` when another
    /// owner holds an unexpired lease on it.
    func tryAcquire(_ name: String, owner: String, ttl: Duration) async throws -> Bool

    /// Gives the lock back early, if `owner` still holds it.
    func release(_ name: String, owner: String) async throws
}
