import Benchmark
import BenchmarkSupport
import CoreProtocols
import CoreUtils

/// Issue 7's scheduler figures: the overhead per fire, beside the floor any
/// scheduler that runs jobs as tasks pays (one `Task {}` per job), in one run;
/// and the cost of computing a cron fire time in UTC and across a DST zone.
///
/// Each scheduler row prints `<ns>/fire`; divide the two rows' figures for the overhead.
func schedulerBenchmarks() {
    let configuration = Benchmark.Configuration(metrics: [.wallClock, .mallocCountTotal], scalingFactor: .one,
                                                maxDuration: .seconds(20), maxIterations: 20)
    let jobs = 10_000

    Benchmark("Scheduler: 10,000 one-shot jobs due now, scheduled and fired (SystemClock)", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations {
            let scheduler = Scheduler(clock: SystemClock())
            let done = CountDown(jobs)
            let runner = Task { try await scheduler.run() }
            let start = ContinuousClock.now
            benchmark.startMeasurement()
            for index in 0..<jobs {
                try scheduler.schedule("job-\(index)", .after(.zero)) { _ in done.tick() }
            }
            await done.wait()
            benchmark.stopMeasurement()
            perFire("Scheduler", start: start, count: jobs)
            runner.cancel()
            try await runner.value
        }
    }

    Benchmark("Scheduler: 10,000 Task {} doing the same work (baseline)", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations {
            let done = CountDown(jobs)
            let start = ContinuousClock.now
            benchmark.startMeasurement()
            for _ in 0..<jobs {
                Task { done.tick() }
            }
            await done.wait()
            benchmark.stopMeasurement()
            perFire("Task {} baseline", start: start, count: jobs)
        }
    }

    let cronConfiguration = Benchmark.Configuration(metrics: [.wallClock, .mallocCountTotal], scalingFactor: .kilo,
                                                    maxDuration: .seconds(5))
    for zoneName in ["UTC", "America/New_York"] {
        Benchmark("Cron: next fire time of '*/15 9-17 * * MON-FRI' in \(zoneName)", configuration: cronConfiguration) { benchmark in
            let schedule = try CronSchedule("*/15 9-17 * * MON-FRI", in: WhaleTimeZone(identifier: zoneName))
            var instant = WhaleInstant(secondsSinceEpoch: 1_767_225_600)
            for _ in benchmark.scaledIterations {
                instant = schedule.nextFireTime(after: instant) ?? instant
            }
            blackHole(instant)
        }
    }
}

private func perFire(_ what: String, start: ContinuousClock.Instant, count: Int) {
    let elapsed = start.duration(to: .now)
    let nanoseconds = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
    print("\(what): \(count) fires in \(Int(nanoseconds / 1e6)) ms = \(Int(nanoseconds / Double(count))) ns/fire")
}
