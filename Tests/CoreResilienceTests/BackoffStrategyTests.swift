import CoreProtocols
@testable import CoreResilience
import Testing

/// SplitMix64 (Steele, Lea, Flood 2014): a tiny deterministic generator for
/// reproducible jitter in tests.
struct RetryTestSplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Always returns `value`: 1 makes `random(in:)` return the lower bound,
/// `UInt64.max` the upper bound.
struct RetryTestFixedGenerator: RandomNumberGenerator {
    let value: UInt64

    mutating func next() -> UInt64 { value }

    static var lowest: RetryTestFixedGenerator { RetryTestFixedGenerator(value: 1) }
    static var highest: RetryTestFixedGenerator { RetryTestFixedGenerator(value: .max) }
}

/// Asserts that `body` throws `.invalidConfiguration` whose message starts with `field:`.
func expectRetryInvalidConfiguration(
    _ field: String,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) {
    let error = #expect(throws: WhaleError.self, sourceLocation: sourceLocation) { try body() }
    #expect(error?.code == .invalidConfiguration, sourceLocation: sourceLocation)
    #expect(error?.message.hasPrefix("\(field):") == true, "message: \(error?.message ?? "none")", sourceLocation: sourceLocation)
}

extension BackoffStrategy {
    /// The delays for retries 1…count, each fed the previous one.
    func delays(_ count: Int, using generator: inout some RandomNumberGenerator) -> [Duration] {
        var previous = Duration.zero
        return (1...count).map { attempt in
            previous = delay(forAttempt: attempt, previousDelay: previous, using: &generator)
            return previous
        }
    }

    func delays(_ count: Int) -> [Duration] {
        var generator = RetryTestSplitMix64(seed: 1)
        return delays(count, using: &generator)
    }
}

@Suite struct BackoffStrategyTests {
    @Test func constantIsTheSameEveryTime() {
        #expect(BackoffStrategy.constant(.milliseconds(250)).delays(4) == Array(repeating: .milliseconds(250), count: 4))
        #expect(BackoffStrategy.constant(.zero).delays(2) == [.zero, .zero])
        #expect(BackoffStrategy.constant(.seconds(60)).delays(1) == [.seconds(30)])
    }

    @Test func linearGrowsByTheIncrementUpToTheCap() {
        let linear = BackoffStrategy.linear(initial: .milliseconds(100), increment: .milliseconds(50))
        #expect(linear.delays(4) == [.milliseconds(100), .milliseconds(150), .milliseconds(200), .milliseconds(250)])
        let capped = BackoffStrategy.linear(initial: .milliseconds(100), increment: .milliseconds(50), maximumDelay: .milliseconds(220))
        #expect(capped.delays(4) == [.milliseconds(100), .milliseconds(150), .milliseconds(200), .milliseconds(220)])
    }

    @Test func exponentialMultipliesPerRetry() {
        let doubling = BackoffStrategy.exponential(initial: .milliseconds(100), multiplier: 2)
        #expect(doubling.delays(5) == [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800), .milliseconds(1600)])
        let oneAndHalf = BackoffStrategy.exponential(initial: .milliseconds(100), multiplier: 1.5)
        #expect(oneAndHalf.delays(4) == [.milliseconds(100), .milliseconds(150), .milliseconds(225), .microseconds(337_500)])
        #expect(BackoffStrategy.exponential(initial: .milliseconds(100), multiplier: 1).delays(3) == Array(repeating: .milliseconds(100), count: 3))
    }

    @Test func exponentialStopsAtTheDefaultCapOfThirtySeconds() {
        let doubling = BackoffStrategy.exponential(initial: .milliseconds(100))
        #expect(doubling.maximumDelay == .seconds(30))
        // 100 ms × 2^8 = 25.6 s, × 2^9 = 51.2 s → 30 s.
        #expect(doubling.delay(forAttempt: 9, previousDelay: .zero) == .milliseconds(25_600))
        #expect(doubling.delay(forAttempt: 10, previousDelay: .zero) == .seconds(30))
        #expect(doubling.withMaximumDelay(.seconds(1)).delay(forAttempt: 5, previousDelay: .zero) == .seconds(1))
    }

