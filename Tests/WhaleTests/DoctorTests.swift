import ArgumentParser
import CoreTestKit
import Foundation
import Testing

@testable import whale

@Suite struct DoctorTests {
    let dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("whale-doctor-\(UUID().uuidString)").path

    @Test func aDeadRedisFailsTheDoctor() async throws {
        defer { try? FileManager.default.removeItem(atPath: dataDirectory) }
        let doctor = try Doctor.parse(["--redis", "redis://127.0.0.1:1", "--data-dir", dataDirectory])
        await #expect(throws: ExitCode.failure) { try await doctor.run() }
    }

    @Test func onlyTheSQLiteDirectoryPassesWithNothingElseConfigured() async throws {
        defer { try? FileManager.default.removeItem(atPath: dataDirectory) }
        let doctor = try Doctor.parse(["--data-dir", dataDirectory])
        try await doctor.run()
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
        let dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("whale-doctor-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dataDirectory) }
        let doctor = try Doctor.parse(["--redis", redis, "--kafka", kafka, "--data-dir", dataDirectory])
        try await doctor.run()
    }
}
