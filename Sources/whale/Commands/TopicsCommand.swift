import ArgumentParser
import CoreProtocols
import Foundation
import Logging
import Messaging

/// `whale topics`: the configured Kafka cluster's topics from the command line.
struct TopicsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topics",
        abstract: "Create, list, describe and delete the topics of the configured Kafka cluster (--kafka or WHALE_KAFKA_BROKERS).",
        subcommands: [Init.self, List.self, Create.self, Delete.self, Info.self]
    )
}

extension TopicsCommand {
    struct Init: LineOutputCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the Smart Whale base topics that are missing and print each one's state.",
            discussion: """
                Each is created with the spec's defaults: \(MessagingConstants.defaultPartitions) partitions and \
                replication factor \(MessagingConstants.defaultReplication), lowered to the cluster's broker count \
                when it has fewer brokers (so a one-broker development cluster works). Existing topics are left unchanged.
                """
        )
        @OptionGroup var options: NodeOptions
        @OptionGroup var broker: BrokerOptions

        /// Runs the command, handing each output line to `output`.
        func execute(
            environment: [String: String] = ProcessInfo.processInfo.environment,
            _ output: (String) -> Void
        ) async throws {
            let connection = try KafkaCLI.connection(options, broker, environment: environment)
            try await KafkaCLI.withAdmin(connection) { admin in
                let manager = TopicManager(admin: admin, replicationPolicy: .capToBrokerCount, logger: connection.logger)
                let created = Set(try await manager.initializeAllTopics())
                var rows: [[String]] = []
                for definition in TopicManager.baseTopicDefinitions where !definition.isPrefix {
                    rows.append([definition.name, created.contains(definition.name) ? "created" : "exists"])
                }
                output(Doctor.table(header: ["TOPIC", "STATE"], rows: rows))
                let brokers = try await admin.metadata().brokers.count
                if !created.isEmpty, brokers < MessagingConstants.defaultReplication {
                    output(
                        "replication factor \(MessagingConstants.defaultReplication) lowered to \(brokers): "
                            + "the cluster has \(brokers) broker(s)"
                    )
                }
            }
        }
    }

    struct List: LineOutputCommand {
        static let configuration = CommandConfiguration(abstract: "Print the cluster's topic names, sorted, one a line.")
        @OptionGroup var options: NodeOptions
        @OptionGroup var broker: BrokerOptions
        @Flag(help: "Also list Kafka's internal topics (names starting with __).") var all = false

        /// Runs the command, handing each output line to `output`.
        func execute(
            environment: [String: String] = ProcessInfo.processInfo.environment,
            _ output: (String) -> Void
        ) async throws {
            let connection = try KafkaCLI.connection(options, broker, environment: environment)
            try await KafkaCLI.withAdmin(connection) { admin in
                for name in try await TopicManager(admin: admin, logger: connection.logger).listAllTopics(includeInternal: all) {
                    output(name)
                }
            }
        }
    }

    struct Create: LineOutputCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create topic NAME; exit 1 when it exists already (unless --if-not-exists)."
        )
        @OptionGroup var options: NodeOptions
        @OptionGroup var broker: BrokerOptions
        @Argument(help: "The topic: 1-249 characters of a-z A-Z 0-9 . _ -") var name: String
        @Option(help: "Partitions, at least 1.")
        var partitions: Int = MessagingConstants.defaultPartitions
        @Option(
            help: """
                Replicas of each partition, at least 1. Default: \(MessagingConstants.defaultReplication), lowered to \
                the broker count; a factor given here is never lowered (the broker count is then an error).
                """
        )
        var replication: Int?
        @Option(name: .customLong("config"), help: "A topic configuration entry KEY=VALUE, e.g. retention.ms=60000 (repeatable).")
        var configs: [String] = []
        @Flag(name: .customLong("if-not-exists"), help: "Exit 0, changing nothing, when the topic exists already.")
        var ifNotExists = false

        /// Runs the command, handing each output line to `output`.
        func execute(
            environment: [String: String] = ProcessInfo.processInfo.environment,
            _ output: (String) -> Void
        ) async throws {
            try KafkaTopicName.validate(name)
            guard partitions >= 1 else {
                throw WhaleError(.invalidInput, "--partitions must be at least 1, not \(partitions)")
            }
            if let replication, replication < 1 {
                throw WhaleError(.invalidInput, "--replication must be at least 1, not \(replication)")
            }
            let configs = try KafkaCLI.keyValues(configs, option: "--config")
            let connection = try KafkaCLI.connection(options, broker, environment: environment)
            try await KafkaCLI.withAdmin(connection) { admin in
                let manager = TopicManager(
                    admin: admin,
                    replicationPolicy: replication == nil ? .capToBrokerCount : .strict,
                    logger: connection.logger
                )
                let created = try await manager.ensureTopicExists(
                    name,
                    partitions: partitions,
                    replicationFactor: replication ?? MessagingConstants.defaultReplication,
                    configs: Dictionary(configs.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })
                )
                guard created else {
                    guard ifNotExists else {
                        throw WhaleError(.alreadyExists, "topic '\(name)' already exists (--if-not-exists accepts that)")
                    }
                    output("topic '\(name)' already exists; left unchanged")
                    return
                }
                let info = try await admin.topicInfo(name)
                let factor = info.map { "\($0.replicationFactor)" } ?? "\(replication ?? MessagingConstants.defaultReplication)"
                output("created topic '\(name)': \(info?.partitionCount ?? partitions) partition(s), replication factor \(factor)")
            }
        }
    }

    struct Delete: LineOutputCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete topic NAME and its messages; exit 1 when it does not exist (unless --if-exists)."
        )
        @OptionGroup var options: NodeOptions
        @OptionGroup var broker: BrokerOptions
        @Argument(help: "The topic.") var name: String
        @Flag(name: .customLong("if-exists"), help: "Exit 0 when the topic does not exist.") var ifExists = false

        /// Runs the command, handing each output line to `output`.
        func execute(
            environment: [String: String] = ProcessInfo.processInfo.environment,
            _ output: (String) -> Void
        ) async throws {
            try KafkaTopicName.validate(name)
            let connection = try KafkaCLI.connection(options, broker, environment: environment)
            try await KafkaCLI.withAdmin(connection) { admin in
                if try await TopicManager(admin: admin, logger: connection.logger).deleteTopic(name) {
                    output("deleted topic '\(name)'")
                } else if ifExists {
                    output("topic '\(name)' does not exist")
                } else {
                    throw WhaleError(.notFound, "topic '\(name)' does not exist")
                }
            }
        }
    }

    struct Info: LineOutputCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print topic NAME's partitions (leader, replicas, in-sync replicas) and configuration; exit 1 when it does not exist.",
            discussion: """
                The configuration is what the broker reports: Apache Kafka lists every entry, defaults included; \
                Tansu lists only the entries set explicitly.
                """
        )
        @OptionGroup var options: NodeOptions
        @OptionGroup var broker: BrokerOptions
        @Argument(help: "The topic.") var name: String

        /// Runs the command, handing each output line to `output`.
        func execute(
            environment: [String: String] = ProcessInfo.processInfo.environment,
            _ output: (String) -> Void
        ) async throws {
            try KafkaTopicName.validate(name)
            let connection = try KafkaCLI.connection(options, broker, environment: environment)
            try await KafkaCLI.withAdmin(connection) { admin in
                guard let info = try await admin.topicInfo(name) else {
                    throw WhaleError(.notFound, "topic '\(name)' does not exist")
                }
                let configs: Result<[String: String], any Error>
                do {
                    configs = .success(try await admin.topicConfiguration(name))
                } catch {
                    configs = .failure(error)
                }
                for line in Self.describe(info, configs: configs) { output(line) }
            }
        }

        /// The lines `info` prints for a topic: a summary, a partition table,
        /// then the configuration entries sorted by name (or why there are none).
        static func describe(_ info: KafkaTopicInfo, configs: Result<[String: String], any Error>) -> [String] {
            func ids(_ list: [Int32]) -> String { list.isEmpty ? "-" : list.map(String.init).joined(separator: ",") }
            var lines = [
                "topic \(info.name): \(info.partitionCount) partition(s), replication factor \(info.replicationFactor)"
            ]
            let rows = info.partitions.map { partition in
                [
                    "\(partition.id)", partition.leader < 0 ? "none" : "\(partition.leader)",
                    ids(partition.replicas), ids(partition.inSyncReplicas),
                ]
            }
            lines += Doctor.table(header: ["PARTITION", "LEADER", "REPLICAS", "ISR"], rows: rows)
                .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            switch configs {
            case .success(let entries) where entries.isEmpty:
                lines.append("configuration: none reported")
            case .success(let entries):
                lines.append("configuration:")
                lines += entries.sorted { $0.key < $1.key }.map { "  \($0.key)=\($0.value)" }
            case .failure(let error):
                let reason = (error as? WhaleError)?.message ?? "\(error)"
                lines.append("configuration: not available (\(reason))")
            }
            return lines
        }
    }
}

