import ArgumentParser
import CoreCache
import CoreProtocols
import Foundation

/// `whale cache`: the configured cache tiers from the command line, and the
/// admission-policy simulator.
struct CacheCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache",
        abstract: "Read, write and invalidate the configured cache tiers (L2 Redis, L3 SQLite); simulate admission policies.",
        subcommands: [Get.self, Set.self, Del.self, Invalidate.self, Simulate.self]
    )
}

extension CacheCommand {
    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the fresh value under KEY (exit 1 when there is none).")
        @OptionGroup var options: NodeOptions
        @Argument(help: "The cache key.") var key: String

        func run() async throws {
            try await reportingFailures {
                try await CacheTiers.withManager(options) { cache in
                    guard let value = try await cache.get(key, as: CacheManagerRawValue.self) else {
                        printError("no fresh value under '\(key)'")
                        throw ExitCode.failure
                    }
                    print(String(decoding: value.bytes, as: UTF8.self))
                }
            }
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Store VALUE under KEY: JSON as given, any other text as a JSON string."
        )
        @OptionGroup var options: NodeOptions
        @Argument(help: "The cache key.") var key: String
        @Argument(help: "The value (JSON, or text stored as a JSON string).") var value: String
        @Option(help: "Seconds the value stays fresh.") var ttl: Int = 300
        @Option(name: .customLong("tag"), help: "A tag to invalidate it by (repeatable).") var tags: [String] = []

        func run() async throws {
            try await reportingFailures {
                guard ttl > 0 else { throw WhaleError(.invalidInput, "--ttl must be a positive number of seconds") }
                try await CacheTiers.withManager(options) { cache in
                    let bytes = try CacheTiers.jsonBytes(value)
                    try await cache.set(
                        key, CacheManagerRawValue(bytes: bytes),
                        options: CacheEntryOptions(ttl: .seconds(ttl), tags: tags)
                    )
                    print("stored '\(key)' (\(bytes.count) bytes, fresh for \(ttl) s)")
                }
            }
        }
    }

    struct Del: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove KEYs from every tier.")
        @OptionGroup var options: NodeOptions
        @Argument(help: "The keys to remove.") var keys: [String]

        func run() async throws {
            try await reportingFailures {
                guard !keys.isEmpty else { throw WhaleError(.invalidInput, "name at least one key") }
                try await CacheTiers.withManager(options) { cache in
                    print(try await cache.invalidate(keys: keys))
                }
            }
        }
    }

    struct Invalidate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove every key matching a glob (--pattern) or written with a tag (--tag)."
        )
        @OptionGroup var options: NodeOptions
        @Option(help: "A Redis-style glob: *, ?, [a-z], \\ escapes.") var pattern: String?
        @Option(help: "A tag given when the entries were written.") var tag: String?

        func run() async throws {
            try await reportingFailures {
                try await CacheTiers.withManager(options) { cache in
                    switch (pattern, tag) {
                    case (let pattern?, nil): print(try await cache.invalidate(matching: pattern))
                    case (nil, let tag?): print(try await cache.invalidate(tag: tag))
                    default: throw WhaleError(.invalidInput, "give exactly one of --pattern and --tag")
                    }
                }
            }
        }
    }

    struct Simulate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replay a key trace through an admission policy and print the hit ratio.",
            discussion: """
                --format arc: each line is `start count _ _`, meaning keys start … start+count-1 (the ARC traces; \
                cite N. Megiddo and D. S. Modha, "ARC: A Self-Tuning, Low Overhead Replacement Cache", FAST 2003). \
                --format keys: one key per line. Files ending in .zst are decompressed on the fly.
                """
        )
        enum Format: String, ExpressibleByArgument, CaseIterable { case arc, keys }

        @Option(help: "The trace file (.zst or plain).") var trace: String
        @Option(help: "arc or keys.") var format: Format = .arc
        @Option(help: "Cache capacities in entries, comma-separated (e.g. 250,1000,2000).") var capacity: String
        @Option(help: "w-tinylfu, lru, or all.") var policy: String = "all"

        func run() async throws {
            try await reportingFailures {
                let capacities = try capacity.split(separator: ",").map { text -> Int in
                    guard let value = Int(text.trimmingCharacters(in: .whitespaces)), value > 0 else {
                        throw WhaleError(.invalidInput, "capacity '\(text)' is not a positive number")
                    }
                    return value
                }
                guard !capacities.isEmpty else { throw WhaleError(.invalidInput, "give at least one --capacity") }
                let policies: [CacheSimulationPolicy]
                if policy == "all" {
                    policies = CacheSimulationPolicy.allCases
                } else if let one = CacheSimulationPolicy(rawValue: policy) {
                    policies = [one]
                } else {
                    throw WhaleError(.invalidInput, "policy '\(policy)' is not one of w-tinylfu, lru, all")
                }
                let keys = try CacheTiers.traceKeys(path: trace, format: format)
                var rows: [[String]] = []
                for capacity in capacities {
                    for policy in policies {
                        let result = CacheSimulator.run(keys: keys, capacity: capacity, policy: policy)
                        rows.append([
                            policy.rawValue, "\(capacity)", String(format: "%.2f %%", result.hitRatio * 100),
                            "\(result.hits) of \(result.requests)",
                        ])
                    }
                }
                print(Doctor.table(header: ["POLICY", "CAPACITY", "HIT RATIO", "HITS"], rows: rows))
            }
        }
    }
}

/// Opens the configured tiers for one CLI command and closes them after.
enum CacheTiers {
    /// Runs `body` with a manager over L2 (when Redis is configured) and L3
    /// (`<data dir>/cache.sqlite`); no L1, a CLI process is too short-lived.
    static func withManager(_ options: NodeOptions, _ body: (CacheManager) async throws -> Void) async throws {
        let node = try options.resolve()
        try node.prepareDataDirectory()
        let pool = try node.redis.map { try RedisConnectionPool(configuration: $0, poolConfiguration: .init(connections: 1)) }
        let l2 = try pool.map { try RedisCacheTier(pool: $0) }
        let l3 = try await SQLiteCacheTier(
            configuration: SQLiteTierConfiguration(path: node.dataDirectory + "/cache.sqlite", readerCount: 1, cleanupInterval: nil)
        )
        var configuration = CacheManagerConfiguration()
        configuration.l1Enabled = false
        configuration.throwOnTierFailure = true
        let cache = try CacheManager(configuration: configuration, l2: l2, l3: l3)
        do {
            try await body(cache)
        } catch {
            try? await l3.close()
            await pool?.close()
            throw error
        }
        try await l3.close()
        await pool?.close()
    }

    /// `text` as JSON bytes: as given when it parses as JSON, else as a JSON string.
    static func jsonBytes(_ text: String) throws -> [UInt8] {
        let data = Data(text.utf8)
        if (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) != nil { return Array(data) }
        return try JSONCacheCodec().encode(text)
    }

    /// The keys of a trace file.
    static func traceKeys(path: String, format: CacheCommand.Simulate.Format) throws -> [UInt64] {
        switch format {
        case .arc:
            return try CacheSimulator.readTrace(path: path)
        case .keys:
            return try CacheSimulator.readKeysTrace(path: path)
        }
    }
}
