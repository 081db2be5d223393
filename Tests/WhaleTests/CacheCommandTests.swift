import ArgumentParser
import CoreCache
import Foundation
import Testing

@testable import whale

private func temporaryDirectory() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("whale-cache-\(UUID().uuidString)").path
}

/// `whale cache …` against L3 in a temporary data directory (and the live
/// Redis as L2 when `make test` exports `WHALE_REDIS_URL`).
@Suite(.timeLimit(.minutes(1)))
struct CacheCommandTests {
    @Test func setGetDeleteRoundTrip() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let key = "cli-test:\(UUID().uuidString)"
        try await CacheCommand.Set.parse([key, #"{"name":"Sara"}"#, "--tag", "cli-test", "--data-dir", directory]).run()
        try await CacheCommand.Get.parse([key, "--data-dir", directory]).run()
        try await CacheCommand.Del.parse([key, "--data-dir", directory]).run()
        await #expect(throws: ExitCode.failure) { try await CacheCommand.Get.parse([key, "--data-dir", directory]).run() }
    }

    @Test func invalidateByTagAndPattern() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let prefix = "cli-inv-\(UUID().uuidString)"
        try await CacheCommand.Set.parse(["\(prefix):a", "1", "--tag", prefix, "--data-dir", directory]).run()
        try await CacheCommand.Set.parse(["\(prefix):b", "2", "--data-dir", directory]).run()
        try await CacheCommand.Invalidate.parse(["--tag", prefix, "--data-dir", directory]).run()
        await #expect(throws: ExitCode.failure) { try await CacheCommand.Get.parse(["\(prefix):a", "--data-dir", directory]).run() }
        try await CacheCommand.Get.parse(["\(prefix):b", "--data-dir", directory]).run()
        try await CacheCommand.Invalidate.parse(["--pattern", "\(prefix):*", "--data-dir", directory]).run()
        await #expect(throws: ExitCode.failure) { try await CacheCommand.Get.parse(["\(prefix):b", "--data-dir", directory]).run() }
    }

    @Test func badInputExitsNonZero() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for arguments in [["--data-dir", directory], ["--pattern", "a*", "--tag", "t", "--data-dir", directory], ["--pattern", "a[", "--data-dir", directory]] {
            await #expect(throws: ExitCode.failure, "\(arguments)") { try await CacheCommand.Invalidate.parse(arguments).run() }
        }
        await #expect(throws: ExitCode.failure) { try await CacheCommand.Set.parse(["", "v", "--data-dir", directory]).run() }
        await #expect(throws: ExitCode.failure) { try await CacheCommand.Set.parse(["k", "v", "--ttl", "0", "--data-dir", directory]).run() }
    }

    @Test func simulateReadsArcAndKeyTraces() async throws {
        let directory = temporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let arc = directory + "/trace.lis"
        try "1 4 0 0\n1 4 0 0\n".write(toFile: arc, atomically: true, encoding: .utf8)
        #expect(try CacheTiers.traceKeys(path: arc, format: .arc) == [1, 2, 3, 4, 1, 2, 3, 4])
        try await CacheCommand.Simulate.parse(["--trace", arc, "--capacity", "2,8"]).run()
        let keys = directory + "/keys.txt"
        try "a\nb\n\na\n".write(toFile: keys, atomically: true, encoding: .utf8)
        let hashed = try CacheTiers.traceKeys(path: keys, format: .keys)
        #expect(hashed.count == 3 && hashed[0] == hashed[2] && hashed[0] != hashed[1])
        for arguments in [["--capacity", "0"], ["--capacity", "x"], ["--capacity", "5", "--policy", "fifo"]] {
            await #expect(throws: ExitCode.failure, "\(arguments)") {
                try await CacheCommand.Simulate.parse(["--trace", arc] + arguments).run()
            }
        }
        await #expect(throws: ExitCode.failure) {
            try await CacheCommand.Simulate.parse(["--trace", directory + "/missing", "--capacity", "5"]).run()
        }
    }

    @Test func valuesAreStoredAsJSON() throws {
        #expect(try CacheTiers.jsonBytes(#"{"a":1}"#) == Array(#"{"a":1}"#.utf8))
        #expect(try CacheTiers.jsonBytes("42") == Array("42".utf8))
        #expect(try CacheTiers.jsonBytes("hello") == Array(#""hello""#.utf8))
    }
}
