import CoreProtocols
import CoreTestKit
import CoreUtils
import Foundation
import Logging
import MetricsTestKit
import ServiceLifecycle
import Synchronization
import Testing

/// A door job actions wait at until the test opens it; waiting is cancellable.
final class Gate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [Int: CheckedContinuation<Void, any Error>], next: Int)>((false, [:], 0))

    func wait() async throws {
        let id = state.locked { state -> Int in
            state.next += 1
            return state.next
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resume: Result<Void, any Error>? = state.locked { state in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if state.open { return .success(()) }
                    state.waiters[id] = continuation
                    return nil
                }
                if let resume { continuation.resume(with: resume) }
            }
        } onCancel: {
            state.locked { $0.waiters.removeValue(forKey: id) }?.resume(throwing: CancellationError())
        }
    }

    func open() {
        let waiters = state.locked { state in
            state.open = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }
}

/// A load signal the test sets.
final class TestLoad: ResourcePressureSignal {
    let value = Mutex(0.0)
    func pressure() -> Double { value.locked { $0 } }
}

/// Counts calls.
final class Counter: Sendable {
    private let value = Mutex(0)
    func increment() { value.locked { $0 += 1 } }
    var count: Int { value.locked { $0 } }
}

/// Polls `condition` on the real clock for up to 10 s (for action tasks to finish).
func eventually(_ condition: () -> Bool) async throws {
    for _ in 0..<10_000 {
        if condition() { return }
        try await Task.sleep(for: .milliseconds(1))
    }
    Issue.record("condition not met within 10 s")
}

/// Runs `scheduler` for the body, then cancels it.
func running(_ scheduler: Scheduler, clock: ManualClock, sleepers: Int = 1, _ body: () async throws -> Void) async throws {
    let task = Task { try await scheduler.run() }
    await clock.waitForSleepers(count: sleepers)
    try await body()
    task.cancel()
    try await task.value
}

extension ManualClock {
    /// Advances to `instant` and waits until the scheduler's loop sleeps again.
    func step(to instant: WhaleInstant, sleepers: Int = 1) async {
        advance(to: instant)
        await waitForSleepers(count: sleepers)
    }

    func step(by duration: Duration, sleepers: Int = 1) async {
        await step(to: now.advanced(by: duration), sleepers: sleepers)
    }
}

@Suite struct SchedulerTests {
    @Test func oneShotsAndFixedRateFireOnTime() async throws {
        let clock = ManualClock()
        let t0 = clock.now
        let scheduler = Scheduler(clock: clock)
        let fired = Counter()
        try scheduler.schedule("at", .once(at: t0.advanced(by: .seconds(10)))) { _ in fired.increment() }
        try scheduler.schedule("after", .after(.seconds(5))) { _ in fired.increment() }
        try scheduler.schedule("rate", .fixedRate(.seconds(3), initialDelay: .seconds(1))) { _ in fired.increment() }
        #expect(try scheduler.nextFireTimes(of: "rate", count: 3) == [1, 4, 7].map { t0.advanced(by: .seconds($0)) })
        #expect(try scheduler.nextFireTimes(of: "at", count: 3) == [t0.advanced(by: .seconds(10))])
        try await running(scheduler, clock: clock) {
            for second in 1...10 { await clock.step(to: t0.advanced(by: .seconds(second))) }
            try await eventually { fired.count == 6 }
        }
        #expect(scheduler.history(of: "at").map(\.startTime) == [t0.advanced(by: .seconds(10))])
        #expect(scheduler.history(of: "after").map(\.startTime) == [t0.advanced(by: .seconds(5))])
        let rate = scheduler.history(of: "rate")
        #expect(rate.map(\.scheduledTime) == [1, 4, 7, 10].map { t0.advanced(by: .seconds($0)) })
        #expect(rate.allSatisfy { $0.lateness == .zero && $0.outcome == .succeeded })
        #expect(scheduler.info("at")?.nextFireTime == nil)
        #expect(scheduler.info("rate")?.nextFireTime == t0.advanced(by: .seconds(13)))
    }

