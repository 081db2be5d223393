import CoreCache
import CoreProtocols
import Foundation
import Logging
import Messaging

/// The node's resolved settings: flag, else `WHALE_*` variable, else default.
struct NodeConfiguration: Sendable {
    var listen: ServiceEndpoint
    var dataDirectory: String
    var redis: RedisConfiguration?
    var kafka: KafkaConfiguration?
    var logLevel: Logger.Level

    /// Resolves and validates every setting; the first bad one is a
    /// `WhaleError` whose message names it.
    static func resolve(_ options: NodeOptions, environment: [String: String]) throws -> NodeConfiguration {
        func pick(_ flag: String?, _ variable: String) -> String? {
            if let flag { return flag }
            if let value = environment[variable], !value.isEmpty { return value }
            return nil
        }
        let host = pick(options.host, "WHALE_HOST") ?? "127.0.0.1"
        let portText = pick(options.port, "WHALE_PORT") ?? "8080"
        guard let port = Int(portText) else {
            throw WhaleError(.invalidConfiguration, "port '\(portText)' is not a number")
        }
        let listen = try ServiceEndpoint(host: host, port: port)

        let levelText = pick(options.logLevel, "WHALE_LOG_LEVEL") ?? "info"
        guard let logLevel = Logger.Level(rawValue: levelText.lowercased()) else {
            throw WhaleError(
                .invalidConfiguration,
                "log level '\(levelText)' is not one of trace, debug, info, notice, warning, error, critical"
            )
        }

        let redis = try pick(options.redis, "WHALE_REDIS_URL").map { url in
            try naming("Redis URL") { try RedisConfiguration(url: url) }
        }
        let kafka = try pick(options.kafka, "WHALE_KAFKA_BROKERS").map { brokers in
            try naming("Kafka brokers") { try KafkaConfiguration(brokers: brokers) }
        }
        return NodeConfiguration(
            listen: listen,
            dataDirectory: pick(options.dataDirectory, "WHALE_DATA_DIR") ?? "./.whale",
            redis: redis,
            kafka: kafka,
            logLevel: logLevel
        )
    }

    /// Runs `parse`, prefixing the message of the error it throws with `setting`.
    private static func naming<Value>(_ setting: String, _ parse: () throws -> Value) throws -> Value {
        do {
            return try parse()
        } catch let error as WhaleError {
            throw WhaleError(.invalidConfiguration, "\(setting): \(error.message)")
        }
    }

    /// Creates the data directory if needed and checks that it is a readable,
    /// writable directory.
    func prepareDataDirectory() throws {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: dataDirectory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw WhaleError(.invalidConfiguration, "data directory '\(dataDirectory)' is a file, not a directory")
            }
        } else {
            do {
                try manager.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
            } catch {
                throw WhaleError(.invalidConfiguration, "data directory '\(dataDirectory)' cannot be created")
            }
        }
        guard manager.isWritableFile(atPath: dataDirectory), manager.isReadableFile(atPath: dataDirectory) else {
            throw WhaleError(.invalidConfiguration, "data directory '\(dataDirectory)' is not readable and writable")
        }
    }

    /// The SQLite file the node's health check writes to.
    var healthDatabasePath: String {
        URL(fileURLWithPath: dataDirectory).appendingPathComponent("health.sqlite").path
    }
}
