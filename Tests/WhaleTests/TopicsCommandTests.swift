import ArgumentParser
import CoreProtocols
import CoreTestKit
import Foundation
import Messaging
import Testing

@testable import whale

/// What the `topics` and `messages` command tests share: the live broker and
/// unique topic names.
enum KafkaCommandTesting {
    /// `--kafka <WHALE_KAFKA_BROKERS> --request-timeout 5`; throws (the test
    /// fails, never skips) when `make test` did not export a broker that answers.
    static func brokerArguments() throws -> [String] {
        ["--kafka", try TestServices.require(.kafka).value, "--request-timeout", "5"]
    }

    /// Flags naming a broker where nothing listens, with a 1 s request timeout.
    static let unreachable = ["--kafka", "127.0.0.1:1", "--request-timeout", "1"]

    /// `whale.test.cli.<label>-<8 hex digits>`.
    static func uniqueTopic(_ label: String) -> String {
        "whale.test.cli.\(label)-\(UUID().uuidString.prefix(8).lowercased())"
    }
}

/// `whale topics …` against the live broker that `make test` starts
/// (`WHALE_KAFKA_BROKERS`); fails, never skips, when it is not there. Each
/// test deletes the topics it created; the base topics `init` makes stay.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct TopicsCommandTests {
    let kafka: [String]

    init() throws {
        kafka = try KafkaCommandTesting.brokerArguments()
    }

    @Test func initCreatesTheStandardTopics() async throws {
        var lines: [String] = []
        try await TopicsCommand.Init.parse(kafka).execute { lines.append($0) }
        let rows = lines.joined(separator: "\n").split(separator: "\n").map(String.init)
        #expect(rows.first?.hasPrefix("TOPIC") == true, "\(rows)")
        let standard = TopicManager.baseTopicDefinitions.filter { !$0.isPrefix }.map(\.name)
        #expect(standard.count == 5)
        var created: [String] = []
        for name in standard {
            let row = try #require(rows.first { $0.hasPrefix(name + " ") }, "\(name) is not in \(rows)")
            #expect(row.hasSuffix(" created") || row.hasSuffix(" exists"), "\(row)")
            if row.hasSuffix(" created") { created.append(name) }
        }
        // The responses prefix names no topic of its own.
        #expect(!rows.contains { $0.hasPrefix(MessagingConstants.dataResponsesPrefix + " ") })

        var listed: [String] = []
        try await TopicsCommand.List.parse(kafka).execute { listed.append($0) }
        #expect(Set(created).isSubset(of: Set(listed)), "\(created) not all in \(listed)")

        // Idempotent: what this run created now exists.
        lines = []
        try await TopicsCommand.Init.parse(kafka).execute { lines.append($0) }
        for name in created {
            #expect(lines.joined(separator: "\n").split(separator: "\n").contains { $0.hasPrefix(name + " ") && $0.hasSuffix(" exists") })
        }
    }

    @Test func createListInfoDelete() async throws {
        let topic = KafkaCommandTesting.uniqueTopic("topics")
        var lines: [String] = []
        try await TopicsCommand.Create.parse([topic, "--partitions", "2", "--config", "retention.ms=60000"] + kafka)
            .execute { lines.append($0) }
        #expect(lines.count == 1 && lines[0].hasPrefix("created topic '\(topic)': 2 partition(s), replication factor "), "\(lines)")

        // Creating it again is an error, unless --if-not-exists.
        let exists = await #expect(throws: WhaleError.self) {
            try await TopicsCommand.Create.parse([topic] + kafka).execute { _ in }
        }
        #expect(exists?.code == .alreadyExists)
        await #expect(throws: ExitCode.failure) { try await TopicsCommand.Create.parse([topic] + kafka).run() }
        lines = []
        try await TopicsCommand.Create.parse([topic, "--if-not-exists"] + kafka).execute { lines.append($0) }
        #expect(lines == ["topic '\(topic)' already exists; left unchanged"])

        var listed: [String] = []
        try await TopicsCommand.List.parse(kafka).execute { listed.append($0) }
        #expect(listed.contains(topic))
        #expect(!listed.contains { $0.hasPrefix("__") })
        #expect(listed == listed.sorted())
        var all: [String] = []
        try await TopicsCommand.List.parse(["--all"] + kafka).execute { all.append($0) }
        #expect(all.contains(topic))

        lines = []
        try await TopicsCommand.Info.parse([topic] + kafka).execute { lines.append($0) }
        #expect(lines.first?.hasPrefix("topic \(topic): 2 partition(s), replication factor ") == true, "\(lines)")
        #expect(lines.dropFirst().first?.split(separator: " ", omittingEmptySubsequences: true) == ["PARTITION", "LEADER", "REPLICAS", "ISR"])
        for partition in ["0", "1"] {
            let row = try #require(lines.first { $0.split(separator: " ").first == Substring(partition) }, "\(lines)")
            let columns = row.split(separator: " ")
            #expect(columns.count == 4 && columns[1] != "none", "\(row)")
        }
        #expect(lines.contains("  retention.ms=60000"), "\(lines)")

        lines = []
        try await TopicsCommand.Delete.parse([topic] + kafka).execute { lines.append($0) }
        #expect(lines == ["deleted topic '\(topic)'"])

        // Gone: info and delete exit 1 with a message naming it; --if-exists accepts that.
        let missing = await #expect(throws: WhaleError.self) { try await TopicsCommand.Info.parse([topic] + kafka).execute { _ in } }
        #expect(missing?.code == .notFound)
        #expect(missing?.message == "topic '\(topic)' does not exist")
        await #expect(throws: ExitCode.failure) { try await TopicsCommand.Info.parse([topic] + kafka).run() }
        await #expect(throws: ExitCode.failure) { try await TopicsCommand.Delete.parse([topic] + kafka).run() }
        lines = []
        try await TopicsCommand.Delete.parse([topic, "--if-exists"] + kafka).execute { lines.append($0) }
        #expect(lines == ["topic '\(topic)' does not exist"])
    }

    @Test func badInputExitsNonZero() async throws {
        let topic = KafkaCommandTesting.uniqueTopic("bad")
        let creates: [[String]] = [
            [""], ["bad name!"], [".."], [String(repeating: "a", count: 250)],
            [topic, "--partitions", "0"], [topic, "--replication", "0"],
            [topic, "--config", "retention.ms"], [topic, "--config", "=60000"],
            // A factor given explicitly is not lowered to the broker count.
            [topic, "--replication", "999"],
        ]
        for arguments in creates {
            await #expect(throws: ExitCode.failure, "\(arguments)") { try await TopicsCommand.Create.parse(arguments + kafka).run() }
        }
        // After `kafka`, which sets its own: the last one counts.
        for timeout in ["0", "-1", "nan"] {
            await #expect(throws: ExitCode.failure, "\(timeout)") {
                try await TopicsCommand.Create.parse([topic] + kafka + ["--request-timeout=\(timeout)"]).run()
            }
        }
        for arguments in [[""], ["bad name!"]] {
            await #expect(throws: ExitCode.failure, "\(arguments)") { try await TopicsCommand.Info.parse(arguments + kafka).run() }
            await #expect(throws: ExitCode.failure, "\(arguments)") { try await TopicsCommand.Delete.parse(arguments + kafka).run() }
        }
        // Nothing was created by the refused calls.
        await #expect(throws: ExitCode.failure) { try await TopicsCommand.Info.parse([topic] + kafka).run() }

        let partitions = await #expect(throws: WhaleError.self) {
            try await TopicsCommand.Create.parse([topic, "--partitions", "0"] + kafka).execute { _ in }
        }
        #expect(partitions?.message == "--partitions must be at least 1, not 0")
        let name = await #expect(throws: WhaleError.self) {
            try await TopicsCommand.Create.parse(["bad name!"] + kafka).execute { _ in }
        }
        #expect(name?.code == .invalidInput)
        #expect(name?.message.contains("'bad name!' contains ' '") == true, "\(String(describing: name))")
        let config = await #expect(throws: WhaleError.self) {
            try await TopicsCommand.Create.parse([topic, "--config", "retention.ms"] + kafka).execute { _ in }
        }
        #expect(config?.message == "--config 'retention.ms' is not KEY=VALUE")
    }

    @Test func aMissingBrokerConfigurationIsAClearError() async throws {
        // An explicit empty environment: `make test` exports WHALE_KAFKA_BROKERS.
        let error = await #expect(throws: WhaleError.self) {
            try await TopicsCommand.List.parse([]).execute(environment: [:]) { _ in }
        }
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.message == "no Kafka broker configured: pass --kafka HOST:PORT or set WHALE_KAFKA_BROKERS")
        await #expect(throws: ExitCode.failure) {
            try await reportingFailures { try await TopicsCommand.Init.parse([]).execute(environment: [:]) { _ in } }
        }
        await #expect(throws: ExitCode.failure) {
            try await reportingFailures {
                try await TopicsCommand.Create.parse([KafkaCommandTesting.uniqueTopic("nocfg")]).execute(environment: [:]) { _ in }
            }
        }
        // The variable is used when there is no flag; a malformed one is named.
        let malformed = await #expect(throws: WhaleError.self) {
            try await TopicsCommand.List.parse([]).execute(environment: ["WHALE_KAFKA_BROKERS": "host:notaport"]) { _ in }
        }
        #expect(malformed?.code == .invalidConfiguration)
        #expect(malformed?.message.hasPrefix("Kafka brokers:") == true, "\(String(describing: malformed))")
    }

    @Test func anUnreachableBrokerFailsWithinSeconds() async throws {
        let clock = ContinuousClock()
        let start = clock.now
        let error = await #expect(throws: WhaleError.self) {
            try await TopicsCommand.List.parse(KafkaCommandTesting.unreachable).execute { _ in }
        }
        #expect(error?.code == .timeout || error?.code == .unavailable, "\(String(describing: error))")
        #expect(error?.message.contains("127.0.0.1:1") == true, "\(String(describing: error))")
        await #expect(throws: ExitCode.failure) {
            try await TopicsCommand.Info.parse(["whale.test.cli.unreachable"] + KafkaCommandTesting.unreachable).run()
        }
        let elapsed = start.duration(to: clock.now)
        #expect(elapsed < .seconds(8), "took \(elapsed)")
    }
}
