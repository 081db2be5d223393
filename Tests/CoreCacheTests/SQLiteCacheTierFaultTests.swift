import CoreCache
import CoreProtocols
import CoreTestKit
import Foundation
import Logging
import Testing

@Suite(.timeLimit(.minutes(2))) struct SQLiteCacheTierFaultTests {
    let fixture: SQLiteTierFixture

    init() throws {
        fixture = try SQLiteTierFixture()
    }

    @Test func aGarbageFileIsQuarantinedAndReplaced() async throws {
        let garbage = Data((0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 7919) })
        try garbage.write(to: URL(fileURLWithPath: fixture.path))
        try Data("stale wal".utf8).write(to: URL(fileURLWithPath: fixture.path + "-wal"))

        let l3 = try await fixture.open()
        try await l3.set("works", value: [1], ttl: nil)
        try await l3.flush()
        #expect(try await l3.get("works") == [1])
        try await l3.close()

        let quarantined = try fixture.files(startingWith: "l3.sqlite.corrupt-")
        // SQLite itself removes the stale -wal when the failed connection closes.
        #expect(quarantined.count == 1, "\(quarantined)")
        let moved = try #require(quarantined.first)
        #expect(moved == "l3.sqlite.corrupt-\(fixture.clock.now.nanosecondsSinceEpoch / 1_000_000)")
        #expect(try Data(contentsOf: fixture.directory.appendingPathComponent(moved)) == garbage)
        #expect(fixture.counter("quarantined") == 1)
        let errors = fixture.logs.all.filter { $0.level == .error }
        #expect(errors.count == 1)
        #expect(errors.first?.message.contains("corrupt or unreadable") == true)
        #expect(errors.first?.metadata["quarantined_to"] == .string(fixture.directory.appendingPathComponent(moved).path))

        // The replacement is a healthy L3 file.
        let reopened = try await fixture.open()
        #expect(try await reopened.get("works") == [1])
        try await reopened.close()
    }

    @Test func anEmptyOrTruncatedHeaderIsQuarantinedToo() async throws {
        try Data("SQLite format 3\u{0}".utf8 + [UInt8](repeating: 0xFF, count: 84)).write(to: URL(fileURLWithPath: fixture.path))
        let l3 = try await fixture.open()
        try await l3.persistentSet("a", value: [1], durable: true)
        try await l3.close()
        #expect(try fixture.files(startingWith: "l3.sqlite.corrupt-").count == 1)
    }

    @Test func aCorruptPageIsFoundByTheIntegrityCheck() async throws {
        let l3 = try await fixture.open()
        try await l3.setMany((0..<2_000).map { CacheWrite(key: "key:\($0)", value: testBytes($0, count: 200)) })
        try await l3.close()
        // Overwrite pages in the middle of the file; the header stays valid.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: fixture.path))
        try handle.seek(toOffset: 8 * 4_096)
        handle.write(Data(repeating: 0xA5, count: 8 * 4_096))
        try handle.close()

        let checked = try await fixture.open(fixture.configuration { $0.checkIntegrityOnOpen = true })
        #expect(try await checked.get("key:1") == nil)
        try await checked.persistentSet("fresh", value: [1], durable: true)
        try await checked.close()
        #expect(try fixture.files(startingWith: "l3.sqlite.corrupt-").count == 1)
        #expect(fixture.counter("quarantined") == 1)
    }

    @Test func aFullDiskFailsWritesSoftly() async throws {
        // 64 KiB of database: a few hundred 100-byte values fit, 2 000 do not.
        let l3 = try await fixture.open(fixture.configuration {
            $0.maxDatabaseBytes = 64 << 10
            $0.sizeLimit = .unlimited
        })
        try await l3.persistentSet("early", value: [1], durable: true)

        try await l3.setMany((0..<2_000).map { CacheWrite(key: "fill:\($0)", value: testBytes($0, count: 100)) })
        await #expect {
            try await l3.flush()
        } throws: { error in
            let error = error as? WhaleError
            return error?.code == .resourceExhausted && error?.message.contains("2000 writes was not stored") == true
                && (error?.underlying as? SQLiteError)?.isFull == true
        }
        #expect(fixture.counter("errors", [("kind", "disk_full")]) == 1)
        #expect(fixture.counter("dropped_writes") == 2_000)
        #expect(fixture.logs.all.contains { $0.message == "L3 write-behind batch dropped" && $0.level == .warning })
        // The failure was reported once; reads and small writes go on.
        try await l3.flush()
        #expect(try await l3.get("early") == [1])
        #expect(try await l3.get("fill:1") == nil)
        try await l3.persistentSet("after", value: [2], durable: true)
        #expect(try await l3.get("after") == [2])

        // A durable write that does not fit throws at its caller.
        await #expect {
            try await l3.setMany((0..<2_000).map { CacheWrite(key: "again:\($0)", value: testBytes($0, count: 100)) }, durable: true)
        } throws: { ($0 as? WhaleError)?.code == .resourceExhausted }
        #expect(fixture.counter("errors", [("kind", "disk_full")]) == 2)
        // flush() reports what it has not reported before, so close() is clean.
        await #expect(throws: WhaleError.self) { try await l3.flush() }
        try await l3.close()
    }

    @Test func aBatchLostToAnErrorIsReportedToTheNextFlushAndClose() async throws {
        let l3 = try await fixture.open(fixture.configuration {
            $0.maxDatabaseBytes = 64 << 10
            $0.writeBehind.flushSize = 100
        })
        // The batch is written (and fails) in the background: flushSize reached.
        try await l3.setMany((0..<1_000).map { CacheWrite(key: "fill:\($0)", value: testBytes($0, count: 100)) })
        #expect(await eventually { self.fixture.counter("errors", [("kind", "disk_full")]) == 1 })
        await #expect { try await l3.close() } throws: { ($0 as? WhaleError)?.code == .resourceExhausted }
    }
}
