import CoreCache
import CoreProtocols
import CoreTestKit
import Foundation
import Testing

@Suite(.timeLimit(.minutes(2))) struct SQLiteCacheTierTests {
    let fixture: SQLiteTierFixture

    init() throws {
        fixture = try SQLiteTierFixture()
    }

    // MARK: Basics

    @Test func storesAndReadsBackBinarySafeKeysAndValues() async throws {
        let l3 = try await fixture.open()
        let keys = ["plain", "with space", "سلام:کلید", "emoji 🐳", "glob*?[x]\\", "tab\tand\nnewline", String(repeating: "k", count: 1_024)]
        for (index, key) in keys.enumerated() {
            try await l3.set(key, value: testBytes(index, count: index * 10), ttl: nil)
        }
        try await l3.set("empty", value: [], ttl: nil)
        // Queued (read-your-writes), then from the database.
        for pass in 0..<2 {
            for (index, key) in keys.enumerated() {
                #expect(try await l3.get(key) == testBytes(index, count: index * 10), "pass \(pass) key \(key)")
            }
            #expect(try await l3.get("empty") == [])
            #expect(try await l3.get("absent") == nil)
            try await l3.flush()
        }
        let many = try await l3.getMany(["absent", keys[2], "empty", keys[0]])
        #expect(many == [nil, testBytes(2, count: 20), [], testBytes(0, count: 0)])
        #expect(try await l3.getMany([]) == [])
        try await l3.close()
    }

    @Test func specMethodsAndOverwrites() async throws {
        let l3 = try await fixture.open()
        #expect(l3.name == "l3")
        try await l3.persistentSet("doc", value: [1], ttl: .seconds(60), tags: ["t"])
        #expect(try await l3.persistentGet("doc") == [1])
        try await l3.persistentSet("doc", value: [2, 2])
        #expect(try await l3.persistentGet("doc") == [2, 2])
        try await l3.flush()
        try await l3.persistentSet("doc", value: [3], durable: true)
        #expect(try await l3.persistentGet("doc") == [3])
        #expect(try fixture.query("SELECT value, size FROM whale_cache_entries WHERE key = 'doc'") == [[.blob([3]), .integer(4)]])
        // The overwrite without tags dropped the old tag.
        #expect(try await l3.invalidate(tag: "t") == 0)
        #expect(try await l3.cleanup() == 0)
        try await l3.close()
    }

    @Test func schemaIsVersionedAndInWALMode() async throws {
        let l3 = try await fixture.open()
        #expect(try fixture.query("PRAGMA user_version") == [[.integer(1)]])
        #expect(try fixture.query("PRAGMA journal_mode") == [[.text("wal")]])
        let tables = try fixture.query("SELECT name FROM sqlite_master WHERE type IN ('table', 'index') ORDER BY name")
        for name in [
            "whale_cache_entries", "whale_cache_entries_expires_at", "whale_cache_entries_last_access",
            "whale_cache_tags", "whale_cache_tags_tag", "whale_cache_totals",
        ] {
            #expect(tables.contains([.text(name)]), "missing \(name)")
        }
        try await l3.close()
    }

    // MARK: Bad input

    @Test func badInputThrowsAndStoresNothing() async throws {
        let l3 = try await fixture.open(fixture.configuration { $0.maxValueBytes = 100 })
        func isInvalidInput(_ error: any Error) -> Bool { (error as? WhaleError)?.code == .invalidInput }

        await #expect { try await l3.get("") } throws: { isInvalidInput($0) }
        await #expect { try await l3.get("a\u{0}b") } throws: { isInvalidInput($0) }
        await #expect { try await l3.get(String(repeating: "x", count: 1_025)) } throws: { isInvalidInput($0) }
        await #expect { try await l3.getMany(["ok", ""]) } throws: { isInvalidInput($0) }
        await #expect { try await l3.deleteMany(["ok", "a\u{0}"]) } throws: { isInvalidInput($0) }
        await #expect { try await l3.invalidate(tag: "") } throws: { isInvalidInput($0) }
        await #expect { try await l3.set("big", value: [UInt8](repeating: 1, count: 101), ttl: nil) } throws: {
            isInvalidInput($0) && (($0 as? WhaleError)?.message.contains("over L3's limit of 100") ?? false)
        }
        await #expect { try await l3.set("ttl", value: [1], ttl: .zero) } throws: { isInvalidInput($0) }
        await #expect { try await l3.set("ttl", value: [1], ttl: .seconds(-1)) } throws: { isInvalidInput($0) }
        // One bad write in a batch: none of it is stored.
        await #expect {
            try await l3.setMany([
                CacheWrite(key: "good", value: [1]),
                CacheWrite(key: "tagged", value: [1], tags: ["ok", "bad\u{0}tag"]),
            ])
        } throws: { isInvalidInput($0) }
        await #expect {
            try await l3.setMany([CacheWrite(key: "good", value: [1]), CacheWrite(key: "huge", value: [UInt8](repeating: 0, count: 101))])
        } throws: { isInvalidInput($0) }
        #expect(try await l3.get("good") == nil)
        #expect(try await l3.usage() == SQLiteTierUsage(entries: 0, bytes: 0, pendingWrites: 0))
        // Exactly at the limit is fine.
        try await l3.set("limit", value: [UInt8](repeating: 1, count: 100), ttl: nil)
        #expect(try await l3.get("limit")?.count == 100)
        try await l3.close()
    }

    @Test(arguments: [
        { (c: inout SQLiteTierConfiguration) in c.readerCount = 0 },
        { (c: inout SQLiteTierConfiguration) in c.path = "" },
        { (c: inout SQLiteTierConfiguration) in c.writeBehind.flushSize = 0 },
        { (c: inout SQLiteTierConfiguration) in c.writeBehind.flushInterval = .zero },
        { (c: inout SQLiteTierConfiguration) in c.defaultTTL = .seconds(-1) },
        { (c: inout SQLiteTierConfiguration) in c.maxValueBytes = -1 },
        { (c: inout SQLiteTierConfiguration) in c.sizeLimit = .maxRows(-1) },
        { (c: inout SQLiteTierConfiguration) in c.cleanupInterval = .zero },
        { (c: inout SQLiteTierConfiguration) in c.maxDatabaseBytes = 0 },
    ] as [@Sendable (inout SQLiteTierConfiguration) -> Void])
    func invalidConfigurationIsRefused(_ change: @Sendable (inout SQLiteTierConfiguration) -> Void) async throws {
        await #expect {
            try await fixture.open(fixture.configuration(change))
        } throws: { ($0 as? WhaleError)?.code == .invalidConfiguration }
    }

    @Test func aMissingDirectoryIsAnIOError() async throws {
        await #expect {
            try await fixture.open(fixture.configuration { $0.path = "/nonexistent-\(UUID().uuidString)/l3.sqlite" })
        } throws: { ($0 as? WhaleError)?.code == .io }
    }

    @Test func aNewerSchemaIsRefused() async throws {
        try await fixture.open().close()
        try SQLiteDatabase(path: fixture.path).execute("PRAGMA user_version = 7")
        await #expect { try await fixture.open() } throws: {
            ($0 as? WhaleError)?.code == .invalidConfiguration && "\($0)".contains("version 7")
        }
    }

    // MARK: TTL

    @Test func entriesExpireOnTheInjectedClock() async throws {
        let l3 = try await fixture.open(fixture.configuration { $0.defaultTTL = .seconds(100) })
        try await l3.set("short", value: [1], ttl: .seconds(10))
        try await l3.set("default", value: [2], ttl: nil)
        try await l3.set("sub-ms", value: [3], ttl: .microseconds(10))
        try await l3.set("flushed", value: [4], ttl: .seconds(10))
        try await l3.flush()
        try await l3.set("queued", value: [5], ttl: .seconds(10))

        fixture.clock.advance(by: .milliseconds(1))
        #expect(try await l3.get("sub-ms") == nil)
        fixture.clock.advance(by: .seconds(9))
        #expect(try await l3.getMany(["short", "default", "flushed", "queued"]) == [[1], [2], [4], [5]])
        fixture.clock.advance(by: .seconds(1))
        #expect(try await l3.getMany(["short", "default", "flushed", "queued"]) == [nil, [2], nil, nil])
        #expect(try await l3.get("flushed") == nil)
        #expect(try await l3.get("queued") == nil)
        fixture.clock.advance(by: .seconds(90))
        #expect(try await l3.get("default") == nil)

        // cleanup removes the expired rows, and counts them.
        #expect(try await l3.cleanup() == 5)
        #expect(fixture.counter("expired_removed") == 5)
        #expect(try await l3.usage() == SQLiteTierUsage(entries: 0, bytes: 0, pendingWrites: 0))
        try await l3.close()
    }

    @Test func noDefaultTTLKeepsEntries() async throws {
        let l3 = try await fixture.open(fixture.configuration { $0.defaultTTL = nil })
        try await l3.set("forever", value: [1], ttl: nil)
        try await l3.flush()
        fixture.clock.advance(by: .seconds(10 * 365 * 86_400))
        #expect(try await l3.get("forever") == [1])
        #expect(try fixture.query("SELECT expires_at FROM whale_cache_entries") == [[.null]])
        try await l3.close()
    }

    // MARK: Write-behind

    @Test func queuedWritesAreVisibleAndFlushWritesThem() async throws {
        let l3 = try await fixture.open()
        try await l3.set("a", value: [1], ttl: nil)
        try await l3.set("b", value: [2], ttl: nil)
        #expect(try await l3.usage() == SQLiteTierUsage(entries: 0, bytes: 0, pendingWrites: 2))
        #expect(try await l3.get("a") == [1])
        #expect(try await l3.delete("b"))
        #expect(try await l3.get("b") == nil)
        try await l3.flush()
        #expect(try await l3.usage() == SQLiteTierUsage(entries: 1, bytes: 2, pendingWrites: 0))
        #expect(fixture.counter("flush_batches") == 1)
        #expect(fixture.counter("writes", [("operation", "set")]) == 1)
        #expect(try await l3.get("a") == [1])
        try await l3.close()
    }

    @Test func aFullBatchIsWrittenWithoutWaitingForTheInterval() async throws {
        let l3 = try await fixture.open(fixture.configuration { $0.writeBehind.flushSize = 3 })
        try await l3.setMany((0..<2).map { CacheWrite(key: "k\($0)", value: [UInt8($0)]) })
        #expect(try await l3.usage().entries == 0)
        try await l3.set("k2", value: [2], ttl: nil)
        // The flush was queued on the writer before set returned; usage runs after it.
        #expect(try await l3.usage() == SQLiteTierUsage(entries: 3, bytes: 9, pendingWrites: 0))
        try await l3.close()
    }

    @Test func theFlushIntervalWritesOnItsOwn() async throws {
        let l3 = try await fixture.open(fixture.configuration { $0.writeBehind.flushInterval = .milliseconds(50) })
        try await l3.set("a", value: [1], ttl: nil)
        await fixture.clock.waitForSleepers(count: 1)
        #expect(try await l3.usage().entries == 0)
        fixture.clock.advance(by: .milliseconds(50))
        #expect(await eventually { (try? await l3.usage().entries) == 1 })
        #expect(fixture.counter("flush_batches") == 1)
        try await l3.close()
    }

    @Test func closeFlushesAndReopenReadsBack() async throws {
        do {
            let l3 = try await fixture.open(fixture.configuration { $0.writeBehind.flushSize = 1_000 })
            for index in 0..<500 {
                try await l3.set("key:\(index)", value: testBytes(index, count: 100), ttl: .seconds(3_600))
            }
            try await l3.setMany([CacheWrite(key: "tagged", value: [9], tags: ["keep"])])
            #expect(try await l3.usage().entries == 0)
            try await l3.close()
            try await l3.close()  // idempotent
            await #expect { try await l3.get("key:1") } throws: { ($0 as? WhaleError)?.code == .unavailable }
            await #expect { try await l3.set("key:1", value: [1], ttl: nil) } throws: {
                ($0 as? WhaleError)?.code == .unavailable
            }
            await #expect { try await l3.flush() } throws: { ($0 as? WhaleError)?.code == .unavailable }
        }
        // WAL and shared-memory files are gone after the last connection closed.
        #expect(try fixture.files(startingWith: "l3.sqlite-").isEmpty)
        let reopened = try await fixture.open()
        for index in [0, 1, 250, 499] {
            #expect(try await reopened.get("key:\(index)") == testBytes(index, count: 100))
        }
        #expect(try await reopened.usage().entries == 501)
        #expect(try await reopened.invalidate(tag: "keep") == 1)
        try await reopened.close()
    }

    @Test func runClosesWhenCancelled() async throws {
        let l3 = try await fixture.open()
        let service = Task { try await l3.run() }
        try await l3.set("a", value: [1], ttl: nil)
        service.cancel()
        try await service.value
        await #expect { try await l3.get("a") } throws: { ($0 as? WhaleError)?.code == .unavailable }
        let reopened = try await fixture.open()
        #expect(try await reopened.get("a") == [1])
        // close() also ends run().
        let running = Task { try await reopened.run() }
        try await reopened.close()
        try await running.value
    }

    @Test func aDroppedTierStillFlushes() async throws {
        do {
            let l3 = try await fixture.open()
            try await l3.set("dropped", value: [7], ttl: nil)
        }
        // The flush runs on the writer queue after the tier is gone.
        #expect(await eventually { (try? self.fixture.query("SELECT value FROM whale_cache_entries")) == [[.blob([7])]] })
    }

    // MARK: Deletes

    @Test func deleteCountsWhatWasPresent() async throws {
        let l3 = try await fixture.open()
        try await l3.setMany([
            CacheWrite(key: "stored", value: [1]),
            CacheWrite(key: "expired", value: [1], ttl: .seconds(1)),
            CacheWrite(key: "overwritten", value: [1]),
        ])
        try await l3.flush()
        try await l3.set("queued", value: [2], ttl: nil)
        try await l3.set("overwritten", value: [2], ttl: nil)
        fixture.clock.advance(by: .seconds(2))
        #expect(try await l3.deleteMany(["stored", "expired", "queued", "overwritten", "absent", "stored", "queued"]) == 3)
        #expect(try await l3.deleteMany(["stored", "queued", "overwritten"]) == 0)
        #expect(try await l3.getMany(["stored", "queued", "overwritten"]) == [nil, nil, nil])
        #expect(try await l3.delete("absent") == false)
        try await l3.flush()
        #expect(try fixture.query("SELECT key FROM whale_cache_entries") == [[.text("expired")]])
        #expect(try await l3.deleteMany([]) == 0)
        try await l3.close()
    }

    // MARK: Cleanup and size cap

    @Test func theRowCapEvictsTheLeastRecentlyRead() async throws {
        let l3 = try await fixture.open(fixture.configuration { $0.sizeLimit = .maxRows(3) })
        try await l3.setMany(["a", "b", "c"].map { CacheWrite(key: $0, value: [1]) })
        try await l3.flush()
        fixture.clock.advance(by: .seconds(59))
        #expect(try await l3.get("b") == [1])  // within the resolution: no new access time
        fixture.clock.advance(by: .seconds(1))
        #expect(try await l3.get("a") == [1])  // a minute later: a newer access time than b and c
        try await l3.set("d", value: [1], ttl: nil)
        try await l3.flush()
        #expect(try await l3.getMany(["a", "b", "c", "d"]) == [[1], nil, [1], [1]])
        #expect(fixture.counter("evictions") == 1)
        #expect(try fixture.query("SELECT key, last_access FROM whale_cache_entries WHERE key IN ('a', 'c') ORDER BY key") == [
            [.text("a"), .integer(fixture.clock.now.nanosecondsSinceEpoch / 1_000_000)],
            [.text("c"), .integer(fixture.clock.now.nanosecondsSinceEpoch / 1_000_000 - 60_000)],
        ])
        #expect(try await l3.usage().entries == 3)
        try await l3.close()
    }

    @Test func theByteCapIsEnforcedByCleanup() async throws {
        let l3 = try await fixture.open(fixture.configuration { $0.sizeLimit = .unlimited })
        for index in 0..<10 {
            // Written at t = index s; k0…k2 live 15 s, the rest an hour.
            let ttl: Duration = index < 3 ? .seconds(15) : .seconds(3_600)
            try await l3.set("k\(index)", value: [UInt8](repeating: 0, count: 98), ttl: ttl)
            fixture.clock.advance(by: .seconds(1))
            try await l3.flush()
        }
        #expect(try await l3.usage().bytes == 1_000)
        try await l3.close()

        // Reopen with a cap of 500 bytes: the 3 expired rows go first, then the 2 least recently used.
        let capped = try await fixture.open(fixture.configuration { $0.sizeLimit = .init(maxBytes: 500, maxRows: 100) })
        fixture.clock.advance(by: .seconds(21))  // t = 31 s: k0, k1, k2 expired
        #expect(try await capped.cleanup() == 5)
        #expect(fixture.counter("expired_removed") == 3)
        #expect(fixture.counter("evictions") == 2)
        let present = try await capped.getMany((0..<10).map { "k\($0)" }).map { $0 != nil }
        #expect(present == [false, false, false, false, false, true, true, true, true, true])
        #expect(try await capped.usage().bytes == 500)
        try await capped.close()
    }

    @Test func periodicCleanupRunsOnTheClock() async throws {
        let l3 = try await fixture.open(fixture.configuration { $0.cleanupInterval = .seconds(60) })
        await fixture.clock.waitForSleepers(count: 1)  // the cleanup loop
        try await l3.set("short", value: [1], ttl: .seconds(10))
        try await l3.flush()
        fixture.clock.advance(by: .seconds(60))
        #expect(await eventually { self.fixture.counter("expired_removed") == 1 })
        #expect(try await l3.usage().entries == 0)
        try await l3.close()
    }

    // MARK: Invalidation

    @Test func globInvalidationUsesRedisSemanticsAndCountsRemovedRows() async throws {
        let l3 = try await fixture.open()
        let keys = [
            "user:1:profile", "user:2:profile", "user:10:profile", "user:é:profile", "user:1:settings",
            "users:1:profile", "a*b", "axb", "a\\b", "user:[1]:profile", "user:[2]:profile", "user:x:profile",
            "USER:1:profile",
        ]
        try await l3.setMany(keys.map { CacheWrite(key: $0, value: [1]) } + [
            CacheWrite(key: "user:3:profile", value: [1], ttl: .seconds(1))  // expires: removed, not counted
        ])
        try await l3.flush()
        // Queued: an overwrite of a stored key (counted once) and a new key.
        try await l3.set("user:1:profile", value: [2], ttl: nil)
        try await l3.set("user:4:profile", value: [2], ttl: nil)
        fixture.clock.advance(by: .seconds(2))

        let all = keys + ["user:4:profile"]
        let cases: [(pattern: String, expected: [String])] = [
            ("user:??:profile", ["user:10:profile", "user:é:profile"]),  // é is two bytes
            ("user:?:profile", ["user:1:profile", "user:2:profile", "user:4:profile", "user:x:profile"]),
            ("user:\\[1\\]:*", ["user:[1]:profile"]),
            ("user:[^0-9]*", ["user:[2]:profile"]),
            ("a\\*b", ["a*b"]),
            ("a\\\\b", ["a\\b"]),
            ("*:settings", ["user:1:settings"]),
            ("user*", ["users:1:profile"]),
            ("nothing*", []),
        ]
        var remaining = Set(all)
        for (pattern, expected) in cases {
            let glob = try GlobPattern(pattern)
            // The tier agrees with GlobPattern.matches, the L1/Redis semantics.
            #expect(Set(remaining.filter { glob.matches($0) }) == Set(expected), "pattern \(pattern)")
            #expect(try await l3.invalidate(matching: glob) == expected.count, "pattern \(pattern)")
            remaining.subtract(expected)
            let stillThere = try await l3.getMany(all)
            for (key, value) in zip(all, stillThere) {
                #expect((value != nil) == remaining.contains(key), "\(key) after \(pattern)")
            }
        }
        #expect(remaining == ["axb", "USER:1:profile"])
        try await l3.flush()
        #expect(try await l3.usage().entries == 2)
        // A literal pattern removes exactly its key.
        #expect(try await l3.invalidate(matching: GlobPattern("axb")) == 1)
        #expect(try await l3.invalidate(matching: GlobPattern("axb")) == 0)
        try await l3.close()
    }

    @Test func prefixRangesCoverMultibyteAndHighBytes() async throws {
        let l3 = try await fixture.open()
        let keys = ["é", "éa", "ê", "\u{7F}", "\u{7F}x", "\u{80}", "z", "\u{10FFFF}", "\u{10FFFF}a"]
        try await l3.setMany(keys.map { CacheWrite(key: $0, value: [1]) })
        try await l3.flush()
        #expect(try await l3.invalidate(matching: GlobPattern("é*")) == 2)
        #expect(try await l3.invalidate(matching: GlobPattern("\u{7F}*")) == 2)
        #expect(try await l3.invalidate(matching: GlobPattern("\u{10FFFF}*")) == 2)
        #expect(try await l3.getMany(keys).map { $0 != nil } == [false, false, true, false, false, true, true, false, false])
        try await l3.close()
    }

    @Test func tagInvalidationCountsRemovedRows() async throws {
        let l3 = try await fixture.open()
        try await l3.setMany([
            CacheWrite(key: "p1", value: [1], tags: ["product", "page"]),
            CacheWrite(key: "p2", value: [1], tags: ["product"]),
            CacheWrite(key: "p3", value: [1], tags: ["product"]),
            CacheWrite(key: "old", value: [1], ttl: .seconds(1), tags: ["product"]),
            CacheWrite(key: "other", value: [1], tags: ["page"]),
        ])
        try await l3.flush()
        // p3 is rewritten without the tag (queued): it must survive.
        try await l3.set("p3", value: [2], ttl: nil)
        // A queued tagged write counts too.
        try await l3.setMany([CacheWrite(key: "p4", value: [1], tags: ["product", "product"])])
        fixture.clock.advance(by: .seconds(2))
        #expect(try await l3.invalidate(tag: "product") == 3)  // p1, p2, p4
        #expect(try await l3.getMany(["p1", "p2", "p3", "p4", "other"]) == [nil, nil, [2], nil, [1]])
        #expect(try await l3.invalidate(tag: "product") == 0)
        #expect(try await l3.invalidate(tag: "page") == 1)  // p1's tag row went with it
        try await l3.flush()
        #expect(try fixture.query("SELECT tag, key FROM whale_cache_tags") == [])
        #expect(try await l3.invalidate(tag: "never-used") == 0)
        try await l3.close()
    }

    // MARK: Concurrency

    /// Reads in place on the caller's thread (the default), always on a
    /// reader thread, and in place on one connection that 16 tasks share, so
    /// that most reads find it busy and queue on its thread instead.
    @Test(arguments: [(readers: 4, inline: true), (readers: 4, inline: false), (readers: 1, inline: true)])
    func manyTasksReadAndWriteConcurrently(readers: Int, inline: Bool) async throws {
        let l3 = try await fixture.open(fixture.configuration {
            $0.readerCount = readers
            $0.inlineReads = inline
            $0.writeBehind.flushSize = 64
        })
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<16 {
                group.addTask {
                    for round in 0..<100 {
                        let key = "t\(task):\(round % 10)"
                        let value = testBytes(task * 1_000 + round)
                        switch round % 5 {
                        case 0, 1, 2:
                            try await l3.set(key, value: value, ttl: nil)
                            #expect(try await l3.get(key) == value)
                        case 3:
                            _ = try await l3.delete(key)
                            #expect(try await l3.get(key) == nil)
                        default:
                            _ = try await l3.getMany(["t\(task):0", "t\((task + 1) % 16):1"])
                            if round % 20 == 4 { try await l3.flush() }
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        try await l3.flush()
        // Each task's last operation per key decides it.
        for task in 0..<16 {
            for slot in 0..<10 {
                let last = (0..<100).last { $0 % 10 == slot && $0 % 5 != 4 }
                let expected: [UInt8]? = last.flatMap { $0 % 5 == 3 ? nil : testBytes(task * 1_000 + $0) }
                #expect(try await l3.get("t\(task):\(slot)") == expected, "t\(task):\(slot)")
            }
        }
        try await l3.close()
    }

    @Test func readsOnTheReaderExecutorSkipTheHop() async throws {
        let l3 = try await fixture.open()
        try await l3.setMany((0..<50).map { CacheWrite(key: "k\($0)", value: testBytes($0)) })
        try await l3.flush()
        let values = try await l3.withReaderExecutor {
            var values: [[UInt8]?] = []
            for index in 0..<50 { values.append(try await l3.get("k\(index)")) }
            values.append(contentsOf: try await l3.getMany(["k1", "nope"]))
            return values
        }
        #expect(values == (0..<50).map { testBytes($0) } + [testBytes(1), nil])
        try await l3.close()
    }

    // MARK: Metrics

    @Test func readsAndWritesAreCounted() async throws {
        let l3 = try await fixture.open()
        try await l3.set("a", value: [1], ttl: nil)
        _ = try await l3.get("a")  // hit from the queue
        try await l3.flush()
        _ = try await l3.getMany(["a", "b", "c"])
        #expect(fixture.counter("reads", [("result", "hit")]) == 2)
        #expect(fixture.counter("reads", [("result", "miss")]) == 2)
        #expect(fixture.counter("writes", [("operation", "set")]) == 1)
        #expect(fixture.counter("flush_batches") == 1)
        #expect(fixture.counter("errors") == 0)
        try await l3.close()
    }
}
