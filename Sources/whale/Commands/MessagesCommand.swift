import ArgumentParser
import CoreProtocols
import Foundation
import Messaging

/// `whale messages`: send a message to, and read messages from, a topic of
/// the configured Kafka cluster.
struct MessagesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "messages",
        abstract: "Send messages to and read them from a topic of the configured Kafka cluster (--kafka or WHALE_KAFKA_BROKERS).",
        subcommands: [Send.self, Tail.self]
    )
}

extension MessagesCommand {
    struct Send: LineOutputCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send one message to TOPIC and print where the broker stored it (partition, offset).",
            discussion: """
                The value is VALUE, else the bytes of --file, else standard input (without one trailing newline). \
                The command returns once the broker has acknowledged the message (acks=all).
                """
        )
        @OptionGroup var options: NodeOptions
        @OptionGroup var broker: BrokerOptions
        @Argument(help: "The topic.") var topic: String
        @Argument(help: "The value as text. Default: --file, else standard input.") var value: String?
        @Option(help: "The message key (text); messages with one key go to one partition.") var key: String?
        @Option(name: .customLong("header"), help: "A header KEY=VALUE (repeatable).") var headers: [String] = []
        @Option(help: "Send the contents of this file as the value.") var file: String?
        @Flag(help: "Refuse a value that is not valid JSON.") var json = false

        /// Runs the command, handing each output line to `output`.
        /// - Parameter standardInput: reads the value when neither VALUE nor
        ///   `--file` is given. Default: all of standard input.
        func execute(environment: [String: String], _ output: (String) -> Void) async throws {
            try await execute(environment: environment, standardInput: { Array(FileHandle.standardInput.readDataToEndOfFile()) }, output)
        }

        /// Runs the command with `standardInput` as stdin (for tests).
        func execute(
            environment: [String: String] = ProcessInfo.processInfo.environment,
            standardInput: () throws -> [UInt8],
            _ output: (String) -> Void
        ) async throws {
            try KafkaTopicName.validate(topic)
            let headers = try KafkaCLI.keyValues(headers, option: "--header").map { MessageHeader(key: $0.key, string: $0.value) }
            let bytes = try Self.value(argument: value, file: file, standardInput: standardInput)
            if json, (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) == nil {
                throw WhaleError(.invalidInput, "--json: the value is not valid JSON")
            }
            let connection = try KafkaCLI.connection(options, broker, environment: environment)
            let producer = try KafkaProducer(configuration: connection.configuration, logger: connection.logger)
            let report: KafkaDeliveryReport
            do {
                report = try await producer.send(
                    OutboundMessage(topic: topic, key: key.map { Array($0.utf8) }, value: bytes, headers: headers)
                )
            } catch {
                await producer.close(timeout: .seconds(1))
                guard var error = error as? WhaleError, error.code == .timeout || error.code == .unavailable else { throw error }
                // Say where it looked: "timed out" alone does not tell an operator much.
                error.message += " (brokers: \(Self.brokers(connection.configuration)))"
                throw error
            }
            await producer.close(timeout: connection.timeout)
            output(Self.acknowledgement(report))
        }

        /// The value to send: `argument`, else the file's bytes, else standard
        /// input without one trailing newline (`\n` or `\r\n`).
        /// - Throws: `WhaleError` `.invalidInput` when both `argument` and
        ///   `file` are given or the file cannot be read.
        static func value(argument: String?, file: String?, standardInput: () throws -> [UInt8]) throws -> [UInt8] {
            switch (argument, file) {
            case (.some, .some):
                throw WhaleError(.invalidInput, "give the value either as an argument or with --file, not both")
            case (let argument?, nil):
                return Array(argument.utf8)
            case (nil, let file?):
                guard let data = FileManager.default.contents(atPath: file) else {
                    throw WhaleError(.invalidInput, "--file '\(file)' cannot be read")
                }
                return Array(data)
            case (nil, nil):
                var bytes = try standardInput()
                if bytes.last == UInt8(ascii: "\n") {
                    bytes.removeLast()
                    if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
                }
                return bytes
            }
        }

        /// `topic=T partition=P offset=O`: where the broker stored the message.
        static func acknowledgement(_ report: KafkaDeliveryReport) -> String {
            "topic=\(report.topic) partition=\(report.partition) offset=\(report.offset)"
        }

        static func brokers(_ configuration: KafkaConfiguration) -> String {
            configuration.bootstrapServers.map(\.description).joined(separator: ",")
        }
    }

    struct Tail: LineOutputCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print TOPIC's messages, one a line, until --count of them arrived or --timeout passed.",
            discussion: """
                Every partition is read (or only --partition) without a consumer group: nothing is committed and \
                reading starts at once. Without --from-beginning only messages sent after the start are printed. \
                --format text prints the value as UTF-8 text, a line break as \\n; --format json prints one object \
                per message: topic, partition, offset, key, value (text) and headers (an object; a repeated header \
                keeps its last value).
                """
        )
        enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

        @OptionGroup var options: NodeOptions
        @OptionGroup var broker: BrokerOptions
        @Argument(help: "The topic.") var topic: String
        @Flag(name: .customLong("from-beginning"), help: "Start at each partition's first message, not its end.")
        var fromBeginning = false
        @Option(help: "Stop after this many messages. Default: no limit (stop at --timeout).") var count: Int?
        @Option(help: "Seconds to read before stopping.") var timeout: Double = 10
        @Option(help: "Read only this partition.") var partition: Int32?
        @Option(help: "text or json.") var format: Format = .text

        /// Runs the command, handing each message's line to `output` as it arrives.
        func execute(
            environment: [String: String] = ProcessInfo.processInfo.environment,
            _ output: (String) -> Void
        ) async throws {
            try KafkaTopicName.validate(topic)
            if let count, count < 1 { throw WhaleError(.invalidInput, "--count must be at least 1, not \(count)") }
            guard timeout.isFinite, timeout > 0, timeout <= 86_400 else {
                throw WhaleError(.invalidInput, "--timeout must be between 0 and 86400 seconds, not \(timeout)")
            }
            if let partition, partition < 0 {
                throw WhaleError(.invalidInput, "--partition must be 0 or more, not \(partition)")
            }
            let connection = try KafkaCLI.connection(options, broker, environment: environment)
            let info = try await KafkaCLI.withAdmin(connection) { admin in try await admin.topicInfo(topic) }
            guard let info else { throw WhaleError(.notFound, "topic '\(topic)' does not exist") }
            let partitions = info.partitions.map(\.id)
            if let partition, !partitions.contains(partition) {
                throw WhaleError(
                    .invalidInput,
                    "topic '\(topic)' has no partition \(partition); it has \(partitions.count) (0-\(partitions.count - 1))"
                )
            }
            var readers: [KafkaPartitionReader] = []
            do {
                for id in partition.map({ [$0] }) ?? partitions {
                    readers.append(
                        try KafkaPartitionReader(
                            configuration: connection.configuration,
                            topic: topic,
                            partition: id,
                            offset: fromBeginning ? KafkaPartitionReader.beginning : KafkaPartitionReader.end,
                            logger: connection.logger
                        )
                    )
                }
                let format = self.format
                try await Self.read(
                    readers,
                    count: count,
                    timeout: .milliseconds(Int64((timeout * 1000).rounded(.up)))
                ) { message in
                    output(Self.line(for: message, format: format))
                }
            } catch {
                for reader in readers { await reader.close() }
                throw error
            }
            for reader in readers { await reader.close() }
        }

        /// Reads `readers` concurrently and hands each message to `deliver`,
        /// until `count` messages were delivered or `timeout` passed.
        /// - Returns: how many were delivered.
        @discardableResult
        static func read(
            _ readers: [KafkaPartitionReader],
            count: Int?,
            timeout: Duration,
            _ deliver: (InboundMessage) -> Void
        ) async throws -> Int {
            let clock = ContinuousClock()
            let deadline = clock.now.advanced(by: timeout)
            let (stream, continuation) = AsyncThrowingStream<InboundMessage, any Error>.makeStream()
            return try await withThrowingTaskGroup(of: Void.self) { group in
                for reader in readers {
                    group.addTask {
                        do {
                            // Short slices, so cancelling takes effect within one.
                            while !Task.isCancelled {
                                let remaining = clock.now.duration(to: deadline)
                                if remaining <= .zero { break }
                                for message in try await reader.read(count: 500, timeout: min(remaining, .milliseconds(200))) {
                                    continuation.yield(message)
                                }
                            }
                        } catch {
                            continuation.finish(throwing: error)
                        }
                    }
                }
                group.addTask {
                    // Ends the stream at the deadline, or when the group is cancelled.
                    try? await Task.sleep(until: deadline, clock: clock)
                    continuation.finish()
                }
                var delivered = 0
                do {
                    for try await message in stream {
                        deliver(message)
                        delivered += 1
                        if let count, delivered >= count { break }
                    }
                } catch {
                    group.cancelAll()
                    throw error
                }
                group.cancelAll()
                return delivered
            }
        }

        /// One message as one line: its value as text (line breaks as `\n`,
        /// `\r`), or a JSON object with topic, partition, offset, key, value and headers.
        static func line(for message: InboundMessage, format: Format) -> String {
            switch format {
            case .text:
                return String(decoding: message.value, as: UTF8.self)
                    .replacingOccurrences(of: "\r", with: "\\r")
                    .replacingOccurrences(of: "\n", with: "\\n")
            case .json:
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                let record = TailRecord(message)
                guard let data = try? encoder.encode(record) else { return "{}" }
                return String(decoding: data, as: UTF8.self)
            }
        }
    }
}

/// What `whale messages tail --format json` prints for one message.
struct TailRecord: Codable, Equatable {
    var topic: String
    var partition: Int32
    var offset: Int64
    /// The key as UTF-8 text; `null` when the message has none.
    var key: String?
    /// The value as UTF-8 text (invalid bytes replaced).
    var value: String
    /// Header name → value as text (`null` for a header without a value); a
    /// repeated header keeps its last value.
    var headers: [String: String?]

    init(topic: String, partition: Int32, offset: Int64, key: String?, value: String, headers: [String: String?]) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.headers = headers
    }

    init(_ message: InboundMessage) {
        func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
        var headers: [String: String?] = [:]
        for header in message.headers { headers[header.key] = .some(header.value.map(text)) }
        self.init(
            topic: message.topic,
            partition: message.partition,
            offset: message.offset,
            key: message.key.map(text),
            value: text(message.value),
            headers: headers
        )
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(topic, forKey: .topic)
        try container.encode(partition, forKey: .partition)
        try container.encode(offset, forKey: .offset)
        try container.encode(key, forKey: .key)  // null, not absent, without a key
        try container.encode(value, forKey: .value)
        try container.encode(headers, forKey: .headers)
    }
}
