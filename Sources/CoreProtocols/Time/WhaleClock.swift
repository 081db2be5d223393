/// The one injectable clock of the platform.
///
/// Every TTL, breaker window, token expiry and schedule reads time through a
/// `WhaleClock`, so tests can drive time by hand (`ManualClock` in CoreTestKit)
/// and production uses ``SystemClock``. It is a `Clock` over ``WhaleInstant``,
/// so `clock.sleep(for:)`, `clock.measure { }` and `Task.sleep(for:clock:)` work
/// as they do with any clock.
///
/// ```swift
/// struct TokenCheck {
///     let clock: any WhaleClock
///     func isExpired(_ expiresAt: WhaleInstant) -> Bool { clock.now >= expiresAt }
/// }
/// ```
public protocol WhaleClock: Clock, Sendable where Instant == WhaleInstant {}
