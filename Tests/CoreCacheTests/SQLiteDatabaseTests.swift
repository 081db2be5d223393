import CoreCache
import CoreProtocols
import Foundation
import Testing

@Suite struct SQLiteDatabaseTests {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("whale-sqlite-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    @Test func writesAndReadsBackEveryType() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("db.sqlite").path
        do {
            let db = try SQLiteDatabase(path: path)
            try db.execute("PRAGMA journal_mode=WAL; CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB, n)")
            let changed = try db.run(
                "INSERT INTO t VALUES (?, ?, ?, ?, ?)",
                [.integer(-7), .real(2.5), .text("سلام"), .blob([0, 255, 0]), .null]
            )
            #expect(changed == 1)
        }
        // A second connection on the same file sees the committed row.
        let reopened = try SQLiteDatabase(path: path)
        let rows = try reopened.query("SELECT i, r, s, b, n FROM t")
        #expect(rows == [[.integer(-7), .real(2.5), .text("سلام"), .blob([0, 255, 0]), .null]])
    }

    @Test func badInputIsATypedError() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let db = try SQLiteDatabase(path: directory.appendingPathComponent("db.sqlite").path)
        #expect(throws: WhaleError.self) { try db.execute("CREATE TABLEX nope") }
        #expect {
            try db.query("SELECT ?", [])
        } throws: { error in
            (error as? WhaleError)?.message.contains("takes 1 parameters, 0 given") == true
        }
        #expect {
            try db.query("SELEC 1")
        } throws: { error in
            (error as? WhaleError)?.code == .invalidInput
        }
    }

    @Test func anUnopenablePathIsAnIOError() {
        #expect {
            try SQLiteDatabase(path: "/nonexistent-dir/\(UUID().uuidString)/db.sqlite")
        } throws: { error in
            let error = error as? WhaleError
            return error?.code == .io && error?.message.contains("cannot open SQLite database") == true
        }
    }

    @Test func healthCheckWritesAndReadsBack() async {
        defer { try? FileManager.default.removeItem(at: directory) }
        let good = await SQLiteHealthCheck(path: directory.appendingPathComponent("health.sqlite").path).check()
        #expect(good.isHealthy, "\(good)")
        let bad = await SQLiteHealthCheck(path: "/nonexistent-dir/health.sqlite").check()
        #expect(!bad.isHealthy)
    }
}
