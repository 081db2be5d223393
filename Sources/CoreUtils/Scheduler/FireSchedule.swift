public import CoreProtocols

/// When a job fires: the seam between the scheduler and the things that compute
/// fire times (cron expressions in a time zone, fixed intervals, one-shot dates).
///
/// Implementations are pure: the same `instant` always gives the same answer, so
/// the scheduler can preview fire times and recompute them after a pause.
public protocol FireSchedule: Sendable {
    /// The first fire time strictly after `instant`, or `nil` when the schedule
    /// never fires again.
    func nextFireTime(after instant: WhaleInstant) -> WhaleInstant?
}