    @Test func tenThousandJobsFireOnTimeUnderTheManualClock() async throws {
        let clock = ManualClock()
        let t0 = clock.now
        let scheduler = Scheduler(clock: clock)
        let fired = Counter()
        for index in 0..<10_000 {
            let priority: JobPriority = index % 3 == 0 ? .high : .normal
            try scheduler.schedule("job-\(index)", .once(at: t0.advanced(by: .seconds(index % 100 + 1))),
                                   options: JobOptions(priority: priority)) { _ in fired.increment() }
        }
        let start = ContinuousClock.now
        try await running(scheduler, clock: clock) {
            for second in 1...100 { await clock.step(to: t0.advanced(by: .seconds(second))) }
            try await eventually { fired.count == 10_000 }
        }
        let elapsed = ContinuousClock.now - start
        var late = 0
        for index in 0..<10_000 {
            let history = scheduler.history(of: "job-\(index)")
            if history.count != 1 || history[0].lateness != .zero || history[0].scheduledTime != t0.advanced(by: .seconds(index % 100 + 1)) {
                late += 1
            }
        }
        #expect(late == 0)
        #expect(fired.count == 10_000)
        print("10,000 jobs over 100 manual-clock seconds: \(elapsed) in all, \(elapsed / 10_000) per fire (debug build)")
    }

    @Test func cronJobsFireAtTheirLocalTimes() async throws {
        let clock = ManualClock(start: WhaleInstant(secondsSinceEpoch: 1_767_225_600))  // 2026-01-01T00:00Z, a Thursday
        let t0 = clock.now
        let tehran = try WhaleTimeZone(identifier: "Asia/Tehran")
        let scheduler = Scheduler(clock: clock)
        try scheduler.schedule("report", .cron("0 8 * * SAT-WED", in: tehran)) { _ in }
        let expected = [3, 4, 5, 6, 7, 10].map { t0.advanced(by: .seconds(($0 - 1) * 86_400 + 4 * 3600 + 1800)) }
        #expect(try scheduler.nextFireTimes(of: "report", count: 6) == expected)
        try await running(scheduler, clock: clock) {
            for halfHour in 1...(48 * 10) { await clock.step(to: t0.advanced(by: .seconds(halfHour * 1800))) }
            try await eventually { scheduler.history(of: "report").count == 6 && scheduler.info("report")?.runningCount == 0 }
        }
        #expect(scheduler.history(of: "report").map(\.startTime) == expected)
    }

    @Test(arguments: [OverlapPolicy.skip, .bufferOne, .bufferAll, .cancelOther, .allowAll])
    func overlapPolicies(_ policy: OverlapPolicy) async throws {
        let clock = ManualClock()
        let scheduler = Scheduler(clock: clock)
        let gate = Gate()
        let started = Counter()
        try scheduler.schedule("slow", .fixedRate(.seconds(10), initialDelay: .seconds(10)), options: JobOptions(overlap: policy)) { _ in
            started.increment()
            try await gate.wait()
        }
        try await running(scheduler, clock: clock) {
            for fire in 1...3 {  // fires at 10, 20, 30 s; the first still runs
                await clock.step(by: .seconds(10))
                if policy == .cancelOther { try await eventually { started.count == fire } }
            }
            let info = try #require(scheduler.info("slow"))
            switch policy {
            case .skip: #expect(info.runningCount == 1 && info.bufferedCount == 0)
            case .bufferOne: #expect(info.runningCount == 1 && info.bufferedCount == 1)
            case .bufferAll: #expect(info.runningCount == 1 && info.bufferedCount == 2)
            case .cancelOther: #expect(info.runningCount == 1 && info.bufferedCount == 0)
            case .allowAll: #expect(info.runningCount == 3)
            }
            gate.open()
            try await eventually { scheduler.info("slow")?.runningCount == 0 && scheduler.info("slow")?.bufferedCount == 0 }
        }
        let outcomes = scheduler.history(of: "slow").map(\.outcome)
        let skipped = outcomes.filter { $0 == .skipped(.overlap) }.count
        let succeeded = outcomes.filter { $0 == .succeeded }.count
        switch policy {
        case .skip: #expect(succeeded == 1 && skipped == 2)
        case .bufferOne: #expect(succeeded == 2 && skipped == 1)
        case .bufferAll: #expect(succeeded == 3 && skipped == 0)
        case .cancelOther:
            // 20 s cancels the first run, 30 s the second; the third runs to the end.
            #expect(outcomes.filter { $0 == .cancelled }.count == 2 && succeeded == 1 && skipped == 0, "\(outcomes)")
        case .allowAll: #expect(succeeded == 3 && skipped == 0)
        }
    }

