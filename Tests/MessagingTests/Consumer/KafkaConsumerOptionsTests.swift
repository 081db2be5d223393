import CoreProtocols
import Testing

@testable import Messaging

/// Options, name checks and the librdkafka properties a subscription sets,
/// and the failures that need no broker (bad input, an unreachable one).
@Suite(.timeLimit(.minutes(1)))
struct KafkaConsumerOptionsTests {
    /// Port 1 on loopback: nothing listens, connections are refused.
    private let configuration: KafkaConfiguration

    init() throws {
        configuration = try KafkaConfiguration(brokers: "127.0.0.1:1")
    }

    @Test func defaultsAreDocumented() {
        let options = KafkaSubscriptionOptions()
        #expect(options.maxInFlight == 1)
        #expect(options.preservesPartitionOrder)
        #expect(options.bufferCapacity == 1000)
        #expect(options.pauseAfter == .milliseconds(500))
        #expect(options.maxAttempts == 3)
        #expect(options.retryBackoff == .milliseconds(100))
        #expect(options.maxRetryBackoff == .seconds(5))
        #expect(options.deadLetterTopic == .suffixed)
        #expect(options.startFrom == .earliest)
        #expect(options.partitionAssignment == .rangeOrRoundRobin)
        #expect(options.sessionTimeout == .seconds(10))
        #expect(options.commitInterval == .seconds(1))
        #expect(options.revocationTimeout == .seconds(10))
        #expect(options.drainTimeout == .seconds(10))
        #expect(options.connectTimeout == .seconds(10))
        #expect(options.pollTimeout == .milliseconds(100))
        #expect(options.statisticsInterval == nil)
    }

    @Test func deadLetterTopicNames() {
        #expect(KafkaSubscriptionOptions.DeadLetterTopic.suffixed.topic(for: "orders") == "orders.dlq")
        #expect(KafkaSubscriptionOptions.DeadLetterTopic.named("failed").topic(for: "orders") == "failed")
        #expect(KafkaSubscriptionOptions.DeadLetterTopic.disabled.topic(for: "orders") == nil)
    }

