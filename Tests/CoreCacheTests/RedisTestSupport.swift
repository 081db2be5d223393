import CoreCache
import CoreProtocols
import CoreTestKit
import Synchronization
import Testing

/// The live Redis of `make test` (`WHALE_REDIS_URL`), a fresh namespace per
/// test and cleanup afterwards. Fails, never skips, when Redis is missing.
struct RedisTestSupport {
    let configuration: RedisConfiguration
    let namespace = "test-l2-\(UInt32.random(in: 0...UInt32.max))"

    init() throws {
        configuration = try RedisConfiguration(url: try TestServices.require(.redis).value)
    }

    /// Runs `body` with a tier in a fresh namespace, then removes every key
    /// of the namespace (entries and tag sets), also when `body` throws.
    func withTier(
        _ configure: (inout RedisTierConfiguration) -> Void = { _ in },
        connections: Int = 4,
        _ body: (RedisCacheTier) async throws -> Void
    ) async throws {
        let pool = try RedisConnectionPool(
            configuration: configuration,
            poolConfiguration: RedisConnectionPoolConfiguration(connections: connections)
        )
        var tierConfiguration = RedisTierConfiguration(namespace: namespace)
        configure(&tierConfiguration)
        let tier = try RedisCacheTier(pool: pool, configuration: tierConfiguration)
        do {
            try await body(tier)
        } catch {
            try? await purge(pool)
            await pool.close()
            throw error
        }
        try await purge(pool)
        await pool.close()
    }

    /// Removes every key under `<namespace>:`.
    func purge(_ pool: RedisConnectionPool) async throws {
        var cursor = "0"
        repeat {
            let reply = try await pool.send("SCAN", cursor, "MATCH", "\(namespace):*", "COUNT", "1000")
            guard case .array(let parts) = reply, parts.count == 2, let next = parts[0].string,
                case .array(let keys) = parts[1]
            else { throw WhaleError(.malformedData, "SCAN answered \(reply)") }
            let names = keys.compactMap(\.bytes)
            if !names.isEmpty {
                try await pool.send(arguments: [Array("UNLINK".utf8)] + names)
            }
            cursor = next
        } while cursor != "0"
    }
}

/// The raw command `arguments` (text or bytes) as byte arrays.
func command(_ arguments: any RedisArgument...) -> [[UInt8]] {
    arguments.map(\.redisBytes)
}

/// Text or bytes, for ``command(_:)``.
protocol RedisArgument {
    var redisBytes: [UInt8] { get }
}

extension String: RedisArgument {
    var redisBytes: [UInt8] { Array(utf8) }
}

extension Array: RedisArgument where Element == UInt8 {
    var redisBytes: [UInt8] { self }
}

/// Whether `error` is a `WhaleError` with `code`.
func isWhaleError(_ error: any Error, _ code: WhaleError.Code) -> Bool {
    (error as? WhaleError)?.code == code
}

/// Records an issue unless `body` throws a `WhaleError` with `code`.
func expectError<Result>(
    _ code: WhaleError.Code,
    _ comment: Comment? = nil,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> Result
) async {
    do {
        let result = try await body()
        Issue.record("expected WhaleError(.\(code)), got \(result)", sourceLocation: sourceLocation)
    } catch let error as WhaleError where error.code == code {
        return
    } catch {
        Issue.record("expected WhaleError(.\(code)), got \(error)\(comment.map { " — \($0)" } ?? "")", sourceLocation: sourceLocation)
    }
}

/// A counter tasks share in tests.
final class Tally: Sendable {
    private let count = Atomic<Int>(0)

    func add(_ amount: Int = 1) { count.add(amount, ordering: .relaxed) }

    var value: Int { count.load(ordering: .relaxed) }
}

/// A flag tasks share in tests.
final class Flag: Sendable {
    private let flag = Atomic<Bool>(false)

    func set() { flag.store(true, ordering: .relaxed) }

    var isSet: Bool { flag.load(ordering: .relaxed) }
}

/// Records an issue when `body` throws.
func expectNoError<Result>(
    _ comment: Comment? = nil,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> Result
) async {
    do {
        _ = try await body()
    } catch {
        Issue.record("unexpected \(error)\(comment.map { " — \($0)" } ?? "")", sourceLocation: sourceLocation)
    }
}
