import ArgumentParser
import CoreProtocols
import Foundation
import Messaging
import Testing

@testable import whale

/// `whale messages …` against the live broker that `make test` starts
/// (`WHALE_KAFKA_BROKERS`); fails, never skips, when it is not there. Each
/// test deletes the topic it created.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct MessagesCommandTests {
    let kafka: [String]

    init() throws {
        kafka = try KafkaCommandTesting.brokerArguments()
    }

    /// `(partition, offset)` of a `topic=T partition=P offset=O` line.
    private func acknowledged(_ line: String, topic: String) throws -> (partition: Int32, offset: Int64) {
        let fields = line.split(separator: " ")
        try #require(fields.count == 3 && fields[0] == "topic=\(topic)", "\(line)")
        let partition = try #require(Int32(fields[1].dropFirst("partition=".count)), "\(line)")
        let offset = try #require(Int64(fields[2].dropFirst("offset=".count)), "\(line)")
        #expect(fields[1].hasPrefix("partition=") && fields[2].hasPrefix("offset="), "\(line)")
        return (partition, offset)
    }

    @Test func createInfoSendTailDelete() async throws {
        let topic = KafkaCommandTesting.uniqueTopic("messages")
        let clock = ContinuousClock()
        try await TopicsCommand.Create.parse([topic, "--partitions", "2"] + kafka).execute { _ in }
        var info: [String] = []
        try await TopicsCommand.Info.parse([topic] + kafka).execute { info.append($0) }
        #expect(info.first?.hasPrefix("topic \(topic): 2 partition(s)") == true, "\(info)")

        // An empty topic: tail stops at the timeout with nothing.
        var lines: [String] = []
        var start = clock.now
        try await MessagesCommand.Tail.parse([topic, "--from-beginning", "--timeout", "1"] + kafka).execute { lines.append($0) }
        #expect(lines.isEmpty, "\(lines)")
        #expect(start.duration(to: clock.now) < .seconds(5))

        // Three sends: the argument with a key and headers, a JSON file, standard input.
        var acks: [String] = []
        try await MessagesCommand.Send.parse(
            [topic, "hello\nworld", "--key", "user-1", "--header", "trace=abc", "--header", "empty=", "--header", "eq=a=b"] + kafka
        ).execute { acks.append($0) }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("whale-send-\(UUID().uuidString).json").path
        try #"{"n":2}"#.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        try await MessagesCommand.Send.parse([topic, "--file", file, "--json"] + kafka).execute { acks.append($0) }
        try await MessagesCommand.Send.parse([topic] + kafka)
            .execute(standardInput: { Array("from stdin\r\n".utf8) }) { acks.append($0) }
        try #require(acks.count == 3, "\(acks)")
        let positions = try acks.map { try acknowledged($0, topic: topic) }
        let sent = ["hello\nworld", #"{"n":2}"#, "from stdin"]

        // Read back every partition as JSON: exactly what was sent, where the broker said.
        lines = []
        start = clock.now
        try await MessagesCommand.Tail.parse(
            [topic, "--from-beginning", "--count", "3", "--timeout", "10", "--format", "json"] + kafka
        ).execute { lines.append($0) }
        #expect(start.duration(to: clock.now) < .seconds(8), "--count should stop it before the timeout")
        try #require(lines.count == 3, "\(lines)")
        let records = try lines.map { try JSONDecoder().decode(TailRecord.self, from: Data($0.utf8)) }
        for (index, value) in sent.enumerated() {
            let record = try #require(records.first { $0.value == value }, "\(value) not in \(records)")
            #expect(record.topic == topic)
            #expect(record.partition == positions[index].partition && record.offset == positions[index].offset, "\(record)")
        }
        let hello = try #require(records.first { $0.value == sent[0] })
        #expect(hello.key == "user-1")
        #expect(hello.headers == ["trace": "abc", "empty": "", "eq": "a=b"])
        let fromFile = try #require(lines.first { $0.contains(#""offset":\#(positions[1].offset)"#) && $0.contains(#""partition":\#(positions[1].partition)"#) })
        #expect(fromFile.contains(#""key":null"#), "\(fromFile)")
        #expect(records.first { $0.value == sent[1] }?.headers == [:])

        // One partition as text: its messages in offset order, line breaks escaped.
        let partition = positions[0].partition
        let expected = sent.indices.filter { positions[$0].partition == partition }
            .sorted { positions[$0].offset < positions[$1].offset }
            .map { sent[$0].replacingOccurrences(of: "\n", with: "\\n") }
        lines = []
        try await MessagesCommand.Tail.parse(
            [topic, "--from-beginning", "--partition", "\(partition)", "--count", "\(expected.count)", "--timeout", "10"] + kafka
        ).execute { lines.append($0) }
        #expect(lines == expected)
        #expect(expected.first == "hello\\nworld" || expected.count > 1)

        // Without --from-beginning only new messages show: none arrive here.
        lines = []
        try await MessagesCommand.Tail.parse([topic, "--timeout", "1"] + kafka).execute { lines.append($0) }
        #expect(lines.isEmpty, "\(lines)")

        // A partition the topic does not have.
        let noPartition = await #expect(throws: WhaleError.self) {
            try await MessagesCommand.Tail.parse([topic, "--partition", "7", "--timeout", "1"] + kafka).execute { _ in }
        }
        #expect(noPartition?.message == "topic '\(topic)' has no partition 7; it has 2 (0-1)")

        var deleted: [String] = []
        try await TopicsCommand.Delete.parse([topic] + kafka).execute { deleted.append($0) }
        #expect(deleted == ["deleted topic '\(topic)'"])
        let missing = await #expect(throws: WhaleError.self) {
            try await MessagesCommand.Tail.parse([topic, "--timeout", "1"] + kafka).execute { _ in }
        }
        #expect(missing?.code == .notFound)
    }

    @Test func badInputExitsNonZero() async throws {
        let topic = KafkaCommandTesting.uniqueTopic("bad")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("whale-send-\(UUID().uuidString).txt").path
        try "x".write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let sends: [[String]] = [
            ["", "v"], ["bad name!", "v"], [String(repeating: "a", count: 250), "v"],
            [topic, "v", "--header", "novalue"], [topic, "v", "--header", "=x"],
            [topic, "not json", "--json"], [topic, "v", "--file", file], [topic, "--file", file + ".missing"],
        ]
        for arguments in sends {
            await #expect(throws: ExitCode.failure, "\(arguments)") { try await MessagesCommand.Send.parse(arguments + kafka).run() }
        }
        // After `kafka`, which sets its own: the last one counts.
        await #expect(throws: ExitCode.failure) {
            try await MessagesCommand.Send.parse([topic, "v"] + kafka + ["--request-timeout=0"]).run()
        }
        let tails: [[String]] = [
            [""], ["bad name!"], [topic, "--count", "0"], [topic, "--timeout", "0"], [topic, "--partition=-1"],
            // A topic that does not exist.
            [topic, "--timeout", "1"],
        ]
        for arguments in tails {
            await #expect(throws: ExitCode.failure, "\(arguments)") { try await MessagesCommand.Tail.parse(arguments + kafka).run() }
        }
        let header = await #expect(throws: WhaleError.self) {
            try await MessagesCommand.Send.parse([topic, "v", "--header", "novalue"] + kafka).execute { _ in }
        }
        #expect(header?.message == "--header 'novalue' is not KEY=VALUE")
        let json = await #expect(throws: WhaleError.self) {
            try await MessagesCommand.Send.parse([topic, "{", "--json"] + kafka).execute { _ in }
        }
        #expect(json?.message == "--json: the value is not valid JSON")
        let both = await #expect(throws: WhaleError.self) {
            try await MessagesCommand.Send.parse([topic, "v", "--file", file] + kafka).execute { _ in }
        }
        #expect(both?.code == .invalidInput)
    }

    @Test func theValueComesFromTheArgumentAFileOrStandardInput() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("whale-value-\(UUID().uuidString)").path
        try "line\n".write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let noInput: () throws -> [UInt8] = { Issue.record("standard input read"); return [] }
        #expect(try MessagesCommand.Send.value(argument: "a\n", file: nil, standardInput: noInput) == Array("a\n".utf8))
        #expect(try MessagesCommand.Send.value(argument: nil, file: file, standardInput: noInput) == Array("line\n".utf8))
        #expect(try MessagesCommand.Send.value(argument: nil, file: nil, standardInput: { Array("in\n".utf8) }) == Array("in".utf8))
        #expect(try MessagesCommand.Send.value(argument: nil, file: nil, standardInput: { Array("in\n\n".utf8) }) == Array("in\n".utf8))
        #expect(try MessagesCommand.Send.value(argument: nil, file: nil, standardInput: { [] }) == [])
    }

    @Test func linesAreOneMessageEach() throws {
        let message = InboundMessage(
            topic: "t", partition: 1, offset: 42, key: nil, value: Array("a\nb\r\nc/d".utf8),
            headers: [MessageHeader(key: "h", string: "1"), MessageHeader(key: "none", value: nil)]
        )
        #expect(MessagesCommand.Tail.line(for: message, format: .text) == "a\\nb\\r\\nc/d")
        let json = MessagesCommand.Tail.line(for: message, format: .json)
        #expect(json == #"{"headers":{"h":"1","none":null},"key":null,"offset":42,"partition":1,"topic":"t","value":"a\nb\r\nc/d"}"#)
        #expect(!json.contains("\n"))
    }

    @Test func aMissingOrUnreachableBrokerIsAClearError() async throws {
        let missing = await #expect(throws: WhaleError.self) {
            try await MessagesCommand.Send.parse(["whale.test.cli.nocfg", "v"]).execute(environment: [:]) { _ in }
        }
        #expect(missing?.message == "no Kafka broker configured: pass --kafka HOST:PORT or set WHALE_KAFKA_BROKERS")
        await #expect(throws: ExitCode.failure) {
            try await reportingFailures {
                try await MessagesCommand.Tail.parse(["whale.test.cli.nocfg"]).execute(environment: [:]) { _ in }
            }
        }

        let clock = ContinuousClock()
        let start = clock.now
        let send = await #expect(throws: WhaleError.self) {
            try await MessagesCommand.Send.parse(["whale.test.cli.unreachable", "v"] + KafkaCommandTesting.unreachable).execute { _ in }
        }
        #expect(send?.code == .timeout || send?.code == .unavailable, "\(String(describing: send))")
        #expect(send?.message.contains("127.0.0.1:1") == true, "\(String(describing: send))")
        let tail = await #expect(throws: WhaleError.self) {
            try await MessagesCommand.Tail.parse(["whale.test.cli.unreachable"] + KafkaCommandTesting.unreachable).execute { _ in }
        }
        #expect(tail?.code == .timeout || tail?.code == .unavailable, "\(String(describing: tail))")
        #expect(tail?.message.contains("127.0.0.1:1") == true, "\(String(describing: tail))")
        let elapsed = start.duration(to: clock.now)
        #expect(elapsed < .seconds(10), "took \(elapsed)")
    }
}