    @Test func misfirePolicies() async throws {
        for policy in [MisfirePolicy.fireOnceNow, .skip, .fireAll(within: .seconds(300))] {
            let clock = ManualClock()
            let t0 = clock.now
            let scheduler = Scheduler(clock: clock, options: SchedulerOptions(misfireThreshold: .seconds(1)))
            try scheduler.schedule("minutely", .fixedRate(.seconds(60), initialDelay: .seconds(60)),
                                   options: JobOptions(overlap: .allowAll, misfire: policy)) { _ in }
            try await running(scheduler, clock: clock) {
                scheduler.pauseAll()
                await clock.step(to: t0.advanced(by: .seconds(630)))  // missed 60, 120, …, 600
                scheduler.resumeAll()
                try await eventually { scheduler.info("minutely")?.runningCount == 0 && scheduler.history(of: "minutely").count >= 1 }
            }
            let history = scheduler.history(of: "minutely")
            let ran = history.filter { $0.outcome == .succeeded }
            let skipped = history.filter { $0.outcome == .skipped(.misfire) }
            let now = t0.advanced(by: .seconds(630))
            switch policy {
            case .fireOnceNow:
                #expect(ran.count == 1 && skipped.isEmpty && ran.first?.startTime == now)
            case .skip:
                #expect(ran.isEmpty && skipped.count == 1)
            default:
                #expect(ran.map(\.scheduledTime) == [360, 420, 480, 540, 600].map { t0.advanced(by: .seconds($0)) }, "\(history.map(\.scheduledTime))")
                #expect(skipped.map(\.scheduledTime) == [60, 120, 180, 240, 300].map { t0.advanced(by: .seconds($0)) })
            }
            #expect(scheduler.info("minutely")?.nextFireTime == t0.advanced(by: .seconds(660)))
        }
    }

    @Test func lowPriorityJobsWaitWhileTheNodeIsLoaded() async throws {
        let clock = ManualClock()
        let t0 = clock.now
        let load = TestLoad()
        load.value.locked { $0 = 0.95 }
        let options = SchedulerOptions(misfireThreshold: .seconds(600), loadSignal: load, maximumDeferral: .seconds(60),
                                       deferralRecheckInterval: .seconds(5))
        let scheduler = Scheduler(clock: clock, options: options)
        try scheduler.schedule("cleanup", .after(.seconds(10)), options: JobOptions(priority: .low)) { _ in }
        try scheduler.schedule("bulk", .after(.seconds(10)), options: JobOptions(priority: .low)) { _ in }
        try scheduler.schedule("serve", .after(.seconds(10))) { _ in }
        try await running(scheduler, clock: clock) {
            await clock.step(to: t0.advanced(by: .seconds(10)))
            #expect(scheduler.history(of: "serve").count == 1)
            #expect(scheduler.history(of: "cleanup").isEmpty)
            await clock.step(to: t0.advanced(by: .seconds(15)))
            #expect(scheduler.history(of: "cleanup").isEmpty)
            load.value.locked { $0 = 0.3 }
            await clock.step(to: t0.advanced(by: .seconds(20)))
            #expect(scheduler.history(of: "cleanup").map(\.deferral) == [.seconds(10)])
            #expect(scheduler.history(of: "bulk").map(\.deferral) == [.seconds(10)])
            // Loaded for good: the fire runs at the maximum deferral.
            load.value.locked { $0 = 1 }
            try scheduler.schedule("late", .after(.seconds(10)), options: JobOptions(priority: .low)) { _ in }
            for second in stride(from: 25, through: 90, by: 5) { await clock.step(to: t0.advanced(by: .seconds(second))) }
            let late = scheduler.history(of: "late")
            #expect(late.map(\.startTime) == [t0.advanced(by: .seconds(90))])
            #expect(late.map(\.deferral) == [.seconds(60)])
        }
    }

