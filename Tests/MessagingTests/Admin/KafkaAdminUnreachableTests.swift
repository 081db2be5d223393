import CoreProtocols
import Messaging
import Testing

/// What the admin client does when no broker answers (no live broker needed:
/// it points at 127.0.0.1:1, where nothing listens).
@Suite(.serialized, .timeLimit(.minutes(1)))
struct KafkaAdminUnreachableTests {
    let admin: KafkaAdmin

    init() throws {
        var configuration = try KafkaConfiguration(brokers: "127.0.0.1:1")
        configuration.properties = ["reconnect.backoff.max.ms": "200"]
        admin = try KafkaAdmin(configuration: configuration, timeout: .seconds(2))
    }

    @Test func everyCallFailsQuicklyWithATypedError() async throws {
        let clock = ContinuousClock()
        let topic = "whale.test.admin.unreachable"
        let calls: [(String, @Sendable () async throws -> Void)] = [
            ("topicExists", { [admin] in _ = try await admin.topicExists(topic) }),
            ("createTopic", { [admin] in _ = try await admin.createTopic(topic, partitions: 1, replicationFactor: 1) }),
            ("listTopics", { [admin] in _ = try await admin.listTopics() }),
            ("topicInfo", { [admin] in _ = try await admin.topicInfo(topic) }),
        ]
        for (name, call) in calls {
            let start = clock.now
            let error = await #expect(throws: WhaleError.self, "\(name)") { try await call() }
            let elapsed = start.duration(to: clock.now)
            #expect(error?.code == .timeout || error?.code == .unavailable, "\(name): \(String(describing: error))")
            #expect(error?.isRetriable == true, "\(name)")
            #expect(error?.message.contains("127.0.0.1:1") == true, "\(name): \(String(describing: error))")
            #expect(elapsed < .seconds(8), "\(name) took \(elapsed)")
        }
    }

    @Test func deleteTimesOutWithATypedError() async throws {
        // DeleteTopics is sent without reading metadata first: the admin
        // request's own timeout applies.
        let error = await #expect(throws: WhaleError.self) { try await admin.deleteTopic("whale.test.admin.unreachable") }
        #expect(error?.code == .timeout || error?.code == .unavailable, "\(String(describing: error))")
    }

    @Test func theHealthCheckFails() async {
        let status = await admin.checkHealth(timeout: .seconds(1))
        #expect(!status.isHealthy)
        #expect(status.reason?.isEmpty == false)
    }

    @Test func aNonPositiveTimeoutIsAConfigurationError() {
        let error = #expect(throws: WhaleError.self) {
            try KafkaAdmin(configuration: KafkaConfiguration(brokers: "127.0.0.1:1"), timeout: .zero)
        }
        #expect(error?.code == .invalidConfiguration)
    }
}
