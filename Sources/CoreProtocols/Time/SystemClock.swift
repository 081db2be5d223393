#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The production ``WhaleClock``: monotonic, anchored to the Unix epoch.
///
/// `now` reads the system's monotonic clock (`CLOCK_BOOTTIME` on Linux, so time
/// spent suspended counts) plus an offset to the wall clock taken once per
/// process. Stepping the wall clock later does not move it; reading it does
/// not allocate or take a lock.
public struct SystemClock: WhaleClock {
    public typealias Duration = Swift.Duration

    /// Creates the system clock. All instances share one anchor.
    public init() {}

    public var now: WhaleInstant {
        WhaleInstant(nanosecondsSinceEpoch: Self.monotonicNanoseconds() &+ Self.epochOffset)
    }

    /// 1 ns: the resolution `clock_gettime` reports on Linux.
    public var minimumResolution: Duration { .nanoseconds(1) }

    /// Suspends the task until `deadline`, or throws `CancellationError` when the
    /// task is cancelled first.
    public func sleep(until deadline: WhaleInstant, tolerance: Duration? = nil) async throws {
        let remaining = now.duration(to: deadline)
        if remaining > .zero {
            try await ContinuousClock().sleep(for: remaining, tolerance: tolerance)
        } else {
            try Task.checkCancellation()
        }
    }

    /// Wall-clock nanoseconds minus monotonic nanoseconds, taken once.
    private static let epochOffset: Int64 = realtimeNanoseconds() &- monotonicNanoseconds()

    private static func monotonicNanoseconds() -> Int64 {
        #if os(Linux)
        read(CLOCK_BOOTTIME)
        #else
        read(CLOCK_MONOTONIC)
        #endif
    }

    private static func realtimeNanoseconds() -> Int64 {
        read(CLOCK_REALTIME)
    }

    private static func read(_ id: clockid_t) -> Int64 {
        var spec = timespec()
        clock_gettime(id, &spec)
        return Int64(spec.tv_sec) &* 1_000_000_000 &+ Int64(spec.tv_nsec)
    }
}

extension WhaleClock where Self == SystemClock {
    /// The production clock: `.system`.
    public static var system: SystemClock { SystemClock() }
}