    @Test func calendarsExcludeDates() throws {
        let clock = ManualClock(start: WhaleInstant(secondsSinceEpoch: 1_767_225_600))  // Thursday 2026-01-01
        let t0 = clock.now
        let tehran = try WhaleTimeZone(identifier: "Asia/Tehran")
        let nowruz = try PersianDate(year: 1405, month: 1, day: 1).gregorian  // 2026-03-21
        let calendar = UnionCalendar([WeekdayCalendar(excluding: [5], in: tehran),  // Fridays
                                      ExcludedDatesCalendar([try LocalDate(year: 2026, month: 1, day: 3), nowruz], in: tehran)])
        let scheduler = Scheduler(clock: clock)
        try scheduler.schedule("daily", .cron("0 9 * * *", in: tehran), options: JobOptions(calendar: calendar)) { _ in }
        let days = try scheduler.nextFireTimes(of: "daily", count: 4).map { tehran.localDateTime(at: $0).date.day }
        #expect(days == [1, 4, 5, 6])  // the 2nd is a Friday, the 3rd excluded
        let march = try Scheduler.preview(.cron("0 9 20-23 3 *", in: tehran), calendar: calendar, after: t0, count: 3)
            .map { tehran.localDateTime(at: $0).date.day }
        #expect(march == [22, 23, 20])  // 2026-03-20 is a Friday, the 21st Nowruz; 2027-03-20 is a Saturday
    }

    @Test func clusterWideJobsRunOnOneNode() async throws {
        let clock = ManualClock()
        let lock = InProcessJobLock(clock: clock)
        let ran = Counter()
        let nodes = (0..<3).map { Scheduler(clock: clock, options: SchedulerOptions(lock: lock, nodeName: "node-\($0)")) }
        for node in nodes {
            try node.schedule("rollup", .fixedRate(.seconds(60), initialDelay: .seconds(60)), options: JobOptions(clusterWide: true)) { _ in
                ran.increment()
            }
        }
        let tasks = nodes.map { node in Task { try await node.run() } }
        await clock.waitForSleepers(count: 3)
        for minute in 1...4 {
            clock.advance(to: clock.now.advanced(by: .seconds(60)))
            await clock.waitForSleepers(count: 3)
            try await eventually { ran.count == minute && nodes.allSatisfy { $0.info("rollup")?.runningCount == 0 } }
        }
        for task in tasks { task.cancel() }
        for task in tasks { try await task.value }
        #expect(ran.count == 4)
        let held = nodes.flatMap { $0.history(of: "rollup") }.filter { $0.outcome == .skipped(.lockHeld) }
        #expect(held.count == 8)
    }

    @Test func jitterDelaysWithinItsBoundReproducibly() async throws {
        func fireTimes() async throws -> [Duration] {
            let clock = ManualClock()
            let t0 = clock.now
            let scheduler = Scheduler(clock: clock, options: SchedulerOptions(jitterSeed: 42))
            try scheduler.schedule("jittery", .fixedRate(.seconds(60), initialDelay: .seconds(60)), options: JobOptions(jitter: .seconds(10))) { _ in }
            try await running(scheduler, clock: clock) {
                for second in 1...300 { await clock.step(to: t0.advanced(by: .seconds(second))) }
            }
            return scheduler.history(of: "jittery").map(\.lateness)
        }
        let first = try await fireTimes()
        #expect(first.count == 4 || first.count == 5)
        #expect(first.allSatisfy { $0 >= .zero && $0 <= .seconds(10) })
        #expect(Set(first).count > 1)
        #expect(try await fireTimes() == first)
    }

