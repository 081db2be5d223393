import ArgumentParser
import CoreTestKit
import Foundation
import Testing

@testable import whale

/// Resolves flags against an explicit environment, so the tests do not pick up
/// the `WHALE_*` variables `make test` exports.
private func configuration(_ arguments: [String], environment: [String: String] = [:]) throws -> NodeConfiguration {
    try NodeConfiguration.resolve(try NodeOptions.parse(arguments), environment: environment)
}

private func temporaryDirectory() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("whale-doctor-\(UUID().uuidString)").path
}

@Suite struct DoctorTests {
    @Test func aDeadRedisFailsTheDoctor() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let diagnosis = try await Doctor.diagnose(try configuration(["--redis", "redis://127.0.0.1:1", "--data-dir", directory]))
        #expect(!diagnosis.isHealthy)
        #expect(diagnosis.table.contains("redis    down"))
        #expect(diagnosis.problems == ["failing: redis"])
    }

    @Test func onlyTheSQLiteDirectoryPassesWithNothingElseConfigured() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let diagnosis = try await Doctor.diagnose(try configuration(["--data-dir", directory]))
        #expect(diagnosis.isHealthy)
        #expect(diagnosis.table.contains("sqlite   up"))
        #expect(diagnosis.table.contains("redis    off"))
        #expect(diagnosis.problems.isEmpty)
    }

    @Test func anUnusableDataDirectoryFailsTheDoctor() async throws {
        let diagnosis = try await Doctor.diagnose(try configuration(["--data-dir", "/proc/whale-cannot-create"]))
        #expect(!diagnosis.isHealthy)
        #expect(diagnosis.problems.contains { $0.contains("cannot be created") })
    }

    @Test func theCommandExitsNonZeroWhenAServiceFails() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let doctor = try Doctor.parse(["--redis", "redis://127.0.0.1:1", "--kafka", "127.0.0.1:1", "--data-dir", directory])
        await #expect(throws: ExitCode.failure) { try await doctor.run() }
    }

    @Test func tableColumnsAlign() {
        let table = Doctor.table(header: ["A", "STATUS"], rows: [["redis", "down"], ["x", "up"]])
        #expect(table == "A      STATUS\nredis  down\nx      up")
    }
}

/// `whale doctor` against the live Redis and Kafka that `make test` starts.
@Suite(.timeLimit(.minutes(1)))
struct DoctorIntegrationTests {
    @Test func passesAgainstTheLiveServices() async throws {
        let redis = try TestServices.require(.redis).value
        let kafka = try TestServices.require(.kafka).value
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let diagnosis = try await Doctor.diagnose(try configuration(["--redis", redis, "--kafka", kafka, "--data-dir", directory]))
        #expect(diagnosis.isHealthy, "\(diagnosis.table)")
        #expect(diagnosis.table.contains("redis    up"))
        #expect(diagnosis.table.contains("kafka    up"))
    }
}
