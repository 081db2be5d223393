import CoreCache
import CoreProtocols
import CoreTestKit
import Testing

/// Talks to the live Redis that `make test` starts (`WHALE_REDIS_URL`); fails,
/// never skips, when it is not there.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct RedisIntegrationTests {
    let configuration: RedisConfiguration
    let prefix = "test:redis:\(UInt32.random(in: 0...UInt32.max)):"

    init() throws {
        configuration = try RedisConfiguration(url: try TestServices.require(.redis).value)
    }

    @Test func pingAnswersPong() async throws {
        let redis = try await RedisConnection.connect(configuration)
        let roundTrip = try await redis.ping()
        #expect(roundTrip > .zero)
    }

    @Test func valuesAreBinarySafe() async throws {
        let redis = try await RedisConnection.connect(configuration)
        let key = Array((prefix + "bin").utf8) + [0, 0xff]
        let value: [UInt8] = [0, 1, 2, 0xff, 0, 13, 10]
        try await redis.send(arguments: [Array("SET".utf8), key, value, Array("PX".utf8), Array("60000".utf8)])
        #expect(try await redis.send(arguments: [Array("GET".utf8), key]) == .bulkString(value))
        #expect(try await redis.send(arguments: [Array("DEL".utf8), key]).integer == 1)
        #expect(try await redis.send(arguments: [Array("GET".utf8), key]) == .null)
    }

    @Test func anErrorReplyIsThrownAndTheConnectionStaysUsable() async throws {
        let redis = try await RedisConnection.connect(configuration)
        await #expect {
            try await redis.send("NOSUCHCOMMAND", "x")
        } throws: { error in
            let error = error as? WhaleError
            return error?.code == .invalidInput && error?.message.contains("unknown command") == true
        }
        #expect(try await redis.send("ECHO", "still here").string == "still here")
    }

    @Test func aDeadServerIsUnavailable() async throws {
        let dead = RedisConfiguration(endpoint: try ServiceEndpoint(host: "127.0.0.1", port: 1))
        await #expect {
            try await RedisConnection.connect(dead)
        } throws: { error in
            let error = error as? WhaleError
            return error?.code == .unavailable && error?.isRetriable == true
        }
        let check = RedisHealthCheck(configuration: dead)
        #expect(await check.check().isHealthy == false)
    }

    @Test func healthCheckPassesAgainstTheLiveServer() async {
        let status = await RedisHealthCheck(configuration: configuration).check()
        #expect(status.isHealthy, "\(status)")
    }

    @Test func aWrongPasswordIsUnauthenticated() async throws {
        var wrong = configuration
        wrong.password = "definitely-wrong"
        await #expect {
            try await RedisConnection.connect(wrong)
        } throws: { error in
            (error as? WhaleError)?.code == .unauthenticated
        }
    }
}
