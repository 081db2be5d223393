import CoreProtocols
import CoreTestKit
import Testing

@Suite struct ManualClockTests {
    @Test func sleepersWakeOnlyWhenTheClockPassesTheirDeadline() async throws {
        let clock = ManualClock()
        let start = clock.now
        let task = Task { try await clock.sleep(for: .seconds(30)) }
        await clock.waitForSleepers(count: 1)
        clock.advance(by: .seconds(29))
        #expect(clock.sleeperCount == 1)
        clock.advance(by: .seconds(1))
        try await task.value
        #expect(clock.sleeperCount == 0)
        #expect(start.duration(to: clock.now) == .seconds(30))
    }

    @Test func sleepersWakeInDeadlineOrder() async throws {
        let clock = ManualClock()
        let order = OrderRecorder()
        let late = Task {
            try await clock.sleep(for: .seconds(20))
            await order.append("late")
        }
        await clock.waitForSleepers(count: 1)
        let early = Task {
            try await clock.sleep(for: .seconds(10))
            await order.append("early")
        }
        await clock.waitForSleepers(count: 2)
        clock.advance(by: .seconds(10))
        try await early.value
        clock.advance(by: .seconds(10))
        try await late.value
        #expect(await order.items == ["early", "late"])
    }

    @Test func aPastDeadlineReturnsAtOnce() async throws {
        let clock = ManualClock()
        try await clock.sleep(until: clock.now.advanced(by: .seconds(-1)))
        #expect(clock.sleeperCount == 0)
    }

    @Test func cancellingASleeperThrowsAndRemovesIt() async {
        let clock = ManualClock()
        let task = Task { try await clock.sleep(for: .seconds(60)) }
        await clock.waitForSleepers(count: 1)
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(clock.sleeperCount == 0)
    }

    @Test func theClockNeverRunsBackwards() {
        let clock = ManualClock()
        let now = clock.now
        clock.advance(to: now.advanced(by: .seconds(-5)))
        #expect(clock.now == now)
    }
}

private actor OrderRecorder {
    var items: [String] = []
    func append(_ item: String) { items.append(item) }
}
