import ArgumentParser
import CoreCache
import CoreProtocols
import Foundation
import Logging
import Messaging
import Testing

@testable import whale

@Suite struct NodeConfigurationTests {
    @Test func embeddedDefaults() throws {
        let config = try NodeConfiguration.resolve(try NodeOptions.parse([]), environment: [:])
        #expect(config.listen.description == "127.0.0.1:8080")
        #expect(config.dataDirectory == "./.whale")
        #expect(config.redis == nil)
        #expect(config.kafka == nil)
        #expect(config.logLevel == .info)
    }

    @Test func flagsWinOverEnvironmentWhichWinsOverDefaults() throws {
        let environment = [
            "WHALE_PORT": "9000", "WHALE_HOST": "0.0.0.0", "WHALE_REDIS_URL": "redis://127.0.0.1:6390/1",
            "WHALE_KAFKA_BROKERS": "127.0.0.1:19092", "WHALE_LOG_LEVEL": "debug",
        ]
        let fromEnvironment = try NodeConfiguration.resolve(try NodeOptions.parse([]), environment: environment)
        #expect(fromEnvironment.listen.description == "0.0.0.0:9000")
        #expect(fromEnvironment.redis?.database == 1)
        #expect(fromEnvironment.kafka?.bootstrapServers.first?.port == 19092)
        #expect(fromEnvironment.logLevel == .debug)
        let fromFlags = try NodeConfiguration.resolve(try NodeOptions.parse(["--port", "9100"]), environment: environment)
        #expect(fromFlags.listen.port == 9100)
    }

    @Test(arguments: [
        (["--port", "99999"], "port 99999 is out of range"),
        (["--port", "eighty"], "port 'eighty' is not a number"),
        (["--redis", "http://127.0.0.1:6390"], "Redis URL"),
        (["--kafka", "broker:port"], "Kafka brokers"),
        (["--log-level", "loud"], "log level 'loud'"),
    ])
    func badSettingsNameTheProblem(arguments: [String], message: String) throws {
        let options = try NodeOptions.parse(arguments)
        #expect {
            try NodeConfiguration.resolve(options, environment: [:])
        } throws: { error in
            let error = error as? WhaleError
            return error?.code == .invalidConfiguration && error?.message.contains(message) == true
        }
    }

    @Test func aMalformedRedisVariableIsAnError() throws {
        #expect(throws: WhaleError.self) {
            try NodeConfiguration.resolve(try NodeOptions.parse([]), environment: ["WHALE_REDIS_URL": "not a url"])
        }
    }

    @Test func anUnusableDataDirectoryIsAnError() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("whale-file-\(UUID().uuidString)")
        try Data("x".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        for directory in [file.path, file.appendingPathComponent("below").path, "/proc/whale-cannot-create"] {
            let config = try NodeConfiguration.resolve(try NodeOptions.parse(["--data-dir", directory]), environment: [:])
            #expect(throws: WhaleError.self) { try config.prepareDataDirectory() }
        }
    }
}