/// The flags the `topics` and `messages` commands add to ``NodeOptions``.
struct BrokerOptions: ParsableArguments {
    @Option(
        name: .customLong("request-timeout"),
        help: "Seconds one request to the brokers may take (metadata, create, delete, a send's acknowledgement)."
    )
    var requestTimeout: Double = Double(MessagingConstants.defaultKafkaTimeoutSeconds)
}

/// What the `topics` and `messages` commands share: the cluster they talk to,
/// and the parsing of `KEY=VALUE` options.
enum KafkaCLI {
    /// The configured cluster, the request timeout and the logger of one command.
    struct Connection {
        var configuration: KafkaConfiguration
        var timeout: Duration
        var logger: Logger
    }

    /// The cluster from `--kafka`, else `WHALE_KAFKA_BROKERS` in `environment`,
    /// with `--request-timeout` as its message timeout.
    ///
    /// The logger writes to standard error, and only at the level given by
    /// `--log-level` / `WHALE_LOG_LEVEL`: without one, librdkafka's connection
    /// errors stay quiet and the command's own one-line error says what failed.
    /// - Throws: `WhaleError` `.invalidConfiguration` when no broker is configured
    ///   or a setting is malformed, `.invalidInput` for a bad `--request-timeout`.
    static func connection(
        _ options: NodeOptions,
        _ broker: BrokerOptions,
        environment: [String: String]
    ) throws -> Connection {
        let seconds = broker.requestTimeout
        guard seconds.isFinite, seconds > 0, seconds <= 3600 else {
            throw WhaleError(.invalidInput, "--request-timeout must be between 0 and 3600 seconds, not \(seconds)")
        }
        let node = try NodeConfiguration.resolve(options, environment: environment)
        guard var kafka = node.kafka else {
            throw WhaleError(
                .invalidConfiguration,
                "no Kafka broker configured: pass --kafka HOST:PORT or set WHALE_KAFKA_BROKERS"
            )
        }
        let timeout = Duration.milliseconds(Int64((seconds * 1000).rounded(.up)))
        kafka.messageTimeout = timeout
        var logger = Logger(label: "smart-whale.cli.kafka") { StreamLogHandler.standardError(label: $0) }
        let levelGiven = options.logLevel != nil || !(environment["WHALE_LOG_LEVEL"] ?? "").isEmpty
        logger.logLevel = levelGiven ? node.logLevel : .critical
        return Connection(configuration: kafka, timeout: timeout, logger: logger)
    }

    /// Runs `body` with an admin client for `connection`, closing it after.
    static func withAdmin<Result>(
        _ connection: Connection,
        _ body: (KafkaAdmin) async throws -> Result
    ) async throws -> Result {
        let admin = try KafkaAdmin(configuration: connection.configuration, timeout: connection.timeout, logger: connection.logger)
        do {
            let result = try await body(admin)
            await admin.close()
            return result
        } catch {
            await admin.close()
            throw error
        }
    }

    /// `KEY=VALUE` texts as pairs, in order. The value may be empty and may
    /// contain `=`; the key may not be empty.
    /// - Throws: `WhaleError` `.invalidInput` naming `option` and the bad text.
    static func keyValues(_ texts: [String], option: String) throws -> [(key: String, value: String)] {
        try texts.map { text in
            guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
                throw WhaleError(.invalidInput, "\(option) '\(text)' is not KEY=VALUE")
            }
            return (String(text[..<equals]), String(text[text.index(after: equals)...]))
        }
    }
}
