import CoreProtocols
import Messaging
import Testing

/// Bad input gets a typed error that names the problem.
@Suite(.timeLimit(.minutes(1)))
struct InProcessBusInputTests {
    static let badTopicNames: [(name: String, fragment: String)] = [
        ("", "empty"),
        (".", "reserved"),
        ("..", "reserved"),
        ("has space", "contains ' '"),
        ("a/b", "contains '/'"),
        ("caf\u{E9}", "contains"),
        ("tab\there", "contains"),
        (String(repeating: "t", count: 250), "250 bytes"),
    ]

    @Test(arguments: badTopicNames.indices)
    func publishRefusesTopicNamesKafkaRefuses(_ index: Int) async throws {
        let (name, fragment) = Self.badTopicNames[index]
        let bus = try makeBus()
        let error = #expect(throws: WhaleError.self) { try bus.send(.busText(name, "x")) }
        #expect(error?.code == .invalidInput)
        #expect(error?.message.contains(fragment) == true, "\(error?.message ?? "")")
        await #expect(throws: WhaleError.self) {
            _ = try await bus.subscribe(topic: name, group: "g") { _ in }
        }
        #expect(bus.topicNames().isEmpty)
        await bus.close()
    }

    @Test func theLongestLegalNameIsAccepted() async throws {
        let bus = try makeBus()
        let name = String(repeating: "a", count: 249)
        #expect(try bus.send(.busText(name, "x")).offset == 0)
        // With dead letters on, "<topic>.dlq" must be a legal name as well.
        let error = await #expect(throws: WhaleError.self) {
            _ = try await bus.subscribe(topic: name, group: "g", options: InProcessSubscriptionOptions()) { _ in }
        }
        #expect(error?.code == .invalidInput)
        #expect(error?.message.contains("245") == true)
        var options = InProcessSubscriptionOptions()
        options.deadLetters = false
        let subscription = try await bus.subscribe(topic: name, group: "g", options: options) { _ in }
        await subscription.cancel()
        let legal = "Smart_Whale-1.data"
        #expect(try bus.send(.busText(legal, "x")).topic == legal)
        await bus.close()
    }

    @Test func anEmptyGroupIsRefused() async throws {
        let bus = try makeBus()
        let error = await #expect(throws: WhaleError.self) {
            _ = try await bus.subscribe(topic: "fine", group: "") { _ in }
        }
        #expect(error?.code == .invalidInput)
        #expect(error?.message.contains("group") == true)
        await bus.close()
    }

    @Test func optionsThatCannotWorkAreRefused() async throws {
        let bus = try makeBus()
        let broken: [InProcessSubscriptionOptions] = [
            InProcessSubscriptionOptions(maxInFlight: 0),
            InProcessSubscriptionOptions(maxAttempts: 0),
            InProcessSubscriptionOptions(retryBackoff: .milliseconds(-1)),
            InProcessSubscriptionOptions(priorityWindow: 0),
        ]
        for options in broken {
            let error = await #expect(throws: WhaleError.self) {
                _ = try await bus.subscribe(topic: "fine", group: "g", options: options) { _ in }
            }
            #expect(error?.code == .invalidInput)
        }
        await bus.close()
    }

    @Test func anOversizedMessageIsRefusedBeforeAnythingIsStored() async throws {
        let bus = try makeBus(InProcessBusConfiguration(maxMessageBytes: 16))
        let error = #expect(throws: WhaleError.self) {
            try bus.send(OutboundMessage(topic: "big", key: Array("key".utf8), value: Array(repeating: 0, count: 14)))
        }
        #expect(error?.code == .invalidInput)
        #expect(error?.message.contains("17 bytes") == true)
        #expect(bus.topicNames().isEmpty)
        await bus.close()
    }

    @Test func topicsAreCreatedOnceAndCheckedWhenCreated() async throws {
        let bus = try makeBus()
        try bus.createTopic("orders", configuration: InProcessTopicConfiguration(partitions: 3))
        #expect(busErrorCode { try bus.createTopic("orders") } == .alreadyExists)
        #expect(
            busErrorCode { try bus.createTopic("none", configuration: InProcessTopicConfiguration(partitions: 0)) }
                == .invalidInput
        )
        #expect(
            busErrorCode {
                try bus.createTopic("tiny", configuration: InProcessTopicConfiguration(retention: .init(maxMessages: 0)))
            } == .invalidInput
        )
        #expect(busErrorCode { try bus.createTopic("bad name") } == .invalidInput)
        #expect(bus.topicNames() == ["orders"])
        #expect(busErrorCode { _ = try bus.endOffsets(topic: "missing") } == .notFound)
        #expect(busErrorCode { _ = try bus.committedOffsets(topic: "orders", group: "nobody") } == .notFound)
        #expect(busErrorCode { _ = try bus.messages(topic: "orders", partition: 3) } == .invalidInput)
        #expect(busErrorCode { _ = try bus.messages(topic: "orders", maxCount: -1) } == .invalidInput)
        await bus.close()
    }

    @Test func withoutAutoCreationAMissingTopicIsNotFound() async throws {
        let bus = try makeBus(InProcessBusConfiguration(autoCreateTopics: false))
        #expect(busErrorCode { try bus.send(.busText("missing", "x")) } == .notFound)
        let error = await #expect(throws: WhaleError.self) {
            _ = try await bus.subscribe(topic: "missing", group: "g") { _ in }
        }
        #expect(error?.code == .notFound)
        try bus.createTopic("present")
        #expect(try bus.send(.busText("present", "x")).offset == 0)
        await bus.close()
    }

    @Test func aBadConfigurationIsRefusedAtInit() throws {
        let badDefault = InProcessBusConfiguration(defaultTopic: InProcessTopicConfiguration(partitions: 0))
        #expect(busErrorCode { _ = try makeBus(badDefault) } == .invalidConfiguration)
        let badName = InProcessBusConfiguration(topics: ["no way": InProcessTopicConfiguration()])
        #expect(busErrorCode { _ = try makeBus(badName) } == .invalidConfiguration)
        #expect(busErrorCode { _ = try makeBus(InProcessBusConfiguration(maxMessageBytes: 0)) } == .invalidConfiguration)
    }

    @Test func publishingAndSubscribingAfterCloseAreUnavailable() async throws {
        let bus = try makeBus()
        try await bus.publish(.busText("before", "x"))
        await bus.close()
        #expect(bus.isClosed)
        let error = await #expect(throws: WhaleError.self) { try await bus.publish(.busText("before", "y")) }
        #expect(error?.code == .unavailable)
        #expect(error?.isRetriable == false)
        let subscribeError = await #expect(throws: WhaleError.self) {
            _ = try await bus.subscribe(topic: "before", group: "g") { _ in }
        }
        #expect(subscribeError?.code == .unavailable)
        #expect(busErrorCode { try bus.createTopic("after") } == .unavailable)
        // What was stored can still be read.
        #expect(try bus.messages(topic: "before").map(\.busText) == ["x"])
    }
}