    @Test func hugeAttemptsAndValuesSaturateInsteadOfTrapping() {
        var generator = RetryTestSplitMix64(seed: 7)
        let cap = Duration.seconds(30)
        let strategies: [BackoffStrategy] = [
            .exponential(initial: .milliseconds(100), multiplier: 2),
            .exponential(initial: .seconds(1), multiplier: 1e300),
            .exponential(initial: .seconds(Int64.max / 2), multiplier: 2),
            .linear(initial: .seconds(1), increment: .seconds(Int64.max / 4)),
            .linear(initial: .seconds(Int64.max / 2), increment: .seconds(Int64.max / 2)),
            .constant(.seconds(Int64.max)),
        ]
        for strategy in strategies {
            for attempt in [64, 1_024, Int.max] {
                #expect(strategy.delay(forAttempt: attempt, previousDelay: .zero, using: &generator) == cap, "\(strategy)")
            }
        }
        let jittered: [BackoffStrategy] = [
            .exponentialFullJitter(initial: .milliseconds(100), multiplier: 1e300),
            .exponentialEqualJitter(initial: .milliseconds(100), multiplier: 1e300),
            .decorrelatedJitter(base: .milliseconds(100)),
        ]
        for strategy in jittered {
            for attempt in [64, Int.max] {
                let delay = strategy.delay(forAttempt: attempt, previousDelay: .seconds(Int64.max), using: &generator)
                #expect(delay >= .zero && delay <= cap, "\(strategy)")
            }
        }
    }

    @Test func attemptsBelowOneCountAsOne() {
        let doubling = BackoffStrategy.exponential(initial: .milliseconds(100))
        #expect(doubling.delay(forAttempt: 0, previousDelay: .zero) == .milliseconds(100))
        #expect(doubling.delay(forAttempt: -5, previousDelay: .zero) == .milliseconds(100))
        #expect(BackoffStrategy.linear(initial: .milliseconds(10), increment: .milliseconds(5)).delay(forAttempt: Int.min, previousDelay: .zero) == .milliseconds(10))
    }

    @Test func fullJitterSpansZeroToTheExponentialDelay() {
        let strategy = BackoffStrategy.exponentialFullJitter(initial: .milliseconds(100), multiplier: 2)
        var lowest = RetryTestFixedGenerator.lowest
        var highest = RetryTestFixedGenerator.highest
        #expect(strategy.delays(4, using: &lowest) == [.zero, .zero, .zero, .zero])
        #expect(strategy.delays(4, using: &highest) == [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800)])
        #expect(strategy.delay(forAttempt: 20, previousDelay: .zero, using: &highest) == .seconds(30))
    }

    @Test func fullJitterIsReproducibleWithASeededGenerator() {
        let strategy = BackoffStrategy.exponentialFullJitter(initial: .milliseconds(100), multiplier: 2)
        var first = RetryTestSplitMix64(seed: 42)
        var second = RetryTestSplitMix64(seed: 42)
        var twin = RetryTestSplitMix64(seed: 42)
        let delays = strategy.delays(12, using: &first)
        #expect(delays == strategy.delays(12, using: &second))
        for (index, delay) in delays.enumerated() {
            let ceiling = min(Int64(100_000_000) << index, 30_000_000_000)
            #expect(delay >= .zero && delay <= .nanoseconds(ceiling))
            #expect(delay == .nanoseconds(Int64.random(in: 0...ceiling, using: &twin)))
        }
        var otherSeed = RetryTestSplitMix64(seed: 43)
        #expect(delays != strategy.delays(12, using: &otherSeed))
    }

    @Test func equalJitterKeepsAtLeastHalfTheExponentialDelay() {
        let strategy = BackoffStrategy.exponentialEqualJitter(initial: .milliseconds(100), multiplier: 2)
        var lowest = RetryTestFixedGenerator.lowest
        var highest = RetryTestFixedGenerator.highest
        #expect(strategy.delays(4, using: &lowest) == [.milliseconds(50), .milliseconds(100), .milliseconds(200), .milliseconds(400)])
        #expect(strategy.delays(4, using: &highest) == [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800)])
        var seeded = RetryTestSplitMix64(seed: 9)
        var twin = RetryTestSplitMix64(seed: 9)
        for (index, delay) in strategy.delays(12, using: &seeded).enumerated() {
            let ceiling = min(Int64(100_000_000) << index, 30_000_000_000)
            #expect(delay >= .nanoseconds(ceiling / 2) && delay <= .nanoseconds(ceiling))
            #expect(delay == .nanoseconds(ceiling - ceiling / 2 + Int64.random(in: 0...(ceiling / 2), using: &twin)))
        }
    }