    @Test func backoffDoublesUpToTheCap() {
        let options = KafkaSubscriptionOptions(retryBackoff: .milliseconds(100), maxRetryBackoff: .milliseconds(500))
        #expect((1...5).map { options.backoff(afterAttempt: $0) } == [
            .milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(500), .milliseconds(500),
        ])
    }

    @Test(arguments: [
        KafkaSubscriptionOptions(maxInFlight: 0),
        KafkaSubscriptionOptions(bufferCapacity: 0),
        KafkaSubscriptionOptions(pauseAfter: .milliseconds(-1)),
        KafkaSubscriptionOptions(maxAttempts: 0),
        KafkaSubscriptionOptions(retryBackoff: .seconds(2), maxRetryBackoff: .seconds(1)),
        KafkaSubscriptionOptions(sessionTimeout: .zero),
        KafkaSubscriptionOptions(connectTimeout: .zero),
        KafkaSubscriptionOptions(statisticsInterval: .zero),
    ])
    func badOptionsAreRefused(options: KafkaSubscriptionOptions) {
        #expect { try options.validate() } throws: { ($0 as? WhaleError)?.code == .invalidConfiguration }
        #expect { try KafkaSubscriber(configuration: configuration, options: options) } throws: {
            ($0 as? WhaleError)?.code == .invalidConfiguration
        }
    }

    @Test func propertiesStoreOffsetsOnlyAfterHandling() throws {
        var configuration = try KafkaConfiguration(brokers: "kafka:9092")
        configuration.properties = [
            "fetch.wait.max.ms": "50", "session.timeout.ms": "7000",
            "enable.auto.offset.store": "true", "group.id": "other",
        ]
        let properties = Dictionary(
            KafkaSubscriptionCore.properties(
                configuration: configuration,
                group: "billing",
                options: KafkaSubscriptionOptions(
                    bufferCapacity: 64,
                    startFrom: .latest,
                    partitionAssignment: .cooperativeSticky,
                    statisticsInterval: .seconds(5)
                )
            ),
            uniquingKeysWith: { _, last in last }
        )
        #expect(properties["group.id"] == "billing")
        #expect(properties["enable.auto.offset.store"] == "false")
        #expect(properties["enable.auto.commit"] == "true")
        #expect(properties["auto.commit.interval.ms"] == "1000")
        #expect(properties["auto.offset.reset"] == "latest")
        #expect(properties["partition.assignment.strategy"] == "cooperative-sticky")
        #expect(properties["statistics.interval.ms"] == "5000")
        #expect(properties["heartbeat.interval.ms"] == "3000")
        #expect(properties["bootstrap.servers"] == "kafka:9092")
        #expect(properties["fetch.wait.max.ms"] == "50", "the configuration's own properties are kept")
        #expect(properties["session.timeout.ms"] == "7000", "and override the options")
        #expect(properties["enable.auto.offset.store"] == "false", "except what at-least-once needs")
        #expect(properties["group.id"] == "billing")
    }

    @Test func commitIntervalZeroCommitsExplicitly() {
        let properties = Dictionary(
            KafkaSubscriptionCore.properties(
                configuration: configuration,
                group: "g",
                options: KafkaSubscriptionOptions(commitInterval: .zero)
            ),
            uniquingKeysWith: { _, last in last }
        )
        #expect(properties["enable.auto.commit"] == "false")
        #expect(properties["auto.commit.interval.ms"] == nil)
    }

    @Test(arguments: ["", "has space", "bad/slash", ".", "..", String(repeating: "a", count: 250)])
    func anIllegalTopicIsInvalidInput(topic: String) async throws {
        let subscriber = try KafkaSubscriber(configuration: configuration)
        await #expect { _ = try await subscriber.subscribe(topic: topic, group: "g") { _ in } } throws: {
            ($0 as? WhaleError)?.code == .invalidInput
        }
    }

    @Test(arguments: ["", "   ", "tab\tgroup", String(repeating: "g", count: 256)])
    func anUnusableGroupIsInvalidInput(group: String) async throws {
        let subscriber = try KafkaSubscriber(configuration: configuration)
        await #expect { _ = try await subscriber.subscribe(topic: "orders", group: group) { _ in } } throws: {
            ($0 as? WhaleError)?.code == .invalidInput
        }
    }

    @Test func anIllegalOrSelfDeadLetterTopicIsInvalidInput() async throws {
        let subscriber = try KafkaSubscriber(configuration: configuration)
        for deadLetter in [KafkaSubscriptionOptions.DeadLetterTopic.named("bad name"), .named("orders")] {
            await #expect {
                _ = try await subscriber.subscribe(
                    topic: "orders",
                    group: "g",
                    options: KafkaSubscriptionOptions(deadLetterTopic: deadLetter)
                ) { _ in }
            } throws: { ($0 as? WhaleError)?.code == .invalidInput }
        }
        // 245 characters + ".dlq" is over Kafka's 249.
        await #expect {
            _ = try await subscriber.subscribe(topic: String(repeating: "t", count: 246), group: "g") { _ in }
        } throws: { ($0 as? WhaleError)?.code == .invalidInput }
    }

    @Test func anUnreachableBrokerFailsSubscribeWithARetriableError() async throws {
        let subscriber = try KafkaSubscriber(
            configuration: configuration,
            options: KafkaSubscriptionOptions(deadLetterTopic: .disabled, connectTimeout: .seconds(2))
        )
        let error = await #expect(throws: WhaleError.self) {
            _ = try await subscriber.subscribe(topic: "orders", group: "g") { _ in }
        }
        #expect(error.map { [.unavailable, .timeout].contains($0.code) } == true, "\(String(describing: error))")
        #expect(error?.isRetriable == true)
        #expect(subscriber.subscriptions.isEmpty)
        await subscriber.shutdown()
    }
}