    @Test func fixedDelayWaitsForTheRunToEnd() async throws {
        let clock = ManualClock()
        let t0 = clock.now
        let scheduler = Scheduler(clock: clock)
        let gate = Gate()
        try scheduler.schedule("delay", .fixedDelay(.seconds(30), initialDelay: .seconds(10))) { context in
            if context.scheduledTime == t0.advanced(by: .seconds(10)) { try await gate.wait() }
        }
        try await running(scheduler, clock: clock) {
            await clock.step(to: t0.advanced(by: .seconds(10)))
            await clock.step(to: t0.advanced(by: .seconds(25)))
            gate.open()  // the first run ends at 25 s
            try await eventually { scheduler.info("delay")?.nextFireTime == t0.advanced(by: .seconds(55)) }
            await clock.step(to: t0.advanced(by: .seconds(55)))
            try await eventually { scheduler.info("delay")?.nextFireTime == t0.advanced(by: .seconds(85)) }
        }
        #expect(scheduler.history(of: "delay").map(\.startTime) == [10, 55].map { t0.advanced(by: .seconds($0)) })
    }

    @Test func timeoutsFailuresAndHistory() async throws {
        let clock = ManualClock()
        let t0 = clock.now
        let scheduler = Scheduler(clock: clock, options: SchedulerOptions(historyLimit: 3))
        struct Boom: Error {}
        try scheduler.schedule("hangs", .after(.seconds(1)), options: JobOptions(timeout: .seconds(5))) { _ in try await Gate().wait() }
        try scheduler.schedule("throws", .fixedRate(.seconds(1), initialDelay: .seconds(1))) { _ in throw Boom() }
        try await running(scheduler, clock: clock) {
            await clock.step(to: t0.advanced(by: .seconds(1)), sleepers: 2)  // the loop and the timeout
            for second in 2...5 { await clock.step(to: t0.advanced(by: .seconds(second)), sleepers: 2) }
            await clock.step(to: t0.advanced(by: .seconds(6)))
            try await eventually { scheduler.history(of: "hangs").first?.outcome == .timedOut }
            try await eventually { scheduler.history(of: "throws").allSatisfy { $0.outcome != .running } }
        }
        #expect(scheduler.history(of: "hangs").map(\.outcome) == [.timedOut])
        let failures = scheduler.history(of: "throws")
        #expect(failures.count == 3)  // the history limit
        #expect(failures.allSatisfy { if case .failed(let message) = $0.outcome { message.contains("Boom") } else { false } })
    }

    @Test func runsAreCountedInMetrics() async throws {
        let clock = ManualClock()
        let t0 = clock.now
        let metrics = TestMetrics()
        let scheduler = Scheduler(clock: clock, metricsFactory: metrics)
        struct Boom: Error {}
        try scheduler.schedule("ok", .fixedRate(.seconds(1), initialDelay: .seconds(1))) { _ in }
        try scheduler.schedule("bad", .after(.seconds(2))) { _ in throw Boom() }
        try await running(scheduler, clock: clock) {
            for second in 1...3 { await clock.step(to: t0.advanced(by: .seconds(second))) }
            try await eventually { scheduler.history(of: "ok").count == 3 && scheduler.history(of: "bad").first?.outcome != .running }
        }
        #expect(try metrics.expectCounter("whale_scheduler_runs_total", [("job", "ok"), ("outcome", "succeeded")]).totalValue == 3)
        #expect(try metrics.expectCounter("whale_scheduler_runs_total", [("job", "bad"), ("outcome", "failed")]).totalValue == 1)
        #expect(try metrics.expectTimer("whale_scheduler_lateness_nanoseconds", [("job", "ok")]).values == [0, 0, 0])
    }