    @Test func decorrelatedJitterDrawsBetweenBaseAndThreeTimesThePreviousDelay() {
        let strategy = BackoffStrategy.decorrelatedJitter(base: .milliseconds(100), maximumDelay: .seconds(2))
        var lowest = RetryTestFixedGenerator.lowest
        var highest = RetryTestFixedGenerator.highest
        // Previous zero counts as base: random(100 ms … 300 ms).
        #expect(strategy.delay(forAttempt: 1, previousDelay: .zero, using: &lowest) == .milliseconds(100))
        #expect(strategy.delay(forAttempt: 1, previousDelay: .zero, using: &highest) == .milliseconds(300))
        #expect(strategy.delay(forAttempt: 2, previousDelay: .milliseconds(500), using: &highest) == .milliseconds(1_500))
        // min(cap, random(base … 3 × 1 s)) with the top draw is the cap.
        #expect(strategy.delay(forAttempt: 3, previousDelay: .seconds(1), using: &highest) == .seconds(2))
        // Fed back, the top draw triples up to the cap: 300 ms, 900 ms, 2 s, 2 s.
        #expect(strategy.delays(4, using: &highest) == [.milliseconds(300), .milliseconds(900), .seconds(2), .seconds(2)])
        #expect(strategy.delays(4, using: &lowest) == Array(repeating: .milliseconds(100), count: 4))

        var seeded = RetryTestSplitMix64(seed: 3)
        var twin = RetryTestSplitMix64(seed: 3)
        var previous = Int64(100_000_000)
        for delay in strategy.delays(20, using: &seeded) {
            let expected = min(2_000_000_000, Int64.random(in: 100_000_000...(previous * 3), using: &twin))
            #expect(delay == .nanoseconds(expected))
            #expect(delay >= .milliseconds(100) && delay <= .seconds(2))
            previous = expected
        }
    }

    @Test func customReceivesTheAttemptAndPreviousDelayAndIsClamped() {
        let strategy = BackoffStrategy.custom(maximumDelay: .seconds(5)) { attempt, previous in
            previous + .seconds(attempt)
        }
        #expect(strategy.delays(3) == [.seconds(1), .seconds(3), .seconds(5)])
        let negative = BackoffStrategy.custom { _, _ in .seconds(-3) }
        #expect(negative.delay(forAttempt: 1, previousDelay: .zero) == .zero)
        let huge = BackoffStrategy.custom { _, _ in .seconds(Int64.max) }
        #expect(huge.delay(forAttempt: 1, previousDelay: .zero) == .seconds(30))
    }

    @Test func theSystemGeneratorStaysWithinBounds() {
        let strategy = BackoffStrategy.exponentialFullJitter(initial: .milliseconds(10))
        for _ in 0..<100 {
            let delay = strategy.delay(forAttempt: 3, previousDelay: .zero)
            #expect(delay >= .zero && delay <= .milliseconds(40))
        }
    }

    @Test func invalidParametersAreRejectedByTheConfigurationNamingTheField() {
        expectRetryInvalidConfiguration("backoff.delay") { _ = try RetryConfiguration(backoff: .constant(.milliseconds(-1))) }
        expectRetryInvalidConfiguration("backoff.initial") {
            _ = try RetryConfiguration(backoff: .linear(initial: .seconds(-1), increment: .zero))
        }
        expectRetryInvalidConfiguration("backoff.increment") {
            _ = try RetryConfiguration(backoff: .linear(initial: .zero, increment: .seconds(-1)))
        }
        expectRetryInvalidConfiguration("backoff.initial") { _ = try RetryConfiguration(backoff: .exponential(initial: .zero)) }
        expectRetryInvalidConfiguration("backoff.initial") {
            _ = try RetryConfiguration(backoff: .exponentialFullJitter(initial: .milliseconds(-5)))
        }
        expectRetryInvalidConfiguration("backoff.multiplier") {
            _ = try RetryConfiguration(backoff: .exponential(initial: .seconds(1), multiplier: 0.5))
        }
        expectRetryInvalidConfiguration("backoff.multiplier") {
            _ = try RetryConfiguration(backoff: .exponentialEqualJitter(initial: .seconds(1), multiplier: .nan))
        }
        expectRetryInvalidConfiguration("backoff.multiplier") {
            _ = try RetryConfiguration(backoff: .exponentialFullJitter(initial: .seconds(1), multiplier: .infinity))
        }
        expectRetryInvalidConfiguration("backoff.base") { _ = try RetryConfiguration(backoff: .decorrelatedJitter(base: .zero)) }
        expectRetryInvalidConfiguration("backoff.maximumDelay") {
            _ = try RetryConfiguration(backoff: .constant(.zero, maximumDelay: .zero))
        }
        expectRetryInvalidConfiguration("maximumDelay") { _ = try RetryConfiguration(maximumDelay: .seconds(-1)) }
    }
}
