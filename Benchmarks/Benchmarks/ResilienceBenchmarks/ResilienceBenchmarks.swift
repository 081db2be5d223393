import Benchmark
import CoreProtocols
import CoreResilience

/// The protected "dependency": an async call the optimiser cannot remove.
@inline(never)
func dependency(_ value: Int) async throws -> Int {
    blackHole(value)
    return value &+ 1
}

/// Runs `body` for `iterations` calls split over `tasks` concurrent tasks.
func contended(tasks: Int, iterations: Int, _ body: @escaping @Sendable (Int) async throws -> Void) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        for task in 0..<tasks {
            group.addTask {
                for index in stride(from: task, to: iterations, by: tasks) {
                    try await body(index)
                }
            }
        }
        try await group.waitForAll()
    }
}

// Issue 3's figures, each beside the bare call it protects, in one run.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .throughput],
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 100_000
    )

    let breaker: CircuitBreaker
    let pipelineBreaker: CircuitBreaker
    let retry: RetryPolicy
    let bulkhead: Bulkhead
    let timeLimiter: TimeLimiter
    do {
        breaker = try CircuitBreaker(name: "bench")
        pipelineBreaker = try CircuitBreaker(name: "bench-pipeline")
        retry = RetryPolicy(name: "bench", configuration: try RetryConfiguration(maxAttempts: 3))
        bulkhead = Bulkhead(name: "bench", configuration: try BulkheadConfiguration(maxConcurrentCalls: 64))
        timeLimiter = try TimeLimiter(name: "bench", timeout: .seconds(5))
    } catch {
        print("cannot configure the resilience benchmarks: \(error)")
        return
    }
    let pipeline = ResiliencePipeline(retry: retry, bulkhead: bulkhead, circuitBreaker: pipelineBreaker, timeLimiter: timeLimiter)

    // Closed breaker, success path, one task.
    Benchmark("Bare async call (baseline)") { benchmark in
        for index in benchmark.scaledIterations {
            blackHole(try await dependency(index))
        }
    }
    Benchmark("Circuit breaker closed, success") { benchmark in
        for index in benchmark.scaledIterations {
            blackHole(try await breaker.run { try await dependency(index) })
        }
    }

    // The same with two tasks contending for one breaker.
    Benchmark("Bare async call, 2 tasks (baseline)") { benchmark in
        try await contended(tasks: 2, iterations: benchmark.scaledIterations.count) { index in
            blackHole(try await dependency(index))
        }
    }
    Benchmark("Circuit breaker closed, success, 2 tasks") { benchmark in
        try await contended(tasks: 2, iterations: benchmark.scaledIterations.count) { index in
            blackHole(try await breaker.run { try await dependency(index) })
        }
    }

    // Timeout + retry + breaker + bulkhead, success path.
    Benchmark("Escaping @Sendable call (baseline for the pipeline)") { benchmark in
        let policy: any ResiliencePolicy = PassthroughPolicy()
        for index in benchmark.scaledIterations {
            blackHole(try await policy.execute { try await dependency(index) })
        }
    }
    let withoutTimeout = ResiliencePipeline(retry: retry, bulkhead: bulkhead, circuitBreaker: pipelineBreaker)
    Benchmark("Pipeline retry+breaker+bulkhead (no timeout), success") { benchmark in
        for index in benchmark.scaledIterations {
            blackHole(try await withoutTimeout.execute { try await dependency(index) })
        }
    }
    Benchmark("Time limiter alone, success") { benchmark in
        for index in benchmark.scaledIterations {
            blackHole(try await timeLimiter.execute { try await dependency(index) })
        }
    }
    Benchmark("Pipeline timeout+retry+breaker+bulkhead, success") { benchmark in
        for index in benchmark.scaledIterations {
            blackHole(try await pipeline.execute { try await dependency(index) })
        }
    }
}
