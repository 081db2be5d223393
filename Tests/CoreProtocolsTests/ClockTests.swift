import CoreProtocols
import Foundation
import Testing

@Suite struct ClockTests {
    @Test func instantArithmetic() {
        let start = WhaleInstant(secondsSinceEpoch: 100)
        let later = start.advanced(by: .milliseconds(1_500))
        #expect(later.nanosecondsSinceEpoch == 101_500_000_000)
        #expect(start.duration(to: later) == .milliseconds(1_500))
        #expect(later.secondsSinceEpoch == 101)
        #expect(WhaleInstant(nanosecondsSinceEpoch: -1).secondsSinceEpoch == -1)
        #expect(start < later)
    }

    @Test func instantArithmeticSaturatesInsteadOfTrapping() {
        let far = WhaleInstant(nanosecondsSinceEpoch: .max - 10)
        #expect(far.advanced(by: .seconds(1)).nanosecondsSinceEpoch == .max)
        #expect(Duration.seconds(Int64.max).whaleNanoseconds == .max)
        #expect(Duration.seconds(Int64.min).whaleNanoseconds == .min)
    }

    @Test func systemClockIsNearWallTimeAndMonotonic() {
        let clock: any WhaleClock = .system
        let first = clock.now
        let wall = Int64(Date().timeIntervalSince1970 * 1_000_000_000)
        #expect(abs(first.nanosecondsSinceEpoch - wall) < 1_000_000_000)
        var previous = first
        for _ in 0..<10_000 {
            let next = clock.now
            #expect(next >= previous)
            previous = next
        }
    }

    @Test func systemClockSleepsAndHonoursCancellation() async throws {
        let clock = SystemClock()
        let before = clock.now
        try await clock.sleep(for: .milliseconds(20))
        #expect(before.duration(to: clock.now) >= .milliseconds(20))
        let task = Task { try await clock.sleep(for: .seconds(60)) }
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
    }
}