    @Test func managingJobs() async throws {
        let clock = ManualClock()
        let t0 = clock.now
        let scheduler = Scheduler(clock: clock)
        try scheduler.schedule("a", .fixedRate(.seconds(10))) { _ in }
        try scheduler.schedule("b", .fixedRate(.seconds(10))) { _ in }
        #expect(scheduler.jobIDs == ["a", "b"])
        try await running(scheduler, clock: clock) {
            try await eventually { scheduler.history(of: "a").count == 1 }  // initial delay zero: fires at once
            try scheduler.pause("a")
            try scheduler.reschedule("b", to: .fixedRate(.seconds(5), initialDelay: .seconds(5)))
            await clock.step(to: t0.advanced(by: .seconds(10)))
            #expect(scheduler.history(of: "a").count == 1)
            #expect(scheduler.info("a")?.isPaused == true)
            try scheduler.resume("a")
            try await eventually { scheduler.history(of: "a").count == 2 }
            #expect(scheduler.remove("b"))
            #expect(!scheduler.remove("b"))
        }
        #expect(scheduler.history(of: "b").isEmpty)
        #expect(scheduler.info("b") == nil)
    }

    @Test func badInputIsATypedError() async throws {
        let clock = ManualClock()
        let scheduler = Scheduler(clock: clock)
        try scheduler.schedule("job", .after(.seconds(1))) { _ in }
        func code(_ body: () throws -> Void) -> WhaleError.Code? {
            do { try body() } catch let error as WhaleError { return error.code } catch { return nil }
            return nil
        }
        #expect(code { try scheduler.schedule("", .after(.seconds(1))) { _ in } } == .invalidInput)
        #expect(code { try scheduler.schedule(String(repeating: "x", count: 300), .after(.seconds(1))) { _ in } } == .invalidInput)
        #expect(code { try scheduler.schedule("job", .after(.seconds(1))) { _ in } } == .alreadyExists)
        #expect(code { try scheduler.schedule("neg", .fixedRate(.zero)) { _ in } } == .invalidInput)
        #expect(code { try scheduler.schedule("neg", .fixedDelay(.seconds(1), initialDelay: .seconds(-1))) { _ in } } == .invalidInput)
        #expect(code { try scheduler.schedule("neg", .after(.seconds(-1))) { _ in } } == .invalidInput)
        #expect(code { try scheduler.schedule("j", .after(.zero), options: JobOptions(jitter: .seconds(-1))) { _ in } } == .invalidInput)
        #expect(code { try scheduler.schedule("cron", .cron("61 * * * *")) { _ in } } == .invalidInput)
        #expect(code { try scheduler.pause("nope") } == .notFound)
        #expect(code { try scheduler.resume("nope") } == .notFound)
        #expect(code { try scheduler.reschedule("nope", to: .after(.zero)) } == .notFound)
        #expect(code { _ = try scheduler.nextFireTimes(of: "nope", count: 1) } == .notFound)
        try await running(scheduler, clock: clock) {
            await #expect(throws: WhaleError.self) { try await scheduler.run() }
        }
        // An unsatisfiable cron expression is accepted and never fires.
        try scheduler.schedule("never", .cron("0 0 30 2 *")) { _ in }
        #expect(scheduler.info("never")?.nextFireTime == nil)
        #expect(try scheduler.nextFireTimes(of: "never", count: 3).isEmpty)
    }

    @Test func gracefulShutdownLetsRunningJobsFinish() async throws {
        let clock = ManualClock()
        let scheduler = Scheduler(clock: clock)
        let gate = Gate()
        let finished = Counter()
        try scheduler.schedule("long", .after(.seconds(1))) { _ in
            try await gate.wait()
            finished.increment()
        }
        let group = ServiceGroup(configuration: .init(services: [scheduler], logger: .init(label: "test")))
        let task = Task { try await group.run() }
        await clock.waitForSleepers(count: 1)
        await clock.step(by: .seconds(1))
        try await eventually { scheduler.info("long")?.runningCount == 1 }
        await group.triggerGracefulShutdown()
        try await Task.sleep(for: .milliseconds(20))
        #expect(finished.count == 0)
        gate.open()
        try await task.value
        #expect(finished.count == 1)
        #expect(scheduler.history(of: "long").map(\.outcome) == [.succeeded])
    }
}
